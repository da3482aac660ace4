"""fit_rows packs each chunk of rows to its largest row (absent studies dropped): the fits are
those of each subset on its own (metafor's gosh() refits each subset with rma())."""

import numpy as np

from exometa import meta_analysis
from exometa.diagnostics.batch import fit_rows
from exometa.diagnostics.model import model_of


def test_packed_rows_fit_each_subset_as_its_own_analysis():
    rng = np.random.default_rng(3)
    k = 16
    vi = rng.uniform(0.01, 0.2, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.1))
    mask = rng.random((40, k)) < 0.4
    mask[:, 0] = True
    mask[:, 1] = True  # at least two studies in every row
    out = fit_rows(model_of(meta_analysis(yi, vi, method="REML")), mask, keep=("beta", "tau2", "q", "i2", "converged"))
    assert mask.sum(axis=1).max() <= k - k // 8  # narrow enough to be packed
    for row in range(mask.shape[0]):
        alone = meta_analysis(yi[mask[row]], vi[mask[row]], method="REML")
        assert np.isclose(out["beta"][row, 0], alone.estimate, rtol=1e-10, atol=1e-12)
        assert np.isclose(out["tau2"][row], alone.tau2, rtol=1e-8, atol=1e-12)
        assert np.isclose(out["q"][row], alone.q, rtol=1e-10)
