"""Cumulative meta-analysis (metafor's ``cumul``): the model refitted as studies are
added one at a time in a given order, as one batch of k meta-analyses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ExometaError
from .batch import fit_rows
from .model import model_of
from .series import RefitSeries, series_fields


@dataclass(frozen=True, eq=False, repr=False)
class CumulResult(RefitSeries):
    """Row i: the model fitted to the first i + 1 studies of the order; ``slab[i]`` is the
    study added at that step and ``order[i]`` its position in the data."""

    order: np.ndarray = None

    title = "Cumulative meta-analysis"
    row_word = "adding"

    def to_frame(self) -> pd.DataFrame:
        frame = super().to_frame()
        frame.insert(1, "position", np.repeat(self.order, self.p))
        return frame


def cumulative_order(order, k: int, decreasing: bool = False) -> np.ndarray:
    """Indices that sort the studies by ``order`` (ties keep the data order, as R's ``order``).

    >>> cumulative_order([1980, 1948, 1973, 1973], 4).tolist()
    [1, 2, 3, 0]
    >>> cumulative_order([1980, 1948, 1973, 1973], 4, decreasing=True).tolist()
    [0, 2, 3, 1]
    """
    if order is None:
        return np.arange(k)
    values = pd.Series(np.asarray(order).ravel() if not isinstance(order, pd.Series) else order.to_numpy())
    if len(values) != k:
        raise ExometaError(
            f"`order` must give one value per study (k = {k}), e.g. the publication year; got {len(values)}."
        )
    if values.isna().any():
        missing = np.flatnonzero(values.isna().to_numpy())[:10].tolist()
        raise ExometaError(f"`order` has missing values at positions {missing}; give every study a value.")
    rank = values.rank(method="dense").to_numpy()
    return np.argsort(-rank if decreasing else rank, kind="stable")


def cumul(res, order=None, decreasing: bool = False, transf=None) -> CumulResult:
    """Add studies one at a time and refit after each (metafor's ``cumul``).

    Parameters
    ----------
    res : MetaResult or MetaRegressionResult
        A fitted single analysis. With moderators the coefficients of each
        refit are returned (rows with too few studies for the model are NaN);
        metafor 3.8 refuses models with moderators.
    order : array_like, optional
        A value per study to sort by, e.g. the publication year (as metafor
        3.8's ``order``: a variable, not a permutation). Ties keep the data
        order. Default: the order of the data.
    decreasing : bool
        Sort from the largest value down.
    transf : callable, optional
        Applied to estimates and CI bounds (e.g. ``np.exp``); the SE is dropped.

    Returns
    -------
    CumulResult

    Examples
    --------
    The BCG trials by year; metafor's ``cumul(res, order=year)`` starts at
    -0.8893 (Aronson 1948 alone), is -1.3250 with two trials and ends at -0.7145:

    >>> from exometa import cumul, meta_analysis
    >>> from exometa.diagnostics.example_data import bcg
    >>> d = bcg()
    >>> c = cumul(meta_analysis(d.yi, d.vi, slab=d.slab), order=d.year)
    >>> c.slab[0], [round(float(e), 4) for e in c.estimate[[0, 1, -1]]]
    ('Aronson, 1948', [-0.8893, -1.325, -0.7145])
    """
    model = model_of(res, "cumul()")
    idx = cumulative_order(order, model.k, decreasing)
    mask = np.tri(model.k, dtype=bool)[:, np.argsort(idx)]
    fit = fit_rows(model, mask)
    return CumulResult(
        slab=tuple(model.slab[i] for i in idx), k=fit["k"], coef_names=model.coef_names,
        **series_fields(fit, model.p, transf), method=model.method, test=model.test, level=model.level,
        transf=transf is not None, model=model, order=idx,
    )  # fmt: skip
