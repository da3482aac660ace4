"""Leave-one-out analysis (metafor's ``leave1out``): the model refitted k times, each
time without one study, as one batch of k meta-analyses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .batch import fit_rows
from .model import model_of, need_k
from .series import RefitSeries, series_fields


@dataclass(frozen=True, eq=False, repr=False)
class Leave1outResult(RefitSeries):
    """Row i: the model without study ``slab[i]`` (fields as :class:`~exometa.diagnostics.series.RefitSeries`)."""

    title = "Leave-one-out analysis"
    row_word = "omitting"


def leave1out(res, transf=None) -> Leave1outResult:
    """Refit the analysis k times, leaving out one study each time (metafor's ``leave1out``).

    Parameters
    ----------
    res : MetaResult or MetaRegressionResult
        A fitted single analysis, ``exometa.meta_analysis(...)``. With
        moderators the coefficients of each refit are returned (metafor 3.8
        refuses models with moderators; the refits are the same ``rma(...,
        subset=-i)``).
    transf : callable, optional
        Applied to the estimates and CI bounds (e.g. ``np.exp`` for log risk
        ratios); the SE is then not given, as in metafor.

    Returns
    -------
    Leave1outResult
        ``estimate, se, zval, pval, ci_lb, ci_ub, q, q_pval, tau2, i2, h2`` per
        study left out; ``.to_frame()``, ``.summary()``, ``.plot()``.

    Examples
    --------
    metafor's ``leave1out(rma(yi, vi, data=dat.bcg))`` (log risk ratios, REML)
    gives -0.7071 without the first trial and -0.6284 without the fourth:

    >>> from exometa import leave1out, meta_analysis
    >>> from exometa.diagnostics.example_data import bcg
    >>> d = bcg()
    >>> l1o = leave1out(meta_analysis(d.yi, d.vi, slab=d.slab))
    >>> l1o.slab[3], round(float(l1o.estimate[0]), 4), round(float(l1o.estimate[3]), 4)
    ('Hart & Sutherland, 1977', -0.7071, -0.6284)
    """
    model = model_of(res, "leave1out()")
    need_k(model, 2, "leave1out()")
    fit = fit_rows(model, ~np.eye(model.k, dtype=bool))
    return Leave1outResult(
        slab=model.slab, k=fit["k"], coef_names=model.coef_names, **series_fields(fit, model.p, transf),
        method=model.method, test=model.test, level=model.level, transf=transf is not None, model=model,
    )  # fmt: skip
