"""Mantel-Haenszel and Peto pooling of 2x2 tables (metafor's ``rma.mh``, ``rma.peto``).

Both are common-effect methods that work on the counts themselves, so they
stay usable when events are rare and a continuity correction would bias an
inverse-variance analysis. As in metafor, the counts enter the pooled estimate
uncorrected (tables with no events, or no non-events, in both arms are left
out), while Cochran's Q uses each study's own estimate, computed with the
usual continuity correction (add 1/2 to tables with a zero cell).

References: Mantel & Haenszel (1959); Robins, Breslow & Greenland (1986)
variance of the log OR; Greenland & Robins (1985) variances of the log RR and
the RD; Yusuf et al. (1985) for Peto's method; Tarone (1985).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..checks import check_choice, check_level
from ..effects import effect_sizes
from ..errors import DataError
from .results import MetaResult


@dataclass(frozen=True, eq=False, repr=False)
class MantelHaenszelResult(MetaResult):
    """A :class:`MetaResult` with the tests particular to stratified 2x2 tables.

    ``cmh``/``cmh_pval``: Cochran-Mantel-Haenszel test (continuity-corrected);
    ``tarone``/``tarone_pval``: Tarone's test of homogeneity of odds ratios.
    """

    measure: str = ""
    cmh: float = np.nan
    cmh_pval: float = np.nan
    tarone: float = np.nan
    tarone_pval: float = np.nan


def _tables(ai, bi, ci, di, n1i, n2i):
    ai, ci = np.asarray(ai, float), np.asarray(ci, float)
    bi = np.asarray(n1i, float) - ai if bi is None else np.asarray(bi, float)
    di = np.asarray(n2i, float) - ci if di is None else np.asarray(di, float)
    bad = (np.array([ai, bi, ci, di]) < 0).any(axis=0)
    if bad.any():
        rows = (np.flatnonzero(bad) + 1).tolist()
        raise DataError(f"Tables {rows[:10]} have negative counts (events > n?). Check ai <= n1i and ci <= n2i.")
    if not (np.isfinite(ai) & np.isfinite(bi) & np.isfinite(ci) & np.isfinite(di)).all():
        raise DataError("Some tables have missing counts; drop them before pooling.")
    return ai, bi, ci, di


def _heterogeneity(es, beta):
    ok = np.isfinite(es.yi.to_numpy()) & np.isfinite(es.vi.to_numpy())
    yi, vi = es.yi.to_numpy()[ok], es.vi.to_numpy()[ok]
    k = int(ok.sum())
    if k <= 1:
        return 0.0, 1.0, 0.0, 1.0, k
    q = max(0.0, float(np.sum((yi - beta) ** 2 / vi)))
    return q, float(stats.chi2.sf(q, k - 1)), max(0.0, 100 * (q - (k - 1)) / q), q / (k - 1), k


def _mh_or(a, b, c, d, correct):
    n = a + b + c + d
    r, s = a * d / n, b * c / n
    pp, qq = (a + d) / n, (b + c) / n
    R, S = r.sum(), s.sum()
    if R == 0 or S == 0:
        return np.nan, np.nan, {}
    beta = np.log(R / S)
    se = np.sqrt(0.5 * ((pp * r).sum() / R**2 + (pp * s + qq * r).sum() / (R * S) + (qq * s).sum() / S**2))
    n1, n2, xt, yt = a + b, c + d, a + c, b + d
    extra = {}
    if xt.sum() > 0 and yt.sum() > 0:
        cmh = (abs((a - n1 / n * xt).sum()) - (0.5 if correct else 0)) ** 2 / (n1 / n * n2 / n * xt * yt / n).sum()
        extra.update(cmh=cmh, cmh_pval=stats.chi2.sf(cmh, 1))
    psi = R / S
    if psi == 1:
        n11 = n1 / n * xt
    else:
        A = psi * (n1 + xt) + (n2 - xt)
        n11 = (A - np.sqrt(A**2 - 4 * n1 * xt * psi * (psi - 1))) / (2 * (psi - 1))
    pos = (n11 > 0) & (xt > 0) & (yt > 0)
    n11 = n11[pos]
    inv = 1 / n11 + 1 / (n1[pos] - n11) + 1 / (xt[pos] - n11) + 1 / (n11 - n1[pos] - xt[pos] + n[pos])
    dev = a[pos] - n11
    bd = max(0.0, float(np.sum(dev**2 * inv)))
    ta = max(0.0, bd - dev.sum() ** 2 / np.sum(1 / inv))
    if pos.sum() > 1:
        extra.update(tarone=ta, tarone_pval=stats.chi2.sf(ta, pos.sum() - 1))
    return beta, se, extra


def _mh_rr(a, b, c, d):
    n1, n2 = a + b, c + d
    n = n1 + n2
    R, S = (a * n2 / n).sum(), (c * n1 / n).sum()
    if a.sum() == 0 or c.sum() == 0:
        return np.nan, np.nan, {}
    se = np.sqrt(np.sum(n1 / n * n2 / n * (a + c) - a / n * c) / (R * S))
    return np.log(R / S), se, {}


def _mh_rd(a, b, c, d):
    n1, n2 = a + b, c + d
    n = n1 + n2
    denom = (n1 * n2 / n).sum()
    beta = (a * n2 / n - c * n1 / n).sum() / denom
    num = beta * np.sum(c * (n1 / n) ** 2 - a * (n2 / n) ** 2 + n1 / n * n2 / n * (n2 - n1) / 2)
    num += np.sum(a * (n2 - c) / n + c * (n1 - a) / n) / 2
    return beta, np.sqrt(num / denom**2), {}


def _result(method, measure, beta, se, level, es, extra, k):
    crit = stats.norm.isf((1 - level / 100) / 2)
    zval = beta / se
    q, q_pval, i2, h2, _ = _heterogeneity(es, beta)
    nan = np.nan
    return MantelHaenszelResult(
        k=k, method=method, test="z", level=level, estimate=float(beta), se=float(se), zval=float(zval),
        pval=float(2 * stats.norm.sf(abs(zval))), ci_lb=float(beta - crit * se), ci_ub=float(beta + crit * se),
        pi_lb=nan, pi_ub=nan, tau2=0.0, tau2_ci_lb=nan, tau2_ci_ub=nan, i2=i2, i2_ci_lb=nan, i2_ci_ub=nan,
        h2=h2, h2_ci_lb=nan, h2_ci_ub=nan, q=q, q_df=max(int(np.isfinite(es.yi).sum()) - 1, 0), q_pval=q_pval,
        ddf=nan, converged=True, iterations=0, weights=None, yi=es.yi.to_numpy(), vi=es.vi.to_numpy(),
        measure=measure, **{key: float(v) for key, v in extra.items()},
    )  # fmt: skip


def mantel_haenszel(ai, bi=None, ci=None, di=None, *, n1i=None, n2i=None, measure="OR", level=95, correct=True):
    """Mantel-Haenszel pooled OR, RR or RD (on the log scale for OR and RR).

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
    es = effect_sizes(measure, ai=a, bi=b, ci=c, di=d, drop00=True)
    keep = ~(((a == 0) & (c == 0)) | ((b == 0) & (d == 0)))
    a, b, c, d = a[keep], b[keep], c[keep], d[keep]
    if a.size == 0:
        raise DataError("No table has events in either arm; the Mantel-Haenszel estimate is undefined.")
    if measure == "OR":
        beta, se, extra = _mh_or(a, b, c, d, correct)
    elif measure == "RR":
        beta, se, extra = _mh_rr(a, b, c, d)
    else:
        beta, se, extra = _mh_rd(a, b, c, d)
    return _result("MH", measure, beta, se, level, es, extra, k=len(np.asarray(ai)))


def peto(ai, bi=None, ci=None, di=None, *, n1i=None, n2i=None, level=95):
    """Peto's one-step pooled log odds ratio (metafor's ``rma.peto``)."""
    level = check_level(level)
    a, b, c, d = _tables(ai, bi, ci, di, n1i, n2i)
    es = effect_sizes("PETO", ai=a, bi=b, ci=c, di=d, drop00=True)
    n1, n2 = a + b, c + d
    n = n1 + n2
    xt, yt = a + c, b + d
    with np.errstate(invalid="ignore", divide="ignore"):
        e = xt * n1 / n
        v = xt * yt * (n1 / n) * (n2 / n) / (n - 1)
    v = np.nan_to_num(v)
    if v.sum() == 0:
        raise DataError("No table carries information (no events, or all events, in every table).")
    beta = (a - e).sum() / v.sum()
    se = np.sqrt(1 / v.sum())
    res = _result("PETO", "OR", beta, se, level, es, {}, k=len(a))
    # Peto's Q is computed from O - E and V directly, as rma.peto does
    info = v > 0
    k = int(np.isfinite(es.yi).sum())
    q = max(0.0, float(np.sum((a - e)[info] ** 2 / v[info]) - (a - e).sum() ** 2 / v.sum()))
    if k > 1:
        return dataclasses.replace(
            res, q=q, q_pval=float(stats.chi2.sf(q, k - 1)), i2=max(0.0, 100 * (q - (k - 1)) / q), h2=q / (k - 1)
        )
    return res
