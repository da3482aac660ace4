"""Effect sizes and their sampling variances (metafor's ``escalc``).

:func:`effect_sizes` is the one entry point; the formulas live in
:mod:`.binary` (counts), :mod:`.continuous` (means, SDs, correlations) and
:mod:`.generic` (an estimate with its SE or CI). Conversions of reported
summaries (medians, CIs, p-values) to means and SDs are in :mod:`.conversions`.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..arguments import align_by_label, check_choice, is_pandas
from ..errors import DataError, DataWarning, ExometaError
from . import binary, continuous, generic

#: measure -> (required arguments, optional arguments, description)
MEASURES = {
    "RR": (("ai", "ci"), ("bi", "di", "n1i", "n2i"), "log risk ratio"),
    "OR": (("ai", "ci"), ("bi", "di", "n1i", "n2i"), "log odds ratio"),
    "RD": (("ai", "ci"), ("bi", "di", "n1i", "n2i"), "risk difference"),
    "PETO": (("ai", "ci"), ("bi", "di", "n1i", "n2i"), "log odds ratio (Peto's method)"),
    "PR": (("xi",), ("mi", "ni"), "raw proportion"),
    "PLO": (("xi",), ("mi", "ni"), "logit-transformed proportion"),
    "PAS": (("xi",), ("mi", "ni"), "arcsine square-root transformed proportion"),
    "PFT": (("xi",), ("mi", "ni"), "Freeman-Tukey double arcsine transformed proportion"),
    "MD": (("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"), (), "raw mean difference"),
    "SMD": (("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"), (), "standardized mean difference (Hedges' g)"),
    "SMDH": (("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"), (), "standardized mean difference, heteroscedastic"),
    "ROM": (("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"), (), "log ratio of means"),
    "MC": (("m1i", "m2i", "sd1i", "sd2i", "ni", "ri"), (), "raw mean change"),
    "SMCC": (("m1i", "m2i", "sd1i", "sd2i", "ni", "ri"), (), "standardized mean change, change-score standardization"),
    "SMCR": (("m1i", "m2i", "sd1i", "ni", "ri"), ("sd2i",), "standardized mean change, raw-score standardization"),
    "COR": (("ri", "ni"), (), "raw correlation coefficient"),
    "ZCOR": (("ri", "ni"), (), "Fisher's r-to-z transformed correlation"),
    "GEN": (("yi",), ("sei", "vi", "ci_lb", "ci_ub"), "generic estimate with its SE or CI"),
}

#: measures analysed on the log scale (back-transformed with exp for display)
LOG_MEASURES = ("RR", "OR", "PETO", "ROM")

VTYPES = ("LS", "UB", "HO")


def _column(data, name, value, n):
    if isinstance(value, str):
        if data is None:
            raise ExometaError(f"`{name}` is the column name {value!r}, but no `data` was given.")
        if value not in data.columns:
            raise ExometaError(
                f"`{name}` names column {value!r}, which is not in `data` (columns: {', '.join(map(str, data.columns))})."
            )
        value = data[value]
    if is_pandas(value):
        import pandas as pd

        arr = pd.to_numeric(value, errors="coerce").to_numpy(dtype=float)
    else:
        arr = np.asarray(value)
        try:
            arr = arr.astype(float).ravel()
        except (TypeError, ValueError):  # text among numbers: not a number, so NaN
            import pandas as pd

            arr = pd.to_numeric(pd.Series(arr.ravel()), errors="coerce").to_numpy(dtype=float)
    if arr.size == 1 and n > 1:
        arr = np.full(n, arr[0])
    return arr


def _row_names(data, n):
    if data is not None:
        return [str(i) for i in data.index]
    return [f"row {i + 1}" for i in range(n)]


def _complain(bad, labels, what, fix):
    if np.any(bad):
        rows = [labels[i] for i in np.flatnonzero(bad)]
        shown = ", ".join(rows[:10]) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
        return f"{what} in {shown}. {fix}"
    return None


def _validate(measure, a, labels):
    """Every impossible input at once, naming the rows."""
    problems = []
    nonneg = lambda x: np.asarray(x) < 0  # noqa: E731
    for name in ("ai", "bi", "ci", "di", "xi", "mi"):
        if name in a:
            problems.append(_complain(nonneg(a[name]), labels, f"negative count `{name}`", "Counts must be >= 0."))
    for name in ("n1i", "n2i", "ni"):
        if name in a:
            problems.append(_complain(np.asarray(a[name]) <= 0, labels, f"`{name}` <= 0", "Sample sizes must be >= 1."))
    for name in ("sd1i", "sd2i", "sei"):
        if name in a:
            problems.append(_complain(nonneg(a[name]), labels, f"negative `{name}`", "A standard deviation or error cannot be negative."))
    if "ri" in a:
        problems.append(_complain(np.abs(a["ri"]) > 1, labels, "correlation `ri` outside [-1, 1]", "Check the correlation."))
    for ev, n in (("ai", "n1i"), ("ci", "n2i"), ("xi", "ni")):
        if ev in a and n in a:
            problems.append(_complain(np.asarray(a[ev]) > np.asarray(a[n]), labels, f"more events (`{ev}`) than participants (`{n}`)", "Events cannot exceed the group size."))
    if "ci_lb" in a and "ci_ub" in a:
        problems.append(_complain(np.asarray(a["ci_lb"]) > np.asarray(a["ci_ub"]), labels, "`ci_lb` > `ci_ub`", "Swap the limits or check them."))
    problems = [p for p in problems if p]
    if problems:
        raise DataError(f"effect_sizes(measure={measure!r}): " + "; ".join(problems))


def _fill_complements(measure, a):
    """bi = n1i - ai, di = n2i - ci, mi = ni - xi (and back), as escalc does."""
    if measure in ("RR", "OR", "RD", "PETO"):
        for ev, non, n in (("ai", "bi", "n1i"), ("ci", "di", "n2i")):
            if non not in a and n not in a:
                raise ExometaError(f"measure={measure!r} needs `{non}` or `{n}` besides `{ev}`.")
            if n in a:
                a[non] = np.where(np.isnan(a.get(non, np.nan)), a[n] - a[ev], a.get(non, np.nan))
            else:
                a[n] = a[ev] + a[non]
    if measure in ("PR", "PLO", "PAS", "PFT"):
        if "mi" not in a and "ni" not in a:
            raise ExometaError(f"measure={measure!r} needs `ni` (or `mi`, the non-events) besides `xi`.")
        if "ni" in a:
            a["mi"] = np.where(np.isnan(a.get("mi", np.nan)), a["ni"] - a["xi"], a.get("mi", np.nan))
        else:
            a["ni"] = a["xi"] + a["mi"]


def _warn_infinite(measure, yi, vi, labels):
    """metafor recodes +-Inf effect sizes or variances to NA with a warning; so does exometa."""
    inf = np.isinf(yi) | np.isinf(vi)
    if inf.any():
        rows = [labels[i] for i in np.flatnonzero(inf)]
        shown = ", ".join(rows[:10]) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
        warnings.warn(
            f"effect_sizes(measure={measure!r}): {shown} gave an infinite effect size or variance "
            "(e.g. a table with no events in either arm and add=0), set to NaN: these rows cannot be "
            "pooled. A continuity correction (add=0.5) or drop00=True avoids it.",
            DataWarning,
            stacklevel=3,
        )


def effect_sizes(
    measure: str,
    data=None,
    *,
    add: float = 0.5,
    to: str = "only0",
    vtype: str = "LS",
    drop00: bool = False,
    level: float = 95,
    **columns,
):
    """Compute effect sizes ``yi`` and sampling variances ``vi`` (metafor's ``escalc``).

    Parameters
    ----------
    measure : str
        One of :data:`MEASURES` ('MD', 'SMD', 'RR', 'OR', ..., 'GEN').
    data : DataFrame, optional
        Where column names given in ``columns`` are looked up; its columns are
        returned alongside ``yi`` and ``vi``.
    add, to : continuity correction for counts (metafor's defaults: add 1/2 to
        every cell of a table that has a zero, ``to="only0"``; also "all",
        "if0all", "none").
    vtype : 'LS' (large-sample, default), 'UB' or 'HO' where the measure has them.
    drop00 : set tables with no events (or no non-events) in both arms to NaN.
    level : CI level of ``ci_lb``/``ci_ub`` for measure 'GEN'.
    **columns
        The inputs, named as in escalc: ``ai, bi, ci, di, n1i, n2i`` (2x2),
        ``xi, ni`` (proportions), ``m1i, m2i, sd1i, sd2i, n1i, n2i`` (two groups),
        ``m1i, m2i, sd1i, sd2i, ni, ri`` (change: m1i after, m2i before),
        ``ri, ni`` (correlations), ``yi`` with ``sei``, ``vi`` or
        ``ci_lb``/``ci_ub`` (generic). Each is a column name of ``data`` or an array.

    Returns
    -------
    DataFrame with the inputs and ``yi``, ``vi``. Rows with a missing input
    get NaN (they cannot be pooled); impossible inputs raise one
    :class:`~exometa.errors.DataError` that names every offending row.

    Examples
    --------
    Standardized mean difference (Hedges' g) of two groups (metafor's escalc
    gives 0.8659 and 0.1094):

    >>> es = effect_sizes("SMD", m1i=[10.0], m2i=[8.0], sd1i=[2.0], sd2i=[2.5], n1i=[20], n2i=[20])
    >>> round(float(es.yi[0]), 4), round(float(es.vi[0]), 4)
    (0.8659, 0.1094)
    """
    measure = check_choice("measure", measure, MEASURES)
    check_choice("to", to, ("only0", "all", "if0all", "none"))
    check_choice("vtype", vtype, VTYPES)
    required, optional, _ = MEASURES[measure]
    unknown = sorted(set(columns) - set(required) - set(optional))
    if unknown:
        raise ExometaError(
            f"measure={measure!r} takes {', '.join(required + optional)}; got unexpected {', '.join(unknown)}."
        )
    missing = [r for r in required if r not in columns]
    if missing:
        raise ExometaError(f"measure={measure!r} needs {', '.join(required)}; missing {', '.join(missing)}.")
    if data is None:
        columns = align_by_label(**columns)
    n = len(data) if data is not None else max(np.size(v) if not isinstance(v, str) else 1 for v in columns.values())
    a = {name: _column(data, name, value, n) for name, value in columns.items()}
    sizes = {name: arr.size for name, arr in a.items()}
    if len(set(sizes.values())) > 1:
        raise ExometaError(f"The inputs must all have the same length; got {sizes}.")
    _fill_complements(measure, a)
    labels = _row_names(data, n)
    _validate(measure, a, labels)
    if measure in ("RR", "OR", "RD", "PETO"):
        yi, vi = binary.two_by_two(measure, a, add, to, drop00, vtype)
    elif measure in ("PR", "PLO", "PAS", "PFT"):
        yi, vi = binary.proportion(measure, a, add, to, vtype)
    elif measure in ("MD", "SMD", "SMDH", "ROM"):
        yi, vi = continuous.two_group(measure, a, vtype)
    elif measure in ("MC", "SMCC", "SMCR"):
        yi, vi = continuous.change(measure, a)
    elif measure in ("COR", "ZCOR"):
        yi, vi = continuous.correlation(measure, a)
    else:
        yi, vi = generic.from_estimate(a, level)
    _warn_infinite(measure, yi, vi, labels)
    import pandas as pd

    out = data.copy() if data is not None else pd.DataFrame({k: v for k, v in a.items() if k in columns})
    if data is None:
        index = next((v.index for v in columns.values() if is_pandas(v)), None)
        if index is not None:
            out.index = index
    out["yi"] = np.where(np.isfinite(yi) & np.isfinite(vi), yi, np.nan)
    out["vi"] = np.where(np.isfinite(yi) & np.isfinite(vi), vi, np.nan)
    out.attrs["measure"] = measure
    return out


__all__ = ["effect_sizes", "MEASURES", "LOG_MEASURES"]
