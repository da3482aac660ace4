"""A worked example for the docstrings: metafor's ``dat.bcg`` (Colditz et al. 1994).

13 trials of the BCG vaccine against tuberculosis, with the log risk ratio
``yi`` and its sampling variance ``vi`` as metafor's
``escalc("RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)`` gives them.
"""

from __future__ import annotations

from importlib.resources import files

import pandas as pd


def bcg() -> pd.DataFrame:
    """dat.bcg with ``yi``, ``vi`` (log risk ratios) and a study label ``slab``.

    >>> d = bcg()
    >>> d.shape[0], list(d.columns[-3:])
    (13, ['yi', 'vi', 'slab'])
    >>> round(float(d.yi[0]), 4), round(float(d.vi[0]), 4)   # metafor: -0.8893, 0.3256
    (-0.8893, 0.3256)
    """
    from ..effects import effect_sizes

    with files("exometa").joinpath("data/dat_bcg.csv").open() as fh:
        d = pd.read_csv(fh)
    es = effect_sizes("RR", d, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    d["yi"] = list(es.yi)
    d["vi"] = list(es.vi)
    d["slab"] = [f"{a}, {y}" for a, y in zip(d.author, d.year)]
    return d
