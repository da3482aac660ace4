"""Result objects: frozen, computed eagerly, named with metafor's vocabulary.

For a single meta-analysis every numeric field is a Python float (or int); for
a batch of B meta-analyses every field is a NumPy array of length B.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..formatting import fmtp, fmtx

METHOD_NAMES = {
    "EE": "equal-effects model",
    "FE": "fixed-effects model",
    "DL": "random-effects model (DerSimonian-Laird)",
    "DL2": "random-effects model (two-step DerSimonian-Kacker)",
    "HE": "random-effects model (Hedges)",
    "HS": "random-effects model (Hunter-Schmidt)",
    "HSk": "random-effects model (Hunter-Schmidt, k-corrected)",
    "SJ": "random-effects model (Sidik-Jonkman)",
    "ML": "random-effects model (maximum likelihood)",
    "REML": "random-effects model (restricted maximum likelihood)",
    "EB": "random-effects model (empirical Bayes)",
    "PM": "random-effects model (Paule-Mandel)",
    "MH": "equal-effects model (Mantel-Haenszel)",
    "PETO": "equal-effects model (Peto)",
}

TEST_NAMES = {
    "z": "z-test (standard normal)",
    "t": "t-test (k - p degrees of freedom)",
    "knha": "Hartung-Knapp-Sidik-Jonkman t-test",
}

#: the scalar fields of MetaResult, in the order of to_frame()
POOLED_FIELDS = (
    "k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub",
    "tau2", "tau2_ci_lb", "tau2_ci_ub", "i2", "i2_ci_lb", "i2_ci_ub",
    "h2", "h2_ci_lb", "h2_ci_ub", "q", "q_df", "q_pval", "ddf",
)  # fmt: skip


def _plain(x):
    """Numpy scalars and arrays to JSON-able Python values (NaN -> None)."""
    if isinstance(x, np.ndarray):
        return [_plain(v) for v in x.tolist()]
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return None if np.isnan(x) else x
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    return x


class _ResultMixin:
    def to_dict(self) -> dict:
        """All fields as JSON-able Python values (NaN becomes None)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html()

    def __repr__(self) -> str:  # pragma: no cover - display only
        return self.summary()

    @property
    def is_batch(self) -> bool:
        return isinstance(self.k, np.ndarray)


@dataclass(frozen=True, eq=False, repr=False)
class MetaResult(_ResultMixin):
    """A pooled estimate (intercept-only model), as ``metafor::rma`` gives it.

    Attributes
    ----------
    k : number of studies; method, test : as requested; level : CI level in percent.
    estimate, se, zval, pval, ci_lb, ci_ub : the pooled effect and its test.
    pi_lb, pi_ub : prediction interval for the effect in a new study.
    tau2, tau2_ci_lb, tau2_ci_ub : between-study variance, Q-profile CI.
    i2, h2 (with _ci_lb/_ci_ub) : metafor's I^2 (percent) and H^2.
    q, q_df, q_pval : Cochran's Q test of heterogeneity.
    ddf : degrees of freedom of the t-test (NaN for z).
    weights : percent weight of each study (k,) or (B, k).
    """

    k: object
    method: str
    test: str
    level: float
    estimate: object
    se: object
    zval: object
    pval: object
    ci_lb: object
    ci_ub: object
    pi_lb: object
    pi_ub: object
    tau2: object
    tau2_ci_lb: object
    tau2_ci_ub: object
    i2: object
    i2_ci_lb: object
    i2_ci_ub: object
    h2: object
    h2_ci_lb: object
    h2_ci_ub: object
    q: object
    q_df: object
    q_pval: object
    ddf: object
    converged: object
    iterations: object
    weights: object
    yi: object = None
    vi: object = None
    slab: tuple | None = None

    @property
    def tau(self):
        return np.sqrt(self.tau2)

    def to_frame(self) -> pd.DataFrame:
        """One row per meta-analysis, with the fields of :data:`POOLED_FIELDS`."""
        data = {name: np.atleast_1d(getattr(self, name)) for name in POOLED_FIELDS}
        frame = pd.DataFrame(data)
        frame.insert(1, "method", self.method)
        frame.insert(2, "test", self.test)
        return frame

    def summary(self, digits: int = 4) -> str:
        """Every number explained in words, as metafor's print method does."""
        if self.is_batch:
            return (
                f"{len(self.k)} meta-analyses fitted at once ({self.method}, test={self.test!r}); "
                "see .to_frame() for the numbers."
            )
        x = lambda v: fmtx(v, digits)  # noqa: E731
        common = self.method in ("EE", "FE", "MH", "PETO")
        lines = [f"{METHOD_NAMES.get(self.method, self.method)} (k = {self.k})", ""]
        if not common:
            lines += [
                f"tau^2 (estimated amount of total heterogeneity): {x(self.tau2)} "
                f"(95% Q-profile CI {x(self.tau2_ci_lb)} to {x(self.tau2_ci_ub)})"
                if self.level == 95
                else f"tau^2 (estimated amount of total heterogeneity): {x(self.tau2)} "
                f"({self.level:g}% Q-profile CI {x(self.tau2_ci_lb)} to {x(self.tau2_ci_ub)})",
                f"tau (square root of estimated tau^2 value):      {x(self.tau)}",
            ]
        lines += [
            f"I^2 (total heterogeneity / total variability):   {fmtx(self.i2, 2)}%",
            f"H^2 (total variability / sampling variability):  {fmtx(self.h2, 2)}",
            "",
            f"Test for heterogeneity: Q(df = {self.q_df}) = {x(self.q)}, p = {fmtp(self.q_pval, digits)}",
            "",
            f"Pooled estimate: {x(self.estimate)} (SE {x(self.se)}), "
            f"{self.level:g}% CI {x(self.ci_lb)} to {x(self.ci_ub)}",
            f"Test of the pooled effect ({TEST_NAMES.get(self.test, self.test)}): "
            f"{'t' if self.test in ('t', 'knha') and self.k > 1 else 'z'} = {x(self.zval)}, "
            f"p = {fmtp(self.pval, digits)}",
        ]
        if not common:
            lines.append(
                f"{self.level:g}% prediction interval (where the effect of a new study is "
                f"expected to lie): {x(self.pi_lb)} to {x(self.pi_ub)}"
            )
        return "\n".join(lines)


@dataclass(frozen=True, eq=False, repr=False)
class MetaRegressionResult(_ResultMixin):
    """A mixed-effects meta-regression (``rma(mods=...)``).

    Coefficient fields (``estimate, se, zval, pval, ci_lb, ci_ub``) have one
    entry per coefficient, named in ``coef_names``; for a batch they are (B, p).
    ``q``/``q_pval`` test the residual heterogeneity (QE); ``qm``/``qm_pval`` the
    moderators (all coefficients but the intercept); ``r2`` is the percentage of
    heterogeneity accounted for (metafor's pseudo-R^2).
    """

    k: object
    p: int
    method: str
    test: str
    level: float
    coef_names: tuple
    estimate: object
    se: object
    zval: object
    pval: object
    ci_lb: object
    ci_ub: object
    vb: object
    tau2: object
    tau2_ci_lb: object
    tau2_ci_ub: object
    i2: object
    h2: object
    q: object
    q_df: object
    q_pval: object
    qm: object
    qm_df: object
    qm_ddf: object
    qm_pval: object
    r2: object
    ddf: object
    converged: object
    iterations: object

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient (and per meta-analysis for a batch)."""
        cols = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub")
        data = {c: np.atleast_2d(getattr(self, c)) for c in cols}
        B = data["estimate"].shape[0]
        frame = pd.DataFrame({c: data[c].ravel() for c in cols})
        frame.insert(0, "coef", list(self.coef_names) * B)
        if B > 1:
            frame.insert(0, "row", np.repeat(np.arange(B), self.p))
        return frame

    def summary(self, digits: int = 4) -> str:
        if self.is_batch:
            return f"{len(self.k)} meta-regressions fitted at once; see .to_frame()."
        x = lambda v: fmtx(v, digits)  # noqa: E731
        stat = "F" if self.test in ("t", "knha") else "QM"
        dfm = f"df1 = {self.qm_df}, df2 = {fmtx(self.qm_ddf, 0)}" if stat == "F" else f"df = {self.qm_df}"
        lines = [
            f"Mixed-effects meta-regression (k = {self.k}; tau^2 estimator: {self.method})",
            "",
            f"tau^2 (estimated amount of residual heterogeneity): {x(self.tau2)}",
            f"I^2 (residual heterogeneity / unaccounted variability): {fmtx(self.i2, 2)}%",
            f"H^2 (unaccounted variability / sampling variability):   {fmtx(self.h2, 2)}",
            f"R^2 (amount of heterogeneity accounted for): {fmtx(self.r2, 2)}%",
            "",
            f"Test for residual heterogeneity: QE(df = {self.q_df}) = {x(self.q)}, p = {fmtp(self.q_pval, digits)}",
            f"Test of moderators: {stat}({dfm}) = {x(self.qm)}, p = {fmtp(self.qm_pval, digits)}",
            "",
            self.to_frame().to_string(index=False, float_format=lambda v: fmtx(v, digits)),
        ]
        return "\n".join(lines)
