"""Plain-words readings of the bias results, for reports.

Principles the sentences keep:

- a test that finds nothing is never worded as evidence that bias is absent (these
  tests have little power; Sterne et al. 2011);
- funnel-plot asymmetry is a *small-study effect*: publication bias is one possible
  cause among others (heterogeneity, poorer methods in small trials, chance);
- adjusted estimates (PET, PEESE, trim and fill, selection models) are sensitivity
  analyses under stated assumptions, not corrected truths;
- below :data:`MIN_K_ASYMMETRY` studies the asymmetry methods are not run, and the
  words say why and what would answer the question instead
  (Cochrane Handbook, section 13.3.5.4).

:func:`asymmetry_rule` is the rule; ``describe_*`` read one result each;
:func:`describe` dispatches on the result's type.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..formatting import fmt_or_blank, p_text

#: fewest studies for which funnel-plot asymmetry methods are run (Cochrane Handbook 13.3.5.4)
MIN_K_ASYMMETRY = 10
#: methods that judge asymmetry or adjust for it, held back below MIN_K_ASYMMETRY
ASYMMETRY_METHODS = ("regtest", "peese", "ranktest", "trimfill", "selmodel")
#: significance level at which an asymmetry test is called positive (Egger et al. 1997 used 0.10)
ALPHA_ASYMMETRY = 0.10

HANDBOOK = "Cochrane Handbook, section 13.3.5.4"


@dataclass(frozen=True)
class AsymmetryRule:
    """Whether asymmetry methods may run for k studies, and the words if not."""

    k: int
    run: bool
    reason: str
    instead: str

    def text(self) -> str:
        return self.reason if self.run else f"{self.reason} {self.instead}"


def asymmetry_rule(k: int, unreported: int | None = None) -> AsymmetryRule:
    """Below 10 studies, asymmetry tests and adjustments are not run: the words say why.

    ``unreported``: the number of registered trials known to have no results (None if
    registries were not checked).

    >>> asymmetry_rule(12).run
    True
    >>> r = asymmetry_rule(3, unreported=2)
    >>> r.run
    False
    >>> print(r.text())  # doctest: +NORMALIZE_WHITESPACE
    With k = 3 studies, funnel-plot asymmetry (small-study effects, which include publication
    bias) cannot be judged: tests and adjustments for it are not run with fewer than 10 studies,
    because with so few they cannot tell asymmetry from chance (Cochrane Handbook, section
    13.3.5.4). Absence of evidence of bias is not evidence of its absence. What would answer the
    question instead is direct evidence of missing results: 2 registered trials have no reported
    results, and their results are the evidence that is missing.
    """
    k = int(k)
    if k >= MIN_K_ASYMMETRY:
        return AsymmetryRule(k, True, f"With k = {k} studies, funnel-plot asymmetry can be examined.", "")
    reason = (
        f"With k = {k} stud{'y' if k == 1 else 'ies'}, funnel-plot asymmetry (small-study effects, which include "
        f"publication bias) cannot be judged: tests and adjustments for it are not run with fewer than "
        f"{MIN_K_ASYMMETRY} studies, because with so few they cannot tell asymmetry from chance ({HANDBOOK}). "
        "Absence of evidence of bias is not evidence of its absence."
    )
    return AsymmetryRule(k, False, reason, _instead(unreported))


def _instead(unreported: int | None) -> str:
    head = "What would answer the question instead is direct evidence of missing results: "
    if unreported is None:
        return head + (
            "trial registries and protocols searched for trials that were completed but never reported, "
            "and outcomes that were measured but not reported."
        )
    if unreported == 0:
        return head + (
            "the registries searched list no registered trial without results, which lowers but does not "
            "remove the concern (unregistered studies leave no trace)."
        )
    trials = "1 registered trial has" if unreported == 1 else f"{unreported} registered trials have"
    return head + f"{trials} no reported results, and their results are the evidence that is missing."


def _num(x, digits=2) -> str:
    return fmt_or_blank(float(x), digits) or "NA"


def _ci(lb, ub, level, digits=2, transf=None) -> str:
    return f"{level:g}% CI {_e(lb, digits, transf)} to {_e(ub, digits, transf)}"


def _e(x, digits=2, transf=None) -> str:
    """An estimate on the display scale: ``transf`` (e.g. ``np.exp`` for a log risk ratio) applied first."""
    return _num(transf(float(x)) if transf is not None and np.isfinite(x) else x, digits)


def _not_proof(k: int) -> str:
    return (
        f"This does not show that small-study effects or publication bias are absent: with k = {k} studies "
        "the test has little power."
    )


def describe_regtest(r, digits: int = 2, transf=None) -> str:
    """Egger's test (or its variants) and the limit estimate, in words."""
    name = "Egger's regression test" if r.predictor == "sei" else f"The regression test on the {_PRED[r.predictor]}"
    stat = f"{'z' if np.isnan(r.dfs) else 't'} = {_num(r.zval)}, {p_text(r.pval)}"
    if r.pval < ALPHA_ASYMMETRY:
        size = "smaller" if r.predictor in ("sei", "vi", "ninv", "sqrtninv") else "larger"
        more = "higher" if r.coef[1] > 0 else "lower"
        text = (
            f"{name} finds funnel-plot asymmetry ({stat}): {size} studies report {more} effect sizes. "
            "This is a small-study effect; publication bias is one possible cause, others are differences "
            "between small and large studies (populations, methods, quality) and chance."
        )
    else:
        text = f"{name} does not detect funnel-plot asymmetry ({stat}). {_not_proof(r.k)}"
    if not np.isnan(r.est):
        base = r.analysis.estimate if r.analysis is not None else np.nan
        what = {"PET": "PET, the effect extrapolated to a study with no sampling error",
                "PEESE": "PEESE, extrapolated on the variance scale"}.get(r.limit_name, "the limit estimate")  # fmt: skip
        text += (
            f" With the small-study effect removed ({what}) the estimate is {_e(r.est, digits, transf)} "
            f"({_ci(r.ci_lb, r.ci_ub, r.level, digits, transf)}), against {_e(base, digits, transf)} from the analysis; "
            "this holds only if the small-study effect is due to bias."
        )
    return text


_PRED = {"sei": "standard error", "vi": "sampling variance", "ni": "sample size", "ninv": "inverse sample size",
         "sqrtni": "square root of the sample size", "sqrtninv": "inverse square root of the sample size"}  # fmt: skip


def describe_ranktest(r, digits: int = 2, transf=None) -> str:
    stat = f"Kendall's tau = {_num(r.tau)}, {p_text(r.pval)}"
    if r.pval < ALPHA_ASYMMETRY:
        return (
            f"Begg's rank correlation test finds funnel-plot asymmetry ({stat}): a small-study effect, of which "
            "publication bias is one possible cause."
        )
    return f"Begg's rank correlation test does not detect funnel-plot asymmetry ({stat}); it has less power than Egger's test. {_not_proof(r.k)}"


def describe_trimfill(t, digits: int = 2, transf=None) -> str:
    lv = t.level
    observed = f"{_e(t.estimate_observed, digits, transf)} ({_ci(t.ci_lb_observed, t.ci_ub_observed, lv, digits, transf)})"
    if t.k0 == 0:
        return (
            f"Trim and fill ({t.estimator}) estimates no missing studies; the estimate stays {observed}. "
            "This does not show that no studies are missing."
        )
    return (
        f"Trim and fill ({t.estimator}) estimates {t.k0} missing stud{'y' if t.k0 == 1 else 'ies'} on the {t.side} "
        f"side of the funnel plot. With {'it' if t.k0 == 1 else 'them'} filled in (imputed mirror images, not data) "
        f"the estimate is {_e(t.estimate, digits, transf)} ({_ci(t.ci_lb, t.ci_ub, lv, digits, transf)}), against {observed} "
        "from the observed studies. Trim and fill assumes the asymmetry comes from publication bias; "
        "its result is a sensitivity analysis, not a corrected estimate."
    )


def describe_selmodel(s, digits: int = 2, transf=None) -> str:
    lv = s.level
    if s.type == "stepfun":
        parts = [f"{name}: {_num(d, digits)}" for name, d in zip(s.delta_names()[1:], s.delta[1:])]
        how = (
            f"a step-function selection model (relative probability of publication, against studies with "
            f"p <= {s.steps[0]:g}: {'; '.join(parts)})"
        )
    else:
        how = f"a {s.type} selection model"
    lrt = f"likelihood-ratio test for selection: chi-square({s.lrt_df}) = {_num(s.lrt)}, {p_text(s.lrt_pval)}"
    return (
        f"Under {how}, the estimate adjusted for selective publication is {_e(s.estimate, digits, transf)} "
        f"({_ci(s.ci_lb, s.ci_ub, lv, digits, transf)}), against {_e(s.estimate_ml, digits, transf)} without adjustment ({lrt}). "
        "The adjustment holds only if publication depended on p-values as the model assumes; "
        + ("the test found no clear selection, which does not show that there was none." if s.lrt_pval >= ALPHA_ASYMMETRY
           else "the data are more likely under selection than without it.")
    )  # fmt: skip


def describe_tes(t, digits: int = 2, transf=None) -> str:
    counts = (
        f"{t.o} of {t.k} studies are significant where {_num(t.e, 1)} would be expected from their power if the "
        f"true effect were {_e(t.theta, digits, transf)}"
    )
    if t.pval < ALPHA_ASYMMETRY:
        return (
            f"Test of excess significance: {counts} ({p_text(t.pval)}). More significant results than the studies' "
            "power allows suggests that non-significant results are missing or that results were selected."
        )
    return f"Test of excess significance: {counts} ({p_text(t.pval)}); no excess detected, which does not show that none exists."


def describe_hc(h, digits: int = 2, transf=None) -> str:
    lv = h.level
    return (
        f"Henmi and Copas's interval (the common-effect estimate, which gives small studies less weight, with its "
        f"CI widened for heterogeneity): {_e(h.estimate, digits, transf)} ({_ci(h.ci_lb, h.ci_ub, lv, digits, transf)}), against "
        f"{_e(h.estimate_rma, digits, transf)} ({_ci(h.ci_lb_rma, h.ci_ub_rma, lv, digits, transf)}) from the analysis."
    )


def describe_fsn(f, digits: int = 2, transf=None) -> str:
    n = "an infinite number of" if np.isinf(f.fsnum) else f"{f.fsnum:.0f}"
    what = {
        "Rosenthal": f"{n} unpublished studies averaging no effect would make the combined result non-significant",
        "Orwin": f"{n} studies with no effect would pull the average effect down to {_e(f.target, digits, transf)}",
        "Rosenberg": f"{n} null studies of average weight would make the pooled effect non-significant",
    }[f.type]
    return (
        f"Fail-safe N ({f.type}): {what}. It assumes the missing studies are exactly null and says nothing about "
        "whether they exist; the Cochrane Handbook (5.1, section 10.4.4.3) advises against it."
    )


_DESCRIBERS = {
    "RegtestResult": describe_regtest, "RanktestResult": describe_ranktest, "TrimfillResult": describe_trimfill,
    "SelmodelResult": describe_selmodel, "TesResult": describe_tes, "HcResult": describe_hc, "FsnResult": describe_fsn,
}  # fmt: skip


def describe(result, digits: int = 2, transf=None) -> str:
    """The plain-words reading of any exometa.bias result; ``transf`` puts estimates on the display scale
    (e.g. ``np.exp`` for log risk ratios), as metafor's ``transf`` argument does."""
    try:
        return _DESCRIBERS[type(result).__name__](result, digits, transf)
    except KeyError:
        from ..errors import ExometaError

        raise ExometaError(f"`describe` reads exometa.bias results; got {type(result).__name__}.") from None
