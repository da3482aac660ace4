"""Trim and fill (Duval & Tweedie 2000; metafor's ``trimfill``).

The method assumes the funnel plot should be symmetric around the pooled effect. It
estimates how many studies are "missing" on one side (``k0``), trims that many of the
most extreme studies from the other side, re-estimates the centre, repeats until
``k0`` settles, and then fills in mirror images of the trimmed studies
(``2 * estimate - yi``, same variance) and pools again. The filled studies are
imputations, not data: they are marked (``fill``) and drawn hollow.

Estimators of ``k0`` (Duval & Tweedie 2000; Duval 2005): ``"L0"`` (default), ``"R0"``
(with a test of k0 = 0) and ``"Q0"``. The side with missing studies is, unless given,
the side opposite to the slope of an Egger-type regression on the standard errors.

Formulas follow metafor 3.8 ``trimfill.rma.uni``. The iterations run on (B, k) arrays
through the batch engine, every row converging on its own (:func:`trimfill_rows`).
One deliberate difference: the filled analysis uses the analysis's own test and level
(metafor refits it with its defaults, a z-test at 95%, unless told otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..arguments import check_choice
from ..errors import ConvergenceError, DataError, ExometaError
from .fitted import fit_rows, fitted_analysis, intercept_design
from .results import BiasResult, level_text, peq, x4

ESTIMATORS = ("L0", "R0", "Q0")
SIDES = ("left", "right")


def _var_sr(n, k0):
    """Variance of the Wilcoxon rank sum under k0 missing studies (Duval & Tweedie 2000)."""
    return (n * (n + 1) * (2 * n + 1) + 10 * k0**3 + 27 * k0**2 + 17 * k0
            - 18 * n * k0**2 - 18 * n * k0 + 6 * n**2 * k0) / 24  # fmt: skip


def _l0(signed, n):
    sr = np.where(signed > 0, signed, 0).sum(axis=1)
    k0 = (4 * sr - n * (n + 1)) / (2 * n - 1)
    with np.errstate(invalid="ignore"):
        return k0, 4 * np.sqrt(_var_sr(n, k0)) / (2 * n - 1)


def _r0(signed, n):
    neg = np.where(signed < 0, -signed, 0).max(axis=1)
    k0 = np.where(neg > 0, n - neg - 1, np.nan)  # no negative residual: undefined
    return k0, np.sqrt(2 * np.maximum(0, k0) + 2)


def _q0(signed, n):
    sr = np.where(signed > 0, signed, 0).sum(axis=1)
    with np.errstate(invalid="ignore"):
        k0 = n - 0.5 - np.sqrt(2 * n**2 - 4 * sr + 0.25)
        return k0, 2 * np.sqrt(_var_sr(n, k0)) / np.sqrt((n - 0.5) ** 2 - k0 * (2 * n - k0 - 1))


K0_ESTIMATORS = {"L0": _l0, "R0": _r0, "Q0": _q0}


def _signed_ranks(resid, present):
    """Ranks of |resid| among present studies (ties: first come first), with resid's sign."""
    a = np.where(present, np.abs(resid), np.inf)
    order = np.argsort(a, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, a.shape[1] + 1)[None, :].repeat(a.shape[0], 0), axis=1)
    return np.where(present, np.sign(resid) * ranks, 0.0)


def missing_side(y, v, mask, method):
    """True where studies are missing on the right: the Egger-type slope on sqrt(vi) is negative."""
    X = np.stack([np.ones_like(y), np.sqrt(np.where(mask, v, 1.0))], axis=-1)
    slope = fit_rows(y, v, mask, X, method, what="choice of side")["beta"][:, 1]
    return slope < 0


def trimfill_rows(y, v, mask, method="REML", estimator="L0", right=None, maxiter=100) -> dict:
    """Trim and fill for B rows at once; every row iterates until its k0 repeats.

    Returns arrays of length B: ``k0``, ``se_k0``, ``right`` (bool), ``estimate`` (the
    trimmed estimate the fill mirrors around), and ``fill_yi``, ``fill_vi`` (B, k): the
    filled studies in metafor's order, NaN-padded.
    """
    mask = np.asarray(mask, dtype=bool)
    B, k = y.shape
    right = missing_side(y, v, mask, method) if right is None else np.broadcast_to(right, (B,)).copy()
    flipped = np.where(right[:, None], -y, y)
    order = np.argsort(np.where(mask, flipped, np.inf), axis=1, kind="stable")
    ys, vs, ms = (np.take_along_axis(a, order, axis=1) for a in (flipped, v, mask))
    n = ms.sum(axis=1)
    pos = np.arange(k)[None, :]
    k0, prev = np.zeros(B), np.full(B, -1.0)
    se_k0, beta = np.full(B, np.nan), np.full(B, np.nan)
    for _ in range(maxiter):
        rows = np.flatnonzero(k0 != prev)
        if rows.size == 0:
            break
        kept = ms[rows] & (pos < (n[rows] - k0[rows])[:, None])
        b = fit_rows(ys[rows], vs[rows], kept, intercept_design(kept), method, what="trim-and-fill iterations")["beta"][:, 0]
        raw, se = K0_ESTIMATORS[estimator](_signed_ranks(ys[rows] - b[:, None], ms[rows]), n[rows])
        if not np.all(np.isfinite(raw)):
            raise DataError(
                f"The {estimator} estimator of the number of missing studies is undefined for these data "
                f"({'no study lies below the trimmed estimate' if estimator == 'R0' else 'a negative square root'}). "
                "Use estimator='L0'."
            )
        prev[rows], k0[rows] = k0[rows], np.maximum(0.0, np.round(raw))
        se_k0[rows], beta[rows] = np.maximum(0.0, se), b
        if np.any(k0[rows] >= n[rows]):
            raise DataError(f"Trim and fill would trim every study ({estimator}); it cannot be used on these data.")
    else:
        if np.any(k0 != prev):
            raise ConvergenceError(f"Trim and fill did not converge in {maxiter} iterations; try another estimator.")
    k0 = k0.astype(int)
    mirrored = 2 * beta[:, None] - ys
    take = (pos >= (n - k0)[:, None]) & (pos < n[:, None])
    fill_yi = np.full((B, k), np.nan)
    fill_vi = np.full((B, k), np.nan)
    for r in np.flatnonzero(k0 > 0):  # k0 values per row differ: pack each row's fill to the left
        fill_yi[r, : k0[r]] = np.where(right[r], -mirrored[r], mirrored[r])[take[r]]
        fill_vi[r, : k0[r]] = vs[r][take[r]]
    return {"k0": k0, "se_k0": se_k0, "right": right, "estimate": np.where(right, -beta, beta),
            "fill_yi": fill_yi, "fill_vi": fill_vi}  # fmt: skip


@dataclass(frozen=True, eq=False, repr=False)
class TrimfillResult(BiasResult):
    """Result of :func:`trimfill`.

    ``k0``, ``se_k0``, ``side`` (where studies are estimated missing), ``p_k0`` (R0's test
    of k0 = 0, else NaN); the filled analysis's ``estimate, se, zval, pval, ci_lb,
    ci_ub, pi_lb, pi_ub, tau2`` (the whole of it in ``filled``); the observed analysis's
    ``estimate_observed, ci_lb_observed, ci_ub_observed``; per study (observed, then
    filled): ``yi, vi, fill, slab``.
    """

    estimator: str
    side: str
    k: int
    k0: int
    se_k0: float
    p_k0: float
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float
    tau2: float
    estimate_observed: float
    ci_lb_observed: float
    ci_ub_observed: float
    method: str
    test: str
    level: float
    yi: np.ndarray
    vi: np.ndarray
    fill: np.ndarray
    slab: tuple
    filled: object = field(default=None)
    analysis: object = field(default=None)

    OBJECTS = ("analysis", "filled")
    QUANTITIES = (
        ("k", "number of observed studies"),
        ("estimator", "estimator of the number of missing studies"),
        ("side", "side of the funnel plot where studies are estimated to be missing"),
        ("k0", "estimated number of missing studies (filled in as mirror images)"),
        ("se_k0", "standard error of k0"),
        ("p_k0", "p-value for k0 = 0 (R0 estimator only)"),
        ("estimate", "pooled estimate with the filled studies"),
        ("se", "its standard error"),
        ("zval", "test statistic for the filled estimate"),
        ("pval", "p-value for the filled estimate"),
        ("ci_lb", "lower bound of the filled estimate's CI"),
        ("ci_ub", "upper bound of the filled estimate's CI"),
        ("tau2", "between-study variance with the filled studies"),
        ("estimate_observed", "pooled estimate of the observed studies"),
    )

    def studies(self):
        """One row per study, observed then filled: label, yi, vi, fill."""
        import pandas as pd

        return pd.DataFrame({"slab": list(self.slab), "yi": self.yi, "vi": self.vi, "fill": self.fill})

    def summary(self) -> str:
        lines = [
            "Trim-and-fill analysis (estimator " + self.estimator + ")",
            "",
            f"Estimated number of missing studies on the {self.side} side: {self.k0} (SE = {x4(self.se_k0)})",
        ]
        if self.estimator == "R0":
            lines.append(f"Test of H0: no missing studies on the {self.side} side: {peq(self.p_k0)}")
        lines += [
            "",
            f"Observed studies (k = {self.k}): estimate {x4(self.estimate_observed)} "
            f"({level_text(self.level)} CI {x4(self.ci_lb_observed)} to {x4(self.ci_ub_observed)})",
            f"With {self.k0} filled-in stud{'y' if self.k0 == 1 else 'ies'} (k = {self.k + self.k0}): "
            f"estimate {x4(self.estimate)} (SE {x4(self.se)}), {level_text(self.level)} CI {x4(self.ci_lb)} to "
            f"{x4(self.ci_ub)}, {peq(self.pval)}",
        ]
        if self.method not in ("EE", "FE"):
            lines.append(f"tau^2 (between-study variance) with the filled studies: {x4(self.tau2)}")
        lines.append("Filled studies are imputed mirror images, not data.")
        return "\n".join(lines)

    def plot(self, **kwargs):
        """Funnel plot with the filled studies hollow; returns a matplotlib Figure.

        Keyword arguments go to :func:`exometa.plots.bias.bias_funnel` (e.g. ``pet=True``).
        """
        from ..plots.bias import bias_funnel

        return bias_funnel(self.analysis, trimfill=self, **kwargs)


def trimfill(res, side: str | None = None, estimator: str = "L0", maxiter: int = 100, ilim=None) -> TrimfillResult:
    """Trim-and-fill analysis of a fitted meta-analysis (metafor's ``trimfill``).

    Parameters
    ----------
    res : MetaResult
        A fitted analysis; its tau^2 estimator, test and level are used throughout.
    side : {'left', 'right'}, optional
        Side of the funnel plot where studies are missing; by default chosen from
        the sign of the Egger-type regression slope, as metafor does.
    estimator : {'L0', 'R0', 'Q0'}
        Estimator of the number of missing studies.
    maxiter : int
        Maximum number of trim-and-fill iterations.
    ilim : (float, float), optional
        Limits for the imputed effect sizes (filled values are clipped to them).

    Returns
    -------
    TrimfillResult

    Examples
    --------
    The BCG vaccine trials with an equal-effects model (metafor's help page): metafor
    estimates 4 missing studies on the right and a filled estimate of -0.2910:

    >>> import pandas as pd
    >>> from importlib.resources import files
    >>> from exometa import effect_sizes, meta_analysis, trimfill
    >>> bcg = pd.read_csv(files("exometa") / "data" / "dat_bcg.csv")
    >>> es = effect_sizes("RR", bcg, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    >>> tf = trimfill(meta_analysis(es.yi, es.vi, method="EE"))
    >>> tf.k0, tf.side, round(tf.estimate, 4)
    (4, 'right', -0.291)
    """
    fitted = fitted_analysis(res, "trimfill", min_k=3)
    estimator = check_choice("estimator", estimator, ESTIMATORS)
    right = None if side is None else check_choice("side", side, SIDES) == "right"
    out = trimfill_rows(fitted.yi[None], fitted.vi[None], np.ones((1, fitted.k), bool), fitted.method, estimator,
                        right, maxiter)  # fmt: skip
    k0 = int(out["k0"][0])
    fy, fv = out["fill_yi"][0, :k0], out["fill_vi"][0, :k0]
    if ilim is not None:
        lo, hi = sorted(_check_ilim(ilim))
        fy = np.clip(fy, lo, hi)
    yi, vi = np.concatenate([fitted.yi, fy]), np.concatenate([fitted.vi, fv])
    slab = tuple(fitted.labels()) + tuple(f"Filled {i + 1}" for i in range(k0))
    if k0 > 0:
        from ..models.pooling import meta_analysis

        filled = meta_analysis(yi, vi, method=fitted.method, test=fitted.test, level=fitted.level, slab=slab)
    else:
        filled = res
    return TrimfillResult(
        estimator=estimator, side="right" if out["right"][0] else "left", k=fitted.k, k0=k0,
        se_k0=float(out["se_k0"][0]), p_k0=0.5 ** (k0 + 1) if estimator == "R0" else np.nan,
        estimate=filled.estimate, se=filled.se, zval=filled.zval, pval=filled.pval, ci_lb=filled.ci_lb,
        ci_ub=filled.ci_ub, pi_lb=filled.pi_lb, pi_ub=filled.pi_ub, tau2=filled.tau2,
        estimate_observed=res.estimate, ci_lb_observed=res.ci_lb, ci_ub_observed=res.ci_ub,
        method=fitted.method, test=fitted.test, level=fitted.level,
        yi=yi, vi=vi, fill=np.arange(fitted.k + k0) >= fitted.k, slab=slab, filled=filled, analysis=res,
    )  # fmt: skip


def _check_ilim(ilim):
    try:
        lo, hi = (float(v) for v in ilim)
    except (TypeError, ValueError):
        raise ExometaError(f"`ilim` must be two numbers (lower, upper); got {ilim!r}.") from None
    return lo, hi
