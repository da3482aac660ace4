"""Test of excess significance (Ioannidis & Trikalinos 2007; metafor's ``tes``).

If every study estimated the same true effect (the pooled estimate ``theta``), each
study's power to reach significance at ``alpha`` follows from its standard error; the
powers add up to the number of significant studies to expect (``e``). Many more
significant studies than expected (``o``) suggests that non-significant results went
missing or that results were selected.

With a random-effects model, each study's true effect varies around theta with
variance tau^2, and its power is averaged over that distribution. metafor integrates
numerically over theta +/- 5 tau; exometa uses the closed form (the study's estimate is
then normal with variance vi + tau^2), which differs from metafor's by at most the
normal mass beyond 5 SDs (6e-7).

The test (metafor's defaults): one-sided (more significant studies than expected),
``exact`` (the Poisson-binomial distribution of the count of significant studies)
when it has at most 10^6 terms, else ``chi2``; ``binom`` on request. ``theta_lim``:
the value of theta at which the test's p-value equals ``tes_alpha`` (the limit of
true effects under which the excess would be significant).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import comb

import numpy as np

from .._lazy import lazy_module
from ..arguments import check_choice
from ..errors import ExometaError
from .fitted import fitted_analysis
from .results import BiasResult, peq, x4

optimize = lazy_module("scipy.optimize")
stats = lazy_module("scipy.stats")

ALTERNATIVES = ("two.sided", "greater", "less")
TESTS = ("exact", "chi2", "binom")


def study_power(theta, sei, tau2, alternative: str, alpha: float, h0: float = 0.0):
    """Each study's power to be significant if its true effect is theta (+ N(0, tau^2)).

    >>> round(float(study_power(0.5, 0.25, 0.0, "two.sided", 0.05)), 4)
    0.516
    """
    s = np.sqrt(sei**2 + tau2)
    mean = theta - h0
    if alternative == "two.sided":
        crit = stats.norm.isf(alpha / 2) * sei
        return stats.norm.sf((crit - mean) / s) + stats.norm.cdf((-crit - mean) / s)
    if alternative == "greater":
        return stats.norm.sf((stats.norm.isf(alpha) * sei - mean) / s)
    return stats.norm.cdf((stats.norm.ppf(alpha) * sei - mean) / s)


def count_distribution(power) -> np.ndarray:
    """P(N = j), j = 0..k, for the number N of significant studies (Poisson-binomial).

    >>> count_distribution([0.5, 0.5]).tolist()
    [0.25, 0.5, 0.25]
    """
    dist = np.ones(1)
    for p in np.asarray(power, dtype=float):
        dist = np.concatenate([dist * (1 - p), [0.0]]) + np.concatenate([[0.0], dist * p])
    return dist


def _js(o: int, k: int, tes_alternative: str):
    return {"two.sided": range(0, k + 1), "greater": range(o, k + 1), "less": range(0, o + 1)}[tes_alternative]


def choose_test(o: int, k: int, tes_alternative: str) -> str:
    """metafor's default: exact if it sums at most 10^6 combinations, else chi2."""
    return "exact" if sum(comb(k, j) for j in _js(o, k, tes_alternative)) <= 10**6 else "chi2"


def excess_test(o: int, power, test: str, tes_alternative: str) -> tuple[float, float]:
    """(X^2 or NaN, p-value) for o significant studies out of len(power)."""
    k = len(power)
    e = float(np.sum(power))
    if test == "chi2":
        p0 = e / k
        x2 = (o - e) ** 2 / (e * (1 - p0))
        z = np.sign(o / k - p0) * np.sqrt(x2)
        pval = {"two.sided": stats.chi2.sf(x2, 1), "greater": stats.norm.sf(z), "less": stats.norm.cdf(z)}[tes_alternative]
        return float(x2), float(pval)
    if test == "binom":
        return np.nan, float(stats.binomtest(o, k, e / k, alternative=tes_alternative.replace(".", "-")).pvalue)
    dist = count_distribution(power)
    if tes_alternative == "two.sided":
        pval = dist[dist <= dist[o] + np.finfo(float).eps ** 0.5].sum()
    else:
        pval = dist[list(_js(o, k, tes_alternative))].sum()
    return np.nan, float(min(1.0, pval))


def _theta_limit(yi, sei, tau2, o, settings, theta_hat, h0, side):
    """theta at which the test's p-value equals tes_alpha (NaN if not reached), as metafor."""
    alternative, alpha, test, tes_alpha = settings

    def gap(theta):
        return excess_test(o, study_power(theta, sei, tau2, alternative, alpha, h0), test, side)[1] - tes_alpha

    at_h0 = gap(h0)
    if (side == "greater" and at_h0 >= 0) or (side == "less" and at_h0 <= 0):
        return np.nan
    lo, hi = sorted((h0, theta_hat))
    grow = 1.0 if theta_hat >= h0 else -1.0  # away from h0, towards theta (as metafor's uniroot)
    step = max(abs(hi - lo), 1e-3)
    for _ in range(60):  # widen the bracket until the sign changes
        if np.sign(gap(lo)) != np.sign(gap(hi)):
            return float(optimize.brentq(gap, lo, hi, xtol=1e-12, rtol=1e-14, maxiter=500))
        if grow > 0:
            hi += step
        else:
            lo -= step
        step *= 2
    return np.nan


@dataclass(frozen=True, eq=False, repr=False)
class TesResult(BiasResult):
    """Result of :func:`tes` (metafor's names in snake_case): ``o`` observed and ``e``
    expected numbers of significant studies, ``oe_ratio``, ``test``, ``x2`` (chi2 test),
    ``pval``, per-study ``power`` and ``sig``, ``theta`` and ``theta_lim``."""

    k: int
    o: int
    e: float
    oe_ratio: float
    test: str
    x2: float
    pval: float
    theta: float
    theta_lim: object
    tau2: float
    alpha: float
    alternative: str
    tes_alternative: str
    tes_alpha: float
    power: np.ndarray
    sig: np.ndarray
    analysis: object = field(default=None)

    QUANTITIES = (
        ("k", "number of studies"),
        ("o", "observed number of significant studies"),
        ("e", "expected number of significant studies (sum of the studies' power)"),
        ("oe_ratio", "observed / expected"),
        ("test", "test used: exact (Poisson-binomial), chi2 or binom"),
        ("x2", "chi-square statistic (chi2 test only)"),
        ("pval", "p-value for excess significance"),
        ("theta", "true effect assumed when computing power (the pooled estimate)"),
        ("theta_lim", "true effect at which the excess would just reach p = tes_alpha"),
    )

    @property
    def observed(self) -> int:
        return self.o

    @property
    def expected(self) -> float:
        return self.e

    def summary(self) -> str:
        how = {"exact": "exact test", "chi2": f"X^2 = {x4(self.x2)}, df = 1", "binom": "binomial test"}[self.test]
        lim = self.theta_lim if isinstance(self.theta_lim, tuple) else (self.theta_lim,)
        lim_text = ", ".join("not estimable" if np.isnan(t) else x4(t) for t in lim)
        return "\n".join([
            "Test of excess significance",
            "",
            f"Observed number of significant findings: {self.o} (out of {self.k})",
            f"Expected number of significant findings: {x4(self.e)}",
            f"Observed number / expected number:       {x4(self.oe_ratio)}",
            f"(power of each study's test at alpha = {self.alpha:g}, {self.alternative}, if the true effect is "
            f"theta = {x4(self.theta)}" + (f" with tau^2 = {x4(self.tau2)})" if self.tau2 > 0 else ")"),
            "",
            f"Test of excess significance: {peq(self.pval)} ({how})",
            f"Limit estimate (theta_lim): {lim_text} (where p = {self.tes_alpha / (2 if self.tes_alternative == 'two.sided' else 1):g})",
        ])  # fmt: skip


def tes(res, alternative: str = "two.sided", alpha: float = 0.05, test: str | None = None,
        tes_alternative: str = "greater", tes_alpha: float = 0.10, h0: float = 0.0) -> TesResult:  # fmt: skip
    """Test of excess significance (metafor's ``tes``, with its defaults).

    Parameters
    ----------
    res : MetaResult
        A fitted analysis: its estimate is theta, its tau^2 spreads the true effects.
    alternative, alpha : how each study's own test is judged significant.
    test : {'exact', 'chi2', 'binom'}, optional
        Default: exact when feasible (at most 10^6 combinations), else chi2.
    tes_alternative, tes_alpha : the direction of the excess test and the p-value
        that defines ``theta_lim``.
    h0 : float
        The null value of each study's test.

    Examples
    --------
    Six studies, equal-effects model; metafor's ``tes(rma(yi, vi, method="EE"))`` finds
    4 significant where 2.9475 are expected, exact p = 0.2972, theta_lim = 0.3686:

    >>> from exometa import meta_analysis, tes
    >>> yi = [0.86, 0.62, 0.45, 0.41, 1.21, 0.04]
    >>> r = tes(meta_analysis(yi, [0.05, 0.08, 0.02, 0.1, 0.3, 0.04], method="EE"))
    >>> r.o, round(r.e, 4), r.test, round(r.pval, 4), round(r.theta_lim, 4)
    (4, 2.9475, 'exact', 0.2972, 0.3686)
    """
    fitted = fitted_analysis(res, "tes", min_k=1)
    alternative = check_choice("alternative", alternative, ALTERNATIVES)
    tes_alternative = check_choice("tes_alternative", tes_alternative, ALTERNATIVES)
    for name, value in (("alpha", alpha), ("tes_alpha", tes_alpha)):
        if not 0 < float(value) < 1:
            raise ExometaError(f"`{name}` must lie between 0 and 1; got {value!r}.")
    sei = np.sqrt(fitted.vi)
    tau2 = fitted.tau2 if fitted.tau2 > 0 else 0.0
    theta = fitted.estimate
    z = (fitted.yi - h0) / sei
    crit = {"two.sided": stats.norm.isf(alpha / 2), "greater": stats.norm.isf(alpha), "less": stats.norm.ppf(alpha)}
    sig = {"two.sided": np.abs(z) >= crit["two.sided"], "greater": z >= crit["greater"], "less": z <= crit["less"]}[alternative]
    o = int(sig.sum())
    test = choose_test(o, fitted.k, tes_alternative) if test is None else check_choice("test", test, TESTS)
    power = study_power(theta, sei, tau2, alternative, alpha, h0)
    x2, pval = excess_test(o, power, test, tes_alternative)
    settings = (alternative, alpha, test, tes_alpha)
    if tes_alternative == "two.sided":
        half = (alternative, alpha, test, tes_alpha / 2)
        theta_lim = (_theta_limit(fitted.yi, sei, tau2, o, half, theta, h0, "greater"),
                     _theta_limit(fitted.yi, sei, tau2, o, half, theta, h0, "less"))  # fmt: skip
    else:
        theta_lim = _theta_limit(fitted.yi, sei, tau2, o, settings, theta, h0, tes_alternative)
    e = float(power.sum())
    return TesResult(k=fitted.k, o=o, e=e, oe_ratio=o / e, test=test, x2=x2, pval=pval, theta=theta,
                     theta_lim=theta_lim, tau2=tau2, alpha=float(alpha), alternative=alternative,
                     tes_alternative=tes_alternative, tes_alpha=float(tes_alpha), power=power, sig=sig,
                     analysis=res)  # fmt: skip
