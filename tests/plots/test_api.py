"""The public plotting API: exometa.plots.forest / funnel take any fitted result and return a Figure;
bad input is refused with a message that says what to give; the functions `exometa run` and the CLI
call keep working."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import exometa
import exometa.plots
from exometa.errors import ExometaError
from exometa.plots.from_results import as_analysis, at_level

from .conftest import close, counts, texts


def test_plots_forest_and_funnel_are_callable_modules():
    import exometa.plots.forest as forest_module

    assert callable(exometa.plots.forest) and callable(exometa.plots.funnel)
    assert exometa.plots.forest is forest_module  # the module stays a module: its functions are there too
    assert callable(exometa.plots.forest.forest_layout) and callable(exometa.plots.funnel.funnel_layout)
    from exometa.plots.api import forest, funnel

    assert forest.__doc__.startswith("A forest plot of any fitted result") and funnel.__name__ == "funnel"


def test_every_kind_of_result_gives_a_figure(bcg, bcg_reml, ref):
    d = ref["bcg"]
    results = [
        (bcg_reml, {"measure": "RR"}),
        (exometa.mantel_haenszel(bcg.tpos, ci=bcg.cpos, n1i=bcg.n1, n2i=bcg.n2, measure="RR"), counts(bcg)),
        (exometa.peto(bcg.tpos, ci=bcg.cpos, n1i=bcg.n1, n2i=bcg.n2), counts(bcg)),
        (exometa.subgroup_analysis(d["yi"], d["vi"], d["alloc"]), {"groups": d["alloc"]}),
    ]
    for res, kw in results:
        assert isinstance(exometa.plots.forest(res, **kw), Figure)
        assert isinstance(exometa.plots.funnel(res, **({"groups": kw["groups"]} if "groups" in kw else {})), Figure)


def test_an_analysis_result_draws_as_exometa_run_draws_it():
    from exometa import read_workbook
    from exometa.analysis.run import run_analysis
    from exometa.analysis.spec import load_spec

    from .conftest import ROOT

    res = run_analysis(load_spec(ROOT / "examples/bcg/analyses/02_risk_ratio_random_effects.toml"),
                       read_workbook(ROOT / "examples/bcg/studies.xlsx"))
    shown = [t.get_text() for t, _ in texts(exometa.plots.forest(res, by="design", level=90))]
    assert res.spec.title + " (page" not in " ".join(shown) and any(s.startswith(res.spec.title[:30]) for s in shown)
    assert "IV, Random, 90% CI" in shown and any(s.startswith("Subtotal RCT, parallel") for s in shown)
    assert as_analysis(res) is res  # nothing to change: the same object


def test_the_result_is_drawn_as_fitted_never_re_pooled(bcg_reml, ref):
    res = as_analysis(bcg_reml, measure="RR")
    assert res.main.result is bcg_reml
    close(res.main.weights, ref["reml"]["weights"])
    assert at_level(bcg_reml, None) is bcg_reml and at_level(bcg_reml, 95) is bcg_reml


def test_bad_input_is_refused_with_the_fix(bcg, bcg_reml):
    with pytest.raises(ExometaError, match="meta-regression has no single pooled estimate"):
        exometa.plots.forest(exometa.meta_analysis([0.1, 0.3, 0.2, 0.5], [0.01, 0.02, 0.03, 0.02], mods=[1, 2, 3, 4]))
    with pytest.raises(ExometaError, match="forest or funnel plot; draw it with exometa.regplot"):
        exometa.plots.funnel(exometa.meta_analysis([0.1, 0.3, 0.2, 0.5], [0.01, 0.02, 0.03, 0.02], mods=[1, 2, 3, 4]))
    with pytest.raises(ExometaError, match="holds a batch of meta-analyses"):
        exometa.plots.forest(exometa.meta_analysis([[0.1, 0.2], [0.3, 0.1]], [[0.01, 0.02], [0.03, 0.02]]))
    with pytest.raises(ExometaError, match="`result` must be a fitted result"):
        exometa.plots.forest([0.1, 0.2])
    with pytest.raises(ExometaError, match=r"`slab` must have one label per study \(k = 13\); got 2"):
        exometa.plots.forest(bcg_reml, slab=["a", "b"])
    with pytest.raises(ExometaError, match="`level` must lie between 0 and 100"):
        exometa.plots.forest(bcg_reml, level=150)
    with pytest.raises(ExometaError, match="`groups` must have one label per study"):
        exometa.plots.forest(exometa.subgroup_analysis([0.1, 0.2, 0.3], [0.01] * 3, ["a", "b", "a"]), groups=["a"])


def test_subgroups_that_cannot_be_told_apart_need_their_labels():
    sg = exometa.subgroup_analysis([0.1, 0.1, 0.3, 0.1], [0.01] * 4, ["a", "b", "a", "b"], method="DL")
    with pytest.raises(ExometaError, match="give `groups=`"):
        exometa.plots.forest(sg)
    assert isinstance(exometa.plots.forest(sg, groups=["a", "b", "a", "b"]), Figure)


def test_repeated_labels_keep_their_own_weights(bcg):
    res = exometa.meta_analysis([0.1, 0.3, 0.2], [0.01, 0.02, 0.03], method="DL")
    lay = exometa.plots.forest.forest_layout(as_analysis(res, slab=["A", "A", "B"]))
    rows = lay[lay.kind == "study"]
    assert rows.label.tolist() == ["A", "A (2)", "B"]
    close(rows.w, res.weights)


def test_forest_plot_and_draw_forest_keep_working_for_their_callers(tmp_path, ref, bcg):
    from exometa.plots.forest import draw_forest, forest_layout, forest_plot

    d = ref["bcg"]
    paths = forest_plot(d["yi"], d["vi"], bcg.label, tmp_path / "bcg", measure="RR", test="z", title="BCG")
    assert [p.suffix for p in paths] == [".svg", ".png", ".pdf"] and all(p.stat().st_size > 1000 for p in paths)
    res = as_analysis(exometa.meta_analysis(d["yi"], d["vi"], slab=bcg.label), measure="RR")
    assert draw_forest(forest_layout(res), res, tmp_path / "v1.2", formats=["svg"])[0].name.startswith("v1")


def test_bias_funnel_through_the_public_api(bcg_reml):
    pytest.importorskip("exometa.plots.bias", reason="the small-study figures ship with exometa.plots.bias")
    fig = exometa.plots.funnel(bcg_reml, trimfill=True, pet=True, peese=True)
    assert isinstance(fig, Figure)


def test_funnel_transf_and_level(bcg_reml):
    fig = exometa.plots.funnel(bcg_reml, measure="RR", level=90)
    assert "pooled estimate, pseudo 90% limits" in {t.get_text() for t, _ in texts(fig)}
    assert isinstance(exometa.plots.funnel(bcg_reml, transf=np.exp), Figure)
