"""`exometa check --flags` without importing scipy.stats: the trust checks' distribution functions
(exometa.evidence.trust_checks.distributions) give exactly scipy.stats' values."""

import subprocess
import sys

import pytest
from scipy import stats as scipy_stats

from exometa.evidence.trust_checks.distributions import stats

XS = [0.0, 1e-8, 0.3, 1.96, 2.5, 7.0, 40.0]
DFS = [1, 2, 3.5, 10, 38, 200.7]
QS = [1e-300, 0.001, 0.5, 0.975, 1 - 1e-16]


@pytest.mark.parametrize("df", DFS)
def test_the_same_values_as_scipy_stats(df):
    for x in XS:
        assert stats.norm.sf(x) == scipy_stats.norm.sf(x) and stats.norm.cdf(x) == scipy_stats.norm.cdf(x)
        assert stats.t.sf(x, df) == scipy_stats.t.sf(x, df) == stats.t(df).sf(x)
        assert stats.chi2.sf(x, df) == scipy_stats.chi2.sf(x, df)
        assert stats.f.sf(x, df, 7) == scipy_stats.f.sf(x, df, 7)
    for q in QS:
        assert stats.norm.ppf(q) == scipy_stats.norm.ppf(q)
        assert stats.t(df).ppf(q) == scipy_stats.t(df).ppf(q)


def test_the_trust_checks_do_not_import_scipy_stats():
    code = ("import sys; from exometa.evidence.trust import check_workbook; "
            "print('scipy.stats' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
