"""What a diagnostic needs to know about a fitted analysis, read once from its result.

Every diagnostic starts from ``res = exometa.meta_analysis(...)``: a
:class:`~exometa.models.MetaResult` (intercept only) or a
:class:`~exometa.models.MetaRegressionResult`. :func:`model_of` reads from it
the data (``yi``, ``vi``, the model matrix ``X``), the settings (``method``,
``test``, ``level``) and whether tau^2 was fixed by the user, checks them once,
and returns a :class:`Model`. The diagnostics never touch the result again.

Where a result does not keep something (a meta-regression result that does not
carry its data), the error says so and how to get a result that does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ExometaError

COMMON_EFFECT = ("EE", "FE")


@dataclass(frozen=True, eq=False)
class Model:
    """The data and settings of one fitted analysis.

    Attributes
    ----------
    yi, vi : (k,) effect sizes and sampling variances.
    X : (k, p) model matrix, first column the intercept.
    coef_names : names of the p coefficients ('intrcpt' first).
    method, test, level : as fitted (level in percent).
    tau2 : the fitted tau^2; tau2_fixed : True when the user fixed it
        (the diagnostics then keep it fixed, as metafor does).
    slab : study labels, ('study 1', ...) when the result has none.
    result : the result it was read from.
    """

    yi: np.ndarray
    vi: np.ndarray
    X: np.ndarray
    coef_names: tuple
    method: str
    test: str
    level: float
    tau2: float
    tau2_fixed: bool
    slab: tuple
    result: object

    @property
    def k(self) -> int:
        return self.yi.size

    @property
    def p(self) -> int:
        return self.X.shape[1]

    @property
    def int_only(self) -> bool:
        return self.p == 1

    @property
    def common(self) -> bool:
        return self.method in COMMON_EFFECT

    @property
    def fixed_tau2(self):
        """The value to pass as ``tau2=`` to the engine (None when estimated)."""
        return self.tau2 if self.tau2_fixed else None


def _infer_tau2_fixed(res, k: int, p: int) -> bool:
    """Whether tau^2 was fixed by the user (``meta_analysis(..., tau2=...)``).

    The result does not say so directly; the engine leaves the Q-profile CI of
    tau^2 empty exactly when tau^2 is fixed (for a random-effects model with
    k > p), so that is read here. A ``tau2_fixed`` attribute, when a result
    has one, takes precedence.
    """
    flag = getattr(res, "tau2_fixed", None)
    if flag is not None:
        return bool(flag)
    if res.method in COMMON_EFFECT or k <= p:
        return False
    lb, ub = getattr(res, "tau2_ci_lb", np.nan), getattr(res, "tau2_ci_ub", np.nan)
    return bool(np.isnan(lb) and np.isnan(ub) and np.isfinite(res.tau2))


def _design(res, k: int) -> tuple[np.ndarray, tuple]:
    names = tuple(getattr(res, "coef_names", None) or ("intrcpt",))
    X = getattr(res, "X", None)
    if X is None:
        if len(names) > 1:
            raise ExometaError(
                "This meta-regression result does not keep its model matrix (field `X`), which "
                "the diagnostics need. Use a result from a version of meta_analysis() that keeps "
                "`yi`, `vi` and `X` on MetaRegressionResult."
            )
        return np.ones((k, 1)), names
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != k:
        raise ExometaError(f"The result's model matrix `X` must have shape (k, p) = ({k}, p); got {X.shape}.")
    return X, names


def model_of(res, what: str = "this diagnostic") -> Model:
    """Read a fitted single analysis into a :class:`Model` (see the module docstring).

    Parameters
    ----------
    res : MetaResult or MetaRegressionResult
        One analysis from :func:`exometa.meta_analysis` (not a batch).
    what : str
        The diagnostic's name, used in error messages.

    Examples
    --------
    >>> from exometa import meta_analysis
    >>> m = model_of(meta_analysis([0.1, 0.3, 0.5], [0.01, 0.02, 0.04], method="DL"))
    >>> m.k, m.p, m.method, m.slab
    (3, 1, 'DL', ('study 1', 'study 2', 'study 3'))
    """
    if not hasattr(res, "method") or not hasattr(res, "tau2"):
        raise ExometaError(
            f"{what} takes a fitted analysis, res = exometa.meta_analysis(yi, vi, ...); "
            f"got {type(res).__name__}."
        )
    if isinstance(res.k, np.ndarray):
        raise ExometaError(
            f"{what} takes one fitted analysis, not a batch of {len(res.k)}; "
            "fit the analysis you want to examine with yi and vi of shape (k,)."
        )
    yi, vi = getattr(res, "yi", None), getattr(res, "vi", None)
    if yi is None or vi is None:
        raise ExometaError(
            f"{what} needs the data behind the result (`yi` and `vi`), which this "
            f"{type(res).__name__} does not keep. Use a result from a version of meta_analysis() that keeps them."
        )
    yi = np.asarray(yi, dtype=float).ravel()
    vi = np.asarray(vi, dtype=float).ravel()
    k = yi.size
    X, names = _design(res, k)
    slab = getattr(res, "slab", None)
    slab = tuple(str(s) for s in slab) if slab is not None else tuple(f"study {i + 1}" for i in range(k))
    return Model(
        yi=yi, vi=vi, X=X, coef_names=names, method=res.method, test=res.test, level=float(res.level),
        tau2=float(res.tau2), tau2_fixed=_infer_tau2_fixed(res, k, X.shape[1]), slab=slab, result=res,
    )  # fmt: skip


def need_k(model: Model, minimum: int, what: str) -> None:
    """Raise a clear error when the analysis has fewer than ``minimum`` studies."""
    if model.k < minimum:
        raise ExometaError(
            f"{what} needs at least {minimum} studies; this analysis has k = {model.k}."
        )
