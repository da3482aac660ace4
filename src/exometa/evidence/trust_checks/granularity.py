"""Granularity checks: can these summary numbers come from whole-number data at all?

A mean of ``n`` whole numbers is a multiple of ``1/n``; a percentage of ``n``
participants is a multiple of ``100/n``; an SD of whole numbers comes from a
whole-number sum of squares; the SD of 0/1 data is fixed by its mean.

- GRIM (Brown & Heathers 2017, *Soc Psychol Personal Sci* 8:363-369): means of
  integer data, and percentages of ``n``.
- GRIMMER (Anaya 2016, *PeerJ Preprints* 4:e2400): SDs of integer data.
- DEBIT (Heathers & Brown 2019, https://osf.io/5vb3u/): the SD of binary data.

Each function works on plain numbers and returns a
:class:`~exometa.evidence.trust_checks.result.CheckResult` whose ``detail``
shows the arithmetic. A rounded half is allowed to go either way.

>>> print(grim_percent(80, 16).detail)
80% of 16 is 12.8 participants; 12/16 = 75% and 13/16 = 81.25%: no whole number of 16 gives 80% at the reported precision (79.5% to 80.5%).
>>> grim_percent(87, 16).verdict
'passes'
"""

from __future__ import annotations

import math
from fractions import Fraction

from ...errors import ExometaError
from .result import CheckResult, bounds, decimals_of, exact, fmt, is_number, need_count

#: more candidate totals than this and GRIMMER is not worth running (every SD fits)
_MAX_TOTALS = 100_000


def _need(name, x):
    if not is_number(x):
        raise ExometaError(f"`{name}` must be a number; got {x!r}.")
    return float(x)


def _totals(lo: Fraction, hi: Fraction, units: int) -> range:
    """Whole numbers T with lo <= T/units <= hi."""
    return range(math.ceil(lo * units), math.floor(hi * units) + 1)


def grim(mean, n, items: int = 1, decimals: int | None = None) -> CheckResult:
    """GRIM: is ``mean`` a possible mean of ``n`` whole-number scores?

    Parameters
    ----------
    mean : float
        The mean as reported.
    n : int
        Participants the mean is based on.
    items : int, default 1
        Whole-number items averaged into each participant's score (a score that
        is the mean of 3 items is a multiple of 1/3): the mean is then a
        multiple of ``1 / (n * items)``.
    decimals : int, optional
        Decimals the mean was reported with (default: those visible in ``mean``).

    Examples
    --------
    Twenty whole numbers cannot average 3.48 (every mean of 20 ends in 0 or 5
    at the second decimal):

    >>> r = grim(3.48, 20)
    >>> r.verdict
    'fails'
    >>> print(r.detail)
    3.48 x 20 = 69.6 is not a whole number: 69/20 = 3.45 and 70/20 = 3.5; neither rounds to 3.48 (3.475 to 3.485).
    >>> grim(3.45, 20).verdict, grim(3.48, 200).verdict
    ('passes', 'cannot check')
    """
    m = _need("mean", mean)
    n = need_count("n", n)
    items = need_count("items", items) or 1
    if n is None:
        return CheckResult("GRIM", "cannot check", "n is not reported, so the granularity of the mean is unknown.")
    d = decimals_of(m) if decimals is None else int(decimals)
    units = n * items
    who = f"{n}" if items == 1 else f"{n} x {items} items = {units}"
    if units >= 10**d:
        return CheckResult("GRIM", "cannot check", f"with {who} values, every mean at {d} decimal(s) is possible, "
                                                   "so GRIM cannot detect an error at this precision.")
    lo, hi = bounds(m, d)
    found = _totals(lo, hi, units)
    if len(found):
        t = min(found, key=lambda t: abs(Fraction(t, units) - exact(m)))
        return CheckResult("GRIM", "passes", f"a total of {t} over {who} gives {t}/{units} = {fmt(Fraction(t, units), d + 4)}, "
                                             f"which rounds to {fmt(m, d)}.")
    below = math.floor(exact(m) * units)
    return CheckResult("GRIM", "fails", f"{fmt(m, d)} x {units} = {fmt(exact(m) * units, d + 2)} is not a whole number: "
                                        f"{below}/{units} = {fmt(Fraction(below, units), d + 4)} and {below + 1}/{units} = "
                                        f"{fmt(Fraction(below + 1, units), d + 4)}; neither rounds to {fmt(m, d)} "
                                        f"({fmt(lo, d + 1)} to {fmt(hi, d + 1)}).")


def grim_percent(percent, n, decimals: int | None = None) -> CheckResult:
    """GRIM for a percentage of participants: is ``percent`` of ``n`` a whole number of people?

    Examples
    --------
    Wan 2025 (update-2 of the shipped evidence): 80% of 16 is impossible, 87% is not.

    >>> grim_percent(80, 16).verdict, grim_percent(87, 16).verdict
    ('fails', 'passes')
    >>> print(grim_percent(87, 16).detail)
    87% of 16 is 13.92 participants; 14/16 = 87.5%, which rounds to 87% (86.5% to 87.5%, a half rounded either way).
    """
    p = _need("percent", percent)
    n = need_count("n", n)
    if n is None:
        return CheckResult("GRIM", "cannot check", f"{fmt(p)}% of an unreported n cannot be checked.")
    d = decimals_of(p) if decimals is None else int(decimals)
    if not 0 <= p <= 100:
        return CheckResult("GRIM", "fails", f"{fmt(p, d)}% is not a percentage of participants (it lies outside 0% to 100%).")
    if Fraction(100, n) <= Fraction(1, 10**d):
        return CheckResult("GRIM", "cannot check", f"with n = {n}, every percentage at {d} decimal(s) is possible.")
    lo, hi = bounds(p, d)
    people = exact(p) * n / 100
    head = f"{fmt(p, d)}% of {n} is {fmt(people, d + 4)} participants; "
    found = _totals(lo / 100, hi / 100, n)
    rng = f"({fmt(lo, d + 1)}% to {fmt(hi, d + 1)}%"
    if len(found):
        k = min(found, key=lambda k: abs(Fraction(100 * k, n) - exact(p)))
        return CheckResult("GRIM", "passes", head + f"{k}/{n} = {fmt(Fraction(100 * k, n), d + 4)}%, which rounds to "
                                                    f"{fmt(p, d)}% {rng}, a half rounded either way).")
    k = math.floor(people)
    return CheckResult("GRIM", "fails", head + f"{k}/{n} = {fmt(Fraction(100 * k, n), d + 4)}% and {k + 1}/{n} = "
                                               f"{fmt(Fraction(100 * (k + 1), n), d + 4)}%: no whole number of {n} gives "
                                               f"{fmt(p, d)}% at the reported precision {rng}).")


def _min_sum_squares(total: int, n: int) -> int:
    """Smallest sum of squares of n whole numbers adding up to ``total`` (values as equal as possible)."""
    q, r = divmod(total, n)
    return n * q * q + 2 * q * r + r


def grimmer(mean, sd, n, items: int = 1, mean_decimals: int | None = None, sd_decimals: int | None = None) -> CheckResult:
    """GRIMMER: is ``sd`` a possible (sample) SD of ``n`` whole-number scores with this mean?

    For a total ``T`` that gives the mean, the sum of squares is
    ``Q = (n - 1) sd^2 + T^2 / n``; whole-number data need a whole ``Q`` of the
    same parity as ``T`` (x^2 and x are both odd or both even), no smaller than
    the sum of squares of the most equal values with that total.

    Examples
    --------
    The scores 1, 2, 3, 4, 5 have mean 3.00 and SD 1.5811 (reported 1.58); 1.61 is
    impossible for five whole numbers with mean 3.00 (a float shows no trailing
    zeros, so the decimals of 3.00 are given):

    >>> grimmer(3.00, 1.58, 5, mean_decimals=2).verdict, grimmer(3.00, 1.61, 5, mean_decimals=2).verdict
    ('passes', 'fails')
    >>> print(grimmer(2.00, 0.71, 3, mean_decimals=2).detail)   # a whole Q = 13 exists, but the total 6 is even
    with a total of 6, SD 0.71 (0.705 to 0.715) needs a sum of squares between 12.994 and 13.0224; 13 is odd, but a total of 6 needs an even sum of squares.
    """
    m, s = _need("mean", mean), _need("sd", sd)
    n = need_count("n", n)
    items = need_count("items", items) or 1
    if n is None or n < 2:
        return CheckResult("GRIMMER", "cannot check", "an SD needs n of at least 2, and n is " + ("not reported." if n is None else f"{n}."))
    if s < 0:
        return CheckResult("GRIMMER", "fails", f"an SD cannot be negative ({fmt(s)}).")
    dm = decimals_of(m) if mean_decimals is None else int(mean_decimals)
    ds = decimals_of(s) if sd_decimals is None else int(sd_decimals)
    m_lo, m_hi = bounds(m, dm)
    s_lo, s_hi = bounds(s, ds)
    s_lo = max(s_lo, Fraction(0))
    totals = _totals(m_lo * items, m_hi * items, n)
    if not len(totals):
        return CheckResult("GRIMMER", "cannot check", f"no whole-number total of {n} scores gives the mean {fmt(m, dm)} "
                                                      "(it fails GRIM), so its SD cannot be tested.")
    if len(totals) > _MAX_TOTALS:
        return CheckResult("GRIMMER", "cannot check", f"with n = {n}, every SD at {ds} decimal(s) is possible.")
    scale = f" (scores x {items})" if items > 1 else ""
    widths, reasons = [], []
    for t in totals:
        q_lo = (n - 1) * (s_lo * items) ** 2 + Fraction(t * t, n)
        q_hi = (n - 1) * (s_hi * items) ** 2 + Fraction(t * t, n)
        widths.append(q_hi - q_lo)
        q = max(math.ceil(q_lo), _min_sum_squares(t, n))
        if q % 2 != t % 2:
            q += 1
        if q <= q_hi:
            sd_q = math.sqrt((q - Fraction(t * t, n)) / (n - 1)) / items
            return CheckResult("GRIMMER", "passes", f"a total of {t} and a sum of squares of {q}{scale} give mean "
                                                    f"{fmt(Fraction(t, n * items), dm + 4)} and SD {fmt(sd_q, ds + 4)}, "
                                                    f"which round to {fmt(m, dm)} and {fmt(s, ds)}.")
        reasons.append(_grimmer_reason(t, n, q_lo, q_hi, s, s_lo, s_hi, ds))
    if min(widths) >= 2:  # cannot happen when a whole Q of the right parity always fits
        return CheckResult("GRIMMER", "cannot check", f"with n = {n}, every SD at {ds} decimal(s) is possible.")
    return CheckResult("GRIMMER", "fails", "; ".join(reasons[:3]) + ("; and likewise for the other totals" if len(reasons) > 3 else "") + ".")


def _grimmer_reason(t, n, q_lo, q_hi, s, s_lo, s_hi, ds) -> str:
    head = (f"with a total of {t}, SD {fmt(s, ds)} ({fmt(s_lo, ds + 1)} to {fmt(s_hi, ds + 1)}) needs a sum of squares "
            f"between {fmt(q_lo)} and {fmt(q_hi)}")
    whole = range(math.ceil(q_lo), math.floor(q_hi) + 1)
    floor_q = _min_sum_squares(t, n)
    if not len(whole):
        return head + ": there is no whole number in that range"
    if all(q < floor_q for q in whole):
        return head + f", but {n} whole numbers adding to {t} have a sum of squares of at least {floor_q}"
    parity = "even" if t % 2 == 0 else "odd"
    q = whole[0]
    return head + f"; {q} is {'odd' if q % 2 else 'even'}, but a total of {t} needs an {parity} sum of squares"


def _binary_sd(p: Fraction, n: int) -> float:
    """Sample SD of n values of 0 and 1 whose mean is p."""
    return math.sqrt(max(0.0, float(p * (1 - p) * n / (n - 1))))


def debit(mean, sd, n, mean_decimals: int | None = None, sd_decimals: int | None = None) -> CheckResult:
    """DEBIT: is ``sd`` the (sample) SD of ``n`` values of 0 and 1 with this mean (a proportion)?

    The SD of binary data is ``sqrt(p (1 - p) n / (n - 1))``; over the values
    of ``p`` that round to the reported mean it spans a range, which must meet
    the values that round to the reported SD. (Give a percentage as a
    proportion: 35% is ``mean=0.35``.)

    Examples
    --------
    The example of the scrutiny package's DEBIT vignette: 0.35 and SD 0.18 with n = 20 is
    inconsistent; the SD of such data is 0.49:

    >>> debit(0.35, 0.18, 20).verdict, debit(0.35, 0.49, 20).verdict
    ('fails', 'passes')
    """
    m, s = _need("mean", mean), _need("sd", sd)
    n = need_count("n", n)
    if n is None or n < 2:
        return CheckResult("DEBIT", "cannot check", "an SD needs n of at least 2, and n is " + ("not reported." if n is None else f"{n}."))
    if not 0 <= m <= 1:
        return CheckResult("DEBIT", "fails", f"the mean of binary data is a proportion between 0 and 1; got {fmt(m)}.")
    dm = decimals_of(m) if mean_decimals is None else int(mean_decimals)
    ds = decimals_of(s) if sd_decimals is None else int(sd_decimals)
    p_lo, p_hi = bounds(m, dm)
    p_lo, p_hi = max(p_lo, Fraction(0)), min(p_hi, Fraction(1))
    ends = [_binary_sd(p_lo, n), _binary_sd(p_hi, n)]
    sd_min = min(ends)
    sd_max = _binary_sd(Fraction(1, 2), n) if p_lo <= Fraction(1, 2) <= p_hi else max(ends)
    s_lo, s_hi = bounds(s, ds)
    head = (f"a proportion of {fmt(m, dm)} ({fmt(p_lo, dm + 1)} to {fmt(p_hi, dm + 1)}) of {n} values of 0 and 1 has a sample SD "
            f"between {fmt(sd_min, ds + 3)} and {fmt(sd_max, ds + 3)}")
    if float(s_lo) <= sd_max and sd_min <= float(s_hi):
        return CheckResult("DEBIT", "passes", head + f", which the reported {fmt(s, ds)} fits.")
    return CheckResult("DEBIT", "fails", head + f"; the reported {fmt(s, ds)} ({fmt(s_lo, ds + 1)} to {fmt(s_hi, ds + 1)}) "
                                                "lies outside that range.")
