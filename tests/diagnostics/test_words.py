"""Plain-words readings and the minimum-k table, on the shipped workbook (analysis 02) and
on small constructed examples that take every branch."""

import warnings
from pathlib import Path

import numpy as np
import pytest

from exometa import baujat, gosh, influence, leave1out, meta_analysis, permutest
from exometa.diagnostics import words
from tests.diagnostics.conftest import fit

ROOT = Path(__file__).parents[2]
#: the first edition of the shipped workbook, frozen (see tests/analysis/test_run.py)
FIRST = ROOT / "tests" / "analysis" / "data" / "first_edition"


@pytest.fixture(scope="module")
def analysis02():
    from exometa import read_workbook
    from exometa.analysis.run import run_analysis
    from exometa.analysis.spec import load_spec

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = run_analysis(load_spec(FIRST / "02_density_change_all.toml"), read_workbook(FIRST / "studies.xlsx"))
    return run.main.result


def test_analysis02_leave1out_reading(analysis02):
    """The reading issue 9 asks for, computed from the first edition of the shipped workbook."""
    text = words.leave1out_reading(leave1out(analysis02), null_words="no change")
    assert text.startswith(
        "Without Dehghani 2024 (preprint) the estimate falls from 43.1 to 32.9 and the 95% CI still includes no change."
    )


def test_analysis02_influence_reading_names_rules_and_the_hat_caveat(analysis02):
    text = words.influence_reading(influence(analysis02))
    assert "Dehghani 2024 (preprint) is influential by metafor's rules: DFFITS" in text
    assert "With k = 3, the hat-value rule" in text


def test_ci_that_stops_including_the_null():
    # pooled CI includes 0; without the negative study it does not
    res = meta_analysis([0.4, 0.5, 0.45, -0.9], [0.02, 0.03, 0.02, 0.03], method="DL", slab=list("ABCD"))
    text = words.leave1out_reading(leave1out(res), digits=2)
    assert text.startswith("Without D the estimate rises from")
    assert "the 95% CI no longer includes no effect" in text


def test_ci_that_starts_including_the_null_and_transf():
    res = meta_analysis(np.log([0.5, 0.6, 0.55, 0.58]), [0.01, 0.4, 0.3, 0.35], method="DL", slab=list("ABCD"))
    text = words.leave1out_reading(leave1out(res), transf=np.exp, digits=2)
    assert text.startswith("Without A the estimate rises from 0.51 to 0.57")
    assert "now includes no effect" in text


def test_meta_regression_reading_names_the_coefficient():
    x = np.arange(8.0)
    yi = 0.1 * x + np.random.default_rng(1).normal(0, 0.05, 8)
    res = fit({"yi": yi.tolist(), "vi": [0.01] * 8, "method": "DL", "test": "z", "mods": {"x": x.tolist()}})
    assert "the coefficient of mod1" in words.leave1out_reading(leave1out(res), digits=3)


def test_other_readings():
    rng = np.random.default_rng(3)
    yi = np.r_[rng.normal(0.2, 0.05, 9), 1.5]
    res = meta_analysis(yi, np.full(10, 0.02), slab=[f"s{i}" for i in range(10)])
    assert words.gosh_reading(gosh(res)).startswith("The subsets that contain s9 (estimate")
    assert words.baujat_reading(baujat(res)).startswith("s9 contributes most to the heterogeneity")
    text = words.permutest_reading(permutest(res, iter=200, seed=1))
    assert text.startswith("A permutation test of the pooled estimate (200 random permutations) gives p")
    flat = meta_analysis(np.full(8, 0.2) + rng.normal(0, 0.01, 8), np.full(8, 0.02))
    assert words.gosh_reading(gosh(flat)).startswith("No single study")


def test_minimum_k_table_says_why():
    table = words.minimum_k_table()
    assert set(table.diagnostic) == set(words.MINIMUM_K)
    assert (table.reason.str.len() > 30).all()
    assert words.minimum_k("gosh", p=2) == 7
    assert words.not_shown_reason("permutest", 5).startswith("Permutation test not shown (k = 5): with fewer than 6")
    assert words.not_shown_reason("influence", 3) is None
    assert "at least 4 studies with 2 coefficient(s)" in words.not_shown_reason("leave1out", 3, p=2)
