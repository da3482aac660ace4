"""p-values recomputed from the numbers reported beside them, judged by statcheck's rules.

The rules are those of statcheck (Nuijten et al. 2016, *Behav Res Methods*
48:1205-1226; the R package's ``error_test`` and ``decision_error_test``):

- every reported number stands for the values that round to it, so the
  recomputed p-value is a range (``low_p`` to ``up_p``);
- ``p = x`` is consistent when ``round(low_p, d) <= x <= round(up_p, d)``, with
  ``d`` the decimals of ``x``; ``p < x`` when ``low_p <= x``; ``p > x`` when
  ``up_p >= x``; ``p = 0`` is always an error (p is never 0: write p < .001);
- an inconsistent result is also a *decision error* when the recomputed p-value
  (at the numbers as reported) falls on the other side of alpha (.05; p = .05
  counts as significant);
- tests are two-sided; when the source says one-sided, a result that fits as a
  one-sided test is consistent.

Beside a test statistic (t, z, F, chi2, r with its df) the p-value is exact.
From a confidence interval, the z (or, given df, t) statistic is the estimate
over the SE the interval implies (Altman & Bland 2011, *BMJ* 343:d2090). From
means, SDs and n, it is the one-sample t-test, or the two-sample t-test with
pooled (Student) or separate (Welch) variances, whichever fits.

statcheck's own test cases: t(28) = 2.20 with p = .03 is an error, with p = .036 it is
not (a float shows no trailing zero, so the 2 decimals of 2.20 are given):

>>> check_p_statistic(0.03, "t", 2.20, df=28, stat_decimals=2).verdict
'fails'
>>> check_p_statistic(0.036, "t", 2.20, df=28, stat_decimals=2).verdict
'passes'
"""

from __future__ import annotations

import math
from itertools import product

from .distributions import stats

from ...arguments import check_choice
from ...errors import ExometaError
from .result import CheckResult, bounds, decimals_of, fmt, is_number, need_count

ALPHA = 0.05
STAT_TYPES = ("t", "z", "F", "chi2", "r")
RELATIONS = {"=": "=", "exact": "=", "<": "<", ">": ">"}


def _relation(relation) -> str:
    if relation is None or (isinstance(relation, float) and math.isnan(relation)):
        return "="
    return RELATIONS[check_choice("relation", relation, RELATIONS)]


def _reported_p(p) -> float:
    if not is_number(p) or not 0 <= float(p) <= 1:
        raise ExometaError(f"`p` must be a p-value between 0 and 1; got {p!r}.")
    return float(p)


def p_from_statistic(stat_type: str, value: float, df=None, df2=None, tails: int = 2) -> float:
    """The p-value of a test statistic: t(df), z, F(df, df2), chi2(df), r(df) (df = n - 2 for r).

    >>> round(p_from_statistic("t", 2.2, 28), 4), round(p_from_statistic("F", 2.2, 2, 28), 4)
    (0.0362, 0.1296)
    """
    check_choice("stat_type", stat_type, STAT_TYPES)
    v = abs(float(value))
    if stat_type in ("t", "r", "chi2") and not is_number(df):
        raise ExometaError(f"a {stat_type} statistic needs its degrees of freedom (`df`).")
    if stat_type == "F" and not (is_number(df) and is_number(df2)):
        raise ExometaError("an F statistic needs both degrees of freedom (`df` and `df2`).")
    if stat_type == "z":
        p = stats.norm.sf(v)
    elif stat_type == "t":
        p = stats.t.sf(v, df)
    elif stat_type == "r":
        if v >= 1:
            return 0.0
        p = stats.t.sf(v / math.sqrt((1 - v * v) / df), df)
    elif stat_type == "F":
        return float(stats.f.sf(float(value), df, df2))
    else:
        return float(stats.chi2.sf(float(value), df))
    return float(min(1.0, p * tails))


def _judge(check, p, relation, p_decimals, alpha, methods, source) -> CheckResult:
    """Apply statcheck's rules to the reported p and each way of recomputing it.

    ``methods`` is a list of ``(name, computed, low_p, up_p)``; the result is
    consistent if any method fits.
    """
    rel = _relation(relation)
    rep = _reported_p(p)
    d = decimals_of(rep) if p_decimals is None else int(p_decimals)
    stated = f"p {rel} {fmt(rep, d)}"
    if rel == "=" and rep <= 0:
        return CheckResult(check, "fails", f"{source} was reported with {stated}, but a p-value is never exactly 0 "
                                           "(it should be given as p < 0.001 or similar).")
    texts, fits = [], []
    for label, computed, low_p, up_p in methods:
        if rel == "=":
            ok = round(low_p, d) <= rep <= round(up_p, d)
        elif rel == "<":
            ok = low_p <= rep
        else:
            ok = up_p >= rep
        fits.append(ok)
        same = math.isclose(low_p, up_p, rel_tol=1e-9) or up_p < 1e-4
        span = "" if same else f" ({_p(low_p)} to {_p(up_p)} for the values that round to those reported)"
        texts.append(_p_is(computed) + (f" {label}" if label else "") + span)
    body = f"{source} gives " + "; or ".join(texts)
    if any(fits):
        which = f" ({methods[fits.index(True)][0].removeprefix('by ')})" if len(methods) > 1 else ""
        return CheckResult(check, "passes", f"{body}; the reported {stated} fits{which}.")
    computed = methods[0][1]
    decision = _decision_error(rep, rel, computed, alpha)
    text = f"{body}; the reported {stated} does not fit."
    if decision:
        said = "significant" if _reported_sig(rep, rel, alpha) else "not significant"
        found = "significant" if computed <= alpha else "not significant"
        text = (f"Decision error: {text} The reported p says {said} at {fmt(alpha)}; "
                f"the recomputed {_p_is(computed)} is {found}.")
    return CheckResult(check, "fails", text, decision_error=decision)


def _p(x: float) -> str:
    return "< 0.0001" if x < 1e-4 else fmt(x, 4)


def _p_is(x: float) -> str:
    return "p < 0.0001" if x < 1e-4 else f"p = {fmt(x, 4)}"


def _reported_sig(rep, rel, alpha) -> bool:
    return rep <= alpha if rel in ("=", "<") else False


def _decision_error(rep, rel, computed, alpha) -> bool:
    """statcheck's decision error (p = alpha counts as significant)."""
    if rel == "=":
        return (rep <= alpha < computed) or (rep > alpha >= computed)
    if rel == "<":
        return rep <= alpha < computed
    return rep >= alpha >= computed


def _stat_text(stat_type, value, df, df2, d) -> str:
    v = f"{value:.{d}f}"
    if stat_type == "z":
        return f"z = {v}"
    if stat_type == "F":
        return f"F({fmt(df)}, {fmt(df2)}) = {v}"
    name = {"chi2": "chi2", "t": "t", "r": "r"}[stat_type]
    return f"{name}({fmt(df)}) = {v}"


def check_p_statistic(p, stat_type: str, value, df=None, df2=None, relation="=", p_decimals: int | None = None,
                      stat_decimals: int | None = None, one_sided: bool = False, alpha: float = ALPHA) -> CheckResult:
    """Is the reported p-value consistent with the test statistic beside it (statcheck)?

    Parameters
    ----------
    p : float
        The p-value as reported; ``relation`` says whether it was ``=``, ``<`` or ``>``.
    stat_type : {"t", "z", "F", "chi2", "r"}
        The statistic; ``df`` is its degrees of freedom (for F the numerator's,
        ``df2`` the denominator's; for r, n - 2).
    one_sided : bool
        The source says the test was one-sided: a one-sided p is accepted too.

    Examples
    --------
    Cases from statcheck's test suite: t(28) = 1.20, p = .03 is a decision error;
    t(28) = 2.0, p < .05 fits, because t may have been 2.04:

    >>> r = check_p_statistic(0.03, "t", 1.20, df=28)
    >>> r.verdict, r.decision_error
    ('fails', True)
    >>> check_p_statistic(0.05, "t", 2.0, df=28, relation="<").verdict
    'passes'
    """
    check_choice("stat_type", stat_type, STAT_TYPES)
    value = float(value)
    d = decimals_of(value) if stat_decimals is None else int(stat_decimals)
    lo, hi = (float(b) for b in bounds(abs(value), d))
    if stat_type == "r":
        hi = min(hi, 1.0)
    lo = max(lo, 0.0)
    methods = []
    for tails in ((2, 1) if one_sided else (2,)):
        f = lambda v: p_from_statistic(stat_type, v, df, df2, tails)  # noqa: E731
        name = "" if not one_sided else ("two-sided" if tails == 2 else "one-sided")
        methods.append((name, f(abs(value)), f(hi), f(lo)))
    return _judge("p-value", p, relation, p_decimals, alpha, methods, _stat_text(stat_type, value, df, df2, d))


def _z_range(est, se_lo, se_hi):
    """Smallest and largest |estimate| / SE over the rounding box."""
    e_lo, e_hi = est
    near = 0.0 if e_lo <= 0 <= e_hi else min(abs(e_lo), abs(e_hi))
    far = max(abs(e_lo), abs(e_hi))
    return near / se_hi, (far / se_lo if se_lo > 0 else math.inf)


def check_p_ci(p, estimate, ci_lb, ci_ub, level=95, log_scale: bool = False, df=None, relation="=",
               p_decimals: int | None = None, decimals: int | None = None, alpha: float = ALPHA) -> CheckResult:
    """Is the reported p-value consistent with the estimate and its confidence interval?

    The SE is the interval's width over ``2 x`` the critical value (normal, or
    t with ``df`` when given: both are tried); ratios (``log_scale=True``) are
    worked on the log scale. ``decimals`` is the precision of the estimate and
    its limits (default: the decimals visible in each).

    Examples
    --------
    A mean difference of 8.0 (95% CI 2.0 to 14.0) has z = 2.61, p = 0.009:

    >>> check_p_ci(0.009, 8.0, 2.0, 14.0, decimals=1).verdict, check_p_ci(0.04, 8.0, 2.0, 14.0, decimals=1).verdict
    ('passes', 'fails')
    """
    level = float(level) if is_number(level) else 95.0
    values = [float(estimate), float(ci_lb), float(ci_ub)]
    boxes = [tuple(float(b) for b in bounds(v, decimals)) for v in values]
    if log_scale:
        if min(b[0] for b in boxes) <= 0:
            return CheckResult("p-value", "cannot check", "a ratio and its CI must be positive to be worked on the log scale.")
        boxes = [(math.log(a), math.log(b)) for a, b in boxes]
        values = [math.log(v) for v in values]
    (est, lb, ub) = values
    if not lb <= est <= ub or lb == ub:
        return CheckResult("p-value", "cannot check", "the estimate does not lie inside its CI, so no SE can be read from it.")
    w_lo = boxes[2][0] - boxes[1][1]
    w_hi = boxes[2][1] - boxes[1][0]
    methods = []
    for name, dist in [("with the normal approximation", stats.norm)] + ([(f"with t({fmt(df)})", stats.t(df))] if is_number(df) else []):
        crit = dist.ppf(0.5 + level / 200)
        z_near, z_far = _z_range(boxes[0], max(w_lo, 0.0) / (2 * crit), w_hi / (2 * crit))
        computed = 2 * dist.sf(abs(est) / ((ub - lb) / (2 * crit)))
        methods.append((name if is_number(df) else "", float(computed), float(2 * dist.sf(z_far)), float(2 * dist.sf(z_near))))
    scale = " (on the log scale)" if log_scale else ""
    source = f"the estimate {fmt(estimate)} with {fmt(level)}% CI {fmt(ci_lb)} to {fmt(ci_ub)}{scale}"
    return _judge("p-value", p, relation, p_decimals, alpha, methods, source)


def check_p_mean(p, mean, sd, n, mu: float = 0.0, relation="=", p_decimals: int | None = None,
                 decimals: int | None = None, alpha: float = ALPHA) -> CheckResult:
    """Is the reported p consistent with a one-sample t-test of ``mean`` (SD ``sd``, ``n``) against ``mu``?

    Used for a mean change from baseline with the SD of the change. ``decimals``
    is the precision of the mean and SD (default: the decimals visible in each).

    Examples
    --------
    A mean change of 5.0 (SD 10.0, n = 25) gives t(24) = 2.5, p = 0.0197:

    >>> check_p_mean(0.02, 5.0, 10.0, 25, decimals=1).verdict, check_p_mean(0.001, 5.0, 10.0, 25, decimals=1).verdict
    ('passes', 'fails')
    """
    n = need_count("n", n, minimum=2)
    mb, sb = bounds(mean, decimals), bounds(sd, decimals)
    m_box = (float(mb[0]) - mu, float(mb[1]) - mu)
    se_lo, se_hi = max(float(sb[0]), 0.0) / math.sqrt(n), float(sb[1]) / math.sqrt(n)
    t_near, t_far = _z_range(m_box, se_lo, se_hi)
    t = (float(mean) - mu) / (float(sd) / math.sqrt(n))
    dist = stats.t(n - 1)
    methods = [(f"by t({n - 1}) = {t:.3f}", float(2 * dist.sf(abs(t))), float(2 * dist.sf(t_far)), float(2 * dist.sf(t_near)))]
    source = f"the one-sample t-test of mean {fmt(mean)} (SD {fmt(sd)}, n = {n})" + (f" against {fmt(mu)}" if mu else "")
    return _judge("p-value", p, relation, p_decimals, alpha, methods, source)


def p_one_sample(mean, sd, n, mu: float = 0.0) -> float:
    """Two-sided p of the one-sample t-test of a mean (SD, n) against ``mu``.

    >>> round(p_one_sample(5.0, 10.0, 25), 4)
    0.0197
    """
    n = need_count("n", n, minimum=2)
    t = (float(mean) - mu) / (float(sd) / math.sqrt(n))
    return float(2 * stats.t.sf(abs(t), n - 1))


def p_two_sample(mean1, sd1, n1, mean2, sd2, n2, welch: bool = False) -> float:
    """Two-sided p of the two-sample t-test from means, SDs and n (Student's, or Welch's).

    >>> round(p_two_sample(12.0, 4.0, 20, 8.0, 4.0, 20), 4)
    0.0031
    """
    n1, n2 = need_count("n1", n1, 2), need_count("n2", n2, 2)
    t, df = _two_sample(float(mean1) - float(mean2), float(sd1), n1, float(sd2), n2, welch)
    return float(2 * stats.t.sf(abs(t), df))


def _two_sample(m, s1, n1, s2, n2, welch: bool):
    if welch:
        a, b = s1 * s1 / n1, s2 * s2 / n2
        se = math.sqrt(a + b)
        df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1)) if a + b > 0 else n1 + n2 - 2
    else:
        sp2 = ((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / (n1 + n2 - 2)
        se = math.sqrt(sp2 * (1 / n1 + 1 / n2))
        df = n1 + n2 - 2
    return m / se if se > 0 else math.inf, df


def check_p_two_means(p, mean1, sd1, n1, mean2, sd2, n2, relation="=", p_decimals: int | None = None,
                      decimals: int | None = None, alpha: float = ALPHA) -> CheckResult:
    """Is the reported p consistent with a two-sample t-test of two groups' means, SDs and n?

    Student's (pooled variance) and Welch's tests are both tried; over the
    rounding box the extreme p-values are found at its corners. ``decimals`` is
    the precision of the means and SDs (default: the decimals visible in each).

    Examples
    --------
    >>> check_p_two_means(0.001, 12.0, 4.0, 20, 8.0, 4.0, 20, decimals=1).verdict   # t(38) = 3.16, p = 0.003
    'fails'
    >>> check_p_two_means(0.003, 12.0, 4.0, 20, 8.0, 4.0, 20, decimals=1).verdict
    'passes'
    """
    n1, n2 = need_count("n1", n1, 2), need_count("n2", n2, 2)
    diff = float(mean1) - float(mean2)
    b1, b2 = bounds(mean1, decimals), bounds(mean2, decimals)
    d_box = (float(b1[0] - b2[1]), float(b1[1] - b2[0]))
    s1b = [max(float(v), 0.0) for v in bounds(sd1, decimals)]
    s2b = [max(float(v), 0.0) for v in bounds(sd2, decimals)]
    near_d = 0.0 if d_box[0] <= 0 <= d_box[1] else min(abs(d_box[0]), abs(d_box[1]))
    far_d = max(abs(d_box[0]), abs(d_box[1]))
    methods = []
    for welch, name in ((False, "Student's t"), (True, "Welch's t")):
        t, df = _two_sample(diff, float(sd1), n1, float(sd2), n2, welch)
        ps = [2 * stats.t.sf(abs(tt), dd) for s1, s2 in product(s1b, s2b)
              for tt, dd in [_two_sample(near_d, s1, n1, s2, n2, welch), _two_sample(far_d, s1, n1, s2, n2, welch)]]
        methods.append((f"by {name}({fmt(df, 1)}) = {t:.3f}", float(2 * stats.t.sf(abs(t), df)), float(min(ps)), float(max(ps))))
    source = f"the two-sample t-test of {fmt(mean1)} (SD {fmt(sd1)}, n = {n1}) vs {fmt(mean2)} (SD {fmt(sd2)}, n = {n2})"
    return _judge("p-value", p, relation, p_decimals, alpha, methods, source)
