"""What a person reads: summary() in words as metafor's print, and a notebook view with one
row per quantity (issue 8, item 2). Numbers are the BCG data's (Viechtbauer 2010)."""

import re

import numpy as np
import pandas as pd
import pytest

from exometa import effect_sizes, mantel_haenszel, meta_analysis, peto, subgroup_analysis

BCG = pd.read_csv(__import__("pathlib").Path(__file__).parents[2] / "src/exometa/data/dat_bcg.csv")


def bcg():
    es = effect_sizes("RR", BCG, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    return es.yi.to_numpy(), es.vi.to_numpy()


def rows(html: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", html)


def test_pooled_summary_reads_like_metafor():
    text = meta_analysis(*bcg()).summary()
    assert "tau^2 (estimated amount of total heterogeneity): 0.3132 (95% Q-profile CI 0.1197 to 1.1115)" in text
    assert "Test for heterogeneity: Q(df = 12) = 152.2330, p < .0001" in text
    assert "p = <" not in text
    assert "z = -3.9744, p < .0001" in text
    knha = meta_analysis(*bcg(), test="knha").summary()
    assert "t(df = 12) = " in knha


def test_pooled_html_has_one_row_per_quantity():
    html = meta_analysis(*bcg())._repr_html_()
    body = rows(html)[1:]  # the first row is the header
    labels = [re.search(r"<td[^>]*>(.*?)</td>", r).group(1) for r in body]
    assert labels == ["Pooled estimate", "Test of the pooled effect", "Prediction interval", "tau²", "tau", "I²", "H²",
                      "Test for heterogeneity", "Studies"]  # fmt: skip
    assert "-0.7145" in body[0] and "-1.0669 to -0.3622" in body[0]
    assert all(r.count("<td") == 4 for r in body)


def test_regression_summary_and_html_show_more_than_coefficients():
    es = effect_sizes("RR", BCG, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    res = meta_analysis(es.yi, es.vi, mods=BCG[["ablat"]], test="knha")
    text = res.summary()
    assert "Test of moderators (coefficients 2:2): F(df1 = 1, df2 = 11)" in text
    assert "R^2 (amount of heterogeneity accounted for)" in text and "tval" in text
    html = res._repr_html_()
    assert "Coefficient: ablat" in html and "R²" in html and "Residual heterogeneity" in html


def test_mantel_haenszel_summary_prints_its_tests():
    res = mantel_haenszel(BCG.tpos, BCG.tneg, BCG.cpos, BCG.cneg, measure="OR")
    text = res.summary()
    assert "Cochran-Mantel-Haenszel test" in text and "Tarone's test" in text
    assert "On the OR scale" in text
    html = res._repr_html_()
    assert "Pooled OR" in html and "CMH" in html
    assert "Equal-effects model (Peto)" in peto(BCG.tpos, BCG.tneg, BCG.cpos, BCG.cneg).summary()


def test_subgroup_result_has_a_notebook_view():
    y, v = bcg()
    res = subgroup_analysis(y, v, BCG.alloc, method="DL")
    html = res._repr_html_()
    assert len(rows(html)) == 1 + 3 + 1 + 1  # header, three subgroups, all studies, the test
    assert "Test for subgroup differences" in html
    assert "Test for subgroup differences (between the subgroup estimates): Q(df = 2)" in res.summary()
    assert res.to_dict()["q_between_df"] == 2


def test_batch_html_is_a_short_table():
    y, v = bcg()
    Y = np.tile(y, (30, 1))
    V = np.tile(v, (30, 1))
    html = meta_analysis(Y, V, tau2_ci=False)._repr_html_()
    assert "30 meta-analyses" in html and "first 10 of 30" in html


def test_text_from_data_is_escaped_in_html():
    res = subgroup_analysis([0.1, 0.2, 0.3, 0.4], [0.01] * 4, ["<b>a</b>", "<b>a</b>", "b", "b"], method="DL")
    assert "<b>a</b>" not in res._repr_html_() and "&lt;b&gt;a&lt;/b&gt;" in res._repr_html_()


@pytest.mark.parametrize("p, text", [(0.00001, "p < .0001"), (0.0312, "p = 0.0312")])
def test_p_values_in_words(p, text):
    from exometa.formatting import p_text

    assert p_text(p, 4) == text
