"""The public plotting API: ``forest(result, ...)`` and ``funnel(result, ...)`` for any fitted result.

Both take what a script holds -- a :class:`~exometa.models.results.MetaResult`
(``meta_analysis``), a Mantel-Haenszel or Peto result, a
:class:`~exometa.models.subgroups.SubgroupResult`, or an analysis result from
``exometa run``'s pipeline -- and return a matplotlib ``Figure`` (not attached
to pyplot: show it in a notebook by leaving it as the cell's value, save it
with :func:`exometa.plots.save.save_figure` for byte-identical files, or with
``fig.savefig``). Nothing is re-pooled: the result's own estimate, intervals
and weights are drawn (see :mod:`exometa.plots.from_results`).

``exometa.plots.forest(...)`` and ``exometa.plots.funnel(...)`` are these functions.
"""

from __future__ import annotations

from ..errors import ExometaError
from .style import DEFAULT_WIDTH


def forest(result, *, slab=None, measure=None, transf=None, width=DEFAULT_WIDTH, sort=None, level=None, title=None,
           favours=None, by=None, flags=None, year=None, groups=None, rob=None, decimals: int = 2, rows_per_page=None,
           page: int = 1, **arms):
    """A forest plot of any fitted result, as a matplotlib Figure.

    Parameters
    ----------
    result : MetaResult, MantelHaenszelResult, SubgroupResult or AnalysisResult
        What to draw.
    slab : sequence of str, optional
        Study labels (default: the result's ``slab``, else "Study 1", ...).
    measure : str, optional
        The effect measure (metafor's code: "RR", "OR", "MD", "SMD", "HR", ...):
        names the axis and columns, and draws ratios on a log axis in ratios.
        Mantel-Haenszel and Peto results know their own.
    transf : callable, optional
        Back-transformation of estimates and intervals (metafor's ``transf``),
        e.g. ``numpy.exp`` for log ratios (drawn on a log axis).
    width : "single", "double", "page" or inches
        8.5 cm, 17.5 cm (default) or 25 cm; text stays at least 7 pt.
    sort : {"effect", "weight", "year", "label"}, optional
        Order of the studies (default: as given).
    level : float, optional
        Level of every interval, in percent (default: the result's).
    title : str, optional
        Title above the plot.
    favours : pair of str or False, optional
        Labels under the axis, left and right (e.g. ``("Favours treatment",
        "Favours control")``); default: neutral words for a known measure
        ("Lower with treatment" / "Higher with treatment"), none otherwise.
    by : str, optional
        A subgroup variable of an analysis result.
    flags : dict, optional
        Study label -> {flag name: reason} (see :mod:`exometa.evidence.flags`).
    year : sequence, optional
        Each study's year, for ``sort="year"``.
    groups : sequence, optional
        For a SubgroupResult: each study's subgroup, as given to ``subgroup_analysis``.
    rob : RobAssessment, optional
        Risk of bias (:func:`exometa.evidence.rob.read_risk_of_bias`; study ids are the
        labels): its columns beside the plot (default: an analysis result's own ``rob``).
    decimals : int
        Decimals of the estimates and intervals shown as text.
    rows_per_page, page : int, optional
        Draw page ``page`` of the plot split into pages of ``rows_per_page``
        study lines (default: one figure with every study).
    **arms
        Per-arm data for RevMan's columns: ``ai, n1i, ci, n2i`` (events and
        totals; Mantel-Haenszel and Peto results need them for their weights),
        ``m1i, sd1i, n1i, m2i, sd2i, n2i`` (means, SDs and totals), or ``xi, ni``
        (one group's events and total, for proportions).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    metafor's ``rma(yi, vi, data=dat.bcg)`` on log risk ratios gives 0.49 (0.34 to 0.70):

    >>> import exometa, numpy as np, pandas as pd, importlib.resources as ir
    >>> d = pd.read_csv(ir.files("exometa") / "data/dat_bcg.csv")
    >>> es = exometa.effect_sizes("RR", d, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    >>> res = exometa.meta_analysis(es.yi, es.vi, slab=d.author + " " + d.year.astype(str))
    >>> fig = forest(res, measure="RR", sort="effect", title="BCG vaccine and tuberculosis")
    >>> round(float(fig.get_size_inches()[0]) * 2.54, 1)   # 17.5 cm wide
    17.5
    >>> fig = forest(res, transf=np.exp, width="single", level=90)
    """
    from .forest_draw import forest_figures
    from .forest_layout import forest_layout
    from .from_results import as_analysis

    res = as_analysis(result, slab=slab, measure=measure, level=level, title=title, flags=flags, year=year,
                      groups=groups, rob=rob, **arms)
    if by is None and res.subgroups and len(res.subgroups) == 1 and not hasattr(result, "spec"):
        by = next(iter(res.subgroups))
    if favours is None and measure is None and res.spec.measure == "GEN" and res.spec.effect_measure == "Estimate":
        favours = False  # the measure is not known: no words about its direction
    lay = forest_layout(res, by=by, decimals=decimals, sort=sort, transf=transf, favours=favours)
    return forest_figures(lay, width, title, rows_per_page, pages=[page])[0]


def funnel(result, *, slab=None, measure=None, level=None, width=DEFAULT_WIDTH, title=None, flags=None, labels="auto",
           transf=None, unit="", trimfill=None, pet=None, peese=None, **arms):
    """A contour-enhanced funnel plot of any fitted result, as a matplotlib Figure.

    Parameters
    ----------
    result : MetaResult, MantelHaenszelResult, SubgroupResult or AnalysisResult
        What to draw (a SubgroupResult: its overall fit).
    slab, measure, level, width, title, flags
        As :func:`forest`. ``measure`` names the x-axis with its scale
        ("Log risk ratio", "Mean difference (hairs/cm²)" with ``unit``).
    labels : {"auto", "names", "numbers", "none"}
        Study labels: names placed beside the points where they do not
        overlap, else numbers with a key under the plot ("auto").
    transf : callable, optional
        Labels the x-axis ticks on the back-transformed scale (metafor's
        ``atransf``), e.g. ``numpy.exp``; the points stay on the analysis scale.
    trimfill, pet, peese : bool or result, optional
        Small-study figures: the trim-and-fill studies (hollow), Egger's line
        (PET) and the PEESE curve, drawn by :func:`exometa.plots.bias.bias_funnel`.

    Examples
    --------
    >>> import exometa, pandas as pd, importlib.resources as ir
    >>> d = pd.read_csv(ir.files("exometa") / "data/dat_bcg.csv")
    >>> es = exometa.effect_sizes("RR", d, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    >>> fig = funnel(exometa.meta_analysis(es.yi, es.vi), measure="RR", slab=d.author)
    >>> fig.axes[0].get_xlabel()
    'Log risk ratio'
    """
    from .from_results import as_analysis
    from .funnel import funnel_figure, funnel_layout

    res = as_analysis(result, slab=slab, measure=measure, level=level, title=title, flags=flags, unit=unit, **arms)
    if trimfill or pet or peese:
        try:
            from .bias import bias_funnel
        except ImportError:  # pragma: no cover - the module ships with the bias functions
            raise ExometaError("trim-and-fill, PET and PEESE funnel plots need exometa.plots.bias, which this "
                               "installation lacks.") from None
        return bias_funnel(res.main.result, trimfill=trimfill, pet=pet, peese=peese, width=width)
    return funnel_figure(funnel_layout(res), width=width, title=title, labels=labels, transf=transf)


__all__ = ["forest", "funnel"]
