"""Bubble plot of a meta-regression (metafor's ``regplot``): a layout first, drawing second.

Each study is a circle at (its moderator value, its effect), with area
proportional to its weight in the model; the fitted line, its confidence band
and the prediction interval come from :func:`exometa.diagnostics.predict`, with
any other moderators held at their means (as metafor does).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..diagnostics.model import model_of
from ..diagnostics.predict import predict
from ..errors import ExometaError
from .diagnostics import POINT, _label_points, _ratio_axis
from .style import FONT, POOLED, REFERENCE, new_figure

#: circle areas in points^2 for the lightest and the heaviest study
SIZES = (12.0, 120.0)


def _moderator_column(model, mod) -> int:
    names = model.coef_names
    if mod is None:
        if model.p != 2:
            raise ExometaError(
                f"This model has {model.p - 1} moderators ({', '.join(names[1:])}); say which to plot, e.g. mod={names[1]!r}."
            )
        return 1
    if isinstance(mod, str):
        if mod not in names[1:]:
            raise ExometaError(f"`mod` must be one of the model's moderators {list(names[1:])}; got {mod!r}.")
        return names.index(mod)
    if not isinstance(mod, (int, np.integer)) or not 1 <= mod < model.p:
        raise ExometaError(f"`mod` must be a moderator's name or its column 1..{model.p - 1} in the model matrix; got {mod!r}.")
    return int(mod)


def regplot_layout(res, mod=None, transf=None, n_line: int = 101):
    """The bubble plot as two tables.

    Returns
    -------
    points : one row per study: ``study``, ``x`` (moderator), ``y`` (effect, transformed),
        ``weight`` (percent), ``size`` (circle area in points^2).
    line : ``x`` on a grid over the moderator's range and ``pred, ci_lb, ci_ub, pi_lb,
        pi_ub`` there (other moderators at their means).
    """
    model = model_of(res, "regplot()")
    if model.int_only:
        raise ExometaError("regplot() draws a meta-regression; this model has no moderators (pass mods= to meta_analysis).")
    j = _moderator_column(model, mod)
    X = model.X
    tau2 = 0.0 if model.common else model.tau2
    w = 1.0 / (model.vi + tau2)
    weight = 100 * w / w.sum()
    span = np.ptp(weight)
    size = SIZES[0] + (SIZES[1] - SIZES[0]) * ((weight - weight.min()) / span if span > 0 else 0.5)
    f = transf or (lambda v: v)
    points = pd.DataFrame({"study": list(model.slab), "x": X[:, j], "y": np.asarray(f(model.yi), float),
                           "weight": weight, "size": size})  # fmt: skip
    grid = np.linspace(X[:, j].min(), X[:, j].max(), n_line)
    new = np.repeat(X.mean(axis=0)[None, :], n_line, axis=0)
    new[:, j] = grid
    p = predict(res, newmods=new[:, 1:], transf=transf)
    line = pd.DataFrame({"x": grid, "pred": p.pred, "ci_lb": p.ci_lb, "ci_ub": p.ci_ub, "pi_lb": p.pi_lb, "pi_ub": p.pi_ub})
    return points, line


def regplot(res, mod=None, transf=None, xlabel=None, ylabel=None, title=None, label=False, null=0.0,
            width="single", height: float = 3.0):  # fmt: skip
    """Bubble plot of a meta-regression: effects against a moderator, with the fitted line.

    Parameters
    ----------
    res : MetaRegressionResult (keeping its data; see :func:`exometa.diagnostics.model.model_of`).
    mod : the moderator to plot, by name or column (default: the only one).
    transf : e.g. ``np.exp`` to show ratios (on a log axis).
    label : label every study (True) or none (False).
    null : the value of no effect on the analysis scale (a horizontal line).

    Returns
    -------
    matplotlib.figure.Figure
    """
    points, line = regplot_layout(res, mod, transf)
    model = model_of(res, "regplot()")
    j = _moderator_column(model, mod)
    fig = new_figure(width, height)
    ax = fig.add_axes((0.17, 0.25, 0.78, 0.64))
    ax.fill_between(line.x, line.ci_lb, line.ci_ub, color=POOLED, alpha=0.15, lw=0)
    ax.plot(line.x, line.pred, color=POOLED, lw=1.2)
    if np.isfinite(line.pi_lb).all():
        ax.plot(line.x, line.pi_lb, color=POOLED, lw=0.8, ls=(0, (3, 2)))
        ax.plot(line.x, line.pi_ub, color=POOLED, lw=0.8, ls=(0, (3, 2)))
    ax.scatter(points.x, points.y, s=points["size"], facecolor="none", edgecolor=POINT, lw=0.9, zorder=3)
    ax.axhline((transf or (lambda v: v))(null), color=REFERENCE, lw=0.7, zorder=0)
    if transf is np.exp:
        lo = np.nanmin([points.y.min(), np.nanmin(line.pi_lb), 1.0])
        hi = np.nanmax([points.y.max(), np.nanmax(line.pi_ub), 1.0])
        _ratio_axis(ax, lo, hi, axis="y")
    if label:
        _label_points(ax, points.assign(label=points.study), points)
    ax.set_xlabel(xlabel or model.coef_names[j], fontsize=FONT["label"], parse_math=False)
    ax.set_ylabel(ylabel or ("Effect (log scale)" if transf is np.exp else "Effect"), fontsize=FONT["label"],
                  parse_math=False)  # fmt: skip
    ax.tick_params(labelsize=FONT["small"])
    fig.suptitle(title or "Meta-regression", x=0.02, ha="left", y=0.98, fontsize=FONT["title"], fontweight="bold",
                 parse_math=False)  # fmt: skip
    fig.text(0.02, 0.01, f"Circles: studies (area ∝ weight). Band: {model.level:g}% CI of the fitted line.\n"
             f"Dashed: {model.level:g}% prediction interval.", fontsize=FONT["small"], color="0.3")  # fmt: skip
    return fig
