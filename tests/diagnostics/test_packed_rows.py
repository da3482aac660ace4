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


def test_packed_rows_with_a_moderator_and_effects_per_row():
    """Meta-regression rows (p = 2), effects given per row, and a refused row (one study) among them."""
    rng = np.random.default_rng(5)
    k = 16
    vi = rng.uniform(0.01, 0.2, k)
    x = rng.normal(size=k)
    yi = rng.normal(0.3 + 0.2 * x, np.sqrt(vi + 0.05))
    model = model_of(meta_analysis(yi, vi, mods=x, method="REML"))
    mask = rng.random((12, k)) < 0.5
    mask[:, :4] = True
    mask[5] = False
    mask[5, 0] = True  # one study: refused (NaN), as metafor's NA
    y = yi + rng.normal(0, 0.05, (12, k))
    out = fit_rows(model, mask, y=y, keep=("beta", "tau2", "converged"))
    assert mask.sum(axis=1).max() <= k - k // 8 and np.isnan(out["beta"][5]).all()
    for row in range(12):
        if row == 5:
            continue
        alone = meta_analysis(y[row][mask[row]], vi[mask[row]], mods=x[mask[row]], method="REML")
        assert np.allclose(out["beta"][row], alone.estimate, rtol=1e-9, atol=1e-12)
        assert np.isclose(out["tau2"][row], alone.tau2, rtol=1e-7, atol=1e-12)


def test_random_subsets_of_more_than_a_thousand_studies():
    from exometa.diagnostics.gosh import random_subsets

    incl = random_subsets(1100, 1, 5, np.random.default_rng(1))
    assert incl.shape == (5, 1100) and (incl.sum(axis=1) >= 1).all()
