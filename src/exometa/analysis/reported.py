"""Effects the sources report themselves (generic inverse variance, RevMan's "GIV").

Rows with quantity ``effect estimate`` carry the effect in ``mean`` with its
``effect_measure`` (MD, SMD, RR, OR, RD, HR, ROM, ...) and its CI (``ci_lb``,
``ci_ub``, ``ci_level``), SE or p-value; rows with quantity ``difference between
arms`` are mean differences in the outcome's units. Ratios (RR, OR, HR, ROM,
IRR) are entered on their own scale (RR 0.8 with CI 0.6 to 1.1) and pooled on
the log scale: the SE comes from the log CI, ``(log ub - log lb) / (2 z)``,
through :func:`exometa.effects.effect_sizes` ("GEN"). An SE is used only for
measures that are not ratios (an SE given beside a ratio is ambiguous: of the
ratio or of its log?). A p-value gives ``SE = |estimate| / z`` (Cochrane
Handbook 6.3.2) only when the analysis lists ``from_p`` in ``missing_sd``.
An SMD analysis that sets ``cliffs_delta_as_smd`` reads a reported Cliff's
delta as ``d = √2 Φ⁻¹((δ + 1) / 2)`` -- the SMD that gives that delta between two
normal arms with equal SDs -- applied to the estimate and to each CI bound, the
SE then coming from the transformed CI; the assumption of normality is said.
Every such step is a derivation, flagged ``*``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..models.distributions import norm_isf, norm_ppf
from ..effects import effect_sizes
from . import rows as rowsel
from .extract import StudyEffect
from .measures import RATIO_EFFECTS


def _g(x) -> str:
    return f"{x:.4g}"


CLIFF = "Cliff's delta"


def cliffs_delta_to_smd(delta):
    """The SMD that gives Cliff's delta ``delta`` between two normal arms with equal SDs.

    >>> round(float(cliffs_delta_to_smd(0.73)), 3)
    1.56
    """
    return math.sqrt(2) * norm_ppf((np.asarray(delta, float) + 1) / 2)


def _candidates(rows: pd.DataFrame, effect_measure: str, cliff: bool = False) -> pd.DataFrame:
    est = (rows["quantity"] == "effect estimate") & (rows["effect_measure"] == effect_measure)
    if cliff:
        est |= (rows["quantity"] == "effect estimate") & (rows["effect_measure"] == CLIFF)
    if effect_measure == "MD":
        est |= rows["quantity"] == "difference between arms"
    ok = est & np.isfinite(rows["mean"].to_numpy(float))
    if effect_measure == "MD":
        ok &= rows["_unit_bad"] == ""
    return rows[ok.to_numpy()]


def generic_for(rows: pd.DataFrame, effect_measure: str, spec, labels) -> dict:
    """study_id -> StudyEffect from the effect each study reports (poolable or with the reason)."""
    cliff = effect_measure == "SMD" and getattr(spec, "cliffs_delta_as_smd", False)
    cand = _candidates(rows, effect_measure, cliff)
    if cand.empty:
        return {}
    chosen, problems = rowsel.pick(cand, ["study_id"], spec.timepoint)
    ratio = effect_measure in RATIO_EFFECTS
    f = chosen["_factor"].to_numpy(float)  # unit conversion (1 for estimates without a unit: rows.prepare)
    est = chosen["mean"].to_numpy(float) * f
    lb, ub = chosen["ci_lb"].to_numpy(float) * f, chosen["ci_ub"].to_numpy(float) * f
    se = np.full(len(chosen), np.nan) if ratio else chosen["se"].to_numpy(float) * f
    is_cliff = (chosen["effect_measure"] == CLIFF).to_numpy(bool)
    if is_cliff.any():
        est, lb, ub = (np.where(is_cliff, cliffs_delta_to_smd(np.clip(x, -1, 1)), x) for x in (est, lb, ub))
        se = np.where(is_cliff, np.nan, se)  # an SE of delta is not an SE of d
    p = chosen["p_value"].to_numpy(float)
    levels = np.where(np.isfinite(chosen["ci_level"].to_numpy(float)), chosen["ci_level"].to_numpy(float), 95.0)
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.log(est) if ratio else est
        llb, lub = (np.log(lb), np.log(ub)) if ratio else (lb, ub)
    vi = np.full(len(chosen), np.nan)
    how = rowsel.notes(chosen)
    for i in np.flatnonzero(is_cliff):
        row = chosen.iloc[i]
        how[i].append(f"SMD {_g(est[i])} ({_g(lb[i])} to {_g(ub[i])}) from Cliff's delta {_g(row['mean'])} "
                      f"({_g(row['ci_lb'])} to {_g(row['ci_ub'])}): d = √2 Φ⁻¹((δ + 1) / 2), applied to the estimate and "
                      "each bound, assumes two normal arms with equal SDs")
    has_se = np.isfinite(se) & (se > 0)
    vi[has_se] = se[has_se] ** 2
    has_ci = ~has_se & np.isfinite(llb) & np.isfinite(lub) & np.isfinite(yi)
    for level in np.unique(levels[has_ci]):
        sel = has_ci & (levels == level)
        vi[sel] = effect_sizes("GEN", yi=yi[sel], ci_lb=llb[sel], ci_ub=lub[sel], level=level)["vi"].to_numpy()
    for i in np.flatnonzero(has_ci):
        how[i].append(f"SE {math.sqrt(vi[i]):.4g} from the {levels[i]:g}% CI {_g(lb[i])} to {_g(ub[i])}"
                      + (" (on the log scale)" if ratio else ""))
    if "from_p" in spec.missing_sd:
        use = ~np.isfinite(vi) & np.isfinite(p) & (p > 0) & (p < 1) & np.isfinite(yi) & (yi != 0)
        z = norm_isf(p[use] / 2)
        vi[use] = (np.abs(yi[use]) / z) ** 2
        rel = chosen["p_relation"].to_numpy(object)
        for i in np.flatnonzero(use):
            bound = rel[i] in ("<", ">")
            how[i].append(f"SE {math.sqrt(vi[i]):.4g} from p {'<' if bound else '='} {p[i]:g} (z test, Cochrane Handbook 6.3.2)"
                          + (", taking the bound as the p-value, which overstates the SE" if bound else ""))
    for i, (sid, row) in enumerate(chosen.iterrows()):
        e = StudyEffect(sid, labels[sid], arm="treatment vs control", yi=float(yi[i]), vi=float(vi[i]), n=row["n"],
                        reported=_text(row, effect_measure), timepoint=row["_when"], derivations=how[i], source=row["source_type"],
                        weeks=row["_week"], notes=[row["_note"]] if row["_note"] else [])
        e.arm1 = e.arm2 = ""
        if not math.isfinite(e.yi):
            e.reason = "a ratio must be positive to be pooled on the log scale" if ratio else "the estimate is not a number"
        elif not (math.isfinite(e.vi) and e.vi > 0):
            e.reason = _no_spread(row, ratio, spec)
        out[sid] = e
    for key, text in problems.items():
        out.setdefault(key, StudyEffect(key, labels[key], arm="treatment vs control", reason=text))
    return out


def _text(row, em) -> str:
    what = (row["effect_measure"] if row["effect_measure"] == CLIFF else em) if row["quantity"] == "effect estimate" else "difference"
    ci = f" ({_g(row['ci_lb'])} to {_g(row['ci_ub'])})" if math.isfinite(row["ci_lb"]) and math.isfinite(row["ci_ub"]) else ""
    p = ""
    if math.isfinite(row["p_value"]):
        rel = row["p_relation"] if row["p_relation"] in ("<", ">") else "="
        p = f", p {rel} {row['p_value']:g}"
    return f"{what} {_g(row['mean'])}{ci}{p}"


def _no_spread(row, ratio, spec) -> str:
    if ratio and math.isfinite(row["se"]):
        return "an SE beside a ratio is ambiguous (of the ratio or of its log?); enter the CI the source gives"
    if math.isfinite(row["p_value"]) and "from_p" not in spec.missing_sd:
        return "only a p-value for its spread; list \"from_p\" in [dispersion] missing_sd to derive the SE from it"
    return "no CI, SE or p-value for the estimate"


def generic(rows: pd.DataFrame, spec, labels) -> list:
    """Measure GEN: every study's reported ``effect_measure``."""
    found = generic_for(rows, spec.effect_measure, spec, labels)
    effects = list(found.values())
    seen = set(found)
    blank = rows[(rows["quantity"] == "effect estimate") & rows["effect_measure"].isna()]
    unnamed = blank.groupby("study_id", sort=False)["excel_row"].first() if len(blank) else {}
    for sid in dict.fromkeys(rows["study_id"]):
        if sid not in seen:
            why = ""
            if sid in unnamed:
                why = (f"the effect estimate on the outcomes sheet, row {int(unnamed[sid])}, has no effect_measure; "
                       f"enter the measure the source reports (this analysis pools {spec.effect_measure})")
            effects.append(StudyEffect(sid, labels[sid], arm="treatment vs control", reason=why))
    return effects


__all__ = ["generic", "generic_for"]
