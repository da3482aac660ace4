"""A mean and SD for every chosen arm row at once, saying how each was obtained.

Applied in this order, to all rows of an analysis together (arrays, not loops
over studies):

1. **Units**: every location and spread number on the row is multiplied by the
   row's unit factor (see :mod:`.units`).
2. **Mean**: as reported; else, when the analysis sets ``convert_medians = true``,
   from the median with quartiles and/or range (Luo et al. 2018 for the mean;
   Wan et al. 2014 and Shi et al. 2020 for the SD; metafor's ``conv.fivenum``
   via :func:`exometa.effects.conversions.fivenum_to_mean_sd`). A summary that
   the skewness test finds skewed is not converted (the reason is given). A
   median with only the width of its IQR (no quartiles) gets the median as its
   mean -- no estimator can do better without the quartiles, and skewness cannot
   be tested, which the derivation says -- and the SD ``IQR / η(n)``, ``η(n) =
   2 Φ⁻¹((0.75 n - 0.125) / (n + 0.25))`` (Wan et al. 2014, eq. 16).
3. **SD**: as reported; else from the SE (``SD = SE √n``), the CI (t-based,
   Cochrane Handbook 6.5.2.2), or -- for a change from baseline only -- the
   paired t statistic or, if the analysis lists ``from_p`` in ``missing_sd``,
   the p-value against baseline (a bound such as p < 0.001 is taken at the
   bound, which overstates the SD). Borrowing (``borrow``) is done by the caller,
   once every arm is known.

Every step but "as reported" is a derivation: recorded in words and flagged ``*``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


from ..models.distributions import norm_ppf
from ..effects.conversions import fivenum_to_mean_sd, sd_from_ci, sd_from_p, sd_from_se, sd_from_t
from . import rows as rowsel


def _g(x) -> str:
    return f"{x:.4g}"


def _col(x: pd.DataFrame, name) -> np.ndarray:
    return x[name].to_numpy(dtype=float) if name in x else np.full(len(x), np.nan)


def resolve(x: pd.DataFrame, convert_medians: bool, change: bool, policies=()) -> pd.DataFrame:
    """Columns ``m``, ``s``, ``n``, ``sd_typed``, ``derivations`` (list per row) and ``reason`` for chosen rows."""
    x = x.copy()
    k = len(x)
    fac = _col(x, "_factor")
    mean, sd, se = _col(x, "mean") * fac, _col(x, "sd") * fac, _col(x, "se") * fac
    lb, ub = _col(x, "ci_lb") * fac, _col(x, "ci_ub") * fac
    n = _col(x, "n")
    derivs = rowsel.notes(x)
    reason = np.full(k, "", dtype=object)
    m = mean.copy()
    s = sd.copy()
    if convert_medians:
        _medians(x, fac, n, m, s, derivs, reason)
    typed = np.isfinite(sd)
    need = ~np.isfinite(s) & np.isfinite(n)
    use = need & np.isfinite(se)
    if use.any():
        s[use] = sd_from_se(se[use], n[use])
        for i in np.flatnonzero(use):
            derivs[i].append(f"SD {_g(s[i])} from the SE {_g(se[i])} × √{n[i]:g}")
    use = ~np.isfinite(s) & np.isfinite(n) & (n > 1) & np.isfinite(lb) & np.isfinite(ub)
    if use.any():
        levels = np.where(np.isfinite(_col(x, "ci_level")), _col(x, "ci_level"), 95.0)
        for level in np.unique(levels[use]):
            sel = use & (levels == level)
            s[sel] = sd_from_ci(lb[sel], ub[sel], n[sel], level=level, dist="t")
        for i in np.flatnonzero(use):
            derivs[i].append(f"SD {_g(s[i])} from the {levels[i]:g}% CI {_g(lb[i])} to {_g(ub[i])} (t with {n[i] - 1:g} df)")
    if change:
        sd_from_tests(x, m, s, n, derivs, "from_p" in policies)
    x["m"], x["s"], x["n_"], x["sd_typed"], x["derivations"], x["reason"] = m, s, n, typed, derivs, reason
    return x


def _medians(x, fac, n, m, s, derivs, reason):
    med, q1, q3 = _col(x, "median") * fac, _col(x, "q1") * fac, _col(x, "q3") * fac
    lo, hi = _col(x, "min") * fac, _col(x, "max") * fac
    has = ~np.isfinite(m) & np.isfinite(med) & np.isfinite(n) & ((np.isfinite(q1) & np.isfinite(q3)) | (np.isfinite(lo) & np.isfinite(hi)))
    _iqr_width_only(x, fac, n, med, m, s, derivs, has)
    if not has.any():
        return
    conv = fivenum_to_mean_sd(n[has], med[has], q1=q1[has], q3=q3[has], min=lo[has], max=hi[has], test=True)
    for j, i in enumerate(np.flatnonzero(has)):
        row = conv.iloc[j]
        what = {1: "range", 2: "quartiles", 3: "quartiles and range"}[int(row["case"])]
        if row["skewed"]:
            reason[i] = (f"the median with its {what} is significantly skewed (Shi et al. 2020 test: "
                         f"{row['skew_stat']:.3g} ≥ {row['skew_crit']:.3g}); a mean and SD would misdescribe it")
            continue
        m[i] = row["mean"]
        sd_method = {1: "Wan et al. 2014, range", 2: "Wan et al. 2014, IQR", 3: "Shi et al. 2020, quartiles and range"}[int(row["case"])]
        derivs[i].append(f"mean {_g(m[i])} (Luo et al. 2018) from the median {_g(med[i])} with its {what}")
        if not math.isfinite(s[i]):
            s[i] = row["sd"]
            derivs[i].append(f"SD {_g(s[i])} ({sd_method})")


def _iqr_width_only(x, fac, n, med, m, s, derivs, has):
    """A median with only its IQR's width: mean = median, SD = IQR / η(n) (Wan et al. 2014)."""
    iqr = _col(x, "iqr") * fac
    use = ~has & ~np.isfinite(m) & np.isfinite(med) & np.isfinite(iqr) & np.isfinite(n) & (n > 1)
    if not use.any():
        return
    eta = 2 * norm_ppf((0.75 * n[use] - 0.125) / (n[use] + 0.25))
    m[use] = med[use]
    for j, i in enumerate(np.flatnonzero(use)):
        derivs[i].append(f"mean taken as the median {_g(med[i])}: only the IQR's width is reported, so no better "
                         "estimate exists and skewness cannot be tested")
        if not math.isfinite(s[i]):
            s[i] = iqr[i] / eta[j]
            derivs[i].append(f"SD {_g(s[i])} from the IQR width {_g(iqr[i])} and n = {n[i]:g} (Wan et al. 2014: IQR / {eta[j]:.4g})")


def sd_from_tests(x, m, s, n, derivs, from_p):
    """SD of a change ``m`` from the paired t statistic on ``x``'s rows, or (if allowed) their p-value
    against baseline; fills ``s`` (and ``derivs``) in place where it is missing."""
    test = x["p_test"].map(lambda t: not isinstance(t, str) or not t.strip() or "baseline" in t.lower()).to_numpy(bool) \
        if "p_test" in x else np.ones(len(x), bool)
    t = _col(x, "stat_value")
    is_t = (x["stat_type"] == "t").to_numpy(bool) if "stat_type" in x else np.zeros(len(x), bool)
    use = ~np.isfinite(s) & np.isfinite(m) & (m != 0) & np.isfinite(n) & (n > 1) & is_t & np.isfinite(t) & (t != 0) & test
    if use.any():
        s[use] = sd_from_t(m[use], t[use], n[use])
        for i in np.flatnonzero(use):
            derivs[i].append(f"SD of change {_g(s[i])} from the paired t = {t[i]:g} ({n[i] - 1:g} df)")
    if not from_p:
        return
    p = _col(x, "p_value")
    use = ~np.isfinite(s) & np.isfinite(m) & (m != 0) & np.isfinite(n) & (n > 1) & np.isfinite(p) & (p > 0) & (p < 1) & test
    if use.any():
        s[use] = sd_from_p(m[use], p[use], n[use])
        rel = x["p_relation"].to_numpy(object) if "p_relation" in x else np.full(len(x), None)
        for i in np.flatnonzero(use):
            bound = rel[i] in ("<", ">")
            derivs[i].append(f"SD of change {_g(s[i])} from p {'<' if bound else '='} {p[i]:g} against baseline "
                             f"(paired t, {n[i] - 1:g} df)" + (", taking the bound as the p-value, which overstates the SD" if bound else ""))


__all__ = ["resolve", "sd_from_tests"]
