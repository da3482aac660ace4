"""The one door from the diagnostics to the batch engine.

A diagnostic is a way of building B meta-analyses from one: leave-one-out is a
(k, k) mask with a False diagonal, GOSH a mask per subset, a permutation test
sign-flipped effects or shuffled moderator rows. :func:`fit_rows` takes that
description, fits every row in one call to
:func:`exometa.models.engine.fit_batch`, and returns the engine's arrays with
one row per meta-analysis.

It also does what metafor does when a refit is impossible: rows with no study,
fewer studies than coefficients, as many studies as coefficients when tau^2
must be estimated, or a model matrix that is not of full rank (a moderator
level left without studies) come back as NaN, as metafor's ``NA``.

Large batches (leave-one-out at k = 1,000, a million GOSH subsets) are fitted
in cache-sized chunks of rows, each one engine call: a loop over memory, not
over fits.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from ..errors import ConvergenceWarning
from ..models import engine
from ..models.tau2 import Batch, Control
from .model import Model

#: keyword-only options passed to fit_batch when it accepts them (checked with
#: inspect.signature): the diagnostics never use the Q-profile CI of tau^2
ENGINE_OPTIONS = {"tau2_ci": False}

#: rows x studies x coefficients per engine call: about 2 MB per float array, so that the
#: engine's arrays stay in cache (measured 1.3-2x faster than 16 MB chunks)
CHUNK_ELEMENTS = 250_000

#: a design is of full rank when, its columns scaled to unit length, the smallest singular
#: value of X is above this (metafor: QR with tolerance 1e-7 on the scaled columns)
RANK_TOL = 1e-7


def _engine_options() -> dict:
    params = inspect.signature(engine.fit_batch).parameters
    return {name: value for name, value in ENGINE_OPTIONS.items() if name in params}


def refused_rows(model: Model, mask: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Rows metafor could not fit: too few studies, or a rank-deficient design."""
    k = mask.sum(axis=1)
    p = model.p
    estimated = not (model.common or model.tau2_fixed)
    bad = (k == 0) | (k < p)
    if p > 1:
        bad |= (k == p) & estimated  # metafor: more parameters than observations
        xtx = np.einsum("bkp,bk,bkq->bpq", X, mask.astype(float), X)
        norm = np.sqrt(np.einsum("bpp->bp", xtx))
        with np.errstate(invalid="ignore", divide="ignore"):
            gram = xtx / (norm[:, :, None] * norm[:, None, :])
            s = np.linalg.svd(np.nan_to_num(gram), compute_uv=False)
            bad |= ~(s[:, -1] > RANK_TOL**2) | (norm == 0).any(axis=1)
    return bad


#: results with one value per study (B, k): their columns must stay the model's
PER_STUDY = ("weights",)


def _one_call(model: Model, y, mask, X, keep, sizes) -> dict:
    """One engine call for rows with ``sizes`` studies each (packed when narrow enough)."""
    m = int(sizes.max()) if sizes.size else 0
    k = mask.shape[1]
    if m <= k - max(1, k // 8) and not any(key in PER_STUDY for key in keep):
        b = _packed(model, y, mask, X, sizes, m)
    else:
        b = Batch(np.where(mask, y, 0.0), np.where(mask, model.vi, 1.0), mask, X)
    out = engine.fit_batch(
        b, model.method, model.test, model.level, Control(), model.fixed_tau2, **_engine_options()
    )
    return {key: out[key] for key in keep if key in out}


def _packed(model: Model, y, mask, X, counts, m: int) -> Batch:
    """The rows (``counts`` studies each) with each one's studies first, in their order, ``m``
    (the largest row) wide.

    A row of a GOSH subset then costs about its own size, not k: the same sums in the
    same order, without the absent studies' zeros.
    """
    n, k = mask.shape
    r = np.repeat(np.arange(n), counts)  # the row of each present study, row by row
    c = np.flatnonzero(mask) - r * k  # its column
    first = np.concatenate(([0], np.cumsum(counts[:-1])))  # where each row's studies start
    dest = np.arange(c.size) + np.repeat(np.arange(n) * m - first, counts)  # its packed place
    packed = {"mask": np.zeros(n * m, bool), "y": np.zeros(n * m), "v": np.ones(n * m)}
    packed["mask"][dest] = True
    packed["y"][dest] = y[r, c]
    packed["v"][dest] = np.asarray(model.vi, float)[c]
    if X.shape[2] == 1 and np.all(X == 1.0):
        packed_X = np.broadcast_to(1.0, (n, m, 1))  # intercept only: the engine's weighted sums, not matrix algebra
    else:
        packed_X = np.zeros((n * m, X.shape[2]))
        packed_X[dest] = X[r, c]
        packed_X = packed_X.reshape(n, m, -1)
    return Batch(packed["y"].reshape(n, m), packed["v"].reshape(n, m), packed["mask"].reshape(n, m), packed_X)


def _chunks(sizes: np.ndarray, p: int):
    """Consecutive rows of about CHUNK_ELEMENTS (studies x coefficients) each, counting each
    chunk's rows at the size of its largest (a chunk is fitted at that width)."""
    parts, i, n = [], 0, sizes.size
    while i < n:
        j = min(n, i + max(1, CHUNK_ELEMENTS // max(1, int(sizes[i]) * p)))
        j = min(j, i + max(1, CHUNK_ELEMENTS // max(1, int(sizes[i:j].max()) * p)))
        parts.append(slice(i, j))
        i = j
    return parts


def fit_rows(model: Model, mask: np.ndarray, y=None, X=None, keep=None) -> dict:
    """Fit B meta-analyses built from one model; returns the engine's arrays, B rows each.

    Parameters
    ----------
    model : the fitted analysis (see :func:`~exometa.diagnostics.model.model_of`).
    mask : (B, k) bool, which studies each row includes.
    y : (B, k) effect sizes per row (default: the model's ``yi`` in every row).
    X : (B, k, p) model matrix per row (default: the model's ``X`` in every row).
    keep : names of the engine's fields to return (default: the usual ones).

    Returns
    -------
    dict of arrays with B rows: ``beta, vb, se, zval, pval, ci_lb, ci_ub`` per
    coefficient, ``tau2, q, q_pval, i2, h2, s2w, ddf``, and ``qm, qm_pval`` with
    moderators; refused or non-converged rows are NaN. ``k`` (studies per row)
    and ``fitted`` (bool) are added.

    Examples
    --------
    Leave-one-out for three studies is a (3, 3) mask with a False diagonal
    (metafor's ``leave1out`` of the same DL model: 0.3667, 0.2625, 0.1750):

    >>> import numpy as np
    >>> from exometa import meta_analysis
    >>> from exometa.diagnostics.model import model_of
    >>> m = model_of(meta_analysis([0.1, 0.3, 0.5], [0.01, 0.02, 0.04], method="DL"))
    >>> out = fit_rows(m, ~np.eye(3, dtype=bool))
    >>> np.round(out["beta"][:, 0], 4).tolist()
    [0.3667, 0.2625, 0.175]
    """
    mask = np.asarray(mask, dtype=bool)
    B, k = mask.shape
    p = model.p
    keep = keep or ("beta", "vb", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "q", "q_pval",
                    "i2", "h2", "s2w", "ddf", "qm", "qm_pval", "converged")  # fmt: skip
    y = np.broadcast_to(model.yi, (B, k)) if y is None else np.asarray(y, dtype=float)
    X = np.broadcast_to(model.X, (B, k, p)) if X is None else np.asarray(X, dtype=float)
    refused = refused_rows(model, mask, X)
    rows = np.flatnonzero(~refused)
    out: dict = {}
    sizes = mask[rows].sum(axis=1)
    for part in _chunks(sizes, p):
        idx = rows[part]
        fit = _one_call(model, y[idx], mask[idx], np.ascontiguousarray(X[idx]), keep, sizes[part])
        for key, value in fit.items():
            value = np.asarray(value)
            if key not in out:
                fill = False if value.dtype == bool else np.nan
                dtype = bool if value.dtype == bool else float
                out[key] = np.full((B,) + value.shape[1:], fill, dtype=dtype)
            out[key][idx] = value
    _fill_missing(out, keep, B, p)
    if "converged" in out:
        _blank_unconverged(out, ~refused, model.method)
    out["k"] = mask.sum(axis=1)
    out["fitted"] = ~refused & out.get("converged", ~refused)
    return out


_PER_COEF = ("beta", "se", "zval", "pval", "ci_lb", "ci_ub")


def _fill_missing(out: dict, keep, B: int, p: int) -> None:
    """Fields of a batch none of whose rows could be fitted: all NaN."""
    for key in keep:
        if key in out or (key in ("qm", "qm_pval") and p == 1):
            continue
        if key == "converged":
            out[key] = np.zeros(B, bool)
        else:
            shape = (B, p) if key in _PER_COEF else (B, p, p) if key == "vb" else (B,)
            out[key] = np.full(shape, np.nan)


def _blank_unconverged(out: dict, attempted: np.ndarray, method: str) -> None:
    bad = attempted & ~out["converged"]
    if not bad.any():
        return
    rows = np.flatnonzero(bad)
    warnings.warn(
        f"The {method} estimator of tau^2 did not converge in {rows.size} of the refits "
        f"(rows {rows[:10].tolist()}{' ...' if rows.size > 10 else ''}); they are set to NaN. "
        "Try a non-iterative estimator such as method='DL' or 'PM'.",
        ConvergenceWarning,
        stacklevel=3,
    )
    for key, value in out.items():
        if key != "converged" and value.dtype != bool:
            value[bad] = np.nan
