"""One small analysis is fitted in Python floats (exometa.models.single), with the engine's numbers.

``meta_analysis(y, v)`` with 2 to SMALL_K studies and no moderators takes the float route;
the same data as a batch of one row, ``meta_analysis(y[None], v[None])``, take the batch
engine. Both must give every field to the last digit (issue 13: the float route is there
for speed, not as another estimator), for every tau^2 method, every test, with and without
the tau^2 CI, and on the data that exercise the edges: k = 2, tau^2 = 0, tiny, huge and
very unequal variances, effects far from zero (the sums re-centre), likelihoods with more
than one maximum, fixed tau^2, non-convergence. Numbers recorded with the engine before the
float route existed pin both routes to what they were (BEFORE, at the end).
"""

import math

import numpy as np
import pytest

from exometa import ConvergenceError, ConvergenceWarning, meta_analysis
from exometa.models import single
from exometa.models.pooling import METHODS
from exometa.models.results import POOLED_FIELDS
from exometa.models.tau2 import Control
from tests.conftest import load_reference

FIELDS = POOLED_FIELDS + ("converged", "iterations")


def _same(a, b) -> bool:
    """Equal to the last digit (NaN equal to NaN)."""
    a, b = float(a), float(b)
    return a == b or (math.isnan(a) and math.isnan(b))


def _assert_engine_numbers(y, v, **kwargs):
    """The float route is taken, and it gives the batch engine's numbers exactly."""
    y, v = np.asarray(y, float), np.asarray(v, float)
    level = kwargs.get("level", 95)
    args = (kwargs.get("method", "REML"), kwargs.get("test", "z"), level * 100 if level < 1 else level,
            kwargs.get("control", Control()), kwargs.get("tau2"), kwargs.get("tau2_ci", True))  # fmt: skip
    assert single.fit(y, v, *args) is not None, "the float route fell back to the engine"
    one = meta_analysis(y, v, **kwargs)
    batch = meta_analysis(y[None], v[None], **kwargs)
    for name in FIELDS:
        assert _same(getattr(one, name), getattr(batch, name)[0]), (name, getattr(one, name), getattr(batch, name)[0])
    assert type(one.estimate) is float and type(one.k) is int and type(one.converged) is bool
    assert one.weights.shape == y.shape and (one.weights == batch.weights[0]).all()
    return one


def _data_sets(n, seed):
    rng = np.random.default_rng(seed)
    for i in range(n):
        k = int(rng.choice([2, 2, 3, 4, 5, 8, 10, 20, 40, 100, 300]))
        v = rng.uniform(0.005, 0.2, k) if i % 3 else rng.chisquare(2, k) * 0.05 + 1e-4
        y = rng.normal(0.2, np.sqrt(v + rng.choice([0.0, 0.0, 0.01, 0.05, 0.3])))
        yield y, v


@pytest.mark.parametrize("method", METHODS)
def test_float_route_gives_the_engine_numbers(method):
    for i, (y, v) in enumerate(_data_sets(40, seed=13)):
        test = ("z", "t", "knha")[i % 3]
        _assert_engine_numbers(y, v, method=method, test=test, tau2_ci=i % 4 == 0)


@pytest.mark.parametrize("method", ["DL", "DL2", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM"])
def test_edges_give_the_engine_numbers(method):
    y = np.array([-0.889, -1.585, -1.348, -1.442, -0.218, -0.786, -1.621, 0.012, -0.469, -1.371, -0.339, 0.446, -0.017])
    v = np.array([0.326, 0.195, 0.415, 0.020, 0.052, 0.007, 0.223, 0.004, 0.056, 0.073, 0.012, 0.533, 0.071])
    cases = [
        (y[:2], v[:2]),  # k = 2
        (np.array([0.1, 0.12, 0.11]), np.array([0.1, 0.2, 0.3])),  # tau^2 = 0
        (1e-80 * y, 1e-160 * v), (1e80 * y, 1e160 * v),  # scale
        (y, v * 1e-160 / v.min()),  # tiny variances
        (y, np.geomspace(1e-6, 5e3, y.size)),  # very unequal variances
        (y + 1e8, v), (y * 1e-6 + 1e4, v * 1e-12),  # far from zero: the sums re-centre
    ]  # fmt: skip
    cases += [(np.array(c["yi"]), np.array(c["vi"])) for c in load_reference()["likelihood"]]  # two maxima
    for y_, v_ in cases:
        _assert_engine_numbers(y_, v_, method=method, test="knha")
        _assert_engine_numbers(y_, v_, method=method, level=90)


def test_likelihoods_with_several_maxima():
    """Random data sets whose (restricted) likelihood often has more than one maximum
    (as in test_likelihood_maxima): the same maximum, proof and iteration count."""
    rng = np.random.default_rng(20261122)
    v = rng.chisquare(2, (150, 20)) * 0.05
    y = rng.normal(0, np.sqrt(v + rng.choice([0, 0.01, 0.05], 150)[:, None]))
    for i in range(150):
        _assert_engine_numbers(y[i], v[i], method=("REML", "ML")[i % 2], tau2_ci=i % 5 == 0)


def test_fixed_tau2_common_effect_and_controls():
    y, v = np.array([0.1, 0.5, 0.3, -0.2]), np.array([0.01, 0.02, 0.015, 0.03])
    for method in METHODS:
        _assert_engine_numbers(y, v, method=method, tau2=0.05, test="t")
        _assert_engine_numbers(y, v, method=method, tau2=0, test="knha")
    _assert_engine_numbers(y, v, method="PM", control=Control(threshold=1e-6, maxiter=50))
    _assert_engine_numbers(y, v, method="REML", control=Control(threshold=1e-8, maxiter=5), level=0.8)


def test_non_convergence_is_the_engines():
    y, v = np.array([0.1, 0.9, 0.3, -0.6, 0.4]), np.array([0.01, 0.02, 0.015, 0.03, 0.01])
    control = Control(maxiter=1)
    with pytest.raises(ConvergenceError, match="did not converge"):
        meta_analysis(y, v, method="REML", control=control)
    with pytest.warns(ConvergenceWarning):
        assert np.isnan(meta_analysis(y[None], v[None], method="REML", control=control).estimate[0])


def test_what_the_float_route_leaves_to_the_engine():
    """Above SMALL_K studies, k = 1, unusable data, and data whose arithmetic divides by zero
    (NumPy's inf and NaN are the engine's) go to the engine, with its numbers and errors."""
    rng = np.random.default_rng(3)
    args = ("REML", "z", 95.0, Control(), None, False)
    k = single.SMALL_K
    v = rng.uniform(0.01, 0.5, k + 1)
    y = rng.normal(0, np.sqrt(v + 0.05))
    assert single.fit(y[:k], v[:k], *args) is not None
    assert single.fit(y, v, *args) is None
    res = meta_analysis(y, v, method="REML", tau2_ci=False)
    assert res.tau2 == meta_analysis(y[None], v[None], method="REML", tau2_ci=False).tau2[0]
    for y_, v_ in (([0.3], [0.1]), ([0.1, np.nan], [0.1, 0.1]), ([0.1, 0.2], [0.1, 0.0]), ([0.1, np.inf], [0.1, 0.1]),
                   ([1e155, -1e155, 0.0], [1.0, 1.0, 1.0]), ([1.0, 2.0, 3.0], [1e-300] * 3)):  # fmt: skip
        assert single.fit(np.array(y_, float), np.array(v_, float), *args) is None
    # equal effects: Q = 0, and I^2 of a common-effect model divides by it
    y, v = np.full(4, 0.3), np.array([0.1, 0.2, 0.3, 0.1])
    assert single.fit(y, v, "EE", "z", 95.0, Control(), None, False) is None
    for method in ("EE", "REML", "PM"):
        one, batch = meta_analysis(y, v, method=method, test="knha"), meta_analysis(y[None], v[None], method=method, test="knha")
        assert all(_same(getattr(one, f), getattr(batch, f)[0]) for f in FIELDS)


def test_few_rows_step_as_the_array_loop(monkeypatch):
    """solve_decreasing's loop for a few rows, in floats, takes the NumPy loop's steps exactly:
    Newton steps, bisection when a step leaves the bracket, exact roots, NaN, maxiter."""
    from exometa.models import rootfind

    rng = np.random.default_rng(8)

    def family(c, p, nan_above):
        def func(x, rows):
            with np.errstate(all="ignore"):
                g = c[rows] - x ** p[rows]
                dg = -p[rows] * x ** (p[rows] - 1)
                g = np.where(x > nan_above[rows], np.nan, g)
                return g, g / dg
        return func

    for trial in range(300):
        n = int(rng.integers(2, rootfind.FEW + 1))
        c = rng.choice([rng.uniform(0.1, 10, n), np.ones(n), np.full(n, 4.0)], p=[0.8, 0.1, 0.1])
        p = rng.choice([0.5, 1.0, 2.0, 3.0, 7.0], n)
        nan_above = np.where(rng.random(n) < 0.2, rng.uniform(0.5, 3, n), np.inf)
        hi = rng.uniform(2.0, 20.0, n)
        x0 = np.where(rng.random(n) < 0.3, rng.uniform(0, hi), np.nan) if trial % 2 else None
        x0 = None if x0 is None else np.where(np.isnan(x0), 0.0, x0)
        kwargs = dict(x0=x0, xtol=10.0 ** -rng.integers(4, 15), maxiter=int(rng.integers(1, 60)), scale=rng.uniform(1e-3, 1, n))
        f = family(c, p, nan_above)
        few = rootfind.solve_decreasing(f, np.zeros(n), hi, **kwargs)
        with monkeypatch.context() as m:
            m.setattr(rootfind, "FEW", 0)  # the NumPy loop
            loop = rootfind.solve_decreasing(f, np.zeros(n), hi, **kwargs)
        np.testing.assert_array_equal(few[0], loop[0])
        np.testing.assert_array_equal(few[1], loop[1])
        np.testing.assert_array_equal(few[2], loop[2])


#: data sets whose (RE)ML search takes the rarer turns of the proof (an interval split, a second
#: maximum found by its own root search, several candidates compared by their likelihood), with
#: tau^2, estimate, SE and tau^2 CI (float.hex) and iterations as the engine gave them before the
#: float route existed (commit dd0098e): the route through maximise_one changed no number
BEFORE = [
    ("split", "ML", [-0.165, 0.165, 0.791, -0.277, 0.061, -0.087, -0.453, -0.23, -0.004, 0.198],
     [0.2074, 0.1041, 0.1277, 0.0021, 0.0068, 0.031, 0.1329, 0.0001, 0.0118, 0.1578],
     ["0x1.342dc6e1978aep-6", "-0x1.7b5b4c26c5826p-4", "0x1.11978f9e0474cp-4", "0x1.fbf7849e08963p-9", "0x1.24208105a1323p-2"], 8),
    ("best", "ML", [0.131, 0.096, -0.479, 0.087, 0.025, 0.239, -0.002, -0.171, -0.123, 0.272],
     [0.0063, 0.0507, 0.2917, 0.0198, 0.0003, 0.0062, 0.0028, 0.0063, 0.0038, 0.0253],
     ["0x1.696fe07d7983fp-7", "0x1.09f452617ea75p-5", "0x1.758f9399fa3a6p-5", "0x1.f7d1171b40d03p-10", "0x1.46a3fbdfa8c9cp-4"], 5),
    ("split", "REML", [-0.227, -0.07, -0.092, -0.013, 0.034, -0.159, -0.019, 0.103, 0.35, 0.17, 0.009, 0.837, 0.005, 0.006, -0.231],
     [0.0266, 0.0119, 0.016, 0.0001, 0.004, 0.0037, 0.0002, 0.0026, 0.1135, 0.1054, 0.0004, 0.2236, 0.0001, 0.0052, 0.0352],
     ["0x1.550d67c29f3adp-15", "-0x1.7cb16d5887800p-8", "0x1.ba37d4cd63906p-8", "0x0.0p+0", "0x1.a300fc4ccf7afp-5"], 10),
    ("roots", "ML", [0.126, -0.421, 0.539, -0.176, -0.242, 0.191, 0.04, -0.022, 0.032, 0.326, -0.159],
     [0.0196, 0.5294, 0.0378, 0.0078, 0.0259, 0.0217, 0.0209, 0.0013, 0.0073, 0.193, 0.1606],
     ["0x1.0a746e541f57ap-7", "0x1.c3d82b3777430p-7", "0x1.98d06571a2b86p-5", "0x0.0p+0", "0x1.0d5133b9bc0e0p-3"], 5),
    ("best", "ML", [0.223, 0.086, -0.861, 0.06, -0.29, 0.079, 0.119, -0.077, -0.113, 0.323, -0.055, -0.128, 0.191, 0.107, 0.128],
     [0.0284, 0.0013, 0.3953, 0.0001, 0.0437, 0.0798, 0.0231, 0.0218, 0.0559, 0.1349, 0.056, 0.0051, 0.0024, 0.0022, 0.0417],
     ["0x1.eea2093c10dd5p-9", "0x1.04c8b0096fcadp-4", "0x1.ed571259072d9p-6", "0x0.0p+0", "0x1.9583dc75e982bp-5"], 7),
    ("roots", "ML", [-0.086, -0.193, 0.109, 0.04, -0.049],
     [0.0073, 0.0368, 0.0022, 0.1383, 0.0001],
     ["0x1.061480e8fd354p-8", "-0x1.912bc1e2d313cp-7", "0x1.656b94041ff68p-5", "0x1.53662c25ddd08p-14", "0x1.685127f213b11p-4"], 7),
]
#: every method on the first data set, with the Knapp-Hartung test: tau^2, estimate, SE, tau^2 CI lower limit, iterations
BEFORE_METHODS = {
    "EE": ("0x0.0p+0", "-0x1.cc25b83db6461p-3", "0x1.1d48ce7a6ebebp-6", "nan", 0),
    "FE": ("0x0.0p+0", "-0x1.cc25b83db6461p-3", "0x1.1d48ce7a6ebebp-6", "nan", 0),
    "DL": ("0x1.c5f27deb7e518p-7", "-0x1.a87e2a674c39ep-4", "0x1.20c210dd176c5p-4", "0x1.fbf7849e08969p-9", 0),
    "DL2": ("0x1.d65f4894a9536p-6", "-0x1.3eb4374a98642p-4", "0x1.4398eb73fae16p-4", "0x1.fbf7849e08969p-9", 0),
    "HE": ("0x1.497434e4b461ep-5", "-0x1.100344cf83eeep-4", "0x1.54c2f75228bd9p-4", "0x1.fbf7849e08969p-9", 0),
    "HS": ("0x1.d80f1ac11e2dap-10", "-0x1.69287228a3d9bp-3", "0x1.952d9e8e31dd4p-5", "0x1.fbf7849e08969p-9", 0),
    "HSk": ("0x1.13c4f36ebbd65p-9", "-0x1.5f6bd8b404819p-3", "0x1.a2ceaf798c2a9p-5", "0x1.fbf7849e08969p-9", 0),
    "SJ": ("0x1.ee34064968f19p-5", "-0x1.b5243d3466b14p-5", "0x1.6941556db8f6bp-4", "0x1.fbf7849e08969p-9", 0),
    "ML": ("0x1.342dc6e1978aep-6", "-0x1.7b5b4c26c5826p-4", "0x1.2ede9841f7741p-4", "0x1.fbf7849e08963p-9", 8),
    "REML": ("0x1.994821e02c66ep-6", "-0x1.526d01e444b8ap-4", "0x1.3ca46dd9b8d59p-4", "0x1.fbf7849e08969p-9", 6),
    "EB": ("0x1.02a85e574af63p-5", "-0x1.315c508f6d86ep-4", "0x1.4868dba13d39ep-4", "0x1.fbf7849e08969p-9", 0),
    "PM": ("0x1.02a85e574af63p-5", "-0x1.315c508f6d86ep-4", "0x1.4868dba13d39ep-4", "0x1.fbf7849e08969p-9", 0),
}


@pytest.mark.parametrize("case", BEFORE, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(BEFORE)])
def test_numbers_are_the_engines_before_the_float_route(case):
    kind, method, y, v, expected, iterations = case
    res = _assert_engine_numbers(y, v, method=method)
    got = (res.tau2, res.estimate, res.se, res.tau2_ci_lb, res.tau2_ci_ub)
    assert got == pytest.approx([float.fromhex(x) for x in expected], rel=1e-12, abs=0)
    assert res.iterations == iterations


def test_every_method_gives_the_engines_numbers_before_the_float_route():
    y, v = BEFORE[0][2], BEFORE[0][3]
    for method, (tau2, estimate, se, ci_lb, iterations) in BEFORE_METHODS.items():
        res = _assert_engine_numbers(y, v, method=method, test="knha")
        expected = [float.fromhex(x) for x in (tau2, estimate, se)] + [float(ci_lb) if ci_lb == "nan" else float.fromhex(ci_lb)]
        assert [res.tau2, res.estimate, res.se, res.tau2_ci_lb] == pytest.approx(expected, rel=1e-12, abs=0, nan_ok=True), method
        assert res.iterations == iterations, method
