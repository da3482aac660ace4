"""Conversions of reported summaries to means and SDs.

Reference values: the Cochrane Handbook's worked example (version 6, section
6.5.2.3: MD 3.8, n 25 and 22, P = 0.008 -> t = 2.78, SE = 1.37, SD = 4.69), and
the published equations of Luo et al. (2018), Wan et al. (2014) and Shi et al.
(2020) evaluated by hand below.
"""

import numpy as np
import pytest
from scipy import stats

from exometa.effects.conversions import fivenum_to_mean_sd, sd_from_ci, sd_from_p, sd_from_se, sd_from_t
from exometa.errors import DataError


def test_handbook_p_value_example():
    assert stats.t.isf(0.008 / 2, 45) == pytest.approx(2.78, abs=0.005)
    # the Handbook rounds SE to 1.37 before dividing, hence 4.69 there and 4.68 unrounded
    assert sd_from_p(3.8, 0.008, 25, 22) == pytest.approx(4.69, abs=0.01)


def test_handbook_ci_of_difference_matches_t_route():
    # a 95% CI built from the same SE and t(45) gives back the same SD
    se = 3.8 / stats.t.isf(0.004, 45)
    half = se * stats.t.isf(0.025, 45)
    assert sd_from_ci(3.8 - half, 3.8 + half, 25, 22) == pytest.approx(sd_from_p(3.8, 0.008, 25, 22))


def test_se_and_single_group_ci():
    assert sd_from_se(1.5, 16) == pytest.approx(6.0)
    # 95% CI of a mean with n = 10: half-width = t(9) * SD / sqrt(10)
    sd = sd_from_ci(8.0 - 2.262157 * 3 / np.sqrt(10), 8.0 + 2.262157 * 3 / np.sqrt(10), 10)
    assert sd == pytest.approx(3.0, rel=1e-6)
    assert sd_from_t(2.0, 4.0, 16) == pytest.approx(2.0)


def test_luo_wan_case2_by_hand():
    # n = 50, q1 = 2, median = 4, q3 = 8
    w = 0.7 + 0.39 / 50
    mean = w * 5 + (1 - w) * 4
    eta = 2 * stats.norm.ppf((0.75 * 50 - 0.125) / 50.25)
    r = fivenum_to_mean_sd(50, 4, q1=2, q3=8, test=False)
    assert r["mean"][0] == pytest.approx(mean)
    assert r["sd"][0] == pytest.approx(6 / eta)
    assert r["case"][0] == 2


def test_case1_and_case3_by_hand():
    n = 30
    xi = 2 * stats.norm.ppf((n - 0.375) / (n + 0.25))
    eta = 2 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25))
    r = fivenum_to_mean_sd(n, 10, min=2, max=20, test=False)
    w = 4 / (4 + n**0.75)
    assert r["mean"][0] == pytest.approx(w * 11 + (1 - w) * 10)
    assert r["sd"][0] == pytest.approx(18 / xi)
    r3 = fivenum_to_mean_sd(n, 10, q1=7, q3=14, min=2, max=20, test=False)
    w1, w2 = 2.2 / (2.2 + n**0.75), 0.7 - 0.72 / n**0.55
    assert r3["mean"][0] == pytest.approx(w1 * 11 + w2 * 10.5 + (1 - w1 - w2) * 10)
    ws = 1 / (1 + 0.07 * n**0.6)
    assert r3["sd"][0] == pytest.approx(ws * 18 / xi + (1 - ws) * 7 / eta)


def test_skewed_summary_gives_nan_and_says_so():
    r = fivenum_to_mean_sd(20, 3, q1=2, q3=15)  # median hugging q1
    assert bool(r["skewed"][0]) and np.isnan(r["mean"][0]) and np.isnan(r["sd"][0])
    r = fivenum_to_mean_sd(20, 3, q1=2, q3=15, test=False)
    assert np.isfinite(r["sd"][0])


def test_unordered_summary_is_an_error():
    with pytest.raises(DataError, match="rows \\[0\\]"):
        fivenum_to_mean_sd(20, 5, q1=6, q3=9)
