"""An analysis script: the BCG trials that started before 1970, risk ratio, REML random effects.

An analysis file cannot select studies by year; a script can. This one follows the contract
of ``exometa.analysis.script``: it defines ``analysis(workbook)`` and returns the result,
built with the public API -- read the workbook (exometa gives it), select the studies,
compute the effect sizes from the outcomes sheet, pool -- and exometa draws its figures
and writes its part of the report, as for any analysis file.

Run it with the BCG workbook (from the repository root):

    exometa run --workbook examples/bcg/studies.xlsx --analyses examples/script/analyses --figures /tmp/bcg-early

metafor gives the same numbers: ``rma(yi, vi, data = escalc("RR", ai = tpos, bi = tneg, ci = cpos,
di = cneg, data = dat.bcg), subset = year < 1970)`` (tests/analysis/make_analysis_reference.R).
"""

from exometa import ExometaError, effect_sizes
from exometa.analysis.script import from_effects, spec, study_effect

BEFORE = 1970


def _counts(outcomes, study_id):
    """Tuberculosis cases and participants per arm of one trial, as the outcomes sheet gives them."""
    rows = outcomes[(outcomes.study_id == study_id) & (outcomes.outcome == "tuberculosis") & (outcomes.quantity == "value")]
    arms = {r.arm: (r.events, r.n) for r in rows.itertuples()}
    if set(arms) != {"treatment", "control"}:
        raise ExometaError(f"study {study_id}: expected one treatment and one control row of tuberculosis counts; "
                           f"found arms {sorted(arms)}.")
    return arms["treatment"], arms["control"]


def analysis(workbook):
    studies = workbook.studies
    early = studies[(studies.record_type == "study") & (studies.year < BEFORE)]
    later = studies[(studies.record_type == "study") & ~(studies.year < BEFORE)]
    counts = [_counts(workbook.outcomes, sid) for sid in early.study_id]
    es = effect_sizes("RR", ai=[t[0] for t, _ in counts], n1i=[t[1] for t, _ in counts],
                      ci=[c[0] for _, c in counts], n2i=[c[1] for _, c in counts])
    effects = [study_effect(sid, label, yi, vi, n=t[1] + c[1], reported=f"{t[0]:g}/{t[1]:g} vs {c[0]:g}/{c[1]:g}")
               for sid, label, yi, vi, (t, c) in zip(early.study_id, early.label, es.yi, es.vi, counts)]
    s = spec(name="early_bcg_trials", title=f"BCG trials that started before {BEFORE}: risk ratio, random effects",
             question=f"Did BCG vaccination lower the risk of tuberculosis in the trials that started before {BEFORE}?",
             claim="BCG vaccination prevents tuberculosis.", outcome=["tuberculosis"], measure="RR", method="REML",
             test="z", figures=["forest", "funnel"], diagnostics=["leave1out", "influence"])
    return from_effects(s, workbook, effects,
                        left_out=[(label, f"started in {year:.0f}, not before {BEFORE}") for label, year in zip(later.label, later.year)])
