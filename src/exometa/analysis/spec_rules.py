"""Rules of an analysis file that join several keys: each key is applied or refused, never
silently ignored. :func:`rules` appends every problem it finds to ``problems``
(the caller reports them all at once, naming the file).
"""

from __future__ import annotations

from . import measures as M
from . import spec_grade

COUNT_METHODS = ("MH", "PETO")


def rules(raw: dict, v: dict, problems: list) -> None:
    """Every rule that joins keys; ``v`` holds the values checked key by key."""
    measure = v["measure"]
    if measure is None:
        return
    m = M.info(measure, v["effect_measure"] or "")
    family = m.family
    level = raw.get("level")
    if v["level"] is not None and 0 < v["level"] < 1:
        problems.append(f"`level` is {level!r}, which reads as a {level!r}% CI: levels are percentages here. "
                        f"Write level = {v['level'] * 100:g} for a {v['level'] * 100:g}% CI.")
        v["level"] = None
    elif v["level"] is not None and not 0 < v["level"] < 100:
        problems.append(f"`level` must lie strictly between 0 and 100 (e.g. 95); got {level!r}.")
        v["level"] = None
    if measure == "GEN" and not v["effect_measure"]:
        problems.append('`effect_measure` is required with measure "GEN": the effect the sources report, e.g. effect_measure = "HR".')
    if measure != "GEN" and "effect_measure" in raw:
        problems.append('`effect_measure` applies to measure "GEN" only; remove it (the measure itself says what is pooled).')
    method = v["method"]
    if method == "MH" and measure not in ("RR", "OR", "RD"):
        problems.append(f'`method` "MH" (Mantel-Haenszel) pools 2x2 tables: measure RR, OR or RD; got measure {measure!r}.')
    if method == "PETO" and measure not in ("OR", "PETO"):
        problems.append(f'`method` "PETO" pools odds ratios: measure OR or PETO; got measure {measure!r}.')
    resolved = method or {"RR": "MH", "OR": "MH", "RD": "MH", "PETO": "PETO"}.get(measure, "REML")
    if resolved in ("MH", "PETO") and v["test"] not in ("", "z", None):
        problems.append(f'`test` {v["test"]!r}: the {resolved} method gives a z-test only; remove `test` or use an inverse-variance method.')
    if "arms" in raw and m.between_arms:
        problems.append(f"`arms` applies to within-group measures (MC, SMCC, SMCR, PR, PLO, PFT, PCT); {measure} compares "
                        "the treatment and control arms. Remove `arms`.")
    if "multi_arm" in raw and not m.between_arms:
        problems.append(f"`multi_arm` applies to comparisons of arms; {measure} treats each arm on its own. Remove it.")
    if "scores" in raw and family != "two_group":
        problems.append(f"`scores` applies to MD, SMD and ROM; remove it for {measure}.")
    scores = v["scores"] or ()
    if measure == "SMD" and len(set(scores)) > 1:
        problems.append('`scores`: SMD cannot mix final values and change scores (Cochrane Handbook 10.5.2: their SDs differ, '
                        'so the standardised differences are not comparable). Choose one: scores = "final" or scores = "change".')
    if measure == "ROM" and "change" in scores:
        problems.append('`scores`: a ratio of means needs positive means, which change scores are not; use scores = "final".')
    outcomes = v["outcome"] or ()
    if (m.raw_units) and len(set(outcomes)) > 1:
        problems.append(f"`outcome` lists {', '.join(map(repr, outcomes))}: {measure} pools differences in the outcome's own units, "
                        "so different quantities cannot be pooled as one. Use one outcome per analysis, or a standardised measure (SMD).")
    if "unit" in raw and not m.raw_units and family not in ("two_group", "change"):
        problems.append(f"`unit` applies to continuous outcomes; {measure} has no unit. Remove it.")
    _timepoint_rules(raw.get("timepoint", {}), v["timepoint"] or {}, problems)
    _dispersion_rules(raw.get("dispersion", {}), family, measure, scores, problems)
    sample_size_rules(raw.get("sample_size") if isinstance(raw.get("sample_size"), dict) else {}, problems)
    for i, sens in enumerate(raw.get("sensitivity") or ()):
        if isinstance(sens, dict) and sens.get("cliffs_delta_as_smd") and measure != "SMD":
            problems.append(f"`sensitivity[{i + 1}].cliffs_delta_as_smd` needs measure \"SMD\" (this analysis pools {measure}).")
    if family == "percent" and "funnel" in (v["figures"] or ()):
        problems.append('`figures`: a funnel plot needs variances, which percent changes (measure "PCT") do not have. Remove "funnel".')
    _model_check_rules(v, family, resolved, problems)
    spec_grade.rules(raw.get("grade") or {}, v.get("grade") or {}, m.ratio, problems)


def _model_check_rules(v, family, method, problems):
    """Diagnostics, small-study methods, sorting and favours labels need what they work on."""
    for key, what in (("diagnostics", "diagnostics"), ("bias", "small-study methods")):
        asked = v.get(key) or ()
        if asked and family == "percent":
            problems.append(f'`{key}`: {what} examine a pooled analysis; percent changes (measure "PCT") are never pooled. '
                            f"Remove `{key}`.")
        elif asked and method in COUNT_METHODS:
            problems.append(f"`{key}`: {what} refit the analysis by inverse variance, which the {method} method is not; "
                            f'use an inverse-variance method (e.g. method = "EE" or "REML") in this analysis, or remove `{key}`.')
    if v.get("sort") == "weight" and family == "percent":
        problems.append('`sort` "weight": percent changes are never pooled, so they have no weights; use "effect", "year" or "label".')
    favours = v.get("favours")
    if favours is not None and any(not f.strip() for f in favours):
        problems.append('`favours` needs two non-empty labels, left then right, e.g. favours = ["Favours control", "Favours treatment"].')


def _timepoint_rules(raw, tp, problems):
    rule = tp.get("rule") or "last"
    if rule == "window" and not tp.get("weeks"):
        problems.append('`timepoint.weeks` is required with rule "window", e.g. weeks = [12, 26].')
    if tp.get("weeks") and len(tp["weeks"]) == 2 and tp["weeks"][0] > tp["weeks"][1]:
        problems.append(f"`timepoint.weeks` runs backwards: {tp['weeks'][0]:g} > {tp['weeks'][1]:g}; write [from, to].")
    if rule == "closest" and tp.get("target") is None:
        problems.append('`timepoint.target` is required with rule "closest", e.g. target = 24.')
    if "weeks" in raw and rule != "window":
        problems.append(f'`timepoint.weeks` applies to rule "window" only (rule is {rule!r}); remove it.')
    if "target" in raw and rule != "closest":
        problems.append(f'`timepoint.target` applies to rule "closest" only (rule is {rule!r}); remove it.')


def sample_size_rules(raw, problems):
    """``[sample_size]``: an equal split needs the enrolled n it splits."""
    if raw and raw.get("split_equally") is True and raw.get("from_enrolment") is not True:
        problems.append("`sample_size.split_equally` splits the enrolled n, so it needs `from_enrolment = true`; "
                        "add it, or remove split_equally.")


def _dispersion_rules(raw, family, measure, scores, problems):
    if not raw:
        return
    if family in ("binary", "proportion", "percent"):
        problems.append(f"[dispersion] applies to continuous outcomes and reported effects; {measure} uses counts. Remove it.")
        return
    uses_r = family == "change" or (family == "two_group" and "change" in scores)
    for key in ("correlation", "correlation_range"):
        if key in raw and not uses_r:
            problems.append(f"`dispersion.{key}` is used for change from baseline only; {measure} here does not need it. Remove it.")
    if raw.get("cliffs_delta_as_smd") and measure != "SMD":
        problems.append(f"`dispersion.cliffs_delta_as_smd` reads a Cliff's delta as an SMD: it needs measure \"SMD\" "
                        f"(this analysis pools {measure}). Remove it, or use measure = \"SMD\".")
    if "borrow" in raw and "borrow" not in (raw.get("missing_sd") or ()):
        problems.append('`dispersion.borrow` says which SD to borrow, but `missing_sd` does not allow borrowing: '
                        'add "borrow" to missing_sd, or remove `borrow`.')
    if family == "generic":
        if "borrow" in (raw.get("missing_sd") or ()):
            problems.append('`dispersion.missing_sd`: "borrow" applies to SDs of means, not to reported effects; keep only "from_p".')
        if "convert_medians" in raw:
            problems.append("`dispersion.convert_medians` applies to means; GEN pools reported effects. Remove it.")


__all__ = ["rules"]
