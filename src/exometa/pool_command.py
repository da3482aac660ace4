"""``exometa pool``: pool the studies of a CSV or XLSX file, for scripts and other languages.

Three ways in:

- ``--yi COL --vi COL``: effect sizes and sampling variances already computed;
- ``--measure M`` and the columns it needs: effect sizes computed first
  (:func:`exometa.effect_sizes`, metafor's ``escalc``);
- ``--method MH`` or ``PETO`` with the 2x2 columns (``--ai --bi --ci --di``, or
  ``--ai --n1i --ci --n2i``): Mantel-Haenszel (``--measure`` OR, RR or RD;
  default OR) or Peto pooling of the counts themselves.

Rows with a missing input are left out and listed. ``--mods`` fits a
meta-regression; ``--transf`` adds the estimate and its intervals on the
original scale (``exp`` for log ratios, as metafor's ``predict(res,
transf=exp)``); ``--forest FILE`` draws a forest plot (for MH and Peto: each
study's own estimate and variance, from ``escalc``, with the MH or Peto pooled
diamond; study weights shown are the MH or Peto weights, as RevMan and
metafor's ``weights()`` give them).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

from .errors import ExometaError

FIGURE_SUFFIXES = (".svg", ".png", ".pdf")
TRANSFORM_NAMES = {"exp": "exp", "expit": "inverse logit", "tanh": "tanh (Fisher's z to r)"}


def _transform(name: str):
    if name == "exp":
        return np.exp
    if name == "expit":
        return lambda x: 1.0 / (1.0 + np.exp(-np.asarray(x, float)))
    return np.tanh


def _numeric(df, name: str, what: str):
    import pandas as pd

    if name not in df.columns:
        raise ExometaError(f"--{what} {name!r} is not a column of the data; columns are: "
                           f"{', '.join(map(str, df.columns))}.")
    values = pd.to_numeric(df[name], errors="coerce")
    bad = values.isna() & df[name].notna()
    if bad.any():
        rows = [int(i) + 2 for i in np.flatnonzero(bad.to_numpy())][:10]  # +2: header line, 1-based
        raise ExometaError(f"Column {name!r} has text that is not a number in file rows {rows}; fix those cells.")
    return values


def _labels(df, slab):
    import pandas as pd

    if slab is None:
        return pd.Series([f"row {i + 2}" for i in range(len(df))], index=df.index)
    if slab not in df.columns:
        raise ExometaError(f"--slab {slab!r} is not a column of the data; columns are: {', '.join(map(str, df.columns))}.")
    return df[slab].astype(str)


def _check_forest_files(files) -> list:
    out = []
    for f in files or ():
        p = Path(f)
        if p.suffix.lower() not in FIGURE_SUFFIXES:
            raise ExometaError(f"--forest {f}: give a file name ending in .svg, .png or .pdf.")
        if not p.parent.is_dir():
            from .outputs import OutputError

            raise OutputError(f"--forest {f}: the folder {p.parent} does not exist. Create it, or choose another place.")
        out.append(p)
    return out


def _inverse_variance(args, df, labels):
    from .cli_commands import effect_columns
    from .effects import effect_sizes
    from .models import meta_analysis

    if args.measure:
        es = effect_sizes(args.measure, df, **effect_columns(args))
        yi, vi = es["yi"], es["vi"]
    elif args.yi and args.vi:
        yi, vi = _numeric(df, args.yi, "yi"), _numeric(df, args.vi, "vi")
    else:
        raise ExometaError("Give either --yi and --vi, or --measure with the columns it needs "
                           "(e.g. --measure RR --ai ...), or --method MH with the 2x2 columns.")
    keep = yi.notna() & vi.notna()
    mods = None
    if args.mods:
        missing = [c for c in args.mods if c not in df.columns]
        if missing:
            raise ExometaError(f"--mods {', '.join(missing)}: not a column of the data; columns are: "
                               f"{', '.join(map(str, df.columns))}.")
        mods = df[list(args.mods)]
        keep &= mods.notna().all(axis=1)
        mods = mods[keep].reset_index(drop=True)
    res = meta_analysis(yi[keep].to_numpy(), vi[keep].to_numpy(), method=args.method, test=args.test,
                        level=args.level, mods=mods, slab=labels[keep].tolist())
    return res, keep, yi, vi


def _counts(args, df):
    cols = {}
    for a in ("ai", "bi", "ci", "di", "n1i", "n2i"):
        name = getattr(args, a, None)
        if name is not None:
            cols[a] = _numeric(df, name, a)
    if not ({"ai", "ci"} <= set(cols) and ({"bi", "di"} <= set(cols) or {"n1i", "n2i"} <= set(cols))):
        raise ExometaError(f"--method {args.method} pools 2x2 tables: give --ai, --bi, --ci and --di "
                           "(or --ai, --n1i, --ci and --n2i).")
    return cols


def _mantel_haenszel(args, df):
    from . import mantel_haenszel, peto

    if args.mods:
        raise ExometaError(f"--mods needs an inverse-variance model; --method {args.method} has no moderators.")
    if args.test != "z":
        raise ExometaError(f"--method {args.method} uses the z-test only; leave out --test.")
    measure = args.measure or "OR"
    if args.method == "MH" and measure not in ("OR", "RR", "RD"):
        raise ExometaError(f"--method MH pools OR, RR or RD; got --measure {measure}.")
    if args.method == "PETO" and measure not in ("OR", "PETO"):
        raise ExometaError(f"--method PETO pools odds ratios; leave out --measure (got {measure}).")
    cols = _counts(args, df)
    keep = np.logical_and.reduce([c.notna().to_numpy() for c in cols.values()])
    given = {a: c[keep].to_numpy() for a, c in cols.items()}
    if args.method == "MH":
        res = mantel_haenszel(**given, measure=measure, level=args.level)
    else:
        res = peto(**given, level=args.level)
    return res, keep, given


def count_weights(method: str, measure: str, ai, bi=None, ci=None, di=None, n1i=None, n2i=None) -> np.ndarray:
    """Each table's weight in percent in a Mantel-Haenszel or Peto pooled estimate.

    The weights RevMan shows and metafor's ``weights()`` returns for ``rma.mh``
    and ``rma.peto``: MH odds ratio b·c/n, risk ratio c·n1/n, risk difference
    n1·n2/n; Peto, the hypergeometric variance of the events in the first arm.
    Tables that do not enter the estimate get weight 0.
    """
    a, c = np.asarray(ai, float), np.asarray(ci, float)
    b = np.asarray(n1i, float) - a if bi is None else np.asarray(bi, float)
    d = np.asarray(n2i, float) - c if di is None else np.asarray(di, float)
    n1, n2 = a + b, c + d
    n = n1 + n2
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "PETO":
            w = (a + c) * (b + d) * (n1 / n) * (n2 / n) / (n - 1)
        elif measure == "OR":
            w = b * c / n
        elif measure == "RR":
            w = c * n1 / n
        else:
            w = n1 * n2 / n
    w = np.where(np.isfinite(w), w, 0.0)
    if method == "MH" and measure in ("OR", "RR"):
        w = np.where(((a == 0) & (c == 0)) | ((b == 0) & (d == 0)), 0.0, w)
    return 100 * w / w.sum()


def unique_labels(labels, rows) -> list:
    """Labels made unique for a forest plot: a repeated label gets its file row, ``'Comstock et al (row 13)'``.

    >>> unique_labels(["A", "B", "A"], [2, 3, 4])
    ['A (row 2)', 'B', 'A (row 4)']
    """
    labels = [str(x) for x in labels]
    counts = {x: labels.count(x) for x in labels}
    return [f"{x} (row {r})" if counts[x] > 1 else x for x, r in zip(labels, rows)]


def _draw_forest(args, files, labels, yi, vi, res, weights=None):
    """Draw the forest plot to each file, in its format.

    An inverse-variance analysis at 95% is drawn by :func:`exometa.plots.forest.forest_plot`.
    ``forest_plot`` re-pools the studies itself and takes neither a level nor a Mantel-Haenszel
    or Peto result, so other analyses are drawn from the result printed: the studies' own yi
    and vi, with the pooled row and ``weights`` (in percent) of ``res``.
    """
    from .plots.save import figure_formats

    measure = args.measure or ("OR" if args.method in ("MH", "PETO") else "Effect size")
    for path in files:
        base = path.with_suffix("")
        fmt = path.suffix.lower()[1:]
        with figure_formats((fmt,)):
            if weights is None and args.level == 95:
                from .plots.forest import forest_plot

                forest_plot(yi, vi, labels, base, measure=measure, method=args.method, test=args.test,
                            title=args.title, formats=[fmt])
            else:
                _draw_result(args, base, measure, labels, yi, vi, res, weights, fmt)
        print(f"wrote {path}", file=sys.stderr)


def _draw_result(args, base, measure, labels, yi, vi, res, weights, fmt):
    import dataclasses

    from .analysis.extract import StudyEffect
    from .analysis.run import AnalysisResult, Fit
    from .analysis.spec import AnalysisSpec
    from .plots.forest import draw_forest, forest_layout

    spec = AnalysisSpec(name="forest", title=args.title, outcome=(), measure=measure, method=args.method,
                        test=res.test, level=args.level)
    effects = [StudyEffect(str(s), str(s), arm="", yi=float(y), vi=float(v)) for s, y, v in zip(labels, yi, vi)]
    if weights is not None:
        res = dataclasses.replace(res, weights=np.asarray(weights))
    shown = weights if weights is not None else getattr(res, "weights", None)
    shown = () if shown is None else tuple(np.asarray(shown, dtype=float))
    fit = Fit("all studies", len(effects), res, labels=tuple(map(str, labels)), weights=shown)
    result = AnalysisResult(spec, effects, {}, [], [], fit)
    draw_forest(forest_layout(result), result, base, title=args.title, formats=[fmt])


def _back_transformed(res, name: str) -> dict:
    f = _transform(name)
    out = {"function": name}
    for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        value = getattr(res, key, math.nan)
        out[key] = float(f(value)) if value is not None and math.isfinite(value) else math.nan
    return out


def _transf_text(t: dict, level: float) -> str:
    def fmt(v):
        return f"{v:.4f}" if math.isfinite(v) else "—"

    text = (f"Back-transformed ({TRANSFORM_NAMES[t['function']]}): estimate {fmt(t['estimate'])}, "
            f"{level:g}% CI {fmt(t['ci_lb'])} to {fmt(t['ci_ub'])}")
    if math.isfinite(t["pi_lb"]):
        text += f", {level:g}% prediction interval {fmt(t['pi_lb'])} to {fmt(t['pi_ub'])}"
    return text + "."


def _forest_labels(labels, keep) -> list:
    rows = [i + 2 for i in range(len(labels))]  # file rows: after the header line, 1-based
    kept = np.asarray(keep)
    return unique_labels(labels[kept].tolist(), [r for r, k in zip(rows, kept) if k])


def pool_command(args) -> int:
    """Run ``exometa pool`` (see the module docstring); returns the exit status."""
    from .inputs import read_table

    files = _check_forest_files(args.forest)
    if args.transf and args.mods:
        raise ExometaError("--transf back-transforms a pooled estimate; with --mods there is none (leave out one).")
    if args.forest and args.mods:
        raise ExometaError("--forest draws a pooled analysis; leave out --mods to draw one.")
    df = read_table(args.data, args.sheet, args.encoding)
    labels = _labels(df, args.slab)
    if args.method in ("MH", "PETO"):
        res, keep, given = _mantel_haenszel(args, df)
        if files:
            from .effects import effect_sizes

            es = effect_sizes("PETO" if args.method == "PETO" else (args.measure or "OR"), **given)
            weights = count_weights(args.method, args.measure or "OR", **given)
            _draw_forest(args, files, _forest_labels(labels, keep), es["yi"].to_numpy(), es["vi"].to_numpy(), res,
                         weights)
    else:
        res, keep, yi, vi = _inverse_variance(args, df, labels)
        if files:
            _draw_forest(args, files, _forest_labels(labels, keep), yi[keep].to_numpy(), vi[keep].to_numpy(), res)
    dropped = labels[~np.asarray(keep)].tolist()
    missing = ("counts" if args.method in ("MH", "PETO") else
               "yi, vi or a moderator" if args.mods else "yi or vi")
    transf = _back_transformed(res, args.transf) if args.transf else None
    if args.json:
        out = res.to_dict()
        out["omitted"] = dropped
        if transf:
            out["transf"] = transf
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(res.summary())
        if transf:
            print("\n" + _transf_text(transf, res.level))
        if dropped:
            print(f"\nOmitted (missing {missing}): {', '.join(dropped)}")
    return 0
