"""Mantel-Haenszel and Peto beyond the reference numbers: warnings, refusals, field names.

The numbers (issue 7's example: RD -0.0462, se 0.0577; tables with no events anywhere) are
checked against metafor's rma.mh in test_other_models_metafor.py."""

import numpy as np
import pytest

from exometa import DataError, mantel_haenszel, peto
from exometa.errors import DataWarning

ISSUE7 = dict(ai=[2, 0, 5], ci=[4, 0, 6], n1i=[20, 15, 30], n2i=[20, 15, 30])


def test_a_table_without_events_stays_in_the_estimate_and_is_named():
    with pytest.warns(DataWarning, match=r"Tables \[2\] have no events .* left out of Q"):
        res = mantel_haenszel(ISSUE7["ai"], ci=ISSUE7["ci"], n1i=ISSUE7["n1i"], n2i=ISSUE7["n2i"], measure="RD")
    assert res.k == 3 and res.q_df == 1
    assert res.estimate == pytest.approx(-0.0461538, abs=1e-7)


def test_every_table_without_events_gives_metafors_answer_with_a_warning():
    with pytest.warns(DataWarning, match="Every table"):
        rd = mantel_haenszel([0, 0], ci=[0, 0], n1i=[20, 15], n2i=[20, 15], measure="RD")
    assert rd.estimate == 0 and rd.se == 0 and np.isnan(rd.pval)
    with pytest.warns(DataWarning):
        odds = mantel_haenszel([0, 0], ci=[0, 0], n1i=[20, 15], n2i=[20, 15], measure="OR")
    assert np.isnan(odds.estimate) and np.isnan(odds.mh)


def test_fields_have_metafors_meanings():
    res = mantel_haenszel(ISSUE7["ai"], ci=ISSUE7["ci"], n1i=ISSUE7["n1i"], n2i=ISSUE7["n2i"])
    assert res.mh < res.co  # the CMH statistic divides by N - 1 where Cochran's divides by N
    assert not hasattr(res, "cmh")
    assert res.k_pos == 2


def test_peto_refuses_when_an_outcome_never_occurs():
    with pytest.raises(DataError, match="Peto's method cannot be used"):
        peto([0, 0], ci=[0, 0], n1i=[10, 10], n2i=[10, 10])


def test_bad_counts_are_named():
    with pytest.raises(DataError, match=r"Tables \[2\] have negative counts"):
        mantel_haenszel([1, 12], ci=[1, 1], n1i=[10, 10], n2i=[10, 10])
    with pytest.raises(DataError, match="missing counts"):
        mantel_haenszel([1, np.nan], ci=[1, 1], n1i=[10, 10], n2i=[10, 10])
