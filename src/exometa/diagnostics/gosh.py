"""GOSH: the model fitted to every subset of the studies (Olkin, Dahabreh & Trikalinos 2012;
metafor's ``gosh``), as one batch.

With k studies and p coefficients there are sum_{m=p}^{k} C(k, m) subsets of at
least p studies. When that is at most ``subsets`` (10^6 by default, as metafor)
every one is fitted; otherwise a seeded random sample of ``subsets`` of them,
drawn as metafor draws them: a subset size m with probability proportional to
C(k, m) (the binomial(k, 1/2) distribution restricted to m >= p), then m
studies at random. Rows are sorted by subset size, as in metafor.

Which studies drive a cluster: for each study, :meth:`GoshResult.study_effects`
compares the subsets that contain it with those that do not (mean estimate and
mean I^2, in units of their spread over all subsets), following Olkin et al.'s
approach of colouring the subsets that contain a given study.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from math import comb

import numpy as np
import pandas as pd

from ..errors import ExometaError
from .batch import fit_rows
from .model import model_of, need_k
from .results import DiagnosticResult, model_words, table_text

#: metafor's default: all subsets up to a million, else a random million
DEFAULT_SUBSETS = 10**6
#: a study 'drives' a cluster when the subsets with and without it differ by at least
#: this many standard deviations (estimate and I^2 combined); at most MAX_DRIVERS are named
DRIVER_SEPARATION = 1.0
MAX_DRIVERS = 3
#: rows generated at once when sampling random subsets
SAMPLE_CHUNK = 200_000


@dataclass(frozen=True, eq=False, repr=False)
class GoshResult(DiagnosticResult):
    """One row per subset: ``incl`` (B, k) which studies it holds, ``k`` how many, and the
    fit's ``estimate`` ((B,) or (B, p) with moderators), ``tau2, i2, h2, q``; NaN where
    the subset cannot be fitted. ``exact`` says whether every subset was fitted."""

    slab: tuple
    coef_names: tuple
    incl: np.ndarray
    k: np.ndarray
    estimate: np.ndarray
    tau2: np.ndarray
    i2: np.ndarray
    h2: np.ndarray
    q: np.ndarray
    exact: bool
    seed: object
    model: object

    title = "GOSH analysis"

    def to_frame(self) -> pd.DataFrame:
        """One row per subset: ``k, q, i2, h2, tau2``, the coefficient(s), then one 0/1 column
        per study (its label), as metafor's ``res`` and ``incl``."""
        est = self.estimate if self.estimate.ndim == 2 else self.estimate[:, None]
        names = ["estimate"] if len(self.coef_names) == 1 else list(self.coef_names)
        data = {"k": self.k, "q": self.q, "i2": self.i2, "h2": self.h2, "tau2": self.tau2}
        data.update({n: est[:, j] for j, n in enumerate(names)})
        frame = pd.DataFrame(data)
        incl = pd.DataFrame(self.incl.astype(np.int8), columns=list(self.slab))
        return pd.concat([frame, incl], axis=1)

    def study_effects(self) -> pd.DataFrame:
        """Per study: mean estimate and I^2 of the subsets with and without it, and their
        separation in standard deviations; ``driver`` marks the studies that drive clusters."""
        est = self.estimate if self.estimate.ndim == 1 else self.estimate[:, 0]
        ok = np.isfinite(est) & np.isfinite(self.i2)
        e, i2, incl = est[ok], self.i2[ok], self.incl[ok].astype(float)
        n_in = incl.sum(axis=0)
        n_out = len(e) - n_in
        with np.errstate(invalid="ignore", divide="ignore"):
            e_in, i2_in = e @ incl / n_in, i2 @ incl / n_in
            e_out, i2_out = (e.sum() - e @ incl) / n_out, (i2.sum() - i2 @ incl) / n_out
            sep = np.hypot((e_in - e_out) / e.std(), (i2_in - i2_out) / i2.std())
        sep = np.nan_to_num(sep, nan=0.0)
        top = np.argsort(-sep, kind="stable")[:MAX_DRIVERS]
        driver = np.zeros(len(sep), bool)
        driver[top[sep[top] >= DRIVER_SEPARATION]] = True
        return pd.DataFrame({
            "study": list(self.slab), "estimate_with": e_in, "estimate_without": e_out, "i2_with": i2_in,
            "i2_without": i2_out, "separation": sep, "driver": driver,
        })  # fmt: skip

    def summary(self, digits: int = 4) -> str:
        m = self.model
        fitted = np.isfinite(self.i2)
        est = self.estimate if self.estimate.ndim == 1 else self.estimate[:, 0]
        how = "all" if self.exact else f"a random sample (seed {self.seed}) of"
        effects = self.study_effects()
        drivers = effects[effects.driver]
        lines = [
            f"{self.title} ({model_words(m)}; k = {m.k})",
            "",
            f"{how} the subsets of at least {m.p} studies: {len(self.k):,} fitted "
            f"({int((~fitted).sum()):,} could not be).",
            f"- estimate: from {np.nanmin(est):.{digits}f} to {np.nanmax(est):.{digits}f} "
            f"(median {np.nanmedian(est):.{digits}f}); I^2: from {np.nanmin(self.i2):.1f}% to "
            f"{np.nanmax(self.i2):.1f}% (median {np.nanmedian(self.i2):.1f}%)",
            "- q, i2, h2, tau2: Q, I^2, H^2 and tau^2 of each subset; incl: which studies it holds",
            "",
            "Studies whose presence separates the subsets (means with and without, in SD units):",
            table_text(effects, digits),
        ]
        if len(drivers):
            lines.append("Driving a cluster: " + ", ".join(drivers.study) + ".")
        else:
            lines.append("No single study separates the subsets by a standard deviation or more.")
        return "\n".join(lines)

    def plot(self, **kwargs):
        """The GOSH plot: estimate against I^2 (see :mod:`exometa.plots.diagnostics`)."""
        from ..plots.diagnostics import gosh_plot

        return gosh_plot(self, **kwargs)


def count_subsets(k: int, p: int) -> int:
    """Subsets of at least p of k studies (metafor's ``N.tot``).

    >>> count_subsets(15, 1), count_subsets(8, 2)
    (32767, 247)
    """
    return sum(comb(k, m) for m in range(p, k + 1))


def all_subsets(k: int, p: int) -> np.ndarray:
    """Every subset of at least p studies, ordered as metafor's (by size, then pattern)."""
    rows = np.arange(2**k, dtype=np.int64)
    incl = ((rows[:, None] >> np.arange(k)) & 1).astype(bool)
    incl = incl[incl.sum(axis=1) >= p]
    return incl[np.argsort(incl.sum(axis=1), kind="stable")]


def random_subsets(k: int, p: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """n random subsets of at least p studies, each equally likely, sorted by size.

    metafor draws a size m with probability proportional to C(k, m) (m >= p), then m
    studies at random: every subset of at least p studies is equally likely. So is a
    subset of independent fair coin flips kept when it has p studies or more, which is
    how they are drawn here (rows with fewer are drawn again): the same distribution
    without sorting a random number per study (eight coins from each random byte).
    """
    if 4 * count_subsets(k, p) < 1 << k:  # most coin flips would be drawn again: by size instead
        return _subsets_by_size(k, p, n, rng)
    incl = np.empty((n, k), bool)
    todo = np.arange(n)
    while todo.size:
        for start in range(0, todo.size, SAMPLE_CHUNK):
            rows = todo[start:start + SAMPLE_CHUNK]
            coins = rng.integers(0, 256, (rows.size, (k + 7) // 8), dtype=np.uint8)  # 8 fair coins a byte
            incl[rows] = np.unpackbits(coins, axis=1, count=k).astype(bool)
        todo = todo[incl[todo].sum(axis=1) < p]
    return incl[np.argsort(incl.sum(axis=1), kind="stable")]


def _subsets_by_size(k: int, p: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """:func:`random_subsets` as metafor draws them: a size (probability C(k, m)), then its members."""
    sizes_all = np.arange(p, k + 1)
    log_comb = np.array([math.lgamma(k + 1) - math.lgamma(m + 1) - math.lgamma(k - m + 1) for m in sizes_all])
    prob = np.exp(log_comb - log_comb.max())  # C(k, m), scaled
    sizes = rng.choice(sizes_all, size=n, p=prob / prob.sum())
    incl = np.empty((n, k), bool)
    for start in range(0, n, SAMPLE_CHUNK):
        part = slice(start, min(n, start + SAMPLE_CHUNK))
        u = rng.random((part.stop - start, k))
        kth = np.take_along_axis(np.sort(u, axis=1), sizes[part, None] - 1, axis=1)
        incl[part] = u <= kth
    return incl[np.argsort(incl.sum(axis=1), kind="stable")]


def gosh(res, subsets=None, seed=None) -> GoshResult:
    """Fit the model to every subset of studies, or to a seeded random sample (metafor's ``gosh``).

    Parameters
    ----------
    res : MetaResult or MetaRegressionResult
        A fitted single analysis with at least 2 studies.
    subsets : int, optional
        Fit every subset when there are at most this many (default 10^6, as
        metafor); otherwise this many random subsets.
    seed : int, optional
        Seed of the random sample (NumPy's generator; the sample is not
        metafor's, whose generator is R's).

    Returns
    -------
    GoshResult

    Examples
    --------
    All 127 subsets of the first 7 BCG trials; metafor's ``gosh()`` gives the
    subset {1} an estimate of -0.8893 and the full set -1.0578 (REML):

    >>> from exometa import gosh, meta_analysis
    >>> from exometa.diagnostics.example_data import bcg
    >>> d = bcg().head(7)
    >>> g = gosh(meta_analysis(d.yi, d.vi))
    >>> len(g.k), g.exact, round(float(g.estimate[0]), 4), round(float(g.estimate[-1]), 4)
    (127, True, -0.8893, -1.0578)
    """
    model = model_of(res, "gosh()")
    need_k(model, 2, "gosh()")
    limit = DEFAULT_SUBSETS if subsets is None else subsets
    if not isinstance(limit, (int, np.integer, float)) or not np.isfinite(limit) or round(limit) < 2:
        raise ExometaError(f"`subsets` must be a number of subsets >= 2 (e.g. 100000); got {subsets!r}.")
    limit = int(round(limit))
    total = count_subsets(model.k, model.p)
    exact = total <= limit
    if exact:
        incl = all_subsets(model.k, model.p)
    else:
        incl = random_subsets(model.k, model.p, limit, np.random.default_rng(seed))
    out = fit_rows(model, incl, keep=("beta", "tau2", "q", "i2", "h2", "converged"))
    est = out["beta"][:, 0] if model.p == 1 else out["beta"]
    return GoshResult(
        slab=model.slab, coef_names=model.coef_names, incl=incl, k=out["k"], estimate=est, tau2=out["tau2"],
        i2=out["i2"], h2=out["h2"], q=out["q"], exact=exact, seed=None if exact else seed, model=model,
    )  # fmt: skip
