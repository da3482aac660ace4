"""``meta_analysis``: the public entry point for pooling (metafor's ``rma``)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..arguments import align_by_label, check_choice, check_level, is_pandas
from ..errors import ConvergenceError, ConvergenceWarning, DataError, MethodWarning, NumericalError, SmallSampleWarning
from . import engine
from .batch import Batch
from .evaluation import Problem
from .results import MetaRegressionResult, MetaResult
from .single import fit as small_fit
from .tau2 import COMMON_EFFECT, Control

METHODS = ("EE", "FE", "DL", "DL2", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM")
TESTS = ("z", "t", "knha")


def _labels(yi, k, slab):
    if slab is not None:
        return [str(s) for s in slab]
    if is_pandas(yi):
        return [str(s) for s in yi.index]
    return [f"study {i + 1}" for i in range(k)]


def _name_studies(labels, bad) -> str:
    names = [labels[i] for i in np.flatnonzero(bad)]
    shown = ", ".join(repr(n) for n in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _as_2d(yi, vi, slab):
    """Validate yi/vi; returns (y2d, v2d, single, mask), the mask None for a single analysis."""
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.shape != v.shape:
        raise DataError(f"`yi` and `vi` must have the same shape; got {y.shape} and {v.shape}.")
    if y.ndim not in (1, 2):
        raise DataError(f"`yi` must be 1-D (k,) or 2-D (B, k); got {y.ndim} dimensions.")
    if slab is not None and y.ndim == 1 and len(slab) != y.size:
        raise DataError(f"`slab` must have one label per study (k = {y.size}); got {len(slab)}.")
    single = y.ndim == 1
    if single:  # checked by _check_single once the batch knows its ranges
        return y[None, :], v[None, :], True, None
    half = np.isnan(y) != np.isnan(v)
    if half.any():
        rows = sorted(set(np.nonzero(half)[0].tolist()))[:10]
        raise DataError(
            f"`yi` and `vi` must be NaN together (NaN marks an absent study); "
            f"rows {rows} have one without the other."
        )
    mask = ~np.isnan(y)
    neg = mask & (v <= 0)
    if neg.any():
        _refuse_nonpositive(neg, f"rows {sorted(set(np.nonzero(neg)[0].tolist()))[:10]}")
    if mask.all():
        return y, v, False, _all_true(y.shape)
    return np.where(mask, y, 0.0), np.where(mask, v, 1.0), False, mask


def _check_single(batch, yi, slab):
    """Every study of a single analysis has a finite yi and a finite vi > 0 (else name them)."""
    lo, hi, vlo, vhi = float(batch.ymin[0]), float(batch.ymax[0]), float(batch.vmin[0]), float(batch.vmax[0])
    if math.isfinite(lo) and math.isfinite(hi) and math.isfinite(vhi) and vlo > 0:
        return
    y, v = batch.y[0], batch.v[0]
    labels = _labels(yi, y.size, slab)
    bad = ~np.isfinite(y) | ~np.isfinite(v)
    if bad.any():
        raise DataError(
            f"{bad.sum()} stud{'y has' if bad.sum() == 1 else 'ies have'} a missing or "
            f"non-finite yi or vi: {_name_studies(labels, bad)}. Drop them before pooling "
            "(a study without an effect size or variance cannot be pooled)."
        )
    _refuse_nonpositive(v <= 0, _name_studies(labels, v <= 0))


def _all_true(shape):
    """A mask with every study present: a broadcast view (no memory) unless small."""
    return np.ones(shape, bool) if shape[-1] <= 1024 else np.broadcast_to(np.True_, shape)


def _refuse_nonpositive(neg, where):
    if np.any(neg):
        raise DataError(
            f"Sampling variances must be > 0; {where} have vi <= 0. "
            "Check the SDs or standard errors these variances came from."
        )


def _check_tau2(tau2):
    if tau2 is None:
        return None
    t = np.asarray(tau2, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise DataError(
            f"`tau2` fixes the between-study variance, which must be a finite number >= 0; got {tau2!r}. "
            "Leave it out (None) to estimate tau^2."
        )
    return tau2


def _design(mods, k, B):
    """Model matrix with an intercept column, and coefficient names."""
    if mods is None:
        return (np.ones((B, k, 1)) if B * k <= 1024 else np.broadcast_to(1.0, (B, k, 1))), ("intrcpt",)
    if is_pandas(mods):
        import pandas as pd

        frame = pd.DataFrame(mods)
        frame = pd.get_dummies(frame, drop_first=True, dtype=float)
        names = tuple(str(c) for c in frame.columns)
        m = frame.to_numpy(dtype=float)
    else:
        m = np.asarray(mods, dtype=float)
        if m.ndim == 1:
            m = m[:, None]
        names = tuple(f"mod{j + 1}" for j in range(m.shape[1]))
    if m.shape[0] != k:
        raise DataError(f"`mods` must have one row per study (k = {k}); got {m.shape[0]} rows.")
    if not np.isfinite(m).all():
        raise DataError("`mods` has missing values; drop those studies or fill the moderator.")
    X = np.column_stack([np.ones(k), m])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise DataError("The moderators are collinear (the model matrix is not of full rank); drop a redundant one.")
    return np.broadcast_to(X, (B, k, X.shape[1])), ("intrcpt",) + names


def _convergence_advice(method):
    return (
        f"The {method} estimator of tau^2 did not converge. Try control=Control(maxiter=1000), "
        "or a non-iterative estimator such as method='DL' or 'PM'."
    )


def _check_convergence(fit, method, single):
    bad = ~np.asarray(fit["converged"])
    if not bad.any():
        return
    advice = _convergence_advice(method)
    if single:
        raise ConvergenceError(advice)
    rows = np.flatnonzero(bad)
    warnings.warn(f"{advice} Rows {rows[:10].tolist()} are set to NaN.", ConvergenceWarning, stacklevel=3)
    for key in ("beta", "se", "ci_lb", "ci_ub", "zval", "pval"):
        fit[key][bad] = np.nan
    for key in ("tau2", "tau2_ci_lb", "tau2_ci_ub", "i2", "h2", "pi_lb", "pi_ub"):
        if key in fit:
            fit[key][bad] = np.nan


def meta_analysis(
    yi,
    vi,
    method: str = "REML",
    test: str = "z",
    level=95,
    mods=None,
    tau2=None,
    control: Control | None = None,
    slab=None,
    *,
    tau2_ci: bool = True,
):
    """Pool effect sizes with a common- or random-effects model (metafor's ``rma``).

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and their sampling variances: shape (k,) for one
        meta-analysis, or (B, k) for B meta-analyses fitted at once, with NaN
        in both marking an absent study. Given as pandas Series, they are
        paired by their labels (index), not by position.
    method : str
        tau^2 estimator: 'EE'/'FE' (common effect), 'DL', 'DL2' (two-step
        DerSimonian-Kacker), 'HE', 'HS', 'HSk', 'SJ', 'ML', 'REML', 'EB', 'PM'.
    test : str
        'z' (normal), 't' (t with k - p df) or 'knha' (Hartung-Knapp-Sidik-
        Jonkman). With k = 1 the z-test is used, as in metafor.
    level : float
        Confidence level in percent (95) or as a fraction (0.95).
    mods : array_like or DataFrame, optional
        Moderators for a meta-regression (an intercept is added; text columns
        become dummies). Returns a :class:`MetaRegressionResult`.
    tau2 : float, optional
        Fix tau^2 at this value (>= 0) instead of estimating it.
    control : Control, optional
        Iteration settings for ML/REML/PM/EB and the tau^2 interval.
    slab : sequence of str, optional
        Study labels, used in error messages.
    tau2_ci : bool, keyword-only
        Compute the Q-profile CI of tau^2 (and of I^2, H^2). On by default;
        batch work that does not report it can switch it off to save time.

    Returns
    -------
    MetaResult or MetaRegressionResult

    Examples
    --------
    The BCG vaccine trials (Colditz et al. 1994; metafor's ``dat.bcg``), log
    risk ratios; metafor gives estimate -0.7145, tau^2 0.3132 (REML):

    >>> import numpy as np
    >>> from exometa import effect_sizes, meta_analysis
    >>> tpos = [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27]
    >>> tneg = [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886]
    >>> cpos = [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29]
    >>> cneg = [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825]
    >>> es = effect_sizes("RR", ai=tpos, bi=tneg, ci=cpos, di=cneg)
    >>> res = meta_analysis(es.yi, es.vi)
    >>> round(res.estimate, 4), round(res.tau2, 4), round(res.i2, 2)
    (-0.7145, 0.3132, 92.22)
    """
    method = check_choice("method", method, METHODS)
    test = check_choice("test", test, TESTS)
    level = check_level(level)
    tau2 = _check_tau2(tau2)
    control = control or Control()
    aligned = align_by_label(yi=yi, vi=vi, **({"mods": mods} if mods is not None and np.ndim(yi) == 1 else {}))
    yi, vi, mods = aligned["yi"], aligned["vi"], aligned.get("mods", mods)
    if method in COMMON_EFFECT and test == "knha":
        warnings.warn(
            f"The Knapp-Hartung (knha) adjustment is meant for random-effects models, not method={method!r} "
            "(metafor warns the same); consider test='z' or 't'.",
            MethodWarning,
            stacklevel=2,
        )
    y, v, single, mask = _as_2d(yi, vi, slab)
    B, k = y.shape
    if single and k == 0:
        raise DataError("No studies to pool (k = 0). Check the filters that selected the studies.")
    if single and mods is None:  # one small pooled estimate: in floats, with the engine's numbers
        f = small_fit(y[0], v[0], method, test, level, control, tau2, tau2_ci)
        if f is not None:
            if not f["converged"]:
                raise ConvergenceError(_convergence_advice(method))
            return _meta_result(f, method, test, level, _labels(yi, k, slab) if slab is not None or is_pandas(yi) else None)
    if single:
        mask = _all_true((1, k))
    X, names = _design(mods, k, B)
    p = X.shape[2]
    if single and mods is not None:
        need = p if (method in COMMON_EFFECT or tau2 is not None) else p + 1
        if k < need:
            raise DataError(
                f"A meta-regression with {p} coefficients needs at least {need} studies; got k = {k}."
            )
    if single and k == 1:
        msg = "k = 1: tau^2 is set to 0 and the pooled estimate is that study's own."
        if test != "z":
            msg += f" test={test!r} needs k > 1, so the z-test is used."
        warnings.warn(msg, SmallSampleWarning, stacklevel=2)
    batch = Batch(y, v, mask, X)
    if single:
        _check_single(batch, yi, slab)
    prob = Problem(batch)
    if single and prob.unsafe[0]:
        raise NumericalError(
            "The effect sizes are too far apart, or the variances too far from the effect sizes' spread, "
            f"to compute in double precision (yi from {batch.ymin[0]:.3g} to {batch.ymax[0]:.3g}, "
            f"vi from {batch.vmin[0]:.3g} to {batch.vmax[0]:.3g}). Rescale yi and vi (e.g. change the units)."
        )
    with np.errstate(all="ignore"):
        fit = engine.fit_problem(prob, method, test, level, control, tau2, None, tau2_ci=tau2_ci, warn=not single)
    _check_convergence(fit, method, single)
    if mods is None:
        named = single and (slab is not None or is_pandas(yi))
        return _pooled_result(fit, method, test, level, single, y, v, mask, _labels(yi, k, slab) if named else None)
    return _regression_result(fit, batch, method, test, level, control, tau2, names, single)


def _unwrap(x, single):
    if not single:
        return x
    x = x[0]
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (np.integer, int)):
        return int(x)
    return float(x)


_SCALARS = (
    "pi_lb", "pi_ub", "tau2", "tau2_ci_lb", "tau2_ci_ub", "i2", "i2_ci_lb", "i2_ci_ub",
    "h2", "h2_ci_lb", "h2_ci_ub", "q", "q_pval", "ddf",
)  # fmt: skip
_COEFS = ("beta", "se", "zval", "pval", "ci_lb", "ci_ub")


def _pooled_result(fit, method, test, level, single, y, v, mask, labels):
    if single:
        f = {name: float(fit[name][0]) for name in _SCALARS}
        f.update({name: float(fit[name][0, 0]) for name in _COEFS})
        f.update(k=int(fit["k"][0]), q_df=int(fit["q_df"][0]), iterations=int(fit["iterations"][0]))
        f.update(converged=bool(fit["converged"][0]), weights=fit["weights"][0], yi=y[0], vi=v[0])
    else:
        f = {name: fit[name] for name in _SCALARS + ("k", "q_df", "iterations", "converged", "weights")}
        f.update({name: fit[name][:, 0] for name in _COEFS})
        f.update(yi=np.where(mask, y, np.nan), vi=np.where(mask, v, np.nan))
    f["estimate"] = f.pop("beta")
    return _meta_result(f, method, test, level, labels)


def _meta_result(f, method, test, level, labels):
    return MetaResult(method=method, test=test, level=level, slab=tuple(labels) if labels else None, **f)


def _r2(fit, batch, method, test, level, control, tau2):
    """metafor's pseudo-R^2: the drop in tau^2 from the intercept-only model."""
    if method in COMMON_EFFECT:
        return _weighted_adj_r2(batch)
    if tau2 is not None:
        return np.full(batch.B, np.nan)
    X0 = np.ones(batch.X.shape[:2] + (1,))
    b0 = Batch(batch.y, batch.v, batch.mask, X0)
    tau2_re = engine.estimate_tau2(b0, method, control).tau2
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.maximum(0.0, 100 * (tau2_re - fit["tau2"]) / tau2_re)
    return np.where(tau2_re == 0, 0.0, r2)


def _weighted_adj_r2(batch):
    """Adjusted R^2 of the weighted regression (metafor's R^2 for EE models)."""
    w = batch.weights(0.0)
    f = batch.fit(0.0)
    ybar = np.einsum("bk,bk->b", w, batch.y) / w.sum(axis=1)
    tss = np.einsum("bk,bk->b", w, (batch.y - ybar[:, None]) ** 2 * batch.mask)
    r2 = 1 - f.rss() / tss
    adj = 1 - (1 - r2) * (batch.k - 1) / (batch.k - batch.p)
    return np.maximum(0.0, 100 * adj)


def _regression_result(fit, batch, method, test, level, control, tau2, names, single):
    u = lambda name: _unwrap(fit[name], single)  # noqa: E731
    return MetaRegressionResult(
        k=u("k"), p=batch.p, method=method, test=test, level=level, coef_names=names,
        estimate=u("beta"), se=u("se"), zval=u("zval"), pval=u("pval"),
        ci_lb=u("ci_lb"), ci_ub=u("ci_ub"), vb=u("vb"),
        tau2=u("tau2"), tau2_ci_lb=u("tau2_ci_lb"), tau2_ci_ub=u("tau2_ci_ub"),
        i2=u("i2"), h2=u("h2"), q=u("q"), q_df=u("q_df"), q_pval=u("q_pval"),
        qm=u("qm"), qm_df=u("qm_df"), qm_ddf=u("qm_ddf"), qm_pval=u("qm_pval"),
        r2=_unwrap(_r2(fit, batch, method, test, level, control, tau2), single),
        ddf=u("ddf"), converged=bool(fit["converged"][0]) if single else fit["converged"],
        iterations=u("iterations"), **_data(batch, single),
    )  # fmt: skip


def _data(batch, single) -> dict:
    """yi, vi and X as the fit saw them (absent studies NaN in a batch), kept for diagnostics."""
    if single:
        return {"yi": batch.y[0].copy(), "vi": batch.v[0].copy(), "X": batch.X[0].copy()}
    return {"yi": np.where(batch.mask, batch.y, np.nan), "vi": np.where(batch.mask, batch.v, np.nan), "X": batch.X}
