"""Checks of spread: CIs symmetric on their proper scale, SDs possible for the range or
quartiles, and SDs so small that they look like standard errors.

- A CI for a difference (mean difference, risk difference, a mean) is
  symmetric about its estimate; a CI for a ratio (RR, OR, HR, ratio of means)
  is symmetric on the log scale (Cochrane Handbook 6.3.2 and 6.5.2).
- No sample of ``n`` values between ``min`` and ``max`` with mean ``m`` has a
  sample SD above ``sqrt((max - m)(m - min) n / (n - 1))`` (the Bhatia-Davis
  bound) or below ``(max - min) / sqrt(2 (n - 1))`` (two values at the
  extremes, the rest at the mean).
- At least ``floor(n / 4)`` values lie at or below the first quartile and as
  many at or above the third, under every usual quartile definition, so the
  sample SD is at least ``IQR sqrt(floor(n / 4) / (2 (n - 1)))``.
- metafor 5.1 warns when a standardised mean difference exceeds 2 in absolute
  value: "maybe SEs were used in place of SDs" (``escalc``'s ``.chkyisize``);
  the same cutoff is used here for every standardised effect.

>>> ci_symmetry(0.80, 0.60, 1.07, scale="ratio").verdict   # log(0.8/0.6) = log(1.07/0.8) = 0.29
'passes'
>>> ci_symmetry(0.80, 0.60, 1.00, scale="ratio", decimals=2).verdict   # symmetric on the raw scale instead
'fails'
"""

from __future__ import annotations

import math

from ...arguments import check_choice
from .result import CheckResult, bounds, decimals_of, fmt, is_number, need_count

#: |standardised effect| above which an SD looks like an SE (metafor 5.1's cutoff for SMDs)
SMD_CUTOFF = 2.0


def _box(x, decimals=None):
    lo, hi = bounds(x, decimals)
    return float(lo), float(hi)


def ci_symmetry(estimate, ci_lb, ci_ub, scale: str = "difference", decimals: int | None = None) -> CheckResult:
    """Is the CI symmetric about the estimate on the scale it should be (``"difference"`` or ``"ratio"``)?

    ``decimals`` is the precision of the three numbers; by default the largest
    visible in any of them (an estimate and its limits are reported alike).

    Examples
    --------
    >>> print(ci_symmetry(8.0, 2.0, 16.0, decimals=1).detail)
    the CI runs 6 below and 8 above the estimate 8 (a gap of 2, and 1.8 to 2.2 for the values that round to those reported: never 0); a CI of a difference is symmetric, so one of the three numbers is wrong or the interval is not the usual one.
    """
    check_choice("scale", scale, ("difference", "ratio"))
    est, lb, ub = float(estimate), float(ci_lb), float(ci_ub)
    if not lb <= est <= ub:
        return CheckResult("CI symmetry", "fails", f"the estimate {fmt(est)} lies outside its own CI ({fmt(lb)} to {fmt(ub)}).")
    if decimals is None:  # an estimate and its limits are reported at one precision: the largest visible
        decimals = max(decimals_of(v) for v in (est, lb, ub))
    e, l, u = _box(est, decimals), _box(lb, decimals), _box(ub, decimals)
    if scale == "difference":
        lo_gap, hi_gap = u[0] + l[0] - 2 * e[1], u[1] + l[1] - 2 * e[0]
        ok = lo_gap <= 0 <= hi_gap
        below, above = est - lb, ub - est
        text = f"the CI runs {fmt(below)} below and {fmt(above)} above the estimate {fmt(est)}"
        if ok:
            return CheckResult("CI symmetry", "passes", text + ", symmetric within rounding, as a CI of a difference should be.")
        extra = ""
        if lb > 0 and _log_symmetric(e, l, u):
            extra = " It is symmetric on the log scale, as the CI of a ratio would be: is the measure a ratio?"
        return CheckResult("CI symmetry", "fails", text + f" (a gap of {fmt(above - below)}, and {fmt(lo_gap)} to "
                                                          f"{fmt(hi_gap)} for the values that round to those reported: never 0); "
                                                          "a CI of a difference is symmetric, so one of the three numbers is wrong "
                                                          "or the interval is not the usual one." + extra)
    if min(l[0], e[0]) <= 0:
        return CheckResult("CI symmetry", "fails", f"a ratio and its CI must be positive; got {fmt(est)} ({fmt(lb)} to {fmt(ub)}).")
    below, above = math.log(est / lb), math.log(ub / est)
    text = (f"on the log scale the CI runs {fmt(below)} below and {fmt(above)} above log({fmt(est)}) "
            f"(ratios {fmt(est / lb)} and {fmt(ub / est)})")
    if _log_symmetric(e, l, u):
        return CheckResult("CI symmetry", "passes", text + ", symmetric within rounding, as a CI of a ratio should be.")
    raw = (u[0] + l[0] - 2 * e[1]) <= 0 <= (u[1] + l[1] - 2 * e[0])
    extra = (f" It is symmetric on the raw scale instead ({fmt(est - lb)} either side): it may have been computed without "
             "the log transformation.") if raw else ""
    return CheckResult("CI symmetry", "fails", text + "; no rounding of the three numbers makes it symmetric, as a CI of a "
                                                      "ratio should be." + extra)


def _log_symmetric(e, l, u) -> bool:
    """Some values in the rounding boxes satisfy lb * ub = est^2."""
    return l[0] * u[0] <= e[1] ** 2 and e[0] ** 2 <= l[1] * u[1]


def sd_range(sd, n, minimum, maximum, mean=None, decimals: int | None = None) -> CheckResult:
    """Is the (sample) SD possible for ``n`` values between ``minimum`` and ``maximum`` (and this mean)?

    Examples
    --------
    Ten values between 0 and 10 with mean 5 have an SD of at most 5.27 and at least 2.36:

    >>> sd_range(6.0, 10, 0, 10, mean=5, decimals=1).verdict, sd_range(4.0, 10, 0, 10, mean=5, decimals=1).verdict
    ('fails', 'passes')
    >>> sd_range(1.5, 10, 0, 10, decimals=1).verdict
    'fails'
    """
    n = need_count("n", n)
    if n is None or n < 2:
        return CheckResult("SD vs range", "cannot check", "an SD needs n of at least 2, and n is " + ("not reported." if n is None else f"{n}."))
    s, a, b = float(sd), float(minimum), float(maximum)
    if a > b:
        return CheckResult("SD vs range", "fails", f"the minimum {fmt(a)} is larger than the maximum {fmt(b)}.")
    sb, ab, bb = _box(s, decimals), _box(a, decimals), _box(b, decimals)
    rng = f"{n} values from {fmt(a)} to {fmt(b)}"
    if is_number(mean):
        m = float(mean)
        mb = _box(m, decimals)
        if mb[1] < ab[0] or mb[0] > bb[1]:
            return CheckResult("SD vs range", "fails", f"the mean {fmt(m)} lies outside the range {fmt(a)} to {fmt(b)}.")
        centre = min(max((ab[0] + bb[1]) / 2, mb[0]), mb[1])
        upper = math.sqrt(max(0.0, (bb[1] - centre) * (centre - ab[0])) * n / (n - 1))
        rng += f" with mean {fmt(m)}"
        why = "(all values at the two extremes)"
    else:
        upper = (bb[1] - ab[0]) * math.sqrt((n // 2) * ((n + 1) // 2) / (n * (n - 1)))
        why = "(half the values at each extreme)"
    lower = max(0.0, bb[0] - ab[1]) / math.sqrt(2 * (n - 1))
    head = (f"{rng} have a sample SD between {fmt(lower, 3)} (two values at the extremes, the rest at the mean) and "
            f"{fmt(upper, 3)} {why}, allowing for rounding")
    if sb[0] > upper:
        return CheckResult("SD vs range", "fails", head + f"; the reported SD {fmt(s)} is larger than is possible.")
    if sb[1] < lower:
        return CheckResult("SD vs range", "fails", head + f"; the reported SD {fmt(s)} is smaller than is possible "
                                                          "(is it a standard error?).")
    return CheckResult("SD vs range", "passes", head + f"; the reported SD {fmt(s)} fits.")


def sd_quartiles(sd, n, q1=None, q3=None, iqr=None, decimals: int | None = None) -> CheckResult:
    """Is the (sample) SD large enough for the interquartile range (quartiles ``q1``, ``q3`` or the width ``iqr``)?

    Examples
    --------
    With 40 values and quartiles 100 and 120, the SD is at least 7.16:

    >>> sd_quartiles(2.5, 40, q1=100, q3=120, decimals=1).verdict, sd_quartiles(15.0, 40, iqr=20, decimals=1).verdict
    ('fails', 'passes')
    """
    n = need_count("n", n)
    if n is None or n < 4:
        return CheckResult("SD vs quartiles", "cannot check", "with fewer than 4 values (or n not reported) the quartiles do not bound the SD.")
    s = float(sd)
    if is_number(q1) and is_number(q3):
        if float(q1) > float(q3):
            return CheckResult("SD vs quartiles", "fails", f"the first quartile {fmt(q1)} is larger than the third {fmt(q3)}.")
        width = max(0.0, _box(q3, decimals)[0] - _box(q1, decimals)[1])
        shown = f"quartiles {fmt(q1)} and {fmt(q3)}"
    elif is_number(iqr):
        width = _box(iqr, decimals)[0]
        shown = f"an IQR of {fmt(iqr)}"
    else:
        return CheckResult("SD vs quartiles", "cannot check", "neither both quartiles nor the IQR is reported.")
    a = n // 4
    lower = width * math.sqrt(a / (2 * (n - 1)))
    head = (f"with {n} values and {shown}, at least {a} value(s) lie at or beyond each quartile, so the sample SD is at "
            f"least {fmt(lower, 3)}")
    if _box(s, decimals)[1] < lower:
        return CheckResult("SD vs quartiles", "fails", head + f"; the reported SD {fmt(s)} is smaller (is it a standard error?).")
    return CheckResult("SD vs quartiles", "passes", head + f"; the reported SD {fmt(s)} fits.")


def sd_looks_like_se(difference, sd, n=None, what: str = "the difference", cutoff: float = SMD_CUTOFF) -> CheckResult:
    """Does ``difference / sd`` exceed ``cutoff`` (2), suggesting the SD is really an SE?

    ``difference`` is what is standardised: a mean change (with the SD of the
    change), a difference between arms (with their pooled SD), or a change from
    baseline (with the baseline SD). With ``n``, the detail shows what the
    standardised effect would be if the "SD" were an SE (SD = SE x sqrt(n)).

    Examples
    --------
    Wan 2025 reports a mean change in hair density of 35 with SD 6.5 in 16 people:

    >>> print(sd_looks_like_se(35, 6.5, 16, what="the mean change").detail)
    the mean change 35 over the SD 6.5 is a standardised effect of 5.38, above 2 (metafor's cutoff for an unusually large standardised mean difference: "maybe SEs were used in place of SDs"); if 6.5 were an SE, the SD would be 6.5 x sqrt(16) = 26 and the standardised effect 1.35.
    """
    diff, s = float(difference), float(sd)
    if s <= 0:
        return CheckResult("SD looks like SE", "cannot check", f"the SD is {fmt(s)}, so nothing can be standardised by it.")
    d = diff / s
    head = f"{what} {fmt(diff)} over the SD {fmt(s)} is a standardised effect of {fmt(d, 2)}"
    if abs(d) <= cutoff:
        return CheckResult("SD looks like SE", "passes", head + f", within +/-{fmt(cutoff)}.")
    text = (head + f", above {fmt(cutoff)} (metafor's cutoff for an unusually large standardised mean difference: "
            '"maybe SEs were used in place of SDs")')
    n = need_count("n", n)
    if n:
        as_sd = s * math.sqrt(n)
        text += (f"; if {fmt(s)} were an SE, the SD would be {fmt(s)} x sqrt({n}) = {fmt(as_sd, 2)} and the standardised "
                 f"effect {fmt(diff / as_sd, 2)}")
    return CheckResult("SD looks like SE", "fails", text + ".")


def pooled_sd(sd1, n1, sd2, n2) -> float:
    """The pooled SD of two groups, ``sqrt(((n1-1) sd1^2 + (n2-1) sd2^2) / (n1 + n2 - 2))``.

    >>> pooled_sd(3.0, 10, 4.0, 10)
    3.5355339059327378
    """
    n1, n2 = need_count("n1", n1, 1), need_count("n2", n2, 1)
    return math.sqrt(((n1 - 1) * float(sd1) ** 2 + (n2 - 1) * float(sd2) ** 2) / (n1 + n2 - 2))


__all__ = ["ci_symmetry", "sd_range", "sd_quartiles", "sd_looks_like_se", "pooled_sd", "SMD_CUTOFF"]
