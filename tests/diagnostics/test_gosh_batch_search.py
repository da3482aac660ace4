"""The batch REML search that GOSH runs (many rows at once, Newton's method on T/A - 1 with a
quadratic early stop) against the one-row search of a single fit, subset by subset.

The single fits are checked against metafor elsewhere (tests/models); here the two code paths
must agree to 1e-10 relative (absolute below the smallest sampling variance, the search's
tolerance), on subsets of a k = 30 data set whose tau^2 ranges from 0 to far above the
sampling variances.
"""

import numpy as np

from exometa import gosh, meta_analysis


def _data():
    rng = np.random.default_rng(20261122)
    vi = rng.uniform(0.01, 0.2, 30)
    yi = rng.normal(0.3, np.sqrt(vi + 0.1))
    yi[:4] += 1.5  # a cluster: subsets with and without it differ widely in tau^2
    return yi, vi


def test_batch_search_matches_single_fits():
    yi, vi = _data()
    g = gosh(meta_analysis(yi, vi, method="REML"), subsets=3000, seed=7)
    picks = np.random.default_rng(3).choice(len(g.k), 150, replace=False)
    for i in picks:
        m = g.incl[i]
        one = meta_analysis(yi[m], vi[m], method="REML")
        scale = max(abs(one.tau2), vi[m].min())
        assert abs(g.tau2[i] - one.tau2) <= 1e-10 * scale, (i, g.tau2[i], one.tau2)
        assert abs(g.estimate[i] - one.estimate) <= 1e-10 * max(abs(one.estimate), 1.0), i
        assert abs(g.i2[i] - one.i2) <= 1e-8 * max(one.i2, 1.0), i
    assert (g.tau2 == 0).any() and (g.tau2 > 0.5).any()  # both ends of the range were covered
