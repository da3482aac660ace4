"""Maximum-likelihood fitting of selection models: optimiser, gradients and Hessians.

:class:`Problem` maps the free parameters (effect, log tau^2, logit-scaled deltas, as
metafor optimises them) to the log-likelihood of :mod:`exometa.bias.selection`.
Gradients and Hessians are central differences whose stencil of parameter values is
evaluated in one call of the batched likelihood; :func:`hessian` adds Richardson
extrapolation. :func:`maximise` runs BFGS from metafor's start values and then Newton
steps to the maximum itself; :func:`wald_ses` gives the SEs on the natural scale.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._lazy import lazy_module
from ..errors import ConvergenceError, ExometaWarning
from .selection import SelectionData, loglik

optimize = lazy_module("scipy.optimize")


class Problem:
    """Maps the free parameters (beta, log tau^2, logit deltas) to the log-likelihood."""

    def __init__(self, data: SelectionData, tau2_fixed, free):
        self.data, self.tau2_fixed, self.free = data, tau2_fixed, np.asarray(free)
        fam = data.family
        self.lo, self.hi = np.array(fam.delta_min), np.array(fam.delta_max)
        self.fixed_delta = np.array(fam.delta_init, dtype=float)

    @property
    def n_free(self) -> int:
        return 1 + (self.tau2_fixed is None) + int(self.free.sum())

    def start(self, beta, tau2) -> np.ndarray:
        x = [beta] + ([np.log(tau2 + 0.001)] if self.tau2_fixed is None else [])
        init = self.fixed_delta[self.free]
        lo, hi = self.lo[self.free], self.hi[self.free]
        return np.array(x + list(np.log((init - lo) / (hi - init))))

    def natural(self, theta):
        """(P, n_free) transformed parameters -> beta (P,), tau2 (P,), delta (P, D)."""
        theta = np.atleast_2d(theta)
        beta = theta[:, 0]
        j = 1
        if self.tau2_fixed is None:
            tau2, j = np.exp(theta[:, 1]), 2
        else:
            tau2 = np.full(len(theta), float(self.tau2_fixed))
        delta = np.tile(self.fixed_delta, (len(theta), 1))
        u = theta[:, j:]
        delta[:, self.free] = self.lo[self.free] + (self.hi[self.free] - self.lo[self.free]) / (1 + np.exp(-u))
        return beta, tau2, delta

    def negll(self, theta) -> np.ndarray:
        return -loglik(*self.natural(theta), self.data)


def _gradient(fun, x, rel=1e-6):
    h = rel * np.maximum(1.0, np.abs(x))
    pts = np.concatenate([x + np.diag(h), x - np.diag(h)])
    f = fun(pts)
    return (f[: x.size] - f[x.size :]) / (2 * h)


def hessian(fun, x, h) -> np.ndarray:
    """Central-difference Hessian of ``fun`` at ``x`` with Richardson extrapolation.

    ``fun`` takes (P, n) points and returns (P,) values; every point of the stencil
    (for steps h and h/2) goes in one call.

    >>> H = hessian(lambda P: (P[:, 0] ** 2 * P[:, 1] ** 3), np.array([1.0, 2.0]), np.array([1e-3, 1e-3]))
    >>> np.round(H, 6).tolist()
    [[16.0, 24.0], [24.0, 12.0]]
    """
    n = x.size
    eye = np.eye(n)
    pts, index = [x], {}
    for scale in (1.0, 0.5):
        d = h * scale
        for i in range(n):
            for j in range(i, n):
                for si in (1, -1):
                    for sj in (1, -1):
                        index[(scale, i, j, si, sj)] = len(pts)
                        pts.append(x + si * d[i] * eye[i] + sj * d[j] * eye[j])
    f = fun(np.array(pts))
    est = {}
    for scale in (1.0, 0.5):
        d = h * scale
        H = np.empty((n, n))
        for i in range(n):
            for j in range(i, n):
                g = lambda si, sj: f[index[(scale, i, j, si, sj)]]  # noqa: E731
                H[i, j] = H[j, i] = (g(1, 1) - g(1, -1) - g(-1, 1) + g(-1, -1)) / (4 * d[i] * d[j])
        est[scale] = H
    return (4 * est[0.5] - est[1.0]) / 3


def maximise(problem: Problem, x0) -> np.ndarray:
    """BFGS from metafor's start, then Newton steps to the maximum itself."""
    fun = lambda x: float(problem.negll(x[None])[0])  # noqa: E731
    jac = lambda x: _gradient(problem.negll, x)  # noqa: E731
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        opt = optimize.minimize(fun, x0, jac=jac, method="BFGS", options={"gtol": 1e-9, "maxiter": 5000})
        x, fx = opt.x, opt.fun
        if not np.isfinite(fx):
            raise ConvergenceError("The selection model's likelihood could not be maximised (non-finite value).")
        for _ in range(20):
            g = jac(x)
            if np.max(np.abs(g)) < 1e-9 * max(1.0, abs(fx)):
                break  # the gradient is at the noise floor of the differences
            H = hessian(problem.negll, x, 1e-4 * np.maximum(1.0, np.abs(x)))
            try:
                step = -np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)) or g @ step >= 0:
                break  # not a descent direction (a boundary or flat direction): keep BFGS's answer
            for t in 0.5 ** np.arange(12):
                f_new = fun(x + t * step)
                if f_new < fx:
                    break
            else:
                break
            gain = fx - f_new
            x, fx = x + t * step, f_new
            if gain < 1e-13 * max(1.0, abs(fx)):
                break
    return x


def _delta_steps(delta, positive: bool):
    """Difference steps for the deltas; step-function deltas must stay positive (log delta)."""
    h = 1e-3 * np.maximum(np.abs(delta), 1e-2)
    return np.minimum(h, delta / 4) if positive else h


def wald_ses(problem: Problem, beta, tau2, delta, se_hint):
    """Hessian of -loglik on (beta, tau2, free deltas), holding near-zero values fixed (metafor 4.2)."""
    data = problem.data
    est_tau2 = problem.tau2_fixed is None and tau2 >= min(np.min(data.vi) / 10, 1e-4)
    est_delta = problem.free & ~((data.family.name == "stepfun") & (delta < 1e-4))
    x = np.concatenate([[beta], [tau2] if est_tau2 else [], delta[est_delta]])
    h = np.concatenate([
        [1e-3 * max(abs(beta), se_hint)],
        [min(1e-3 * max(tau2, np.min(data.vi) / 10), tau2 / 4)] if est_tau2 else [],
        _delta_steps(delta[est_delta], data.family.name == "stepfun"),
    ])  # fmt: skip

    def negll(points):
        P = len(points)
        b = points[:, 0]
        t = points[:, 1] if est_tau2 else np.full(P, tau2)
        d = np.tile(delta, (P, 1))
        d[:, est_delta] = points[:, 1 + est_tau2 :]
        return -loglik(b, t, d, data)

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        H = hessian(negll, x, h)
    try:
        cov = np.linalg.inv(np.linalg.cholesky(H))
        cov = cov.T @ cov
    except np.linalg.LinAlgError:
        warnings.warn("selmodel: the Hessian could not be inverted; standard errors are NaN.", ExometaWarning, stacklevel=3)
        cov = np.full(H.shape, np.nan)
    se_beta = np.sqrt(cov[0, 0])
    se_tau2 = np.sqrt(cov[1, 1]) if est_tau2 else np.nan
    se_delta = np.full(delta.size, np.nan)
    se_delta[est_delta] = np.sqrt(np.diag(cov)[1 + est_tau2 :])
    return se_beta, se_tau2, se_delta
