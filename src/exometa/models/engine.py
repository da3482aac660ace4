"""The batch engine: fit B random-effects models (with or without moderators) at once.

:func:`fit_batch` takes a :class:`~exometa.models.tau2.Batch` and returns a dict
of arrays, one entry per result field, each with B rows. The public wrappers in
:mod:`exometa.models.pooling` check arguments and build result objects from it.
Formulas follow metafor 3.8 ``rma.uni``, ``confint.rma.uni`` (Q-profile) and
``predict.rma``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from . import qprofile
from .tau2 import COMMON_EFFECT, ESTIMATORS, Batch, Control, Tau2Estimate

EPS = np.finfo(float).eps


def estimate_tau2(b: Batch, method: str, control: Control, tau2=None) -> Tau2Estimate:
    """tau^2 per row: the estimator's value, or a fixed value given by the user."""
    if tau2 is not None and method not in COMMON_EFFECT:
        t = np.broadcast_to(np.asarray(tau2, dtype=float), (b.B,)).copy()
        return Tau2Estimate(t, np.zeros(b.B, int), np.ones(b.B, bool))
    est = ESTIMATORS[method](b, control)
    # one study (or as many as coefficients): tau^2 = 0, as metafor does
    return Tau2Estimate(np.where(b.k > b.p, est.tau2, 0.0), est.iterations, est.converged)


def _tests(b: Batch, test: str, level: float):
    """Degrees of freedom and critical values; rows with k <= p fall back to z."""
    alpha = 1 - level / 100
    use_t = np.full(b.B, test in ("t", "knha")) & (b.k > b.p)
    ddf = np.where(use_t, b.k - b.p, np.nan)
    crit = np.where(use_t, stats.t.isf(alpha / 2, np.where(use_t, ddf, 1)), stats.norm.isf(alpha / 2))
    return use_t, ddf, crit


def _p_values(stat, use_t, ddf):
    safe_df = np.where(use_t, ddf, 1.0)
    return np.where(use_t, 2 * stats.t.sf(np.abs(stat), safe_df), 2 * stats.norm.sf(np.abs(stat)))


def heterogeneity(b: Batch, tau2: np.ndarray, method: str) -> dict:
    """Cochran's Q (common-effect weights), its p-value, I^2 and H^2 as metafor defines them."""
    f0 = b.fit(0.0)
    df = b.k - b.p
    ok = df > 0
    q = np.where(ok, np.maximum(f0.rss(), 0.0), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        q_pval = np.where(ok, stats.chi2.sf(q, np.maximum(df, 1)), 1.0)
        vt = np.where(ok, df / f0.tr_p(), 0.0)
        if method in COMMON_EFFECT:
            i2 = np.where(ok, np.maximum(0.0, 100 * (q - df) / q), 0.0)
            h2 = np.where(ok, q / np.maximum(df, 1), 1.0)
        else:
            i2 = np.where(ok, 100 * tau2 / (vt + tau2), 0.0)
            h2 = np.where(ok, tau2 / vt + 1, 1.0)
    return {"q": q, "q_df": df, "q_pval": q_pval, "vt": vt, "i2": i2, "h2": h2}


def tau2_confint(b: Batch, level: float, start=None) -> tuple[np.ndarray, np.ndarray]:
    """Q-profile confidence interval for tau^2 (Viechtbauer 2007), as metafor's confint.

    Unlike metafor, the upper bound is not capped at ``max(100, 10 * tau2)``:
    it is the root itself, however large.
    """
    alpha = 1 - level / 100
    df = b.k - b.p
    ok = df > 0
    safe_df = np.maximum(df, 1)
    crit_u = stats.chi2.isf(alpha / 2, safe_df)
    crit_l = stats.chi2.ppf(alpha / 2, safe_df)
    lb, _ = qprofile.solve_q(crit_u, b.y, b.v, b.mask, b.X, rows=ok, x0=start)
    ub, _ = qprofile.solve_q(crit_l, b.y, b.v, b.mask, b.X, rows=ok, x0=start)
    return np.where(ok, lb, np.nan), np.where(ok, ub, np.nan)


def fit_batch(
    b: Batch,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    control: Control = Control(),
    tau2=None,
    btt=None,
) -> dict:
    """Fit every row of the batch; returns a dict of arrays (see module doc)."""
    est = estimate_tau2(b, method, control, tau2)
    t2 = est.tau2
    f = b.fit(t2)
    vb = f.vb
    df = b.k - b.p
    s2w = np.ones(b.B)
    if test == "knha":
        with np.errstate(invalid="ignore", divide="ignore"):
            rss = f.rss()
            s2w = np.where(df > 0, np.where(rss <= EPS, 0.0, rss / np.maximum(df, 1)), 1.0)
        vb = vb * s2w[:, None, None]
    use_t, ddf, crit = _tests(b, test, level)
    se = np.sqrt(np.einsum("bpp->bp", vb))
    with np.errstate(invalid="ignore", divide="ignore"):
        zval = f.beta / se
    pval = _p_values(zval, use_t[:, None], ddf[:, None])
    out = {
        "k": b.k,
        "beta": f.beta,
        "vb": vb,
        "se": se,
        "zval": zval,
        "pval": pval,
        "ci_lb": f.beta - crit[:, None] * se,
        "ci_ub": f.beta + crit[:, None] * se,
        "tau2": t2,
        "iterations": est.iterations,
        "converged": est.converged,
        "ddf": ddf,
        "s2w": s2w,
        "crit": crit,
        "weights": 100 * f.w / f.w.sum(axis=1, keepdims=True),
    }
    het = heterogeneity(b, t2, method)
    out.update(het)
    if method in COMMON_EFFECT or tau2 is not None:
        nan = np.full(b.B, np.nan)
        lb = ub = nan
    else:
        lb, ub = tau2_confint(b, level, start=t2)
    vt = het["vt"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out.update(
            tau2_ci_lb=lb,
            tau2_ci_ub=ub,
            i2_ci_lb=100 * lb / (vt + lb),
            i2_ci_ub=100 * ub / (vt + ub),
            h2_ci_lb=lb / vt + 1,
            h2_ci_ub=ub / vt + 1,
        )
    if b.p == 1:
        # a common-effect model assumes no between-study spread: no PI (as metafor)
        spread = crit * np.sqrt(se[:, 0] ** 2 + t2) if method not in COMMON_EFFECT else np.nan
        out["pi_lb"] = f.beta[:, 0] - spread
        out["pi_ub"] = f.beta[:, 0] + spread
    else:
        out.update(_omnibus(f.beta, vb, use_t, b, btt))
    return out


def _omnibus(beta, vb, use_t, b: Batch, btt) -> dict:
    """Omnibus test of the moderators (QM): chi-square, or F for t/knha as metafor."""
    btt = list(range(1, b.p)) if btt is None else list(btt)
    m = len(btt)
    bb = beta[:, btt]
    vv = vb[:, btt][:, :, btt]
    with np.errstate(invalid="ignore"):
        qm = np.einsum("bp,bp->b", bb, np.linalg.solve(vv, bb[:, :, None])[:, :, 0])
    df2 = b.k - b.p
    qm = np.where(use_t, qm / m, qm)
    qm_pval = np.where(
        use_t,
        stats.f.sf(qm, m, np.maximum(df2, 1)),
        stats.chi2.sf(qm, m),
    )
    return {"qm": qm, "qm_df": np.full(b.B, m), "qm_ddf": np.where(use_t, df2, np.nan), "qm_pval": qm_pval, "btt": btt}
