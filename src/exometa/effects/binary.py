"""Effect sizes from counts: 2x2 tables (RR, OR, RD, PETO) and single proportions
(PR, PLO, PAS, PFT). Formulas and defaults follow metafor's ``escalc``.

Each function takes a dict of float arrays and returns ``(yi, vi)``.
"""

from __future__ import annotations

import numpy as np


def _correct(cells, add: float, to: str):
    """Continuity correction as escalc's ``add``/``to`` (all cells of a row at once)."""
    cells = [np.array(c, dtype=float) for c in cells]
    if add == 0 or to == "none":
        return cells
    if to == "all":
        return [c + add for c in cells]
    zero = np.zeros(cells[0].shape, bool)
    for c in cells:
        zero |= c == 0
    if to == "only0":
        return [np.where(zero, c + add, c) for c in cells]
    if to == "if0all":
        return [c + add for c in cells] if zero.any() else cells
    raise AssertionError(to)  # checked by the caller


def two_by_two(measure: str, a, add=0.5, to="only0", drop00=False, vtype="LS"):
    ai, bi, ci, di = (np.asarray(a[n], dtype=float) for n in ("ai", "bi", "ci", "di"))
    if drop00:
        both = ((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0))
        ai, bi, ci, di = (np.where(both, np.nan, x) for x in (ai, bi, ci, di))
    ai, bi, ci, di = _correct((ai, bi, ci, di), add, to)
    n1, n2 = ai + bi, ci + di
    if measure == "PETO":  # escalc corrects the cells first here too
        n = n1 + n2
        e = (ai + ci) * n1 / n
        var = (ai + ci) * (bi + di) * (n1 / n) * (n2 / n) / (n - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (ai - e) / var, 1 / var
    p1, p2 = ai / n1, ci / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            return np.log(p1) - np.log(p2), 1 / ai - 1 / n1 + 1 / ci - 1 / n2
        if measure == "OR":
            return np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2)), 1 / ai + 1 / bi + 1 / ci + 1 / di
        if measure == "RD":
            if vtype == "UB":
                return p1 - p2, p1 * (1 - p1) / (n1 - 1) + p2 * (1 - p2) / (n2 - 1)
            return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    raise AssertionError(measure)


def proportion(measure: str, a, add=0.5, to="only0", vtype="LS"):
    xi = np.asarray(a["xi"], dtype=float)
    mi = np.asarray(a["mi"], dtype=float)
    if measure in ("PAS", "PFT"):  # escalc uses add = 0 for these by default
        n = xi + mi
        with np.errstate(divide="ignore", invalid="ignore"):
            if measure == "PAS":
                return np.arcsin(np.sqrt(xi / n)), 1 / (4 * n)
            return (
                0.5 * (np.arcsin(np.sqrt(xi / (n + 1))) + np.arcsin(np.sqrt((xi + 1) / (n + 1)))),
                1 / (4 * n + 2),
            )
    xi, mi = _correct((xi, mi), add, to)
    n = xi + mi
    p = xi / n
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "PR":
            return p, p * (1 - p) / ((n - 1) if vtype == "UB" else n)
        if measure == "PLO":
            return np.log(p / (1 - p)), 1 / xi + 1 / mi
    raise AssertionError(measure)
