"""A series of refits of one analysis: the result shared by ``leave1out`` and ``cumul``.

Row i is the model refitted to a set of studies (all but study i, or the first
i in the cumulative order), with metafor's fields: ``estimate, se, zval, pval,
ci_lb, ci_ub, q, q_pval, tau2, i2, h2``. For a meta-regression the coefficient
fields are (k, p) arrays (one column per coefficient, named in ``coef_names``);
``q`` is then the residual heterogeneity QE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..formatting import fmtp, fmtx
from .results import DiagnosticResult, apply_transf, model_words, table_text

COEF_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub")
HET_FIELDS = ("q", "q_pval", "tau2", "i2", "h2")

EXPLAIN = (
    "estimate, se, zval, pval, ci_lb, ci_ub: the pooled estimate of that refit, its standard error, "
    "test statistic (z, or t for test='t'/'knha'), p-value and confidence interval",
    "q, q_pval: Cochran's Q test of (residual) heterogeneity; tau2: between-study variance; "
    "i2: I^2, the % of total variability due to heterogeneity; h2: H^2, total / sampling variability",
)


@dataclass(frozen=True, eq=False, repr=False)
class RefitSeries(DiagnosticResult):
    """Base of :class:`Leave1outResult` and :class:`CumulResult` (see the module docstring)."""

    slab: tuple
    k: np.ndarray
    coef_names: tuple
    estimate: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    q: np.ndarray
    q_pval: np.ndarray
    tau2: np.ndarray
    i2: np.ndarray
    h2: np.ndarray
    method: str
    test: str
    level: float
    transf: bool
    model: object

    #: what a row is, for words: 'omitting' or 'adding'
    row_word = ""

    @property
    def p(self) -> int:
        return len(self.coef_names)

    def to_frame(self) -> pd.DataFrame:
        """One row per refit (and per coefficient, for a meta-regression)."""
        n = len(self.slab)
        if self.p == 1:
            data = {"study": list(self.slab), "k": self.k}
            data.update({f: np.asarray(getattr(self, f)).reshape(n) for f in COEF_FIELDS})
        else:
            data = {"study": np.repeat(self.slab, self.p), "coef": list(self.coef_names) * n,
                    "k": np.repeat(self.k, self.p)}  # fmt: skip
            data.update({f: np.asarray(getattr(self, f)).reshape(-1) for f in COEF_FIELDS})
        for f in HET_FIELDS:
            data[f] = np.repeat(getattr(self, f), self.p)
        return pd.DataFrame(data)

    def _header(self) -> list[str]:
        m = self.model
        lines = [f"{self.title} ({model_words(m)}; k = {m.k})", ""]
        full = m.result
        if self.p == 1:
            lines.append(
                f"All {m.k} studies: estimate {fmtx(full.estimate)} "
                f"({self.level:g}% CI {fmtx(full.ci_lb)} to {fmtx(full.ci_ub)}), p = {fmtp(full.pval)}, "
                f"tau^2 = {fmtx(full.tau2)}, I^2 = {fmtx(full.i2, 2)}%."
            )
        if self.transf:
            lines.append("Estimates and CI bounds are transformed (transf=); the SE is not shown.")
        return lines

    def summary(self, digits: int = 4) -> str:
        lines = self._header() + [""] + [f"- {e}" for e in EXPLAIN] + [""]
        lines.append(table_text(self.to_frame(), digits))
        return "\n".join(lines)

    def plot(self, **kwargs):
        """A forest plot of the refits (see :mod:`exometa.plots.diagnostics`)."""
        from ..plots.diagnostics import series_forest

        return series_forest(self, **kwargs)


def series_fields(fit: dict, p: int, transf=None) -> dict:
    """The result fields from the engine's arrays (coefficients squeezed when p = 1)."""
    engine_name = {"estimate": "beta"}
    out = {}
    for f in COEF_FIELDS:
        value = fit[engine_name.get(f, f)]
        out[f] = value if p > 1 else value[:, 0]
    out["tau2"] = np.where(np.isnan(fit["q"]), np.nan, fit["tau2"])
    for f in ("q", "q_pval", "i2", "h2"):
        out[f] = fit[f]
    if transf is not None:
        out["estimate"], out["ci_lb"], out["ci_ub"] = apply_transf(transf, out["estimate"], out["ci_lb"], out["ci_ub"])
        out["se"] = np.full_like(out["se"], np.nan)
    return out
