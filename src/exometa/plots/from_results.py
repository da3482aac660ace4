"""Any fitted result as the analysis result the plots draw (:class:`~exometa.analysis.run.AnalysisResult`).

The forest and funnel plots are drawn from an analysis result: its studies
(:class:`~exometa.analysis.extract.StudyEffect`), their flags, the pooled fit
with its weights, subgroups, risk of bias. :func:`as_analysis` builds one from
what a script holds -- nothing is re-pooled, the result's own estimate, CIs
and weights are drawn:

- a :class:`~exometa.models.results.MetaResult` (``meta_analysis``): ``yi``,
  ``vi``, ``slab`` and ``weights``;
- a Mantel-Haenszel or Peto result (``mantel_haenszel``, ``peto``): its
  per-study ``yi``, ``vi``; these results do not keep the tables, so give the
  counts (``ai, n1i, ci, n2i``) to show events/total per arm and the weights
  (metafor's ``weights.rma.mh`` and ``weights.rma.peto``);
- a :class:`~exometa.models.subgroups.SubgroupResult`: the overall fit's
  studies in their subgroups (``groups=``, the labels given to
  ``subgroup_analysis``; without them each study is found in its subgroup's fit);
- an ``AnalysisResult`` as it is (at another ``level`` if asked).

``level=`` recomputes every interval at that level from the result's
estimates, standard errors and tau^2, as metafor's ``predict(res, level=)``
does: normal quantiles for z-tests, t quantiles on the result's degrees of
freedom for t and Hartung-Knapp tests (CI and prediction interval alike).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..arguments import check_level
from ..errors import ExometaError
from ..models.results import MetaRegressionResult, MetaResult
from ..models.subgroups import SubgroupResult

ARM_NAMES = ("ai", "n1i", "ci", "n2i", "m1i", "sd1i", "m2i", "sd2i", "xi", "ni")


def at_level(r, level):
    """``r`` with its CI and prediction interval at ``level`` percent (None: unchanged)."""
    if level is None or r is None:
        return r
    level = check_level(level)
    if level == r.level:
        return r
    from ..models.distributions import norm_isf, t_isf

    alpha = 1 - level / 100
    t_based = r.test in ("t", "knha") and math.isfinite(r.ddf)
    crit = float(t_isf(alpha / 2, r.ddf) if t_based else norm_isf(alpha / 2))
    out = {"level": level, "ci_lb": r.estimate - crit * r.se, "ci_ub": r.estimate + crit * r.se}
    if math.isfinite(r.pi_lb):
        half = crit * math.sqrt(r.se**2 + r.tau2)
        out.update(pi_lb=r.estimate - half, pi_ub=r.estimate + half)
    return dataclasses.replace(r, **out)


def _unique(labels) -> list:
    """Labels made unique (a repeated label gets ' (2)', ' (3)', ...), so each study keeps its own weight."""
    seen, out = {}, []
    for lab in map(str, labels):
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab} ({seen[lab]})")
    return out


def _array(name, x, k):
    if x is None:
        return None
    a = np.asarray(x, dtype=float).ravel()
    if a.size != k:
        raise ExometaError(f"`{name}` must have one value per study (k = {k}); got {a.size}.")
    return a


def count_weights(method: str, measure: str, a, n1, c, n2) -> np.ndarray:
    """Percent weights of 2x2 tables in a Mantel-Haenszel or Peto analysis (metafor's ``weights.rma.mh`` /
    ``weights.rma.peto``; metafor gives 26.17 and 73.83 here): ``(n1 - a) c / N`` for OR, ``c n1 / N`` for RR, ``n1 n2 / N`` for RD, the
    hypergeometric variance for Peto.

    >>> count_weights("MH", "RR", [4, 6], [123, 306], [11, 29], [139, 303]).round(2).tolist()
    [26.17, 73.83]
    """
    a, n1, c, n2 = (np.asarray(v, dtype=float) for v in (a, n1, c, n2))
    N = n1 + n2
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "PETO":
            xt = a + c
            w = xt * (N - xt) * (n1 / N) * (n2 / N) / (N - 1)
        else:
            w = {"OR": (n1 - a) * c / N, "RR": c * n1 / N, "RD": n1 * n2 / N}[measure]
    total = np.nansum(w)
    return 100 * w / total if total > 0 else np.full(w.shape, np.nan)


def _spec(measure, method, test, level, title, unit=""):
    from ..analysis.measures import MEASURES
    from ..analysis.spec import AnalysisSpec

    code, em = (measure, "") if measure in MEASURES and measure != "GEN" else ("GEN", measure or "Estimate")
    return AnalysisSpec(name="forest", title=title or "", outcome=(), measure=code, method=method, test=test, unit=unit,
                        level=level, effect_measure=em)


def _effects(labels, yi, vi, arms, by_counts):
    from ..analysis.extract import StudyEffect

    effects = []
    for i, lab in enumerate(labels):
        e = StudyEffect(lab, lab, arm="", yi=float(yi[i]), vi=float(vi[i]))
        if arms.get("xi") is not None:  # one group's events and total (proportions)
            e.counts = (arms["xi"][i], arms["ni"][i], math.nan, math.nan)
            e.n = arms["ni"][i]
        if arms.get("ai") is not None:
            e.counts = (arms["ai"][i], arms["n1i"][i], arms["ci"][i], arms["n2i"][i])
            e.by_counts = by_counts  # in a Mantel-Haenszel or Peto fit even when its own estimate is not estimable
            e.n1, e.n2, e.n = e.counts[1], e.counts[3], e.counts[1] + e.counts[3]
        if arms.get("m1i") is not None:  # the per-arm means and SDs the forest plot shows (StudyEffect.m1, sd1, m2, sd2)
            e.m1, e.sd1, e.m2, e.sd2 = (float(arms[k][i]) for k in ("m1i", "sd1i", "m2i", "sd2i"))
            e.n1, e.n2 = float(arms["n1i"][i]), float(arms["n2i"][i])
            e.n = e.n1 + e.n2
        effects.append(e)
    return effects


def _arms(k, given):
    arms = {name: _array(name, given.get(name), k) for name in ARM_NAMES}
    counts = [arms[n] is not None for n in ("ai", "n1i", "ci", "n2i")]
    means = [arms[n] is not None for n in ("m1i", "sd1i", "m2i", "sd2i")]
    if any(counts[:1] + counts[2:3]) and not all(counts):
        raise ExometaError("Give all of `ai`, `n1i`, `ci`, `n2i` (events and totals in each arm) or none of them.")
    if any(means) and not (all(means) and counts[1] and counts[3]):
        raise ExometaError("Give all of `m1i`, `sd1i`, `n1i`, `m2i`, `sd2i`, `n2i` (means, SDs and totals in each arm) "
                           "or none of them.")
    one = [arms[n] is not None for n in ("xi", "ni")]
    if any(one) and not all(one):
        raise ExometaError("Give both `xi` and `ni` (events and total in the group) or neither.")
    return arms if any(counts) or any(means) or any(one) else {}


def _measure_of(r, measure):
    if measure is not None:
        return measure
    if r.method == "PETO":
        return "PETO"
    return getattr(r, "measure", None) or None


def as_analysis(result, *, slab=None, measure=None, level=None, title=None, flags=None, unit="", year=None, groups=None,
                by="subgroup", rob=None, **arms):
    """An :class:`~exometa.analysis.run.AnalysisResult` for ``result`` (see the module docstring).

    ``arms``: per-study ``ai, n1i, ci, n2i`` (events and totals), ``m1i, sd1i,
    n1i, m2i, sd2i, n2i`` (means, SDs, totals) or ``xi, ni`` (one group's events
    and total), shown in RevMan's per-arm columns.
    ``flags`` maps a study label to its flags (``{"Lee 2017": {"unverifiable": "no record"}}``),
    ``year`` gives each study's year (for ``sort="year"``), ``rob`` a risk-of-bias
    assessment (:func:`exometa.evidence.rob.read_risk_of_bias`) whose study ids are the labels.
    """
    from ..analysis.pool import ONE_STUDY, Fit
    from ..analysis.run import AnalysisResult

    unknown = set(arms) - set(ARM_NAMES)
    if unknown:
        raise ExometaError(f"Unknown argument(s) {', '.join(sorted(unknown))}; per-arm data are {', '.join(ARM_NAMES)}.")
    if isinstance(result, AnalysisResult):
        res = _analysis_at_level(result, level)
        return dataclasses.replace(res, rob=rob) if rob is not None else res
    if isinstance(result, MetaRegressionResult):
        raise ExometaError("A meta-regression has no single pooled estimate to draw in a forest or funnel plot; draw it "
                           "with exometa.regplot (a bubble plot of the effect against the moderator), or fit subgroups "
                           "with subgroup_analysis.")
    sg = result if isinstance(result, SubgroupResult) else None
    r = sg.overall if sg is not None else result
    if not isinstance(r, MetaResult):
        raise ExometaError(f"`result` must be a fitted result (meta_analysis, mantel_haenszel, peto, subgroup_analysis or "
                           f"an analysis); got {type(result).__name__}.")
    if r.is_batch:
        raise ExometaError("`result` holds a batch of meta-analyses; draw one of them (fit it on its own).")
    yi, vi = np.atleast_1d(np.asarray(r.yi, float)), np.atleast_1d(np.asarray(r.vi, float))
    k = yi.size
    labels = _unique(slab if slab is not None else (r.slab or [f"Study {i + 1}" for i in range(k)]))
    if len(labels) != k:
        raise ExometaError(f"`slab` must have one label per study (k = {k}); got {len(labels)}.")
    arm_data = _arms(k, arms)
    r = at_level(r, level)
    measure = _measure_of(r, measure)
    spec = _spec(measure, r.method, r.test, r.level, title, unit)
    by_counts = r.method in ("MH", "PETO")
    effects = _effects(labels, yi, vi, arm_data, by_counts)
    weights = r.weights
    if weights is None and by_counts and arm_data.get("ai") is not None:
        weights = count_weights(r.method, getattr(r, "measure", "OR") or "OR", arm_data["ai"], arm_data["n1i"],
                                arm_data["ci"], arm_data["n2i"])
    pooled = tuple(e.row_label for e in effects if e.poolable)
    w = tuple(float(x) for x in np.atleast_1d(weights)) if weights is not None else ()
    if w and len(w) != len(pooled):
        w = tuple(float(x) for x, e in zip(np.atleast_1d(weights), effects) if e.poolable)
    fit = Fit("all studies", int(r.k), r, ONE_STUDY if int(r.k) == 1 else "", pooled, w)
    studies = {lab: {"year": y} for lab, y in zip(labels, _array("year", year, k))} if year is not None else {}
    res = AnalysisResult(spec, effects, {str(a): b for a, b in (flags or {}).items()}, [], [], fit, unit=unit,
                         studies=studies, rob=rob)
    if sg is None:
        return res
    members = _members(sg, labels, yi, vi, groups)
    fits = {g: at_level(f, level) for g, f in sg.groups.items()}
    return dataclasses.replace(res, subgroups={by: dataclasses.replace(sg, groups=fits, overall=r)},
                               group_values={by: dict(zip(labels, members))})


def _members(sg, labels, yi, vi, groups) -> list:
    """Each study's subgroup: ``groups`` if given, else found in order in the subgroup fits."""
    if groups is not None:
        groups = [str(g) for g in np.asarray(groups, dtype=object).ravel()]
        if len(groups) != len(labels):
            raise ExometaError(f"`groups` must have one label per study (k = {len(labels)}); got {len(groups)}.")
        return groups
    pos = {g: 0 for g in sg.groups}
    out = []
    for y, v in zip(yi, vi):
        hits = [g for g, f in sg.groups.items() if pos[g] < np.size(f.yi)
                and np.atleast_1d(f.yi)[pos[g]] == y and np.atleast_1d(f.vi)[pos[g]] == v]
        if len(hits) != 1:
            raise ExometaError("Which subgroup each study is in cannot be told from the result alone; give `groups=`, "
                               "the labels given to subgroup_analysis.")
        pos[hits[0]] += 1
        out.append(hits[0])
    return out


def _analysis_at_level(res, level):
    if level is None or check_level(level) == res.spec.level:
        return res
    level = check_level(level)
    main = dataclasses.replace(res.main, result=at_level(res.main.result, level))
    subgroups = {}
    for by, sg in res.subgroups.items():
        if isinstance(sg, SubgroupResult):
            sg = dataclasses.replace(sg, groups={g: at_level(f, level) for g, f in sg.groups.items()},
                                     overall=at_level(sg.overall, level))
        subgroups[by] = sg
    return dataclasses.replace(res, spec=dataclasses.replace(res.spec, level=level), main=main, subgroups=subgroups)


def analysis_from_effects(yi, vi, labels, measure="MD", method="REML", test="z", title="", flags=None, unit="", level=95):
    """Pool effect sizes and return the analysis result a forest plot draws (used by :func:`~exometa.plots.forest.forest_plot`)."""
    from ..analysis.extract import StudyEffect
    from ..analysis.pool import pool
    from ..analysis.run import AnalysisResult

    spec = _spec(measure, method, test, level, title, unit)
    effects = [StudyEffect(lab, lab, arm="", yi=float(y), vi=float(v)) for lab, y, v in zip(_unique(labels), yi, vi)]
    return AnalysisResult(spec, effects, {str(k): v for k, v in (flags or {}).items()}, [], [],
                          pool("all studies", effects, spec), unit=unit)


__all__ = ["as_analysis", "at_level", "count_weights", "analysis_from_effects"]
