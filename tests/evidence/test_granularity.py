"""GRIM, GRIMMER and DEBIT on hand-made cases that pass and fail.

Methods: GRIM, Brown & Heathers 2017 (Soc Psychol Personal Sci 8:363-369);
GRIMMER, Anaya 2016 (PeerJ Preprints 4:e2400); DEBIT, Heathers & Brown 2019
(https://osf.io/5vb3u/). Every expected verdict below follows from arithmetic
shown in the comment, so that a reader can redo it by hand.
"""

import pytest

from exometa.errors import ExometaError
from exometa.evidence.trust_checks import debit, grim, grim_percent, grimmer


# --- GRIM: means -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mean, n, items, verdict", [
    (3.48, 20, 1, "fails"),    # means of 20 whole numbers end in 0 or 5 at the 2nd decimal: 69/20 = 3.45, 70/20 = 3.50
    (3.45, 20, 1, "passes"),   # 69/20
    (5.93, 49, 1, "fails"),    # 290/49 = 5.918, 291/49 = 5.939: neither rounds to 5.93
    (5.92, 49, 1, "passes"),   # 290/49 = 5.918 -> 5.92
    (2.17, 12, 1, "passes"),   # 26/12 = 2.1667 -> 2.17
    (2.18, 12, 1, "fails"),    # 26/12 = 2.1667, 27/12 = 2.25
    (2.19, 12, 3, "passes"),   # three items: multiples of 1/36; 79/36 = 2.1944 -> 2.19
    (2.18, 12, 3, "fails"),    # 2.18 x 36 = 78.48; 78/36 = 2.1667, 79/36 = 2.1944
    (3.48, 200, 1, "cannot check"),  # 200 >= 10^2: every mean at 2 decimals is possible
])
def test_grim_means(mean, n, items, verdict):
    assert grim(mean, n, items=items).verdict == verdict


def test_grim_items_make_finer_means():
    # with 4 items, 12 participants give multiples of 1/48: 2.1875 = 105/48 rounds to 2.19
    assert grim(2.19, 12).verdict == "fails"            # 26/12 = 2.1667, 27/12 = 2.25
    assert grim(2.19, 12, items=4).verdict == "passes"  # 105/48 = 2.1875


def test_grim_negative_mean_change():
    # a mean change of whole numbers: -1.35 x 20 = -27 -> passes; -1.37 x 20 = -27.4 -> fails
    assert grim(-1.35, 20).verdict == "passes"
    assert grim(-1.37, 20).verdict == "fails"


def test_grim_precision_can_be_given():
    # 3.5 read as 1 decimal: any mean of 20 fits; as 3.50 (2 decimals) 70/20 = 3.50 fits too, 3.51 does not
    assert grim(3.5, 20, decimals=2).verdict == "passes"
    assert grim(3.51, 20).verdict == "fails"


def test_grim_detail_shows_the_arithmetic():
    r = grim(3.48, 20)
    assert "69/20 = 3.45" in r.detail and "70/20 = 3.5" in r.detail and "3.475 to 3.485" in r.detail


def test_grim_without_n_cannot_check_and_bad_n_is_an_error():
    assert grim(3.48, None).verdict == "cannot check"
    with pytest.raises(ExometaError, match="`n` must be a whole number"):
        grim(3.48, 20.5)


# --- GRIM: percentages of n (the real case of Wan 2025, /work/shared/evidence/update-2.md) ---------------------------

def test_wan_2025_percentages_of_16():
    # update-2.md: "80% does not fit 16 (13/16 = 81.25%); 87% does (14/16 = 87.5%)"
    eighty = grim_percent(80, 16)
    assert eighty.verdict == "fails"
    assert eighty.detail == ("80% of 16 is 12.8 participants; 12/16 = 75% and 13/16 = 81.25%: no whole number of 16 "
                             "gives 80% at the reported precision (79.5% to 80.5%).")
    assert grim_percent(87, 16).verdict == "passes"   # 14/16 = 87.5 rounds to 87 when a half is rounded down


@pytest.mark.parametrize("pct, n, verdict", [
    (33.3, 30, "passes"),   # 10/30 = 33.333
    (33.5, 30, "fails"),    # 10/30 = 33.33, 11/30 = 36.67
    (45, 11, "passes"),     # 5/11 = 45.45 -> 45
    (46, 11, "fails"),      # 5/11 = 45.45, 6/11 = 54.55
    (101, 20, "fails"),     # not a percentage of people
    (12.5, 2000, "cannot check"),  # steps of 0.05% are finer than 0.1
])
def test_grim_percentages(pct, n, verdict):
    assert grim_percent(pct, n).verdict == verdict


# --- GRIMMER -----------------------------------------------------------------------------------------------------------

def test_grimmer_passes_for_real_data_and_fails_nearby():
    # 1, 2, 3, 4, 5: mean 3.00, SD sqrt(2.5) = 1.5811 -> 1.58
    assert grimmer(3.00, 1.58, 5, mean_decimals=2).verdict == "passes"
    # SD 1.61 needs a sum of squares 4 x [1.605^2, 1.615^2] + 45 = [55.30, 55.43]: no whole number
    r = grimmer(3.00, 1.61, 5, mean_decimals=2)
    assert r.verdict == "fails" and "no whole number" in r.detail


def test_grimmer_parity():
    # three whole numbers summing to 6 with sum of squares 13: impossible (squares have the parity of the values)
    r = grimmer(2.00, 0.71, 3, mean_decimals=2)
    assert r.verdict == "fails" and "even sum of squares" in r.detail
    # 1, 2, 3: SD 1.00 (sum of squares 14, even like the total 6)
    assert grimmer(2.00, 1.00, 3, mean_decimals=2, sd_decimals=2).verdict == "passes"


def test_grimmer_minimum_spread():
    # two whole numbers with mean 2.5 differ by at least 1: SD >= 0.71; SD 0.00 is impossible
    r = grimmer(2.5, 0.0, 2, sd_decimals=2)
    assert r.verdict == "fails"
    assert grimmer(2.5, 0.71, 2).verdict == "passes"   # 2 and 3


def test_grimmer_items():
    # scores that are means of 2 items, n = 4: scores 1.5, 2, 2.5, 3 -> mean 2.25, SD 0.6455 -> 0.65
    assert grimmer(2.25, 0.65, 4, items=2).verdict == "passes"
    assert grimmer(2.25, 0.61, 4, items=2).verdict == "fails"


def test_grimmer_when_the_mean_fails_grim():
    assert grimmer(3.48, 1.2, 20).verdict == "cannot check"


# --- DEBIT -------------------------------------------------------------------------------------------------------------

def test_debit_scrutiny_vignette_case():
    # the scrutiny package's DEBIT vignette: x = 0.35, sd = 0.18, n = 20 is inconsistent
    assert debit(0.35, 0.18, 20).verdict == "fails"


@pytest.mark.parametrize("mean, sd, n, verdict", [
    (0.35, 0.49, 20, "passes"),   # sqrt(0.35 x 0.65 x 20/19) = 0.4894
    (0.50, 0.51, 20, "passes"),   # sqrt(0.25 x 20/19) = 0.5130
    (0.50, 0.50, 20, "fails"),    # population SD 0.5, but the sample SD is 0.513 (0.5 rounds from 0.495-0.505)
    (0.10, 0.31, 30, "passes"),   # sqrt(0.09 x 30/29) = 0.3051
    (0.10, 0.25, 30, "fails"),
    (1.20, 0.30, 30, "fails"),    # not a proportion
])
def test_debit_cases(mean, sd, n, verdict):
    assert debit(mean, sd, n, mean_decimals=2, sd_decimals=2).verdict == verdict
