"""Baseline means implausibly alike across randomised arms (Carlisle 2017).

Randomisation makes arms differ at baseline by chance, and by about as much as
a t-test expects. Carlisle (2017, *Anaesthesia* 72:944-952) screened trials for
baseline means *too similar* to be chance: for each baseline variable the
chance ``q`` that arms differ by no more than they do is ``1 - p`` (``p`` from
the two-sample t-test); the ``q`` of several variables are combined by
Stouffer's method, and a combined chance far below 1 in 1,000 is implausible.

Each difference is taken at its largest value consistent with rounding (and
the SDs at their smallest), so identical reported means are not over-read:
with one variable the check almost never fails, as it should not.

>>> r = baseline_similarity([(120.1, 15.2, 20, 120.1, 15.0, 20)] * 5, decimals=1)
>>> r.verdict
'fails'
"""

from __future__ import annotations

import math

from .distributions import stats

from .result import CheckResult, bounds, fmt, need_count

#: combined chance below which baseline means are called implausibly alike
BASELINE_ALPHA = 0.001


def _closeness(m1, s1, n1, m2, s2, n2, decimals):
    """(q, t_max, df): the chance that arms differ by at most the largest |t| the rounding allows."""
    b1, b2 = bounds(m1, decimals), bounds(m2, decimals)
    diff = float(max(abs(b1[1] - b2[0]), abs(b1[0] - b2[1])))
    s1_lo, s2_lo = (max(float(bounds(s, decimals)[0]), 1e-12) for s in (s1, s2))
    df = n1 + n2 - 2
    sp = math.sqrt(((n1 - 1) * s1_lo**2 + (n2 - 1) * s2_lo**2) / df)
    t_max = diff / (sp * math.sqrt(1 / n1 + 1 / n2))
    q = 1 - 2 * stats.t.sf(t_max, df)
    return float(q), t_max, df


def baseline_similarity(variables, decimals: int | None = None, alpha: float = BASELINE_ALPHA) -> CheckResult:
    """Are the arms' baseline means more alike than randomisation would make them?

    Parameters
    ----------
    variables : sequence of (mean1, sd1, n1, mean2, sd2, n2)
        One tuple per baseline variable: each arm's mean, SD and n.
    decimals : int, optional
        Precision of the means and SDs (default: the decimals visible in each).
    alpha : float
        Combined chance below which the similarity is called implausible (0.001).

    Examples
    --------
    One variable reported identical in both arms is not evidence of anything:

    >>> baseline_similarity([(120.1, 15.2, 20, 120.1, 15.0, 20)], decimals=1).verdict
    'passes'
    """
    rows = []
    for m1, s1, n1, m2, s2, n2 in variables:
        n1, n2 = need_count("n1", n1, 2), need_count("n2", n2, 2)
        q, t_max, df = _closeness(m1, s1, n1, m2, s2, n2, decimals)
        rows.append((q, f"{fmt(m1)} (SD {fmt(s1)}, n = {n1}) vs {fmt(m2)} (SD {fmt(s2)}, n = {n2}): |t({df})| <= {fmt(t_max, 3)}, "
                        f"a chance of {fmt(q, 4)}"))
    if not rows:
        return CheckResult("baseline similarity", "cannot check", "no baseline variable reports both arms' means, SDs and n.")
    qs = [min(max(q, 1e-300), 1 - 1e-16) for q, _ in rows]
    z = sum(stats.norm.ppf(q) for q in qs) / math.sqrt(len(qs))
    combined = float(stats.norm.cdf(z))
    detail = ("; ".join(text for _, text in rows) + f". The chance that randomised arms are at least this alike on "
              f"{len(rows)} variable(s) is {fmt(combined, 6) if combined >= 1e-6 else f'{combined:.1e}'} (Stouffer's method)")
    if combined < alpha:
        return CheckResult("baseline similarity", "fails", detail + f", below {fmt(alpha)}: implausibly alike for randomised arms.")
    return CheckResult("baseline similarity", "passes", detail + f", not below {fmt(alpha)}.")
