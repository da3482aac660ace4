"""Plain-words readings and the k >= 10 rule."""

import warnings

import numpy as np
import pytest

from exometa import fsn, hc, meta_analysis, ranktest, regtest, selmodel, tes, trimfill
from exometa.bias.assess import assess
from exometa.bias.words import MIN_K_ASYMMETRY, asymmetry_rule, describe
from tests.bias.reference import data, fit

ABSENCE = ("no publication bias", "bias is absent", "no evidence of bias", "rules out")


def test_rule_runs_from_ten_studies():
    assert MIN_K_ASYMMETRY == 10
    assert not asymmetry_rule(9).run and asymmetry_rule(10).run


@pytest.mark.parametrize("unreported, expected", [
    (None, "trial registries and protocols"),
    (0, "list no registered trial without results"),
    (1, "1 registered trial has no reported results"),
    (3, "3 registered trials have no reported results"),
])  # fmt: skip
def test_rule_says_why_and_what_is_missing(unreported, expected):
    text = asymmetry_rule(4, unreported).text()
    assert "k = 4 studies" in text and "fewer than 10" in text and "13.3.5.4" in text
    assert "not evidence of its absence" in text
    assert expected in text


def test_every_reading_names_its_numbers_and_never_claims_absence():
    res = fit("bcg", "REML")
    yi, vi, _ = data("bcg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = [regtest(res), regtest(res, predictor="vi"), ranktest(res), trimfill(res), tes(res), hc(res),
                   fsn(yi, vi), selmodel(res)]  # fmt: skip
    for r in results:
        text = describe(r)
        assert all(phrase not in text.lower() for phrase in ABSENCE), text
    egger = describe(results[0])
    assert "does not detect" in egger and "does not show that small-study effects or publication bias are absent" in egger
    assert f"{results[0].est:.2f}" in egger and "With the small-study effect removed (PET" in egger
    assert "PEESE" in describe(results[1])
    assert f"{results[3].k0} missing stud" in describe(results[3]) and "not data" in describe(results[3])
    assert "advises against" in describe(results[6])


def test_significant_asymmetry_is_called_a_small_study_effect():
    res = fit("egger2001", "REML")
    text = describe(regtest(res))
    assert "finds funnel-plot asymmetry" in text and "smaller studies report lower effect sizes" in text
    assert "publication bias is one possible cause" in text


def test_assess_holds_back_asymmetry_methods_below_ten_studies():
    res = meta_analysis([0.1, 0.3, 0.5, 0.2], [0.01, 0.02, 0.04, 0.03])
    a = assess(res, ["regtest", "trimfill", "hc"], unreported=2)
    assert [(f.method, f.ran) for f in a.findings] == [("regtest", False), ("trimfill", False), ("hc", True)]
    text = a.text()
    assert text.count("13.3.5.4") == 1 and "2 registered trials" in text and "Henmi and Copas" in text


def test_assess_runs_from_ten_studies_and_reports_failures_in_words():
    res = fit("random_smallstudy", "REML")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = assess(res, ["regtest", "ranktest", "trimfill", "selmodel"])
    assert all(f.ran for f in a.findings[:3])
    assert a.to_frame().columns.tolist() == ["method", "ran", "words"]
    assert np.all([isinstance(f.words, str) and f.words for f in a.findings])
