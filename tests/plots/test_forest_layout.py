"""The forest layout against metafor (make_reference.R): per-arm columns, weights (inverse variance,
Mantel-Haenszel, Peto; overall weights in subgroups), estimates and intervals at any level,
favours labels, model labels, sorting."""

import dataclasses
import math

import numpy as np
import pytest

import exometa
from exometa.errors import ExometaError
from exometa.plots.forest_layout import forest_layout
from exometa.plots.from_results import as_analysis

from .conftest import close, counts

Z95 = 1.959963984540054


def studies(lay):
    return lay[lay.kind == "study"]


def test_inverse_variance_rows_are_metafors(ref, bcg, bcg_reml):
    lay = forest_layout(as_analysis(bcg_reml, measure="RR"))
    rows = studies(lay)
    d = ref["bcg"]
    assert rows.label.tolist() == bcg.label.tolist()
    close(rows.yi, d["yi"])
    close(rows.x, np.exp(d["yi"]))
    close(rows.x_lb, np.exp(d["ci_lb_95"]))
    close(rows.x_ub, np.exp(d["ci_ub_95"]))
    close(rows.w, ref["reml"]["weights"])
    assert rows.weight.tolist() == [f"{w:.1f}%" for w in ref["reml"]["weights"]]
    assert rows.estimate_text.iloc[0] == "0.41 [0.13, 1.26]"  # Aronson: exp(-0.8893) and its CI, as metafor's forest
    diamond = lay[lay.kind == "diamond"].iloc[0]
    close([diamond.x, diamond.x_lb, diamond.x_ub], np.exp([ref["reml"][k] for k in ("estimate", "ci_lb", "ci_ub")]))
    assert diamond.estimate_text == "0.49 [0.34, 0.70]" and diamond.weight == "100%"
    pi = lay[lay.kind == "pi"].iloc[0]
    close([pi.x_lb, pi.x_ub], np.exp([ref["reml"]["pi_lb"], ref["reml"]["pi_ub"]]))
    a = lay.attrs
    assert a["model_label"] == "IV, Random, 95% CI" and a["measure_title"] == "Risk ratio"
    assert a["headers"]["estimate_text"] == "RR [95% CI]" and a["axis"] == "Risk ratio (log scale)"
    assert a["ratio"] is True and a["null"] == 1.0
    assert a["favours"] == ("Lower with treatment", "Higher with treatment")


def test_level_90_recomputes_every_interval(ref, bcg_reml):
    lay = forest_layout(as_analysis(bcg_reml, measure="RR", level=90))
    close(studies(lay).x_lb, np.exp(ref["bcg"]["ci_lb_90"]))
    close(studies(lay).x_ub, np.exp(ref["bcg"]["ci_ub_90"]))
    want = ref["reml_90"]
    diamond, pi = lay[lay.kind == "diamond"].iloc[0], lay[lay.kind == "pi"].iloc[0]
    close([diamond.ci_lb, diamond.ci_ub, pi.ci_lb, pi.ci_ub], [want["ci_lb"], want["ci_ub"], want["pi_lb"], want["pi_ub"]])
    assert lay.attrs["model_label"] == "IV, Random, 90% CI" and lay.attrs["headers"]["estimate_text"] == "RR [90% CI]"
    assert pi.label == "90% prediction interval"
    assert lay.label.str.endswith("90% CIs").any()


def test_level_for_a_hartung_knapp_fit_uses_t_quantiles(ref):
    d = ref["bcg"]
    res = exometa.meta_analysis(d["yi"], d["vi"], method="REML", test="knha")
    lay = forest_layout(as_analysis(res, level=80))
    want = ref["knha_80"]
    diamond, pi = lay[lay.kind == "diamond"].iloc[0], lay[lay.kind == "pi"].iloc[0]
    close([diamond.ci_lb, diamond.ci_ub, pi.ci_lb, pi.ci_ub], [want["ci_lb"], want["ci_ub"], want["pi_lb"], want["pi_ub"]])


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_mantel_haenszel_events_per_arm_and_weights(ref, bcg, measure):
    res = exometa.mantel_haenszel(bcg.tpos, ci=bcg.cpos, n1i=bcg.n1, n2i=bcg.n2, measure=measure)
    lay = forest_layout(as_analysis(res, slab=bcg.label, **counts(bcg)))
    rows = studies(lay)
    assert rows.events1.tolist() == [str(v) for v in bcg.tpos] and rows.total1.tolist() == [str(v) for v in bcg.n1]
    assert rows.events2.tolist() == [str(v) for v in bcg.cpos] and rows.total2.tolist() == [str(v) for v in bcg.n2]
    close(rows.w, ref[f"mh_{measure}"]["weights"])
    a = lay.attrs
    assert a["left"] == ["label", "events1", "total1", "events2", "total2"]
    assert a["arm_groups"] == [("Treatment", ("events1", "total1")), ("Control", ("events2", "total2"))]
    assert a["headers"]["events1"] == "Events" and a["headers"]["total2"] == "Total"
    assert a["model_label"] == "M-H, Fixed, 95% CI"
    diamond = lay[lay.kind == "diamond"].iloc[0]
    close([diamond.yi, diamond.ci_lb, diamond.ci_ub], [ref[f"mh_{measure}"][k] for k in ("estimate", "ci_lb", "ci_ub")])
    assert a["ratio"] is (measure != "RD") and a["null"] == (0.0 if measure == "RD" else 1.0)


def test_peto_weights_and_label(ref, bcg):
    res = exometa.peto(bcg.tpos, ci=bcg.cpos, n1i=bcg.n1, n2i=bcg.n2)
    lay = forest_layout(as_analysis(res, slab=bcg.label, **counts(bcg)))
    close(studies(lay).w, ref["peto"]["weights"])
    assert lay.attrs["model_label"] == "Peto, Fixed, 95% CI" and lay.attrs["headers"]["estimate_text"] == "OR [95% CI]"
    close(lay[lay.kind == "diamond"].yi, ref["peto"]["estimate"])


def test_mantel_haenszel_without_counts_shows_no_invented_weights(bcg):
    res = exometa.mantel_haenszel(bcg.tpos, ci=bcg.cpos, n1i=bcg.n1, n2i=bcg.n2, measure="RR")
    lay = forest_layout(as_analysis(res, slab=bcg.label))
    rows = studies(lay)
    assert len(rows) == 13 and (rows.weight == "").all() and rows.w.isna().all() and (rows.events1 == "").all()
    assert lay.attrs["left"] == ["label"]


def test_continuous_arms_show_mean_sd_and_total(ref):
    d = ref["normand"]
    res = exometa.meta_analysis(d["yi"], d["vi"], method="DL", slab=d["source"])
    arms = {k: d[k] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    lay = forest_layout(as_analysis(res, measure="MD", **arms))
    rows = studies(lay)
    assert rows.mean1.tolist() == [f"{v:g}" for v in d["m1i"]] and rows.sd2.tolist() == [f"{v:g}" for v in d["sd2i"]]
    assert rows.total1.tolist() == [f"{v:g}" for v in d["n1i"]] and rows.total2.tolist() == [f"{v:g}" for v in d["n2i"]]
    assert lay.attrs["left"] == ["label", "mean1", "sd1", "total1", "mean2", "sd2", "total2"]
    assert [h for h, _ in lay.attrs["arm_groups"]] == ["Treatment", "Control"]
    close(rows.w, ref["normand_dl"]["weights"])
    diamond = lay[lay.kind == "diamond"].iloc[0]
    want = ref["normand_dl"]
    assert diamond.estimate_text == f"{want['estimate']:.2f} [{want['ci_lb']:.2f}, {want['ci_ub']:.2f}]"
    assert lay.attrs["axis"] == "Mean difference (treatment − control)" and lay.attrs["ratio"] is False


def test_partial_arm_data_is_refused(bcg):
    res = exometa.mantel_haenszel(bcg.tpos, ci=bcg.cpos, n1i=bcg.n1, n2i=bcg.n2)
    with pytest.raises(ExometaError, match="Give all of `ai`, `n1i`, `ci`, `n2i`"):
        as_analysis(res, ai=bcg.tpos, ci=bcg.cpos)
    with pytest.raises(ExometaError, match="`ai` must have one value per study"):
        as_analysis(res, ai=[1, 2], n1i=bcg.n1, ci=bcg.cpos, n2i=bcg.n2)
    with pytest.raises(ExometaError, match="Unknown argument"):
        as_analysis(res, events=bcg.tpos)


def test_subgroups_show_overall_weights_and_their_sums(ref, bcg):
    d = ref["bcg"]
    sg = exometa.subgroup_analysis(d["yi"], d["vi"], d["alloc"], method="REML")
    lay = forest_layout(as_analysis(sg, slab=bcg.label, measure="RR"), by="subgroup")
    weights = dict(zip(bcg.label, ref["reml"]["weights"]))
    rows = studies(lay)
    close(rows.w, [weights[lab] for lab in rows.label])  # the overall analysis's weights, not 100% per subgroup
    subtotals = lay[lay.label.str.startswith("Subtotal")]
    assert len(subtotals) == 3
    for _, sub in subtotals.iterrows():
        group = sub.label.split()[1]
        members = bcg.label[bcg.alloc == group]
        assert sub.weight == f"{sum(weights[m] for m in members):.1f}%"
        close([sub.yi, sub.ci_lb, sub.ci_ub], [ref["by_alloc"][group][k] for k in ("estimate", "ci_lb", "ci_ub")], group)
    assert lay[lay.kind == "diamond"].weight.iloc[-1] == "100%"
    again = forest_layout(as_analysis(sg, slab=bcg.label, measure="RR", groups=d["alloc"]), by="subgroup")
    assert again.label.tolist() == lay.label.tolist()


def test_subgroups_of_an_analysis_use_overall_weights():
    from exometa import read_workbook
    from exometa.analysis.run import run_analysis
    from exometa.analysis.spec import load_spec

    from .conftest import ROOT

    wb = read_workbook(ROOT / "examples/bcg/studies.xlsx")
    res = run_analysis(load_spec(ROOT / "examples/bcg/analyses/02_risk_ratio_random_effects.toml"), wb)
    lay = forest_layout(res, by="design")
    close(studies(lay).w, [res.main.weight_of[lab] for lab in studies(lay).label])
    subtotals = lay[lay.label.str.startswith("Subtotal")]
    total = sum(float(w.rstrip("%")) for w in subtotals.weight)
    assert total == pytest.approx(100.0, abs=0.11) and set(subtotals.weight) != {"100%"}
    assert studies(lay).events1.iloc[0] == "4" and studies(lay).total1.iloc[0] == "123"  # Aronson 1948: 4 of 123 vaccinated


@pytest.mark.parametrize("how", ["effect", "weight", "year", "label"])
def test_sorting(ref, bcg, bcg_reml, how):
    lay = forest_layout(as_analysis(bcg_reml, measure="RR", year=bcg.year), sort=how)
    rows = studies(lay)
    if how == "effect":
        assert rows.yi.tolist() == sorted(ref["bcg"]["yi"])
    elif how == "weight":
        close(rows.w, sorted(ref["reml"]["weights"], reverse=True))
    elif how == "year":
        years = dict(zip(bcg.label, bcg.year))
        assert [years[lab] for lab in rows.label] == sorted(bcg.year)
        assert rows.label.tolist()[:2] == ["Aronson 1948", "Ferguson & Simes 1949"]
    else:
        assert rows.label.tolist() == sorted(bcg.label, key=str.casefold)
    close(rows.w, [dict(zip(bcg.label, ref["reml"]["weights"]))[lab] for lab in rows.label])  # weights travel with their study


def test_sorting_keeps_ties_in_order_and_puts_missing_last(bcg_reml):
    res = as_analysis(bcg_reml, measure="RR", year=[2000, 1990] + [math.nan] * 9 + [1990, 2000])
    labels = studies(forest_layout(res, sort="year")).label.tolist()
    assert labels[:4] == ["Ferguson & Simes 1949", "Comstock & Webster 1969", "Aronson 1948", "Comstock et al 1976"]
    assert labels[4:] == list(bcg_reml.slab[2:11])
    with pytest.raises(ExometaError, match="`sort` must be one of 'effect', 'weight', 'year', 'label' or None; got 'size'"):
        forest_layout(res, sort="size")


def test_favours_labels(bcg_reml):
    from exometa.plots.forest_layout import favours_labels

    res = as_analysis(bcg_reml, measure="RR")
    assert favours_labels(res) == ("Lower with treatment", "Higher with treatment")
    assert favours_labels(res, ("Favours vaccine", "Favours control")) == ("Favours vaccine", "Favours control")
    assert favours_labels(res, False) is None
    spec = dataclasses.replace(res.spec, favours=("Favours BCG", "Favours no vaccine"))  # the analysis file's `favours` key
    assert forest_layout(dataclasses.replace(res, spec=spec)).attrs["favours"] == ("Favours BCG", "Favours no vaccine")
    change = as_analysis(bcg_reml, measure="MC")  # a change within one group is never said to favour anything
    assert favours_labels(change) == ("Decrease", "Increase")
    assert favours_labels(change, ("Favours treatment", "Favours control")) == ("Decrease", "Increase")
    assert favours_labels(change, ("Fewer hairs", "More hairs")) == ("Fewer hairs", "More hairs")
    assert forest_layout(as_analysis(bcg_reml, measure="PLO")).attrs["favours"] is None  # no line of no effect
    with pytest.raises(ExometaError, match="`favours` must be two labels"):
        favours_labels(res, ("only one",))


def test_transf_back_transforms_and_draws_a_log_axis(ref, bcg_reml):
    lay = forest_layout(as_analysis(bcg_reml), transf=np.exp)
    close(studies(lay).x, np.exp(ref["bcg"]["yi"]))
    assert lay.attrs["ratio"] is True and lay.attrs["null"] == 1.0
    assert lay.attrs["headers"]["estimate_text"] == "Estimate [95% CI]"
    plain = forest_layout(as_analysis(bcg_reml))
    close(studies(plain).x, ref["bcg"]["yi"])
    assert plain.attrs["ratio"] is False and plain.attrs["null"] == 0.0


def test_k0_is_a_list_of_studies_not_a_plot():
    from exometa import read_workbook
    from exometa.analysis.run import run_analysis
    from exometa.analysis.spec import load_spec

    from .conftest import ROOT

    wb = read_workbook(ROOT / "studies.xlsx")
    res = run_analysis(load_spec(ROOT / "analyses/controlled_hair_count.toml"), wb)
    lay = forest_layout(res)
    assert lay.kind.iloc[0] == "note" and lay.label.iloc[0] == "No pooled estimate"
    assert lay.attrs["left"] == ["label", "flags"] and lay.attrs["right"] == [] and lay.attrs["measure_title"] == ""


def test_a_single_group_proportion_shows_its_events_and_total():
    xi, ni = [4, 10, 7, 15], [20, 40, 30, 50]
    es = exometa.effect_sizes("PLO", xi=xi, ni=ni)
    res = exometa.meta_analysis(es.yi, es.vi, slab=["A", "B", "C", "D"])
    lay = forest_layout(as_analysis(res, measure="PLO", xi=xi, ni=ni))
    rows = studies(lay)
    assert rows.events1.tolist() == ["4", "10", "7", "15"] and rows.total1.tolist() == ["20", "40", "30", "50"]
    assert lay.attrs["left"] == ["label", "events1", "total1"] and lay.attrs["arm_groups"] == []
    close(rows.x, [4 / 20, 10 / 40, 7 / 30, 15 / 50])  # back-transformed from the logit scale
    assert lay.attrs["null"] is None and lay.attrs["favours"] is None
    with pytest.raises(ExometaError, match="Give both `xi` and `ni`"):
        as_analysis(res, xi=xi)
