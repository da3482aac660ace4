"""tes() and hc() against metafor 3.8 (tests/reference/bias/make_reference.R)."""

import numpy as np
import pytest

from exometa import hc, tes
from tests.bias.reference import case_id, cases, close, fit

TES = cases("tes")
HC = cases("hc")


@pytest.mark.parametrize("case", TES, ids=[case_id(c, "data", "method", "test_arg", "alternative", "tes_alternative") for c in TES])
def test_tes_matches_metafor(case):
    sides = {"alternative": case.get("alternative", "two.sided"), "tes_alternative": case.get("tes_alternative", "greater")}
    r = tes(fit(case["data"], case["method"]), test=case["test_arg"], **sides)
    want = case["result"]
    assert (r.k, r.o, r.test) == (want["k"], want["o"], want["test"])
    # with tau^2 > 0 metafor's power integral stops at theta +/- 5 tau (each power 6e-7 too
    # low; exact here, see the test below): E moves by ~1e-6, which X^2 = (O - E)^2 / ...
    # and theta_lim amplify to ~1e-5
    rtol = 2e-4 if r.tau2 > 0 else 1e-5
    for field in ("e", "oe_ratio", "power", "theta"):
        close(getattr(r, field), want[field], f"{field} of {case['data']}")
    for field in ("x2", "pval"):
        close(getattr(r, field), want[field], f"{field} of {case['data']}", rtol=rtol)
    np.testing.assert_array_equal(r.sig, want["sig"])
    # theta_lim: metafor's own p-value function, root found to 1e-12 (see README)
    close(r.theta_lim, want["theta_lim_tight"], "theta_lim", rtol=rtol)


def test_random_effects_power_is_the_untruncated_integral():
    """Power with tau^2 > 0 equals the integral over all true effects (metafor truncates at 5 tau)."""
    from scipy import integrate, stats

    from exometa.bias.tes import study_power

    sei, tau2, theta = 0.3, 0.2, 0.25
    crit = stats.norm.isf(0.025)
    tau = np.sqrt(tau2)

    def integrand(x):
        return (stats.norm.sf(crit - x / sei) + stats.norm.cdf(-crit - x / sei)) * stats.norm.pdf(x, theta, tau)

    full = integrate.quad(integrand, -np.inf, np.inf, epsabs=1e-14, epsrel=1e-13)[0]
    truncated = integrate.quad(integrand, theta - 5 * tau, theta + 5 * tau, epsabs=1e-14, epsrel=1e-13)[0]
    exact = study_power(theta, sei, tau2, "two.sided", 0.05)
    assert exact == pytest.approx(full, rel=1e-10)
    assert 0 < exact - truncated < 6e-7


@pytest.mark.parametrize("case", HC, ids=[case_id(c, "data", "method") for c in HC])
def test_hc_matches_metafor(case):
    h = hc(fit(case["data"], case["method"]))
    for field, want in case["result"].items():
        close(getattr(h, field), want, f"{field} of {case['data']}")
