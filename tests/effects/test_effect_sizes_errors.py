"""effect_sizes(): impossible inputs are reported together, naming the rows."""

import numpy as np
import pandas as pd
import pytest

from exometa import DataError, ExometaError, effect_sizes


def test_all_problems_in_one_message():
    df = pd.DataFrame({"ai": [5, 12, 3], "n1i": [10, 10, 0], "ci": [-1, 2, 1], "n2i": [10, 10, 10]},
                      index=["Ersan 2024", "Lee 2024", "Ablon 2025"])
    with pytest.raises(DataError) as info:
        effect_sizes("RR", df, ai="ai", n1i="n1i", ci="ci", n2i="n2i")
    msg = str(info.value)
    assert "more events (`ai`) than participants (`n1i`) in Lee 2024, Ablon 2025" in msg
    assert "negative count `ci` in Ersan 2024" in msg
    assert "`n1i` <= 0 in Ablon 2025" in msg


def test_negative_sd_and_bad_correlation():
    with pytest.raises(DataError, match="negative `sd1i` in row 1.*correlation `ri` outside"):
        effect_sizes("MC", m1i=[5.0], m2i=[4.0], sd1i=[-1.0], sd2i=[1.0], ni=[10], ri=[1.5])


def test_missing_inputs_give_nan_not_an_error():
    es = effect_sizes("MD", m1i=[5.0, 6.0], m2i=[4.0, 4.5], sd1i=[1.0, np.nan], sd2i=[1.0, 1.2], n1i=[10, 12], n2i=[10, 12])
    assert np.isfinite(es.yi[0]) and np.isnan(es.yi[1]) and np.isnan(es.vi[1])


def test_argument_errors():
    with pytest.raises(ExometaError, match="`measure` must be one of"):
        effect_sizes("LOGRR", ai=[1], ci=[1], n1i=[2], n2i=[2])
    with pytest.raises(ExometaError, match="needs m1i, m2i, sd1i, sd2i, n1i, n2i; missing sd2i"):
        effect_sizes("SMD", m1i=[1.0], m2i=[0.0], sd1i=[1.0], n1i=[5], n2i=[5])
    with pytest.raises(ExometaError, match="got unexpected xi"):
        effect_sizes("MD", m1i=[1.0], m2i=[0.0], sd1i=[1.0], sd2i=[1.0], n1i=[5], n2i=[5], xi=[1])
    with pytest.raises(ExometaError, match="not in `data`"):
        effect_sizes("PR", pd.DataFrame({"x": [1]}), xi="events", ni="x")


def test_generic_from_ci_and_se():
    es = effect_sizes("GEN", yi=[0.5, 0.2], sei=[0.1, np.nan], ci_lb=[np.nan, 0.0], ci_ub=[np.nan, 0.4])
    assert es.vi[0] == pytest.approx(0.01)
    assert es.vi[1] == pytest.approx((0.4 / (2 * 1.959963984540054)) ** 2)
