"""One small pooled meta-analysis in Python floats: the engine's numbers without its per-call cost.

A random-effects fit of ten studies is little arithmetic. On the batch engine
(:func:`~exometa.models.engine.fit_problem`) most of its time went to making and
reading arrays of one row -- the batch and its ranges, the estimator's context,
the tests, Q, I^2, the result's fields -- about 250 function calls, most of them
NumPy's on arrays of one number, around a few microseconds of sums: 150 us for a
Paule-Mandel fit at k = 10, where statsmodels' ``combine_effects`` takes 85 us.

So :func:`~exometa.meta_analysis` fits one pooled estimate (no moderators) of
2 to :data:`SMALL_K` studies here, choosing this route itself. It is the same
estimator, not an approximation of it, and gives the engine's numbers to the
last digit, because it does the engine's arithmetic:

- every tau^2 value is evaluated by :class:`~exometa.models.evaluation.SmallRow`,
  which the engine itself uses for one analysis of up to ``SINGLE`` studies (the
  same matrix-vector products, finished in Python floats);
- the estimators are the registered functions of :mod:`.tau2`, called with a
  :class:`SingleContext` (the members of :class:`~exometa.models.tau2.Context`,
  in floats); PM solves Q(tau^2) = k - 1 with the engine's one-row root finder,
  ML and REML search and prove their maximum with
  :func:`~exometa.models.likelihood.maximise_one`, the engine's one-row search;
- what works on many numbers at once stays on arrays: the proof's points and
  intervals, and the Q-profile interval of tau^2 (whose two limits share each
  evaluation), on a :class:`~exometa.models.evaluation.Problem` built only then
  and sharing the ``SmallRow``, and so its state (the centre of the sums);
- the tests, heterogeneity statistics, intervals and weights are the engine's
  formulas (``fit_problem``, ``_tests``, ``_heterogeneity``, ``study_weights``),
  written for floats, operation for operation.

Anything else goes to the engine: more than :data:`SMALL_K` studies (where the
engine's streamed sums add in another order), k = 1, a fixed tau^2 given as an
array, non-finite, non-positive or unsafe data (so that the errors are the
engine's), and data whose arithmetic divides by zero (Python raises where NumPy
goes on with inf or NaN, e.g. I^2 of a common-effect model when every effect is
the same). ``tests/models/test_single_fit.py`` checks that both routes agree to
the last digit, for every method.

Examples
--------
>>> import numpy as np
>>> from exometa.models.tau2 import Control
>>> f = fit(np.array([0.1, 0.5, 0.3]), np.array([0.01, 0.02, 0.015]), "PM", "z", 95.0, Control(), None, False)
>>> round(f["estimate"], 4), round(f["tau2"], 4), f["k"]
(0.2833, 0.0252, 3)
"""

from __future__ import annotations

import math

import numpy as np

from . import distributions as dist
from . import likelihood, qprofile
from .batch import Batch
from .engine import EPS, _order0, tau2_confint
from .evaluation import SINGLE, Evaluation, Problem, SmallRow, safe_centre, unweighted_rss
from .tau2 import COMMON_EFFECT, ESTIMATORS, Control, Tau2Estimate

#: the most studies fitted here: up to the engine's own one-analysis route (``SINGLE``),
#: whose sums this module shares; beyond it the engine streams its sums in blocks
SMALL_K = SINGLE
#: up to this many studies the data's ranges are taken with Python's min and max, beyond with NumPy's
_PYTHON_RANGES = 64


class SingleContext:
    """:class:`~exometa.models.tau2.Context` for one small analysis: the same members, in Python floats.

    ``k`` and ``df`` are ints, ``at0`` and :meth:`at` give evaluations with float
    fields, and :meth:`done` a :class:`~exometa.models.tau2.Tau2Estimate` of floats.
    The engine's :class:`~exometa.models.evaluation.Problem` is built on first need
    (:meth:`maximise`, :meth:`tau2_confint`), around the same ``SmallRow``.
    """

    intercept_only = True

    def __init__(self, y: np.ndarray, v: np.ndarray, row: SmallRow, vmax: float, control: Control):
        self.y, self.v, self.row, self.vmax, self.control = y, v, row, vmax, control
        self.k = y.size
        self.df = self.k - 1
        self.at0: Evaluation | None = None  # the fit at tau^2 = 0 (floats), set by fit()
        self._rss = None
        self._prob = None

    def at(self, tau2: float, order: int = 1) -> Evaluation:
        return self.row.values(tau2, order)

    def unweighted_rss(self) -> float:
        if self._rss is None:
            self._rss = float(unweighted_rss(self.y[None], self.v[None], self.row.centre)[0])
        return self._rss

    def sum_v(self) -> float:
        return float(self.v.sum())

    def solve_q(self, target):
        """tau^2 with ``Q(tau2) = target``, 0 where ``Q(0) <= target`` (as :func:`.qprofile.solve_q`)."""
        z = self.at0
        if not (math.isfinite(target) and target > 0):
            return math.nan, True
        if z.q <= target:
            return 0.0, True
        return qprofile.solve_one_q(
            lambda x: self.row.values(x, 2), float(target), z.q, z.u, z.a, self.vmax, self.row.vmin, self.control.threshold
        )

    def maximise(self, reml: bool, start: float) -> Tau2Estimate:
        prob = self.problem()
        tau2, iterations, converged = likelihood.maximise_one(prob, 0, reml, start, self.control, self.unweighted_rss(), self.at0)
        return Tau2Estimate(tau2, iterations, converged)

    def done(self, tau2, converged=None) -> Tau2Estimate:
        return Tau2Estimate(tau2 if tau2 > 0 else 0.0, 0, True if converged is None else converged)  # NaN -> 0

    def tau2_confint(self, level: float, tau2: float) -> tuple[float, float]:
        """The Q-profile interval of tau^2, by the engine (its two limits share each evaluation)."""
        at0 = self.at0.as_row()
        lb, ub = tau2_confint(self.problem().b, level, np.array([tau2]), prob=self.problem(), q0=at0.q,
                              xtol=self.control.threshold, at0=at0)  # fmt: skip
        return float(lb[0]), float(ub[0])

    def problem(self) -> Problem:
        """The engine's problem for these data, sharing this analysis's ``SmallRow``."""
        if self._prob is None:
            y, v = self.y[None], self.v[None]
            b = Batch(y, v, np.broadcast_to(np.True_, y.shape), np.broadcast_to(1.0, y.shape + (1,)))
            self._prob = Problem(b, row=self.row)
        return self._prob


def fit(y: np.ndarray, v: np.ndarray, method: str, test: str, level: float, control: Control, tau2, tau2_ci: bool):
    """The fields of a single :class:`~exometa.models.results.MetaResult`, or None for the engine.

    Parameters
    ----------
    y, v : (k,) effect sizes and sampling variances, as checked by ``meta_analysis``.
    method, test, level, control, tau2, tau2_ci : checked arguments of
        :func:`~exometa.meta_analysis` (``level`` in percent).

    Returns
    -------
    dict or None
        Every numeric field of the result (``estimate``, ``se``, ..., ``weights``,
        ``yi``, ``vi``), as the engine would give it; None when the engine must fit
        these data (see the module doc).
    """
    k = y.size
    if not 2 <= k <= SMALL_K or (tau2 is not None and np.ndim(tau2) != 0):
        return None
    if k <= _PYTHON_RANGES:  # (Python's min and max skip a NaN: the sums catch it, and inf)
        ys, vs = y.tolist(), v.tolist()
        if not math.isfinite(sum(ys) + sum(vs)):
            return None
        ymin, ymax, vmin, vmax = min(ys), max(ys), min(vs), max(vs)
    else:  # (NumPy's propagate NaN)
        ymin, ymax, vmin, vmax = float(y.min()), float(y.max()), float(v.min()), float(v.max())
        if not math.isfinite(ymin + ymax + vmin + vmax):
            return None
    if not vmin > 0:
        return None
    mid, ok = safe_centre(ymin, ymax, vmin, vmax)
    if not ok:
        return None
    ctx = SingleContext(y, v, SmallRow(y, v, vmin, np.array([mid])), vmax, control)
    try:
        with np.errstate(all="ignore"):
            return _fit(ctx, method, test, level, tau2, tau2_ci)
    except ZeroDivisionError:  # NumPy would go on with inf or NaN: let the engine do so
        return None


def _fit(ctx: SingleContext, method, test, level, tau2, tau2_ci) -> dict:
    """:func:`~exometa.models.engine.fit_problem` for one row, in floats (see the module doc)."""
    k, df, row = ctx.k, ctx.df, ctx.row
    at0 = ctx.at0 = row.values(0.0, _order0(method))
    if method in COMMON_EFFECT:
        est = Tau2Estimate(0.0, 0, True)
    elif tau2 is not None:
        est = Tau2Estimate(float(np.asarray(tau2, dtype=float)), 0, True)
    else:
        est = ESTIMATORS[method](ctx)
    t2 = float(est.tau2)
    ev = row.values(t2, 1)
    beta, vb = ev.beta, ev.vb
    if test == "knha":
        rss = ev.q
        vb = vb * (0.0 if rss <= EPS else rss / df)
    alpha = 1 - level / 100
    if test == "z":
        ddf, crit = math.nan, float(dist.norm_isf(alpha / 2))
    else:
        ddf = float(df)
        crit = float(dist.t_isf(alpha / 2, ddf))
    se = math.sqrt(vb)
    zval = beta / se
    # heterogeneity (engine._heterogeneity): Q at tau^2 = 0, I^2 and H^2 from the typical variance
    q = at0.q
    vt = df * at0.u / at0.tr
    if method in COMMON_EFFECT:
        i2, h2 = max(0.0, 100 * (q - df) / q), q / df
    else:
        i2, h2 = 100 * t2 / (vt + t2), t2 / vt + 1
    if method in COMMON_EFFECT or tau2 is not None or not tau2_ci:
        lb = ub = math.nan
    else:
        lb, ub = ctx.tau2_confint(level, t2)
    # a common-effect model assumes no between-study spread: no PI (as metafor)
    spread = crit * math.sqrt(se * se + t2) if method not in COMMON_EFFECT else math.nan
    weights = ctx.v + t2  # engine.study_weights: 100 w / sum(w), sum(w) = sw / u
    np.divide(100 * ev.u / ev.sw, weights, out=weights)
    return {
        "k": k, "estimate": beta, "se": se, "zval": zval,
        "pval": float(dist.two_sided_p(zval, None if test == "z" else ddf)),
        "ci_lb": beta - crit * se, "ci_ub": beta + crit * se, "pi_lb": beta - spread, "pi_ub": beta + spread,
        "tau2": t2, "tau2_ci_lb": lb, "tau2_ci_ub": ub,
        "i2": i2, "i2_ci_lb": 100 * lb / (vt + lb), "i2_ci_ub": 100 * ub / (vt + ub),
        "h2": h2, "h2_ci_lb": lb / vt + 1, "h2_ci_ub": ub / vt + 1,
        "q": q, "q_df": df, "q_pval": float(dist.chi2_sf(q, df)), "ddf": ddf,
        "converged": bool(est.converged), "iterations": int(est.iterations), "weights": weights,
        "yi": ctx.y, "vi": ctx.v,
    }  # fmt: skip
