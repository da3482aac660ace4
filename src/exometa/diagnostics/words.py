"""Plain-words readings of the diagnostics, for reports, and when each is worth showing.

The readings say what a diagnostic changes, in sentences a reviewer can paste:

>>> from exometa import influence, leave1out, meta_analysis
>>> from exometa.diagnostics.example_data import bcg
>>> d = bcg()
>>> res = meta_analysis(d.yi, d.vi, slab=d.slab)
>>> print(leave1out_reading(leave1out(res), digits=2))
Without Hart & Sutherland, 1977 the estimate rises from -0.71 to -0.63 and the 95% CI still excludes no effect. Leaving out any one study does not change whether the 95% CI includes no effect (estimates from -0.79 to -0.63).

:data:`MINIMUM_K` says below how many studies each diagnostic is not shown, and
why, in words (:func:`not_shown_reason`, :func:`minimum_k_table`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..formatting import p_text
from .influence import RULE_WORDS, RULES

#: diagnostic -> (minimum k as a function of the number of coefficients p, why)
MINIMUM_K = {
    "leave1out": (lambda p: p + 2, "leaving one study out must still leave a meta-analysis with "
                  "heterogeneity to estimate (at least {need} studies with {p} coefficient(s))"),
    "cumul": (lambda p: p + 2, "a cumulative analysis needs at least a few steps beyond a single study"),
    "influence": (lambda p: p + 2, "each study is measured against the model fitted without it, which "
                  "must still have heterogeneity to estimate (at least {need} studies with {p} coefficient(s))"),
    "rstudent": (lambda p: p + 2, "each study is compared with a model fitted without it, which needs "
                 "at least {need} studies with {p} coefficient(s)"),
    "baujat": (lambda p: p + 2, "each study's influence is measured against a model fitted without "
               "it, which needs at least {need} studies"),
    "gosh": (lambda p: p + 5, "with fewer than {need} studies there are too few subsets (under "
             "{subsets}) to show clusters"),
    "permutest": (lambda p: p + 5, "with fewer than {need} studies no permutation p-value can fall "
                  "below 0.05 (the smallest possible is 2 / 2^k without moderators)"),
    "predict": (lambda p: p, "a prediction needs a fitted model"),
}


def minimum_k(diagnostic: str, p: int = 1) -> int:
    """The fewest studies for which ``diagnostic`` is shown.

    >>> minimum_k("leave1out"), minimum_k("influence"), minimum_k("permutest")
    (3, 3, 6)
    """
    return MINIMUM_K[diagnostic][0](p)


def not_shown_reason(diagnostic: str, k: int, p: int = 1) -> str | None:
    """None when the diagnostic is worth showing for k studies, else the reason in words.

    >>> not_shown_reason("leave1out", 5) is None
    True
    >>> print(not_shown_reason("gosh", 3))
    GOSH plot not shown (k = 3): with fewer than 6 studies there are too few subsets (under 63) to show clusters.
    """
    need = minimum_k(diagnostic, p)
    if k >= need:
        return None
    reason = MINIMUM_K[diagnostic][1].format(need=need, p=p, subsets=2 ** (need) - 1)
    return f"{NAMES[diagnostic]} not shown (k = {k}): {reason}."


NAMES = {
    "leave1out": "Leave-one-out analysis", "cumul": "Cumulative meta-analysis", "influence": "Influence diagnostics",
    "rstudent": "Studentized residuals", "baujat": "Baujat plot", "gosh": "GOSH plot",
    "permutest": "Permutation test", "predict": "Prediction",
}  # fmt: skip


def minimum_k_table(p: int = 1) -> pd.DataFrame:
    """Every diagnostic with the minimum k for ``p`` coefficients and the reason in words.

    >>> int(minimum_k_table().set_index("diagnostic").loc["gosh", "minimum_k"])
    6
    """
    rows = []
    for name, (rule, why) in MINIMUM_K.items():
        need = rule(p)
        rows.append({"diagnostic": name, "minimum_k": need,
                     "reason": why.format(need=need, p=p, subsets=2**need - 1)})  # fmt: skip
    return pd.DataFrame(rows)


def _fmt(x, digits, transf):
    v = float(transf(x)) if transf is not None else float(x)
    return f"{v:.{digits}f}"


def _ci_clause(full_in: bool, new_in: bool, level: float, null_words: str) -> str:
    ci = f"the {level:g}% CI"
    if full_in and new_in:
        return f"{ci} still includes {null_words}"
    if not full_in and not new_in:
        return f"{ci} still excludes {null_words}"
    return f"{ci} {'now includes' if new_in else 'no longer includes'} {null_words}"


def _move(old: float, new: float, digits: int, transf) -> str:
    a, b = _fmt(old, digits, transf), _fmt(new, digits, transf)
    if a == b:
        return f"stays at {a}"
    return f"{'falls' if new < old else 'rises'} from {a} to {b}"


def leave1out_reading(l1o, null: float = 0.0, null_words: str = "no effect", digits: int = 1,
                      transf=None, coef: int | None = None) -> str:  # fmt: skip
    """What leaving out one study changes, in sentences.

    Parameters
    ----------
    l1o : Leave1outResult (without ``transf``).
    null : the value of no effect on the analysis scale (0; for log ratios too).
    null_words : how to say it ('no effect', 'no change', ...).
    digits : decimals shown; transf : applied to the numbers shown (e.g. ``np.exp``).
    coef : coefficient to read for a meta-regression (default: the first moderator).
    """
    m = l1o.model
    j = (0 if m.int_only else 1) if coef is None else coef
    full = m.result
    est_full = float(np.atleast_1d(full.estimate)[j])
    lb_full, ub_full = float(np.atleast_1d(full.ci_lb)[j]), float(np.atleast_1d(full.ci_ub)[j])
    col = (lambda a: np.asarray(a, float)) if m.int_only else (lambda a: np.asarray(a, float)[:, j])
    est, lb, ub = col(l1o.estimate), col(l1o.ci_lb), col(l1o.ci_ub)
    ok = np.isfinite(est)
    what = "the estimate" if m.int_only else f"the coefficient of {m.coef_names[j]}"
    full_in = lb_full <= null <= ub_full
    new_in = (lb <= null) & (null <= ub)
    i = int(np.nanargmax(np.where(ok, np.abs(est - est_full), -np.inf)))
    sentences = [
        f"Without {l1o.slab[i]} {what} {_move(est_full, est[i], digits, transf)} and "
        f"{_ci_clause(full_in, bool(new_in[i]), l1o.level, null_words)}."
    ]
    flips = [s for s, n, o in zip(l1o.slab, new_in, ok) if o and n != full_in and s != l1o.slab[i]]
    if flips:
        verb = "now includes" if not full_in else "no longer includes"
        sentences.append(f"Leaving out {', '.join(flips)} also means the {l1o.level:g}% CI {verb} {null_words}.")
    elif (new_in[ok] == full_in).all():
        lo, hi = _fmt(np.nanmin(est), digits, transf), _fmt(np.nanmax(est), digits, transf)
        sentences.append(
            f"Leaving out any one study does not change whether the {l1o.level:g}% CI includes {null_words} "
            f"(estimates from {lo} to {hi})."
        )
    return " ".join(sentences)


#: studies named as sharing the most weight at most (beyond: the largest share, in words)
MAX_NAMED = 6


def influence_reading(infl, digits: int = 2) -> str:
    """Which studies are influential by which of metafor's rules, and who carries the weight.

    Four similar studies and one far away (metafor's ``influence()`` marks the fifth,
    with DFFITS 4.8870, Cook's distance 1.0077 and DFBETAS 4.6551):

    >>> from exometa import influence, meta_analysis
    >>> res = meta_analysis([0.1, 0.15, 0.12, 0.09, 1.2], [0.01, 0.01, 0.02, 0.01, 0.01], slab=list("ABCDE"))
    >>> print(influence_reading(influence(res)))
    E is influential by metafor's rules: DFFITS 4.89 > 1.50; Cook's distance 1.01 > 0.45; DFBETAS 4.66 > 1.00. A, B, D and E carry the most weight (20.2% each).
    """
    t = infl.thresholds
    values = {"dffits": np.abs(infl.dffits), "cook_d": infl.cook_d, "hat": infl.hat,
              "dfbetas": np.nanmax(np.abs(infl.dfbetas), axis=1)}  # fmt: skip
    parts = []
    for i in np.flatnonzero(infl.inf):
        why = [f"{RULE_WORDS[r]} {values[r][i]:.{digits}f} > {t[r]:.{digits}f}" for j, r in enumerate(RULES)
               if infl.rules[i, j]]
        parts.append(f"{infl.slab[i]} is influential by metafor's rules: {'; '.join(why)}.")
    if not parts:
        parts.append(
            "No study is influential by metafor's rules (DFFITS, Cook's distance, hat value, DFBETAS)."
        )
    k, p = len(infl.slab), len(infl.coef_names)
    if t["hat"] >= 1:
        parts.append(f"(With k = {k}, the hat-value rule, hat > 3p/k = {t['hat']:.2f}, cannot flag any study.)")
    top = np.nanmax(infl.weight)
    heavy = [s for s, w in zip(infl.slab, infl.weight) if w >= top - 0.05]
    if len(heavy) == 1:
        parts.append(f"{heavy[0]} carries the most weight ({top:.1f}%).")
    elif len(heavy) > MAX_NAMED:  # many studies alike: naming them all says nothing
        parts.append(f"No study carries more than {top:.1f}% of the weight." if top >= 0.1 else
                     f"No study carries more than {top:.2g}% of the weight.")
    else:
        names = ", ".join(heavy[:-1]) + " and " + heavy[-1]
        parts.append(f"{names} carry the most weight ({top:.1f}% each).")
    return " ".join(parts)


def gosh_reading(g, digits: int = 2) -> str:
    """Which studies separate the subsets of a GOSH analysis, in a sentence."""
    eff = g.study_effects()
    drivers = eff[eff.driver]
    if drivers.empty:
        return "No single study separates the subsets of the GOSH analysis by a standard deviation or more."
    parts = [
        f"{r.study} (estimate {r.estimate_with:.{digits}f} with it, {r.estimate_without:.{digits}f} without; "
        f"I² {r.i2_with:.0f}% vs {r.i2_without:.0f}%)"
        for r in drivers.itertuples()
    ]
    return "The subsets that contain " + "; ".join(parts) + " form their own cluster in the GOSH plot."


def permutest_reading(pt, digits: int = 3) -> str:
    """The permutation p-value beside the model's, in a sentence."""
    m = pt.model
    j = 0 if m.int_only else 1
    model_p = float(np.atleast_1d(m.result.pval)[j])
    how = f"all {pt.exact_iter:,} permutations" if pt.exact else f"{pt.iter:,} random permutations"
    what = "the pooled estimate" if m.int_only else f"the coefficient of {m.coef_names[j]}"
    return (
        f"A permutation test of {what} ({how}) gives {p_text(pt.pval[j], digits)}, against "
        f"{p_text(model_p, digits)} from the model's {'t' if m.test in ('t', 'knha') else 'normal'} approximation."
    )


def baujat_reading(b, digits: int = 2) -> str:
    """The study that contributes most to heterogeneity and the one with most influence."""
    q_share = 100 * b.x / np.nansum(b.x)
    i, j = int(np.nanargmax(b.x)), int(np.nanargmax(b.y))
    text = f"{b.slab[i]} contributes most to the heterogeneity ({q_share[i]:.0f}% of all studies' contributions)"
    if i == j:
        return text + " and has the most influence on the result."
    return text + f"; {b.slab[j]} has the most influence on the result."
