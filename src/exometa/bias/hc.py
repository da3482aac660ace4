"""Henmi and Copas's confidence interval (Henmi & Copas 2010; metafor's ``hc``).

When small studies differ from large ones, the random-effects estimate (which gives
small studies more weight than the common-effect model does) is pulled towards them.
Henmi and Copas keep the common-effect estimate — weights 1/vi, less sensitive to
small-study effects — but widen its interval for heterogeneity: the SE allows for
tau^2 (DerSimonian-Laird), and the interval's half-width comes from the exact
distribution of the estimate's standardised error given Cochran's Q (a gamma
approximation of Q), not from the normal.

Formulas follow metafor 3.8 ``hc.rma.uni``. The integral over the standard normal is
computed with composite Gauss-Legendre quadrature (metafor: R's ``integrate``, whose
default relative tolerance is 1.2e-4), and the root to 1e-12.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._lazy import lazy_module
from ..errors import DataError
from .fitted import fitted_analysis
from .results import BiasResult, level_text, x4

optimize = lazy_module("scipy.optimize")
special = lazy_module("scipy.special")
stats = lazy_module("scipy.stats")

# composite Gauss-Legendre rule on [0, 1]: 48 panels of 12 nodes
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(12)
_PANELS = 48
#: the standard normal density below exp(-(RANGE^2)/2) is negligible (RANGE = 14: 1e-43)
RANGE = 14.0


def _panel_rule(a: float, b: float):
    edges = np.linspace(a, b, _PANELS + 1)
    half = (edges[1:] - edges[:-1]) / 2
    mid = (edges[1:] + edges[:-1]) / 2
    x = (mid[:, None] + half[:, None] * _NODES[None, :]).ravel()
    w = (half[:, None] * _WEIGHTS[None, :]).ravel()
    return x, w


@dataclass(frozen=True)
class _Moments:
    """Sums of powers of the weights that the Henmi-Copas distribution needs."""

    k: int
    w1: float
    w2: float
    w3: float
    w4: float
    tau2: float

    @property
    def vr(self):
        return 1 + self.tau2 * self.w2

    def eq(self, r):
        """E[Q | R = r]."""
        t, vr = self.tau2, self.vr
        return (self.k - 1) + t * (self.w1 - self.w2) + t**2 * (r**2 / vr**2 - 1 / vr) * (self.w3 - self.w2**2)

    def vq(self, r):
        """Var[Q | R = r]."""
        t, vr, w1, w2, w3, w4 = self.tau2, self.vr, self.w1, self.w2, self.w3, self.w4
        a = r**2 / vr**2 - 1 / vr
        return (2 * (self.k - 1) + 4 * t * (w1 - w2) + 2 * t**2 * (w1 * w2 - 2 * w3 + w2**2)
                + 4 * t**2 * a * (w3 - w2**2) + 4 * t**3 * a * (w4 - 2 * w2 * w3 + w2**3)
                + 2 * t**4 * (1 / vr**2 - 2 * r**2 / vr**3) * (w3 - w2**2) ** 2)  # fmt: skip

    def finv(self, f):
        return (self.w1 / self.w2 - 1) * (f**2 - 1) + (self.k - 1)

    def tail(self, x: float) -> float:
        """P(standardised error exceeds x): the integral Henmi and Copas set to alpha/2."""
        r, w = _panel_rule(x, x + RANGE)
        sr = np.sqrt(self.vr) * r
        eq, vq = self.eq(sr), self.vq(sr)
        shape, scale = eq**2 / vq, vq / eq
        with np.errstate(divide="ignore", invalid="ignore"):
            q = self.finv(r / x) if x > 0 else np.full_like(r, np.inf)
        cdf = np.where(np.isinf(q), 1.0, special.gammainc(shape, np.where(np.isinf(q), 0.0, q) / scale))
        return float(np.sum(w * cdf * stats.norm.pdf(r)))


@dataclass(frozen=True, eq=False, repr=False)
class HcResult(BiasResult):
    """Result of :func:`hc`: the Henmi-Copas ``estimate, se, ci_lb, ci_ub`` and ``tau2``
    (DerSimonian-Laird), beside the analysis's own (``*_rma``, ``method_rma``)."""

    k: int
    estimate: float
    se: float
    ci_lb: float
    ci_ub: float
    tau2: float
    estimate_rma: float
    se_rma: float
    ci_lb_rma: float
    ci_ub_rma: float
    tau2_rma: float
    method_rma: str
    level: float
    analysis: object = field(default=None)

    QUANTITIES = (
        ("k", "number of studies"),
        ("estimate", "Henmi-Copas estimate (the common-effect estimate)"),
        ("se", "its standard error, allowing for heterogeneity"),
        ("ci_lb", "lower bound of the Henmi-Copas CI"),
        ("ci_ub", "upper bound of the Henmi-Copas CI"),
        ("tau2", "between-study variance (DerSimonian-Laird)"),
        ("estimate_rma", "the analysis's own estimate"),
        ("ci_lb_rma", "lower bound of the analysis's CI"),
        ("ci_ub_rma", "upper bound of the analysis's CI"),
    )

    def summary(self) -> str:
        lv = level_text(self.level)
        return "\n".join([
            f"Henmi and Copas's method (k = {self.k})",
            "",
            f"  {'method':<8} {'tau^2':>8} {'estimate':>9} {'se':>8} {'ci_lb':>8} {'ci_ub':>8}",
            f"  {self.method_rma:<8} {x4(self.tau2_rma):>8} {x4(self.estimate_rma):>9} {x4(self.se_rma):>8} "
            f"{x4(self.ci_lb_rma):>8} {x4(self.ci_ub_rma):>8}",
            f"  {'HC (DL)':<8} {x4(self.tau2):>8} {x4(self.estimate):>9} {x4(self.se):>8} "
            f"{x4(self.ci_lb):>8} {x4(self.ci_ub):>8}",
            "",
            f"The Henmi-Copas estimate is the common-effect estimate with a {lv} CI widened for heterogeneity;",
            "it gives small studies less weight than the random-effects model.",
        ])  # fmt: skip


def hc(res) -> HcResult:
    """Henmi and Copas's estimate and confidence interval (metafor's ``hc``).

    Parameters
    ----------
    res : MetaResult
        A fitted analysis (its yi, vi and level are used; the method's own results are
        reported beside).

    Returns
    -------
    HcResult

    Examples
    --------
    The BCG trials, random-effects model: metafor's ``hc()`` gives -0.4303 with 95% CI
    -1.1555 to 0.2950 (the REML estimate is -0.7145):

    >>> import pandas as pd
    >>> from importlib.resources import files
    >>> from exometa import effect_sizes, meta_analysis, hc
    >>> bcg = pd.read_csv(files("exometa") / "data" / "dat_bcg.csv")
    >>> es = effect_sizes("RR", bcg, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    >>> h = hc(meta_analysis(es.yi, es.vi))
    >>> round(h.estimate, 4), round(h.ci_lb, 4), round(h.ci_ub, 4)
    (-0.4303, -1.1555, 0.295)
    """
    fitted = fitted_analysis(res, "hc", min_k=2)
    yi, vi = fitted.yi, fitted.vi
    w = 1 / vi
    w1 = w.sum()
    m = _Moments(fitted.k, w1, (w**2).sum() / w1, (w**3).sum() / w1, (w**4).sum() / w1, 0.0)
    beta = float(np.sum(w * yi) / w1)
    q = float(np.sum(w * (yi - beta) ** 2))
    tau2 = max(0.0, (q - (m.k - 1)) / (m.w1 - m.w2))
    m = _Moments(m.k, m.w1, m.w2, m.w3, m.w4, tau2)
    se = float(np.sqrt((tau2 * m.w2 + 1) / m.w1))
    alpha = 1 - fitted.level / 100
    gap = lambda x: m.tail(x) - alpha / 2  # noqa: E731
    if not gap(0.0) > 0 > gap(2.0):
        raise DataError("hc: no Henmi-Copas interval in the search range (0, 2); metafor stops here too.")
    t0 = optimize.brentq(gap, 0.0, 2.0, xtol=1e-13, rtol=1e-14, maxiter=500)
    u0 = float(np.sqrt(m.vr) * t0)
    return HcResult(k=fitted.k, estimate=beta, se=se, ci_lb=beta - u0 * se, ci_ub=beta + u0 * se, tau2=tau2,
                    estimate_rma=res.estimate, se_rma=res.se, ci_lb_rma=res.ci_lb, ci_ub_rma=res.ci_ub,
                    tau2_rma=res.tau2, method_rma=res.method, level=fitted.level, analysis=res)  # fmt: skip
