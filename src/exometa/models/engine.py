"""The batch engine: fit B random-effects models (with or without moderators) at once.

:func:`fit_batch` takes a :class:`~exometa.models.batch.Batch` and returns a
dict of arrays, one entry per result field, each with B rows. The public
wrappers in :mod:`exometa.models.pooling` check arguments and build result
objects from it. Formulas follow metafor's ``rma.uni``, ``confint.rma.uni``
(Q-profile) and ``predict.rma``.

Cost. For the pooled estimate (no moderators) every step reads the data in
one streamed pass (:mod:`.weighted_sums`): the fit at tau^2 = 0 (which gives
Q, I^2, H^2 and the closed-form estimators) once, the estimator's own passes,
the final fit once, the study weights once, and -- only when asked
(``tau2_ci=True``) -- the Q-profile interval, whose two limits share each pass.
Memory beyond the input is the weights returned plus a few cache-sized blocks.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import NumericalWarning
from . import distributions as dist
from . import qprofile
from .batch import Batch
from .evaluation import Problem
from .tau2 import COMMON_EFFECT, ESTIMATORS, Context, Control, Tau2Estimate

EPS = np.finfo(float).eps


def unsafe_rows(b: Batch) -> np.ndarray:
    """Rows whose numbers cannot be handled in double precision (bool, (B,)).

    Non-finite or non-positive variances, non-finite effects, effects spread
    over more than ``2 * MAX_SPREAD``, or a Q-statistic that would exceed
    ``MAX_Q_SCALE`` (see :mod:`.evaluation`). Rows with no study are not unsafe.
    """
    return Problem(b).unsafe


def estimate_tau2(b: Batch, method: str, control: Control = Control(), tau2=None, *, prob=None, at0=None) -> Tau2Estimate:
    """tau^2 per row: the estimator's value, or a fixed value given by the user.

    Rows with no more studies than coefficients get tau^2 = 0, as in metafor.
    """
    with np.errstate(all="ignore"):
        return _estimate_tau2(b, method, control, tau2, prob, at0)


def _estimate_tau2(b, method, control, tau2, prob, at0) -> Tau2Estimate:
    if tau2 is not None and method not in COMMON_EFFECT:
        t = np.broadcast_to(np.asarray(tau2, dtype=float), (b.B,)).copy()
        return Tau2Estimate(t, np.zeros(b.B, int), np.ones(b.B, bool))
    prob = Problem(b) if prob is None else prob
    rows = np.flatnonzero((b.k > b.p) & ~prob.unsafe)
    out = Tau2Estimate(np.zeros(b.B), np.zeros(b.B, int), np.ones(b.B, bool))
    if rows.size == 0 or method in COMMON_EFFECT:
        return out
    z = prob.at(np.zeros(b.B), order=_order0(method)) if at0 is None else at0
    sub = z if rows.size == b.B else z.take(rows)
    est = ESTIMATORS[method](Context(prob, rows, sub, control))
    out.tau2[rows], out.iterations[rows], out.converged[rows] = est.tau2, est.iterations, est.converged
    return out


def _order0(method: str) -> int:
    """How much of the fit at tau^2 = 0 to compute: the (RE)ML search also uses its curvature."""
    return 3 if method in ("ML", "REML") else 2


def _tests(b: Batch, test: str, level: float):
    """Degrees of freedom and critical values; rows with k <= p fall back to z."""
    alpha = 1 - level / 100
    z = dist.norm_isf(alpha / 2)
    if test == "z":
        return np.zeros(b.B, bool), np.full(b.B, np.nan), np.full(b.B, z)
    use_t = b.k > b.p
    ddf = np.where(use_t, b.k - b.p, np.nan)
    crit = np.where(use_t, dist.t_isf(alpha / 2, np.where(use_t, ddf, 1)), z) if use_t.any() else np.full(b.B, z)
    return use_t, ddf, crit


def heterogeneity(b: Batch, tau2: np.ndarray, method: str, at0=None) -> dict:
    """Cochran's Q (common-effect weights), its p-value, I^2 and H^2 as metafor defines them."""
    with np.errstate(all="ignore"):
        return _heterogeneity(b, tau2, method, at0)


def _heterogeneity(b, tau2, method, at0) -> dict:
    z = Problem(b).at(np.zeros(b.B), order=2) if at0 is None else at0
    df = b.k - b.p
    ok = df > 0
    every = bool(ok.all())
    pick = (lambda a, _: a) if every else (lambda a, other: np.where(ok, a, other))  # noqa: E731
    q = pick(z.q, 0.0)
    q_pval = pick(dist.chi2_sf(q, df if every else np.maximum(df, 1)), 1.0)
    vt = pick(df * z.u / z.tr, 0.0)  # the typical within-study variance (k - p) / tr(P)
    if method in COMMON_EFFECT:
        i2 = pick(np.maximum(0.0, 100 * (q - df) / q), 0.0)
        h2 = pick(q / np.maximum(df, 1), 1.0)
    else:
        i2 = pick(100 * tau2 / (vt + tau2), 0.0)
        h2 = pick(tau2 / vt + 1, 1.0)
    return {"q": q, "q_df": df, "q_pval": q_pval, "vt": vt, "i2": i2, "h2": h2}


def tau2_confint(b: Batch, level: float, start=None, *, prob=None, q0=None, xtol=1e-12, at0=None) -> tuple[np.ndarray, np.ndarray]:
    """Q-profile confidence interval for tau^2 (Viechtbauer 2007), as metafor's confint.

    Unlike metafor, the upper bound is not capped at ``max(100, 10 * tau2)``:
    it is the root itself, however large. Both limits are found together (one
    pass over the data serves both).
    """
    with np.errstate(all="ignore"):
        return _tau2_confint(b, level, start, prob, q0, xtol, at0)


def _tau2_confint(b, level, start, prob, q0, xtol, at0):
    prob = Problem(b) if prob is None else prob
    alpha = 1 - level / 100
    df = b.k - b.p
    rows = np.flatnonzero((df > 0) & ~prob.unsafe)
    lb, ub = np.full(b.B, np.nan), np.full(b.B, np.nan)
    if rows.size == 0:
        return lb, ub
    if at0 is None:
        at0 = prob.at(np.zeros(b.B), order=2)
    q0 = at0.q if q0 is None else q0
    d = df[rows]
    targets = np.concatenate([dist.chi2_isf(alpha / 2, d), dist.chi2_ppf(alpha / 2, d)])
    who = np.concatenate([rows, rows])
    x0 = np.full(2 * rows.size, np.nan)  # the lower limit: Newton's first step from 0
    if start is not None:
        x0[rows.size :] = np.nan_to_num(np.asarray(start, float)[rows])
    pair0 = at0.take(who) if at0 is not None else None
    roots, _ = qprofile.solve_q(prob, targets, who, np.concatenate([q0[rows], q0[rows]]), x0=x0, xtol=xtol, at0=pair0)
    lb[rows], ub[rows] = roots[: rows.size], roots[rows.size :]
    return lb, ub


def fit_batch(
    b: Batch,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    control: Control = Control(),
    tau2=None,
    btt=None,
    *,
    tau2_ci: bool = True,
) -> dict:
    """Fit every row of the batch; returns a dict of arrays (see module doc).

    Parameters
    ----------
    b : the batch; method, test, level, control, tau2 : as :func:`~exometa.meta_analysis`.
    btt : indices of the coefficients tested by QM (default: all but the intercept).
    tau2_ci : compute the Q-profile CI of tau^2 (and the I^2, H^2 CIs that follow
        from it); when False those fields are NaN. Diagnostics that do not report
        it save most of their time by passing False.

    Rows whose numbers cannot be handled in double precision (see
    :func:`unsafe_rows`) are NaN, listed in ``out["unsafe"]``, with a
    :class:`~exometa.errors.NumericalWarning`.
    """
    with np.errstate(all="ignore"):
        return fit_problem(Problem(b), method, test, level, control, tau2, btt, tau2_ci=tau2_ci)


def fit_problem(prob: Problem, method, test, level, control, tau2, btt, *, tau2_ci, warn: bool = True) -> dict:
    """:func:`fit_batch` for a batch already wrapped as a :class:`Problem` (call within an errstate).

    With ``warn=False`` unsafe rows are left for the caller to report.
    """
    b = prob.b
    unsafe = prob.unsafe
    at0 = prob.at(np.zeros(b.B), order=_order0(method))
    est = _estimate_tau2(b, method, control, tau2, prob, at0)
    t2 = est.tau2
    ev = prob.at(t2, order=1)
    beta, vb = ev.beta, ev.vb
    df = b.k - b.p
    s2w = np.ones(b.B)
    if test == "knha":
        rss = ev.q
        s2w = np.where(df > 0, np.where(rss <= EPS, 0.0, rss / np.maximum(df, 1)), 1.0)
        vb = vb * s2w[:, None, None]
    use_t, ddf, crit = _tests(b, test, level)
    se = np.sqrt(vb[:, :, 0] if b.p == 1 else np.einsum("bpp->bp", vb))
    zval = beta / se
    pval = dist.two_sided_p(zval, ddf[:, None])
    out = {
        "k": b.k,
        "beta": beta,
        "vb": vb,
        "se": se,
        "zval": zval,
        "pval": pval,
        "ci_lb": beta - crit[:, None] * se,
        "ci_ub": beta + crit[:, None] * se,
        "tau2": t2,
        "iterations": est.iterations,
        "converged": est.converged,
        "ddf": ddf,
        "s2w": s2w,
        "crit": crit,
        "weights": study_weights(b, t2, ev),
    }
    het = _heterogeneity(b, t2, method, at0)
    out.update(het)
    if method in COMMON_EFFECT or tau2 is not None or not tau2_ci:
        lb = ub = np.full(b.B, np.nan)
    else:
        lb, ub = _tau2_confint(b, level, t2, prob, at0.q, control.threshold, at0)
    vt = het["vt"]
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
        out["pi_lb"] = beta[:, 0] - spread
        out["pi_ub"] = beta[:, 0] + spread
    else:
        out.update(_omnibus(beta, vb, use_t, b, btt))
    out["unsafe"] = unsafe
    if unsafe.any():
        _blank(out, unsafe, warn)
    return out


def study_weights(b: Batch, tau2: np.ndarray, ev=None) -> np.ndarray:
    """Percent weight of each study, ``100 w / sum(w)`` (B, k), 0 for absent studies.

    Built in place in the one array returned, in two passes (no temporaries of the
    data's size); ``ev``, the fit at ``tau2``, supplies ``sum(w)`` when given.
    """
    w = np.add(b.v_absent_inf, tau2[:, None])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if ev is None:
            np.reciprocal(w, out=w)
            np.multiply(w, 100 / w.sum(axis=1, keepdims=True), out=w)
        else:  # sum(w) = sw / u in the evaluation's units
            np.divide((100 * ev.u / ev.sw)[:, None], w, out=w)
    return w


def _blank(out: dict, rows: np.ndarray, warn: bool = True) -> None:
    """NaN for every per-row result of the given rows, with one warning naming them."""
    idx = np.flatnonzero(rows)
    if warn:
        warnings.warn(
            f"Rows {idx[:10].tolist()}{' and more' if idx.size > 10 else ''} have effect sizes or variances "
            "that are not finite, not positive, or too far apart to compute in double precision; "
            "their results are NaN. Check the data, or rescale yi (e.g. change its units).",
            NumericalWarning,
            stacklevel=4,
        )
    for key, value in out.items():
        if key in ("k", "q_df", "unsafe", "btt", "qm_df", "ddf", "iterations", "converged"):
            continue
        if isinstance(value, np.ndarray) and value.shape[:1] == rows.shape and value.dtype.kind == "f":
            value[rows] = np.nan


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
    qm_pval = np.where(use_t, dist.f_sf(qm, m, np.maximum(df2, 1)), dist.chi2_sf(qm, m))
    return {"qm": qm, "qm_df": np.full(b.B, m), "qm_ddf": np.where(use_t, df2, np.nan), "qm_pval": qm_pval, "btt": btt}
