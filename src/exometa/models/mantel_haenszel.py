"""Mantel-Haenszel and Peto pooling of 2x2 tables (metafor's ``rma.mh``, ``rma.peto``).

Both are common-effect methods that work on the counts themselves, so they
stay usable when events are rare and a continuity correction would bias an
inverse-variance analysis. As in metafor, every table enters the pooled
estimate uncorrected -- including tables with no events (or no non-events) in
both arms, which carry no information about an odds ratio but do count in the
risk difference and, with events, in the risk ratio -- while Cochran's Q uses
each study's own estimate, computed with the usual continuity correction (add
1/2 to tables with a zero cell) and leaving such tables out.

Tests given for the odds ratio, with metafor's names: ``co`` (Cochran's
statistic, metafor's ``CO``), ``mh`` (the Cochran-Mantel-Haenszel statistic,
``MH``, whose variance has N - 1 where Cochran's has N), both with the
continuity correction when ``correct=True``; ``bd`` (Breslow-Day) and
``tarone`` (Breslow-Day with Tarone's correction) for homogeneity.

References: Mantel & Haenszel (1959); Robins, Breslow & Greenland (1986)
variance of the log OR; Greenland & Robins (1985) variance of the log RR; Sato,
Greenland & Robins (1989) variance of the RD; Yusuf et al. (1985) for Peto's
method; Breslow & Day (1980); Tarone (1985).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np

from ..arguments import align_by_label, check_choice, check_level
from ..effects import binary
from ..errors import DataError, DataWarning
from ..formatting import fmtx, p_text
from . import distributions as dist
from .display import html_table, interval, stat_row
from .results import METHOD_NAMES, MetaResult, _cap


@dataclass(frozen=True, eq=False, repr=False)
class MantelHaenszelResult(MetaResult):
    """A :class:`MetaResult` for stratified 2x2 tables (Mantel-Haenszel or Peto).

    ``measure`` is 'OR', 'RR' or 'RD' (estimates of OR and RR on the log scale).
    For the odds ratio by Mantel-Haenszel: ``co``/``co_pval`` Cochran's test and
    ``mh``/``mh_pval`` the Cochran-Mantel-Haenszel test of no association (metafor's
    ``CO`` and ``MH``); ``bd``/``bd_pval`` Breslow-Day and ``tarone``/``tarone_pval``
    Tarone's test of homogeneity of the odds ratios, on ``k_pos - 1`` df (``k_pos``
    tables informative about the odds ratio). NaN where a test does not apply.
    """

    measure: str = ""
    co: float = np.nan
    co_pval: float = np.nan
    mh: float = np.nan
    mh_pval: float = np.nan
    bd: float = np.nan
    bd_pval: float = np.nan
    tarone: float = np.nan
    tarone_pval: float = np.nan
    k_pos: int = 0

    def _effect_lines(self, digits):
        lines = super()._effect_lines(digits)
        if self.measure in ("OR", "RR"):
            lines.append(
                f"On the {self.measure} scale: {fmtx(np.exp(self.estimate), digits)}, "
                f"{self.level:g}% CI {fmtx(np.exp(self.ci_lb), digits)} to {fmtx(np.exp(self.ci_ub), digits)}"
            )
        return lines

    def _test_lines(self, digits):
        if self.method != "MH" or self.measure != "OR":
            return []
        x = lambda v: fmtx(v, digits)  # noqa: E731
        na = "not computable for these data"
        cmh = na if np.isnan(self.mh) else f"CMH = {x(self.mh)}, df = 1, {p_text(self.mh_pval, digits)}"
        co = na if np.isnan(self.co) else f"{x(self.co)}, df = 1, {p_text(self.co_pval, digits)}"
        ta = na if np.isnan(self.tarone) else f"X^2 = {x(self.tarone)}, df = {self.k_pos - 1}, {p_text(self.tarone_pval, digits)}"
        return [
            f"Cochran-Mantel-Haenszel test (no association, N - 1 variance): {cmh}",
            f"Cochran's test (the same with N in the variance):              {co}",
            f"Tarone's test for heterogeneity of the odds ratios:           {ta}",
        ]

    def summary(self, digits: int = 4) -> str:
        """Every number explained in words, as metafor's print method does."""
        scale = {"OR": "log odds ratio", "RR": "log risk ratio", "RD": "risk difference"}[self.measure]
        head = f"{_cap(METHOD_NAMES[self.method])} (k = {self.k}; {scale})"
        lines = [head, ""] + self._heterogeneity_lines(digits) + [""] + self._effect_lines(digits)
        tests = self._test_lines(digits)
        return "\n".join(lines + ([""] + tests if tests else []))

    def _html_rows(self, digits=4):
        rows = super()._html_rows(digits)
        if self.measure in ("OR", "RR"):
            rows.insert(1, (f"Pooled {self.measure}", fmtx(np.exp(self.estimate), digits),
                            interval(np.exp(self.ci_lb), np.exp(self.ci_ub), digits), "back-transformed (exp)"))  # fmt: skip
        if self.method == "MH" and self.measure == "OR":
            rows += [
                stat_row("Cochran-Mantel-Haenszel test", "CMH", self.mh, "(df = 1)", self.mh_pval, "no association (N - 1 variance)", digits),
                stat_row("Cochran's test", "CO", self.co, "(df = 1)", self.co_pval, "no association (N variance)", digits),
                stat_row("Tarone's test", "X²", self.tarone, f"(df = {self.k_pos - 1})", self.tarone_pval, "heterogeneity of the odds ratios", digits),
            ]
        return rows

    def _repr_html_(self) -> str:
        scale = {"OR": "log odds ratio", "RR": "log risk ratio", "RD": "risk difference"}[self.measure]
        return html_table(f"{_cap(METHOD_NAMES[self.method])} (k = {self.k}; {scale})", self._html_rows())


def _tables(ai, bi, ci, di, n1i, n2i):
    named = align_by_label(ai=ai, bi=bi, ci=ci, di=di, n1i=n1i, n2i=n2i)
    ai, bi, ci, di, n1i, n2i = (named[n] for n in ("ai", "bi", "ci", "di", "n1i", "n2i"))
    if bi is None and n1i is None or di is None and n2i is None:
        raise DataError("Give the non-events (`bi`, `di`) or the group sizes (`n1i`, `n2i`) besides `ai` and `ci`.")
    ai, ci = np.asarray(ai, float), np.asarray(ci, float)
    bi = np.asarray(n1i, float) - ai if bi is None else np.asarray(bi, float)
    di = np.asarray(n2i, float) - ci if di is None else np.asarray(di, float)
    if not (ai.shape == bi.shape == ci.shape == di.shape) or ai.ndim != 1:
        raise DataError(f"The counts must be 1-D and of the same length; got shapes {ai.shape}, {bi.shape}, {ci.shape}, {di.shape}.")
    if ai.size == 0:
        raise DataError("No tables to pool (k = 0).")
    if not (np.isfinite(ai) & np.isfinite(bi) & np.isfinite(ci) & np.isfinite(di)).all():
        rows = (np.flatnonzero(~(np.isfinite(ai) & np.isfinite(bi) & np.isfinite(ci) & np.isfinite(di))) + 1).tolist()
        raise DataError(f"Tables {rows[:10]} have missing counts; drop them before pooling.")
    bad = (np.array([ai, bi, ci, di]) < 0).any(axis=0)
    if bad.any():
        rows = (np.flatnonzero(bad) + 1).tolist()
        raise DataError(f"Tables {rows[:10]} have negative counts (events > n?). Check ai <= n1i and ci <= n2i.")
    return ai, bi, ci, di


def _heterogeneity(yi, vi, beta):
    """Cochran's Q from each table's own estimate (tables without one left out), as rma.mh."""
    ok = np.isfinite(yi) & np.isfinite(vi)
    k = int(ok.sum())
    if k <= 1 or not np.isfinite(beta):
        return 0.0, 1.0, 0.0, 1.0, max(k - 1, 0)
    q = max(0.0, float(np.sum((yi[ok] - beta) ** 2 / vi[ok])))
    return q, float(dist.chi2_sf(q, k - 1)), max(0.0, 100 * (q - (k - 1)) / q) if q > 0 else 0.0, q / (k - 1), k - 1


def _mh_or(a, b, c, d, correct):
    n = a + b + c + d
    r, s = a * d / n, b * c / n
    pp, qq = (a + d) / n, (b + c) / n
    R, S = r.sum(), s.sum()
    extra = {}
    n1, n2, xt, yt = a + b, c + d, a + c, b + d
    if xt.sum() > 0 and yt.sum() > 0:
        dev = (abs((a - n1 / n * xt).sum()) - (0.5 if correct else 0)) ** 2
        co = dev / (n1 / n * n2 / n * xt * yt / n).sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            mh = dev / (n1 / n * n2 / n * xt * (yt / (n - 1))).sum()
        extra.update(co=co, co_pval=dist.chi2_sf(co, 1), mh=mh, mh_pval=dist.chi2_sf(mh, 1))
    if R == 0 or S == 0:
        return np.nan, np.nan, extra
    beta = np.log(R / S)
    se = np.sqrt(0.5 * ((pp * r).sum() / R**2 + (pp * s + qq * r).sum() / (R * S) + (qq * s).sum() / S**2))
    extra.update(_breslow_day(a, n, n1, n2, xt, yt, R / S))
    return beta, se, extra


def _breslow_day(a, n, n1, n2, xt, yt, psi):
    """Breslow-Day and Tarone's tests of homogeneity of the odds ratios."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if psi == 1:
            n11 = n1 / n * xt
        else:
            A = psi * (n1 + xt) + (n2 - xt)
            n11 = (A - np.sqrt(A**2 - 4 * n1 * xt * psi * (psi - 1))) / (2 * (psi - 1))
    pos = (n11 > 0) & (xt > 0) & (yt > 0)
    k_pos = int(pos.sum())
    out = {"k_pos": k_pos}
    if k_pos == 0:
        return out
    n11 = n11[pos]
    inv = 1 / n11 + 1 / (n1[pos] - n11) + 1 / (xt[pos] - n11) + 1 / (n11 - n1[pos] - xt[pos] + n[pos])
    dev = a[pos] - n11
    bd = max(0.0, float(np.sum(dev**2 * inv)))
    ta = max(0.0, bd - dev.sum() ** 2 / np.sum(1 / inv))
    out.update(bd=bd, tarone=ta)
    if k_pos > 1:
        out.update(bd_pval=dist.chi2_sf(bd, k_pos - 1), tarone_pval=dist.chi2_sf(ta, k_pos - 1))
    return out


def _mh_rr(a, b, c, d):
    n1, n2 = a + b, c + d
    n = n1 + n2
    R, S = (a * n2 / n).sum(), (c * n1 / n).sum()
    if a.sum() == 0 or c.sum() == 0:
        return np.nan, np.nan, {}
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.sum(n1 / n * n2 / n * (a + c) - a / n * c) / (R * S))
    return np.log(R / S), se, {}


def _mh_rd(a, b, c, d):
    n1, n2 = a + b, c + d
    n = n1 + n2
    denom = (n1 * n2 / n).sum()
    beta = (a * n2 / n - c * n1 / n).sum() / denom
    num = beta * np.sum(c * (n1 / n) ** 2 - a * (n2 / n) ** 2 + n1 / n * n2 / n * (n2 - n1) / 2)
    num += np.sum(a * (n2 - c) / n + c * (n1 - a) / n) / 2
    with np.errstate(invalid="ignore"):
        return beta, np.sqrt(num / denom**2), {}


def _result(method, measure, beta, se, level, yi, vi, extra, k):
    crit = dist.norm_isf((1 - level / 100) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        zval = beta / se
        pval = float(dist.two_sided_p(zval, None))
    q, q_pval, i2, h2, q_df = _heterogeneity(yi, vi, beta)
    nan = np.nan
    return MantelHaenszelResult(
        k=k, method=method, test="z", level=level, estimate=float(beta), se=float(se), zval=float(zval),
        pval=pval, ci_lb=float(beta - crit * se), ci_ub=float(beta + crit * se),
        pi_lb=nan, pi_ub=nan, tau2=0.0, tau2_ci_lb=nan, tau2_ci_ub=nan, i2=i2, i2_ci_lb=nan, i2_ci_ub=nan,
        h2=h2, h2_ci_lb=nan, h2_ci_ub=nan, q=q, q_df=q_df, q_pval=q_pval,
        ddf=nan, converged=True, iterations=0, weights=None, yi=yi, vi=vi,
        measure=measure, **{key: (int(v) if key == "k_pos" else float(v)) for key, v in extra.items()},
    )  # fmt: skip


def _empty_tables(a, b, c, d):
    """Tables with no events, or only events, in both arms (no own estimate, so not in Q)."""
    return ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))


def mantel_haenszel(ai, bi=None, ci=None, di=None, *, n1i=None, n2i=None, measure="OR", level=95, correct=True):
    """Mantel-Haenszel pooled OR, RR or RD (on the log scale for OR and RR), as metafor's ``rma.mh``.

    Parameters
    ----------
    ai, bi, ci, di : events and non-events in the treated and control arms
        (or give ``n1i``, ``n2i`` instead of ``bi``, ``di``). pandas Series are
        paired by their labels.
    measure : 'OR', 'RR' or 'RD'.
    level : confidence level in percent (95) or as a fraction (0.95).
    correct : continuity correction of the CMH and Cochran tests (as metafor).

    Tables with no events (or only events) in both arms stay in the estimate and
    leave Q, as in metafor, with a :class:`~exometa.errors.DataWarning`. When
    every table is like that, the estimate is what metafor gives (NaN for OR;
    NaN for RR without events, 0 with only events; 0 for RD), with the warning.

    Examples
    --------
    The BCG trials (metafor's ``dat.bcg``); metafor's ``rma.mh`` gives a log
    risk ratio of -0.4537:

    >>> tpos = [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27]
    >>> tneg = [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886]
    >>> cpos = [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29]
    >>> cneg = [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825]
    >>> round(mantel_haenszel(tpos, tneg, cpos, cneg, measure="RR").estimate, 4)
    -0.4537
    """
    measure = check_choice("measure", measure, ("OR", "RR", "RD"))
    level = check_level(level)
    a, b, c, d = _tables(ai, bi, ci, di, n1i, n2i)
    yi, vi = _own_estimates(measure, a, b, c, d)
    empty = _empty_tables(a, b, c, d)
    _warn_empty(empty, "Mantel-Haenszel")
    if measure == "OR":
        beta, se, extra = _mh_or(a, b, c, d, correct)
    elif measure == "RR":
        beta, se, extra = _mh_rr(a, b, c, d)
    else:
        beta, se, extra = _mh_rd(a, b, c, d)
    return _result("MH", measure, beta, se, level, yi, vi, extra, k=a.size)


def _own_estimates(measure, a, b, c, d):
    yi, vi = binary.two_by_two(measure, {"ai": a, "bi": b, "ci": c, "di": d}, add=0.5, to="only0", drop00=True)
    ok = np.isfinite(yi) & np.isfinite(vi)
    return np.where(ok, yi, np.nan), np.where(ok, vi, np.nan)


def _warn_empty(empty, name):
    if not empty.any():
        return
    rows = (np.flatnonzero(empty) + 1).tolist()
    if empty.all():
        msg = (
            f"Every table has no events (or only events) in both arms: the {name} estimate is what "
            "metafor gives for such data (undefined for an odds ratio), and there is no test of heterogeneity."
        )
    else:
        msg = (
            f"Tables {rows[:10]} have no events (or only events) in both arms: they count in the {name} "
            "estimate but have no estimate of their own, so they are left out of Q (as metafor does)."
        )
    warnings.warn(msg, DataWarning, stacklevel=3)


def peto(ai, bi=None, ci=None, di=None, *, n1i=None, n2i=None, level=95):
    """Peto's one-step pooled log odds ratio (metafor's ``rma.peto``).

    Examples
    --------
    The BCG trials; metafor's ``rma.peto`` gives -0.4744:

    >>> tpos = [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27]
    >>> tneg = [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886]
    >>> cpos = [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29]
    >>> cneg = [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825]
    >>> round(peto(tpos, tneg, cpos, cneg).estimate, 4)
    -0.4744
    """
    level = check_level(level)
    a, b, c, d = _tables(ai, bi, ci, di, n1i, n2i)
    yi, vi = _own_estimates("PETO", a, b, c, d)
    n1, n2 = a + b, c + d
    n = n1 + n2
    xt, yt = a + c, b + d
    if xt.sum() == 0 or yt.sum() == 0:
        raise DataError(
            "One of the two outcomes never occurs in any table (no events, or only events, everywhere): "
            "Peto's method cannot be used (metafor refuses too)."
        )
    _warn_empty(_empty_tables(a, b, c, d), "Peto")
    with np.errstate(invalid="ignore", divide="ignore"):
        e = xt * n1 / n
        v = xt * yt * (n1 / n) * (n2 / n) / (n - 1)
    v = np.where(np.isfinite(v), v, 0.0)  # a table of one participant carries no information
    beta = (a - e).sum() / v.sum()
    se = np.sqrt(1 / v.sum())
    res = _result("PETO", "OR", beta, se, level, yi, vi, {}, k=a.size)
    # Peto's Q is computed from O - E and V directly, as rma.peto does
    info = v > 0
    k = int(np.isfinite(yi).sum())
    q = max(0.0, float(np.sum((a - e)[info] ** 2 / v[info]) - (a - e).sum() ** 2 / v.sum()))
    if k > 1:
        return dataclasses.replace(
            res, q=q, q_pval=float(dist.chi2_sf(q, k - 1)), i2=max(0.0, 100 * (q - (k - 1)) / q) if q > 0 else 0.0,
            h2=q / (k - 1),
        )  # fmt: skip
    return res
