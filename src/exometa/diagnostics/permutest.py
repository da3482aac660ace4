"""Permutation tests (metafor's ``permutest``; Follmann & Proschan 1999, Higgins &
Thompson 2004), every permutation fitted in one batch.

- Without moderators the signs of the effects are flipped (2^k possible
  sign patterns); with moderators the rows of the model matrix are shuffled
  among the studies (k! / prod(n_g!) distinct orders, n_g the studies sharing
  a row of moderator values).
- The test is exact (every distinct permutation) when ``exact=True`` or when
  the number of distinct permutations is at most ``iter``, as metafor decides;
  otherwise ``iter`` random permutations, the first being the observed data.
- p-values as metafor's defaults: for each coefficient the share of
  permutations with |z| >= |z_obs| (z is t for test 't'/'knha'), and for the
  omnibus test the share with QM >= QM_obs, both with metafor's tolerance
  sqrt(machine eps) on the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import factorial, prod

import numpy as np
import pandas as pd

from ..errors import ExometaError
from ..formatting import fmtp, fmtx
from .batch import fit_rows
from .model import model_of, need_k
from .results import DiagnosticResult, model_words, table_text

#: metafor's tolerance when comparing permuted with observed statistics
COMPTOL = np.finfo(float).eps ** 0.5
#: more distinct permutations than this are not enumerated (memory)
MAX_EXACT = 5_000_000


@dataclass(frozen=True, eq=False, repr=False)
class PermutestResult(DiagnosticResult):
    """Permutation p-values beside the model's coefficients.

    ``estimate, se, zval, ci_lb, ci_ub`` are the model's; ``pval`` and
    ``qm_pval`` are the permutation p-values (coefficients, omnibus test).
    ``iter`` permutations were fitted (``exact``: all ``exact_iter`` distinct
    ones); ``zval_perm``, ``beta_perm`` (iter, p) and ``qm_perm`` (iter,) are
    the permutation distributions.
    """

    coef_names: tuple
    estimate: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    qm: float
    qm_df: int
    qm_pval: float
    iter: int
    exact: bool
    exact_iter: int
    seed: object
    zval_perm: np.ndarray
    beta_perm: np.ndarray
    qm_perm: np.ndarray
    model: object

    title = "Permutation test"

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient, with its permutation p-value."""
        return pd.DataFrame({
            "coef": list(self.coef_names), "estimate": self.estimate, "se": self.se, "zval": self.zval,
            "pval": self.pval, "ci_lb": self.ci_lb, "ci_ub": self.ci_ub,
        })  # fmt: skip

    def summary(self, digits: int = 4) -> str:
        m = self.model
        stat = "t" if m.test in ("t", "knha") else "z"
        how = (f"exact: all {self.exact_iter:,} distinct permutations" if self.exact
               else f"{self.iter:,} random permutations (seed {self.seed}) of {self.exact_iter:.4g} possible")  # fmt: skip
        what = "signs of the effects flipped" if m.int_only else "moderator values shuffled among the studies"
        smallest = 1 / self.iter
        lines = [
            f"{self.title} ({model_words(m)}; k = {m.k}): {what}; {how}.",
            "",
            f"Test of moderators (coefficient{'s' if len(self.coef_names) > 2 else ''} "
            f"{', '.join(self.coef_names[1:]) or self.coef_names[0]}): QM(df = {self.qm_df}) = {fmtx(self.qm, digits)}, "
            f"permutation p = {fmtp(self.qm_pval, digits)}",
            f"- pval: the share of permutations whose |{stat}| is at least the observed |{stat}|; "
            f"the smallest p-value {self.iter:,} permutations can give is {smallest:.2g}",
            "",
            table_text(self.to_frame(), digits),
        ]
        return "\n".join(lines)


def _design_groups(X: np.ndarray) -> np.ndarray:
    """A group id per study: studies with identical rows of moderator values share one."""
    _, groups = np.unique(X, axis=0, return_inverse=True)
    return groups.ravel()


def exact_count(model) -> int:
    """Distinct permutations: 2^k sign patterns, or k! / prod(n_g!) orders of the design rows."""
    if model.int_only:
        return 2**model.k
    counts = np.bincount(_design_groups(model.X))
    return factorial(model.k) // prod(factorial(int(c)) for c in counts)


def unique_arrangements(groups: np.ndarray) -> np.ndarray:
    """Every distinct arrangement of a multiset of group labels, (N, k).

    >>> unique_arrangements(np.array([0, 0, 1])).tolist()
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    """
    labels, counts = np.unique(groups, return_counts=True)
    k = groups.size
    arr = np.full((1, k), -1)
    for lab, c in sorted(zip(labels, counts), key=lambda t: t[1]):
        n_free = int((arr[0] == -1).sum())
        free = np.nonzero(arr == -1)[1].reshape(arr.shape[0], n_free)
        combos = np.array(list(combinations(range(n_free), int(c))))
        new = np.repeat(arr, len(combos), axis=0)
        chosen = free[:, combos].reshape(-1, int(c))
        new[np.arange(len(new))[:, None], chosen] = lab
        arr = new
    return arr


def _sign_flips(model, exact: bool, iter: int, rng) -> np.ndarray:
    k = model.k
    if exact:
        rows = np.arange(2**k, dtype=np.int64)
        return np.where((rows[:, None] >> np.arange(k)) & 1, -1.0, 1.0)
    signs = rng.choice(np.array([-1.0, 1.0]), size=(iter, k))
    signs[0] = 1.0  # the observed data first, as metafor
    return signs


def _shuffled_designs(model, exact: bool, iter: int, rng) -> np.ndarray:
    X = model.X
    if exact:
        rows, groups = np.unique(X, axis=0, return_inverse=True)
        return np.concatenate([X[None], rows[unique_arrangements(groups.ravel())]])  # observed, then all
    order = np.argsort(rng.random((iter, model.k)), axis=1)
    order[0] = np.arange(model.k)  # the observed data first, as metafor
    return X[order]


def _check(iter, exact):
    if not isinstance(iter, (int, np.integer, float)) or not np.isfinite(iter) or round(iter) < 2:
        raise ExometaError(f"`iter` must be a number of permutations >= 2 (e.g. 1000); got {iter!r}.")
    if exact not in (None, True, False):
        raise ExometaError(f"`exact` must be True, False or None; got {exact!r}.")
    return int(round(iter))


def permutest(res, iter: int = 1000, exact=None, seed=None) -> PermutestResult:
    """Permutation p-values for the coefficients and the omnibus test (metafor's ``permutest``).

    Parameters
    ----------
    res : MetaResult or MetaRegressionResult
        A fitted single analysis with at least 2 studies.
    iter : int
        Random permutations when the test is not exact (metafor's default 1000).
    exact : bool, optional
        True: enumerate every distinct permutation. None or False (metafor's
        ``exact=FALSE``): exact only when there are at most ``iter`` of them.
    seed : int, optional
        Seed of the random permutations (NumPy's generator, not R's).

    Returns
    -------
    PermutestResult

    Examples
    --------
    Six BCG trials have 2^6 = 64 sign patterns, so the test is exact (metafor:
    p = 0.0312 for the intercept, REML: only the observed signs and their mirror image
    give a |z| as large):

    >>> from exometa import meta_analysis, permutest
    >>> from exometa.diagnostics.example_data import bcg
    >>> d = bcg().head(6)
    >>> pt = permutest(meta_analysis(d.yi, d.vi))
    >>> pt.exact, pt.iter, float(pt.pval[0])
    (True, 64, 0.03125)
    """
    model = model_of(res, "permutest()")
    need_k(model, 2, "permutest()")
    iter = _check(iter, exact)
    count = exact_count(model)
    exact = bool(exact) or count <= iter
    if exact and count > MAX_EXACT:
        raise ExometaError(
            f"An exact permutation test needs all {count:.4g} distinct permutations (more than {MAX_EXACT:,}); "
            "use exact=None with a number of random permutations, e.g. iter=10000."
        )
    rng = np.random.default_rng(seed)
    ones = np.ones((1, model.k), bool)
    if model.int_only:
        signs = _sign_flips(model, exact, iter, rng)
        out = fit_rows(model, np.repeat(ones, len(signs), 0), y=signs * model.yi, keep=("beta", "zval", "converged"))
        out["qm"] = out["zval"][:, 0] ** 2  # metafor's QM for the intercept alone: z^2 (or F = t^2)
        first = 0
    else:
        designs = _shuffled_designs(model, exact, iter, rng)
        out = fit_rows(model, np.repeat(ones, len(designs), 0), X=designs, keep=("beta", "zval", "qm", "converged"))
        first = 1 if exact else 0  # exact: row 0 is the observed design, outside the distribution
    z_obs, qm_obs = out["zval"][0], out["qm"][0]
    z_perm, qm_perm, beta_perm = out["zval"][first:], out["qm"][first:], out["beta"][first:]
    valid, valid_qm = np.isfinite(z_perm), np.isfinite(qm_perm)  # refits that failed do not count
    with np.errstate(invalid="ignore", divide="ignore"):
        pval = ((np.abs(z_perm) >= np.abs(z_obs) - COMPTOL) & valid).sum(axis=0) / valid.sum(axis=0)
        qm_pval = float(((qm_perm >= qm_obs - COMPTOL) & valid_qm).sum() / valid_qm.sum())
    r = model.result
    return PermutestResult(
        coef_names=model.coef_names, estimate=np.atleast_1d(r.estimate).astype(float),
        se=np.atleast_1d(r.se).astype(float), zval=np.atleast_1d(r.zval).astype(float), pval=np.minimum(pval, 1.0),
        ci_lb=np.atleast_1d(r.ci_lb).astype(float), ci_ub=np.atleast_1d(r.ci_ub).astype(float),
        qm=float(qm_obs), qm_df=max(model.p - 1, 1), qm_pval=min(qm_pval, 1.0), iter=len(z_perm), exact=exact,
        exact_iter=count, seed=None if exact else seed, zval_perm=z_perm, beta_perm=beta_perm, qm_perm=qm_perm,
        model=model,
    )  # fmt: skip
