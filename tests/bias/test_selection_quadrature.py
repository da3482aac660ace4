"""The selection-model integral A (smooth families) against adaptive quadrature.

A = E[w(p(y))] for y ~ N(mu, vi + tau^2); exometa uses composite Gauss-Legendre panels
(exometa.bias.selection). scipy's adaptive quad, asked for 1e-13, is the reference:
including large tau^2 against vi, and two-sided p-values, where weights such as
(1 - p)^d have a cusp at y = 0.
"""

import numpy as np
import pytest
from scipy import integrate, stats

from exometa.bias.selection import FAMILIES, SelectionData, _breakpoints, _smooth_area, pvalues

VI = np.array([0.01, 0.1, 0.5])
PARAMS = [(0.3, 0.0, (0.5, 2.0)), (0.3, 1.0, (3.0, 0.4)), (-1.0, 0.05, (0.05, 8.0)), (2.0, 10.0, (20.0, 0.2))]


def _quad(fam, alt, beta, tau2, delta, v):
    s, sig = np.sqrt(v + tau2), np.sqrt(v)

    def f(x):
        p, q = pvalues(np.array([x]), sig, alt, fam.pval_min)
        with np.errstate(divide="ignore"):
            weight = np.exp(fam.log_weight(np.log(p), np.log(q), p, delta[None, None, :]))[0, 0]
        return weight * stats.norm.pdf(x, beta, s)

    one = SelectionData(np.zeros(1), np.array([v]), fam, alt, None, None)
    points = sorted({beta, *np.ravel(_breakpoints(one))})
    points = [b for b in points if abs(b - beta) < 14 * s]
    return integrate.quad(f, beta - 14 * s, beta + 14 * s, points=points, epsabs=0, epsrel=1e-13, limit=2000)[0]


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("alternative", ["greater", "less", "two.sided"])
def test_gauss_legendre_area_matches_adaptive_quadrature(family, alternative):
    fam = FAMILIES[family]
    data = SelectionData(np.zeros(VI.size), VI, fam, alternative, None, None)
    for beta, tau2, deltas in PARAMS:
        delta = np.array(deltas[: fam.n_delta])
        mine = _smooth_area(np.array([[beta]]), np.sqrt(VI + tau2)[None, :], delta[None], data)[0]
        ref = [_quad(fam, alternative, beta, tau2, delta, v) for v in VI]
        np.testing.assert_allclose(mine, ref, rtol=1e-10)
