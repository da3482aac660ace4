"""The diagnostics and small-study methods an analysis file asks for, run on its main fit, each
with its reading in plain words -- or, when it is not run, the reason in words.

``diagnostics = [...]`` runs :mod:`exometa.diagnostics` (one batch per diagnostic
on the engine); below the number of studies where a diagnostic means something
(:data:`exometa.diagnostics.words.MINIMUM_K`) it is not run and the reason is
given. GOSH (at most 10^6 subsets) and the permutation test (1,000 permutations,
exact when feasible) use seed :data:`SEED`, so a run repeats exactly; the
cumulative analysis adds studies by year (then the workbook's order).

``bias = [...]`` runs ``exometa.bias.assess``: below 10 studies the asymmetry
methods are not run, and the words say why (Cochrane Handbook 13.3.5.4) and
which registered trials never reported.

Numbers in the readings are on the display scale (ratios exponentiated,
proportions back-transformed).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import ExometaError

SEED = 1
GOSH_SUBSETS = 1_000_000
PERMUTATIONS = 1000
COUNT_METHODS = ("MH", "PETO")


@dataclass(frozen=True)
class DiagnosticOutcome:
    """One diagnostic of an analysis: its result (None when not run) and the words for the report."""

    name: str
    title: str
    result: object
    reading: str

    @property
    def ran(self) -> bool:
        return self.result is not None


def digits_for(res) -> int:
    """Decimals for readings: one for raw-unit estimates of 10 or more, else two."""
    r = res.main.result
    if r is None:
        return 2
    est = abs(float(res.back(r.estimate)))
    return 1 if res.spec.info.raw_units and math.isfinite(est) and est >= 10 else 2


def null_words(res) -> str:
    return "no change" if res.spec.info.family in ("change", "proportion") or all(e.within for e in res.effects if e.poolable) \
        else "no effect"


def _years(res) -> list | None:
    """Each pooled study's year (in the fit's order), or None when one is missing."""
    out = []
    by_label = {e.row_label: e for e in res.effects if e.poolable}
    for label in res.main.labels:
        e = by_label.get(label)
        year = res.studies.get(e.study_id, {}).get("year") if e is not None else None
        try:
            y = float(year)
        except (TypeError, ValueError):
            return None
        if not math.isfinite(y):
            return None
        out.append(y)
    return out


def _cumul_reading(c, res, digits) -> str:
    back = res.back
    est = np.asarray(c.estimate, float)
    lb, ub = np.asarray(c.ci_lb, float), np.asarray(c.ci_ub, float)
    null = res.spec.info.null
    f = lambda x: f"{float(back(x)):.{digits}f}"  # noqa: E731
    order = "by year" if _years(res) is not None else "in the workbook's order"
    text = (f"Adding studies {order}, the estimate starts at {f(est[0])} ({c.slab[0]} alone) and ends at {f(est[-1])} "
            f"with all {len(est)}.")
    if null is not None:
        excl = (lb > null) | (ub < null)
        if excl.all():
            text += f" The {c.level:g}% CI excludes {null_words(res)} at every step."
        elif not excl.any():
            text += f" The {c.level:g}% CI includes {null_words(res)} at every step."
        else:
            first = int(np.argmax(excl))
            when = f"with {c.slab[0]} alone" if first == 0 else f"when {c.slab[first]} is added"
            text += (f" The {c.level:g}% CI excludes {null_words(res)} {when}"
                     + (" and at every later step." if excl[first:].all() else ", but not at every later step."))
    return text


def _leave1out_reading(l1o, res, digits) -> str:
    from ..diagnostics.words import leave1out_reading

    null = res.spec.info.null
    if null is not None and res.spec.info.scale != "ft":
        return leave1out_reading(l1o, null=null, null_words=null_words(res), digits=digits, transf=res.back)
    est = np.asarray(l1o.estimate, float)
    full = float(l1o.model.result.estimate)
    i = int(np.nanargmax(np.abs(est - full)))
    f = lambda x: f"{float(res.back(x)):.{digits}f}"  # noqa: E731
    return (f"Without {l1o.slab[i]} the estimate moves from {f(full)} to {f(est[i])}; leaving out any one study gives "
            f"estimates from {f(np.nanmin(est))} to {f(np.nanmax(est))}.")


def _run_one(name, r, res, digits):
    from .. import diagnostics as D
    from ..diagnostics import words as W

    if name == "leave1out":
        out = D.leave1out(r)
        return out, _leave1out_reading(out, res, digits)
    if name == "influence":
        out = D.influence(r)
        return out, W.influence_reading(out, digits=2)  # unitless statistics: two decimals whatever the scale
    if name == "cumul":
        out = D.cumul(r, order=_years(res))
        return out, _cumul_reading(out, res, digits)
    if name == "gosh":
        out = D.gosh(r, subsets=GOSH_SUBSETS, seed=SEED)
        return out, W.gosh_reading(out, digits=digits)
    if name == "baujat":
        out = D.baujat(r)
        return out, W.baujat_reading(out, digits=digits)
    if name == "permutest":
        out = D.permutest(r, iter=PERMUTATIONS, seed=SEED)
        return out, W.permutest_reading(out)
    raise ExometaError(f"unknown diagnostic {name!r}")  # pragma: no cover - the analysis file is checked


def run_diagnostics(res) -> dict:
    """``{name: DiagnosticOutcome}`` for every diagnostic the analysis asks for, in its order."""
    from ..diagnostics.words import NAMES, not_shown_reason

    out = {}
    r = res.main.result
    digits = digits_for(res)
    for name in res.spec.diagnostics:
        title = NAMES[name]
        if r is None:
            out[name] = DiagnosticOutcome(name, title, None, f"{title} not shown: nothing was pooled ({res.main.message})")
            continue
        if r.method in COUNT_METHODS:
            out[name] = DiagnosticOutcome(name, title, None, f"{title} not shown: it refits the analysis by inverse "
                                          f"variance, which the {r.method} method is not.")
            continue
        reason = not_shown_reason(name, res.main.k)
        if reason:
            out[name] = DiagnosticOutcome(name, title, None, reason)
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result, reading = _run_one(name, r, res, digits)
        except ExometaError as exc:
            out[name] = DiagnosticOutcome(name, title, None, f"{title} could not be computed on these data: {exc}")
            continue
        out[name] = DiagnosticOutcome(name, title, result, reading)
    return out


def run_bias(res, unreported: int | None):
    """``exometa.bias.assess`` on the main fit for the methods asked for; None when none is asked
    for, or a string saying why none could run."""
    methods = res.spec.bias
    if not methods:
        return None
    r = res.main.result
    if r is None:
        return f"Small-study effects cannot be examined: nothing was pooled ({res.main.message})"
    if r.method in COUNT_METHODS:
        return (f"Small-study effects are not examined here: the methods refit the analysis by inverse variance, which "
                f"the {r.method} method is not.")
    try:
        from ..bias.assess import assess
    except ImportError:  # pragma: no cover - exometa.bias ships with exometa
        return "Small-study methods are not available in this version of exometa."
    transf = None if res.spec.info.scale == "raw" else res.back  # ratios and proportions in words on their own scale
    return assess(r, methods, unreported=unreported, transf=transf)


__all__ = ["DiagnosticOutcome", "run_diagnostics", "run_bias", "SEED", "digits_for", "null_words"]
