"""Converting reported summaries to means and SDs.

Every value returned here is *derived*, not data: an analysis that uses one
must declare it, and exometa flags the study wherever it appears.

- :func:`fivenum_to_mean_sd` — median with quartiles and/or range to mean and SD,
  with the methods and skewness test of metafor's ``conv.fivenum`` (normal
  data): means by Luo et al. (2018, Stat Methods Med Res 27:1785), SDs by Wan
  et al. (2014, BMC Med Res Methodol 14:135) from the range or the IQR, and by
  Shi et al. (2020, Stat Methods Med Res 29:2497) when both are given. Skewness
  tests by Shi et al.; a study whose summary is significantly skewed gets NaN
  (a mean and SD would misdescribe it), as with metafor's ``test=TRUE``.
- :func:`sd_from_se`, :func:`sd_from_ci`, :func:`sd_from_t`, :func:`sd_from_p` —
  the Cochrane Handbook's formulas (Higgins et al., Handbook version 6,
  section 6.5.2), using the t distribution for small samples.
"""

from __future__ import annotations

import numpy as np

from ..arguments import check_level
from ..errors import DataError
from ..models import distributions as _dist


def _arr(x, n):
    if x is None:
        return np.full(n, np.nan)
    return np.broadcast_to(np.asarray(x, dtype=float), (n,)).astype(float)


def fivenum_to_mean_sd(n, median, q1=None, q3=None, min=None, max=None, test=True):  # noqa: A002
    """Estimate means and SDs from a median with quartiles and/or range.

    Parameters
    ----------
    n, median : sample sizes and medians (arrays or scalars).
    q1, q3 : first and third quartiles (case 2, or case 3 with the range).
    min, max : minimum and maximum (case 1, or case 3 with the quartiles).
    test : if True, a significantly skewed summary gives NaN (metafor's default).

    Returns
    -------
    DataFrame with ``mean``, ``sd``, ``case`` (1 range, 2 IQR, 3 both),
    ``skew_stat``, ``skew_crit`` and ``skewed``.

    Examples
    --------
    n = 50, median 4, IQR 2 to 8 (Luo 2018 eq. 15; Wan 2014 eq. 16):

    >>> r = fivenum_to_mean_sd(50, 4, q1=2, q3=8, test=False)
    >>> round(float(r["mean"][0]), 4), round(float(r["sd"][0]), 4)
    (4.7078, 4.5798)
    """
    k = _max_len(n, median, q1, q3, min, max)
    n, m, a, b, lo, hi = (_arr(x, k) for x in (n, median, q1, q3, min, max))
    has_iqr = np.isfinite(a) & np.isfinite(b)
    has_range = np.isfinite(lo) & np.isfinite(hi)
    ordered = np.stack([lo, a, m, b, hi])
    diffs = np.diff(ordered, axis=0)
    if np.any(diffs < 0):
        rows = sorted(set(np.nonzero(diffs < 0)[1].tolist()))
        raise DataError(f"min <= q1 <= median <= q3 <= max does not hold in rows {rows}; check the reported values.")
    case = np.where(has_range & has_iqr, 3, np.where(has_iqr, 2, np.where(has_range, 1, 0)))
    xi = 2 * _dist.norm_ppf((n - 0.375) / (n + 0.25))
    eta = 2 * _dist.norm_ppf((0.75 * n - 0.125) / (n + 0.25))
    with np.errstate(invalid="ignore", divide="ignore"):
        t1 = np.abs((lo + hi - 2 * m) / (hi - lo))
        t2 = np.abs((a + b - 2 * m) / (b - a))
        w1 = 4 / (4 + n**0.75)
        mean1 = w1 * (lo + hi) / 2 + (1 - w1) * m
        w2 = 0.7 + 0.39 / n
        mean2 = w2 * (a + b) / 2 + (1 - w2) * m
        wa, wb = 2.2 / (2.2 + n**0.75), 0.7 - 0.72 / n**0.55
        mean3 = wa * (lo + hi) / 2 + wb * (a + b) / 2 + (1 - wa - wb) * m
        ws = 1 / (1 + 0.07 * n**0.6)
        sd3 = ws * (hi - lo) / xi + (1 - ws) * (b - a) / eta
        stat = np.select(
            [case == 1, case == 2, case == 3],
            [t1, t2, np.maximum(2.65 * np.log(0.6 * n) / np.sqrt(n) * t1, t2)],
            np.nan,
        )
        crit = np.select(
            [case == 1, case == 2, case == 3],
            [1 / np.log(n + 9) + 2.5 / (n + 1), 2.65 / np.sqrt(n) - 6 / n**2, 3 / np.sqrt(n) - 40 / n**3],
            np.nan,
        )
    mean = np.select([case == 1, case == 2, case == 3], [mean1, mean2, mean3], np.nan)
    sd = np.select([case == 1, case == 2, case == 3], [(hi - lo) / xi, (b - a) / eta, sd3], np.nan)
    skewed = stat >= crit
    if test:
        mean = np.where(skewed, np.nan, mean)
        sd = np.where(skewed, np.nan, sd)
    import pandas as pd

    return pd.DataFrame({"mean": mean, "sd": sd, "case": case, "skew_stat": stat, "skew_crit": crit, "skewed": skewed})


def _max_len(*xs) -> int:
    return max((np.size(x) for x in xs if x is not None), default=1)


def sd_from_se(se, n):
    """SD of a group mean from its standard error: ``SD = SE * sqrt(n)``.

    >>> float(sd_from_se(2.0, 25))
    10.0
    """
    return np.asarray(se, float) * np.sqrt(np.asarray(n, float))


def _crit(level, df, dist):
    alpha = 1 - check_level(level) / 100
    return _dist.t_isf(alpha / 2, df) if dist == "t" else _dist.norm_isf(alpha / 2)


def sd_from_ci(ci_lb, ci_ub, n1, n2=None, level=95, dist="t"):
    """SD from a CI: of one group's mean (``n2=None``) or of a difference in means.

    For a difference, the result is the pooled within-group SD (the Handbook's
    ``SD = SE / sqrt(1/n1 + 1/n2)``), to be used for both arms. With
    ``dist="t"`` the CI is taken to come from a t distribution (n - 1 or
    n1 + n2 - 2 df), as the Handbook advises for small samples; ``dist="z"``
    uses 1.96 (3.92 for the full width).

    >>> round(float(sd_from_ci(10.0, 14.0, 100, dist="z")), 4)   # 4 / 3.92 * 10
    10.2043
    """
    n1 = np.asarray(n1, float)
    width = np.asarray(ci_ub, float) - np.asarray(ci_lb, float)
    if n2 is None:
        return width / (2 * _crit(level, n1 - 1, dist)) * np.sqrt(n1)
    n2 = np.asarray(n2, float)
    se = width / (2 * _crit(level, n1 + n2 - 2, dist))
    return se / np.sqrt(1 / n1 + 1 / n2)


def sd_from_t(mean_diff, t, n1, n2=None):
    """SD from a t statistic: ``SE = |MD| / |t|`` (one-sample when ``n2`` is None).

    Cochrane Handbook 6.5.2.3: MD 3.8, t 2.78, n 25 and 22 gives SE 1.37 and
    SD 4.69 there (it rounds the SE to 1.37 first):

    >>> round(float(sd_from_t(3.8, 2.78, 25, 22)), 2)
    4.68
    """
    se = np.abs(np.asarray(mean_diff, float)) / np.abs(np.asarray(t, float))
    n1 = np.asarray(n1, float)
    if n2 is None:
        return se * np.sqrt(n1)
    return se / np.sqrt(1 / n1 + 1 / np.asarray(n2, float))


def sd_from_p(mean_diff, p, n1, n2=None):
    """SD from a two-sided p-value of a t-test (df = n - 1, or n1 + n2 - 2).

    An exact p is needed; for "p < 0.05" the Handbook suggests the limit (0.05)
    as a conservative choice, which the caller must declare as an assumption.
    """
    n1 = np.asarray(n1, float)
    df = n1 - 1 if n2 is None else n1 + np.asarray(n2, float) - 2
    t = _dist.t_isf(np.asarray(p, float) / 2, df)
    return sd_from_t(mean_diff, t, n1, n2)
