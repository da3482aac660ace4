"""Diagnostics figures of many studies show the ones that matter, and say so (issue 13: 2,000 studies)."""

import numpy as np
import pytest

from exometa import cumul, influence, leave1out, meta_analysis
from exometa.diagnostics.words import influence_reading
from exometa.plots.diagnostics import influence_panels, influence_rows, series_forest, series_forest_layout, series_rows


@pytest.fixture(scope="module")
def many():
    rng = np.random.default_rng(7)
    k = 60
    vi = rng.uniform(0.02, 0.1, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.02))
    yi[[5, 41]] = [1.9, -1.2]  # two far from the rest
    return meta_analysis(yi, vi, slab=[f"S{i:02d}" for i in range(k)])


def test_leave_one_out_shows_the_studies_whose_omission_moves_the_estimate_most(many):
    l1o = leave1out(many)
    rows, note = series_rows(series_forest_layout(l1o), True, 10)
    change = np.abs(l1o.estimate - many.estimate)
    expected = [f"S{i:02d}" for i in np.argsort(-change, kind="stable")[:10]]
    assert rows.label.tolist()[:-1] == expected and rows.kind.tolist()[-1] == "all"
    assert {"S05", "S41"} <= set(expected)
    assert note.startswith("The 10 of 60 studies whose omission moves the estimate most")
    fig = series_forest(l1o, max_rows=10)
    assert note in [t.get_text() for t in fig.texts]


def test_all_rows_when_they_fit(many):
    lay = series_forest_layout(leave1out(many))
    rows, note = series_rows(lay, True, 60)
    assert note == "" and len(rows) == 61


def test_cumulative_shows_evenly_spaced_steps_with_the_last(many):
    c = cumul(many)
    rows, note = series_rows(series_forest_layout(c), False, 7)
    assert rows.k.tolist() == [1, 11, 21, 31, 40, 50, 60, 60]  # the last step, then all studies
    assert note == "7 of the 60 steps, evenly spaced (the last included)."


def test_influence_shows_the_influential_studies_first_then_the_largest_cooks_distances(many):
    infl = influence(many)
    shown, note = influence_rows(infl, 8)
    flagged = set(np.flatnonzero(infl.inf))
    assert flagged and flagged <= set(shown) and len(shown) == 8 and list(shown) == sorted(shown)
    rest = [i for i in np.argsort(-infl.cook_d, kind="stable") if i not in flagged][: 8 - len(flagged)]
    assert set(shown) == flagged | set(rest)
    word = "study" if len(flagged) == 1 else "studies"
    assert note == (f"The {len(flagged)} influential {word} and the {8 - len(flagged)} others with the largest "
                    "Cook's distances, of 60.")
    fig = influence_panels(infl, max_rows=8, note_end="every study is in the report's table")
    assert note[:-1] + "; every study is in the report's table." in [t.get_text() for t in fig.texts]
    labels = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert labels == {infl.slab[i] for i in shown}


def test_many_studies_sharing_the_most_weight_are_not_all_named():
    res = meta_analysis(np.linspace(0, 0.1, 40), np.full(40, 0.05), slab=[f"T{i}" for i in range(40)])
    text = influence_reading(influence(res))
    assert "No study carries more than 2.5% of the weight." in text and "T17" not in text
    many = meta_analysis(np.linspace(0, 0.1, 1200), np.full(1200, 0.05))
    assert "No study carries more than 0.083% of the weight." in influence_reading(influence(many))


def test_the_influence_note_when_none_or_too_many_are_influential(many):
    infl = influence(many)
    n_inf = int(np.sum(infl.inf))
    _, note = influence_rows(infl, n_inf - 1) if n_inf > 1 else (None, None)
    if note is not None:
        assert note == f"{n_inf - 1} of the {n_inf} influential studies (of 60), those with the largest Cook's distances."
    calm = influence(meta_analysis(np.zeros(50), np.full(50, 0.05)))
    assert not calm.inf.any()
    assert influence_rows(calm, 10)[1] == ("The 10 of 50 studies with the largest Cook's distances (none is influential "
                                           "by metafor's rules).")


def test_leave_one_out_ranks_changes_on_the_analysis_scale():
    """On a log scale, omitting B moves the estimate further than omitting A although exp() says otherwise."""
    k = 45
    yi = np.zeros(k)
    yi[0], yi[1] = -22.0, 26.4  # omitting A raises the pooled log ratio by 0.5, omitting B lowers it by 0.6
    res = meta_analysis(yi, np.full(k, 0.05), slab=["A", "B"] + [f"S{i}" for i in range(k - 2)], method="EE")
    l1o = leave1out(res)
    raw = np.abs(l1o.estimate - res.estimate)
    ratio = np.abs(np.exp(l1o.estimate) - np.exp(res.estimate))
    assert np.argmax(raw) == 1 and np.argmax(ratio) == 0  # the scales disagree about the first
    fig = series_forest(l1o, transf=np.exp, max_rows=1)
    drawn = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert "B" in drawn and "A" not in drawn
