"""Result objects: frozen, computed eagerly, named with metafor's vocabulary.

For a single meta-analysis every numeric field is a Python float (or int); for
a batch of B meta-analyses every field is a NumPy array of length B.
``summary()`` explains every number in words, as metafor's print does;
``_repr_html_`` shows one row per quantity in a notebook; ``to_frame()`` gives a
tidy pandas table.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np

from ..formatting import fmtp, fmtx, p_text
from .display import html_table, interval, stat_row

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

COMMON = ("EE", "FE", "MH", "PETO")

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
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return None if np.isnan(x) else x
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if dataclasses.is_dataclass(x):
        return x.to_dict() if hasattr(x, "to_dict") else dataclasses.asdict(x)
    return x


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def stat_name(test: str, ddf) -> str:
    """'t(df = 12)' for a t-test, 'z' otherwise (k = 1 falls back to z, as metafor)."""
    if test in ("t", "knha") and not _missing(ddf):
        return f"t(df = {fmtx(ddf, 0)})"
    return "z"


class _ResultMixin:
    def to_dict(self) -> dict:
        """All fields as JSON-able Python values (NaN becomes None)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def __repr__(self) -> str:  # pragma: no cover - display only
        return self.summary()

    @property
    def is_batch(self) -> bool:
        return isinstance(self.k, np.ndarray)

    def _batch_html(self, what: str, columns) -> str:
        frame = self.to_frame()
        shown = frame[[c for c in columns if c in frame.columns]].head(10)
        more = f" (first 10 of {len(frame)})" if len(frame) > 10 else ""
        return f"<p>{len(frame)} {what} fitted at once{more}; <code>.to_frame()</code> has every field.</p>" + shown.to_html(
            float_format=lambda v: fmtx(v, 4)
        )


@dataclass(frozen=True, eq=False, repr=False)
class MetaResult(_ResultMixin):
    """A pooled estimate (intercept-only model), as ``metafor::rma`` gives it.

    Attributes
    ----------
    k : number of studies; method, test : as requested; level : CI level in percent.
    estimate, se, zval, pval, ci_lb, ci_ub : the pooled effect and its test.
    pi_lb, pi_ub : prediction interval for the effect in a new study.
    tau2, tau2_ci_lb, tau2_ci_ub : between-study variance, Q-profile CI (NaN when
        not computed: common-effect models, a fixed tau^2, or ``tau2_ci=False``).
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

    @property
    def common(self) -> bool:
        return self.method in COMMON

    def to_frame(self):
        """One row per meta-analysis, with the fields of :data:`POOLED_FIELDS`."""
        import pandas as pd

        data = {name: np.atleast_1d(getattr(self, name)) for name in POOLED_FIELDS}
        frame = pd.DataFrame(data)
        frame.insert(1, "method", self.method)
        frame.insert(2, "test", self.test)
        return frame

    # ------------------------------------------------------------------ words
    def _heterogeneity_lines(self, digits):
        x = lambda v: fmtx(v, digits)  # noqa: E731
        lvl = f"{self.level:g}%"
        lines = []
        if not self.common:
            ci = "" if _missing(self.tau2_ci_lb) else f" ({lvl} Q-profile CI {x(self.tau2_ci_lb)} to {x(self.tau2_ci_ub)})"
            lines += [
                f"tau^2 (estimated amount of total heterogeneity): {x(self.tau2)}{ci}",
                f"tau (square root of estimated tau^2 value):      {x(self.tau)}",
            ]
        i2ci = "" if _missing(self.i2_ci_lb) else f" ({lvl} CI {fmtx(self.i2_ci_lb, 2)} to {fmtx(self.i2_ci_ub, 2)})"
        h2ci = "" if _missing(self.h2_ci_lb) else f" ({lvl} CI {fmtx(self.h2_ci_lb, 2)} to {fmtx(self.h2_ci_ub, 2)})"
        lines += [
            f"I^2 (total heterogeneity / total variability):   {fmtx(self.i2, 2)}%{i2ci}",
            f"H^2 (total variability / sampling variability):  {fmtx(self.h2, 2)}{h2ci}",
            "",
            f"Test for heterogeneity: Q(df = {self.q_df}) = {x(self.q)}, {p_text(self.q_pval, digits)}",
        ]
        return lines

    def _effect_lines(self, digits):
        x = lambda v: fmtx(v, digits)  # noqa: E731
        lines = [
            f"Pooled estimate: {x(self.estimate)} (SE {x(self.se)}), "
            f"{self.level:g}% CI {x(self.ci_lb)} to {x(self.ci_ub)}",
            f"Test of the pooled effect ({TEST_NAMES.get(self.test, self.test)}): "
            f"{stat_name(self.test, self.ddf)} = {x(self.zval)}, {p_text(self.pval, digits)}",
        ]
        if self.test in ("t", "knha") and _missing(self.ddf):
            lines.append("(k = 1: the z-test is used, as in metafor.)")
        if not self.common:
            lines.append(
                f"{self.level:g}% prediction interval (where the effect of a new study is "
                f"expected to lie): {x(self.pi_lb)} to {x(self.pi_ub)}"
            )
        return lines

    def summary(self, digits: int = 4) -> str:
        """Every number explained in words, as metafor's print method does."""
        if self.is_batch:
            return (
                f"{len(self.k)} meta-analyses fitted at once ({self.method}, test={self.test!r}); "
                "see .to_frame() for the numbers."
            )
        head = f"{_cap(METHOD_NAMES.get(self.method, self.method))} (k = {self.k})"
        return "\n".join([head, ""] + self._heterogeneity_lines(digits) + [""] + self._effect_lines(digits))

    # ------------------------------------------------------------------ notebook
    def _html_rows(self, digits=4):
        x = lambda v: fmtx(v, digits)  # noqa: E731
        lvl = f"{self.level:g}%"
        rows = [
            ("Pooled estimate", x(self.estimate), interval(self.ci_lb, self.ci_ub, digits), f"{lvl} CI; SE {x(self.se)}"),
            stat_row("Test of the pooled effect", stat_name(self.test, self.ddf), self.zval, "", self.pval,
                     TEST_NAMES.get(self.test, self.test), digits),
        ]  # fmt: skip
        if not self.common:
            rows.append(("Prediction interval", "", interval(self.pi_lb, self.pi_ub, digits), "where the effect of a new study is expected to lie"))
            rows.append(("tau²", x(self.tau2), interval(self.tau2_ci_lb, self.tau2_ci_ub, digits), "between-study variance (Q-profile CI)"))
            rows.append(("tau", x(self.tau), "", "between-study standard deviation"))
        rows += [
            ("I²", f"{fmtx(self.i2, 2)}%", interval(self.i2_ci_lb, self.i2_ci_ub, 2), "total heterogeneity / total variability"),
            ("H²", fmtx(self.h2, 2), interval(self.h2_ci_lb, self.h2_ci_ub, 2), "total variability / sampling variability"),
            stat_row("Test for heterogeneity", "Q", self.q, f"(df = {self.q_df})", self.q_pval, "Cochran's Q", digits),
            ("Studies", str(self.k), "", "k"),
        ]
        return rows

    def _repr_html_(self) -> str:
        if self.is_batch:
            return self._batch_html("meta-analyses", ("k", "estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "i2", "q_pval"))
        title = f"{_cap(METHOD_NAMES.get(self.method, self.method))} (k = {self.k})"
        return html_table(title, self._html_rows())


@dataclass(frozen=True, eq=False, repr=False)
class MetaRegressionResult(_ResultMixin):
    """A mixed-effects meta-regression (``rma(mods=...)``).

    Coefficient fields (``estimate, se, zval, pval, ci_lb, ci_ub``) have one
    entry per coefficient, named in ``coef_names``; for a batch they are (B, p).
    ``q``/``q_pval`` test the residual heterogeneity (QE); ``qm``/``qm_pval`` the
    moderators (all coefficients but the intercept), as a chi-square (z) or an
    F-test with ``qm_df`` and ``qm_ddf`` degrees of freedom (t, knha); ``r2`` is
    the percentage of heterogeneity accounted for (metafor's pseudo-R^2).
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
    yi: object = None  # the data behind the fit (NaN for an absent study in a batch), for diagnostics
    vi: object = None
    X: object = None  # the design matrix, intercept first: (k, p), or (B, k, p) for a batch

    def to_frame(self):
        """One row per coefficient (and per meta-analysis for a batch)."""
        import pandas as pd

        cols = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub")
        data = {c: np.atleast_2d(getattr(self, c)) for c in cols}
        B = data["estimate"].shape[0]
        frame = pd.DataFrame({c: data[c].ravel() for c in cols})
        frame.insert(0, "coef", list(self.coef_names) * B)
        if B > 1:
            frame.insert(0, "row", np.repeat(np.arange(B), self.p))
        return frame

    def _moderator_test(self, digits):
        if self.test in ("t", "knha"):
            return "F", f"(df1 = {self.qm_df}, df2 = {fmtx(self.qm_ddf, 0)})"
        return "QM", f"(df = {self.qm_df})"

    def summary(self, digits: int = 4) -> str:
        if self.is_batch:
            return f"{len(self.k)} meta-regressions fitted at once; see .to_frame()."
        x = lambda v: fmtx(v, digits)  # noqa: E731
        name, dfm = self._moderator_test(digits)
        common = self.method in COMMON
        lines = [
            f"Mixed-effects meta-regression (k = {self.k}; tau^2 estimator: {self.method})"
            if not common else f"Equal-effects meta-regression (k = {self.k})",
            "",
        ]
        if not common:
            ci = "" if _missing(self.tau2_ci_lb) else f" ({self.level:g}% Q-profile CI {x(self.tau2_ci_lb)} to {x(self.tau2_ci_ub)})"
            lines += [
                f"tau^2 (estimated amount of residual heterogeneity): {x(self.tau2)}{ci}",
                f"tau (square root of estimated tau^2 value):         {x(np.sqrt(self.tau2))}",
            ]
        lines += [
            f"I^2 (residual heterogeneity / unaccounted variability): {fmtx(self.i2, 2)}%",
            f"H^2 (unaccounted variability / sampling variability):   {fmtx(self.h2, 2)}",
            f"R^2 (amount of heterogeneity accounted for):            {fmtx(self.r2, 2)}%",
            "",
            f"Test for residual heterogeneity: QE(df = {self.q_df}) = {x(self.q)}, {p_text(self.q_pval, digits)}",
            f"Test of moderators (coefficients 2:{self.p}): {name}{dfm} = {x(self.qm)}, {p_text(self.qm_pval, digits)}",
            "",
            f"Model results ({TEST_NAMES.get(self.test, self.test)}"
            + (f", {fmtx(self.ddf, 0)} df" if not _missing(self.ddf) else "") + f"; {self.level:g}% CIs):",
        ]
        width = max(len(n) for n in self.coef_names)
        stat = "tval" if not _missing(self.ddf) else "zval"
        lines.append(f"{'':{width}}  {'estimate':>10} {'se':>10} {stat:>10} {'pval':>8} {'ci.lb':>10} {'ci.ub':>10}")
        for j, n in enumerate(self.coef_names):
            lines.append(
                f"{n:{width}}  {x(self.estimate[j]):>10} {x(self.se[j]):>10} {x(self.zval[j]):>10} "
                f"{fmtp(self.pval[j], digits):>8} {x(self.ci_lb[j]):>10} {x(self.ci_ub[j]):>10}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        if self.is_batch:
            return self._batch_html("meta-regressions (one row per coefficient)", ("row", "coef", "estimate", "se", "ci_lb", "ci_ub", "pval"))
        x = lambda v: fmtx(v, 4)  # noqa: E731
        stat = "t" if not _missing(self.ddf) else "z"
        rows = [
            (f"Coefficient: {n}", x(self.estimate[j]), interval(self.ci_lb[j], self.ci_ub[j]),
             f"SE {x(self.se[j])}; {stat} = {x(self.zval[j])}, {p_text(self.pval[j], 4)}")
            for j, n in enumerate(self.coef_names)
        ]  # fmt: skip
        name, dfm = self._moderator_test(4)
        if self.method not in COMMON:
            rows.append(("tau²", x(self.tau2), interval(self.tau2_ci_lb, self.tau2_ci_ub), "residual between-study variance"))
        rows += [
            ("I²", f"{fmtx(self.i2, 2)}%", "", "residual heterogeneity / unaccounted variability"),
            ("H²", fmtx(self.h2, 2), "", "unaccounted variability / sampling variability"),
            ("R²", f"{fmtx(self.r2, 2)}%", "", "amount of heterogeneity accounted for"),
            stat_row("Test of moderators", name, self.qm, dfm, self.qm_pval, f"coefficients 2:{self.p}"),
            stat_row("Residual heterogeneity", "QE", self.q, f"(df = {self.q_df})", self.q_pval, "what the moderators leave"),
            ("Studies", str(self.k), "", "k"),
        ]
        title = f"Meta-regression (k = {self.k}; {METHOD_NAMES.get(self.method, self.method)}; {self.level:g}% CIs)"
        return html_table(title, rows)
