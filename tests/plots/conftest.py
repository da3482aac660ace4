"""Shared data for the figure tests: metafor's reference values (make_reference.R), dat.bcg and
dat.normand1999 as exometa fits them, and a check that drawn text neither overlaps nor leaves
the figure."""

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import exometa

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def close(actual, expected, what=""):
    """Agreement with metafor as the project requires it (tests/conftest.py: rtol 1e-5, atol 1e-6)."""
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray([np.nan if v is None else v for v in np.atleast_1d(expected)], float),
                               rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=what)


@pytest.fixture(scope="session")
def ref():
    return json.loads((HERE / "plots_reference.json").read_text())


@pytest.fixture(scope="session")
def bcg(ref):
    d = ref["bcg"]
    frame = pd.DataFrame({k: d[k] for k in ("author", "year", "alloc", "tpos", "tneg", "cpos", "cneg")})
    frame["label"] = [f"{a} {y}" for a, y in zip(frame.author, frame.year)]
    frame["n1"] = frame.tpos + frame.tneg
    frame["n2"] = frame.cpos + frame.cneg
    return frame


@pytest.fixture(scope="session")
def bcg_reml(ref, bcg):
    d = ref["bcg"]
    return exometa.meta_analysis(d["yi"], d["vi"], method="REML", slab=bcg.label)


def counts(bcg) -> dict:
    return {"ai": bcg.tpos, "n1i": bcg.n1, "ci": bcg.cpos, "n2i": bcg.n2}


def _shown_ticks(axis):
    """Tick labels matplotlib draws: those of ticks inside the axis's view."""
    lo, hi = sorted(axis.get_view_interval())
    span = hi - lo
    return [lab for loc, lab in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
            if lo - 1e-9 * span <= loc <= hi + 1e-9 * span]


def texts(fig):
    """Every drawn, non-empty text of a rendered figure with its extent in pixels: the figure's and
    the axes' texts, and the tick and axis labels of axes that are shown."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = list(fig.texts)
    for ax in fig.axes:
        found += ax.texts
        if ax.axison:
            found += _shown_ticks(ax.xaxis) + _shown_ticks(ax.yaxis) + [ax.xaxis.label, ax.yaxis.label]
    return [(t, t.get_window_extent(renderer)) for t in found if t.get_visible() and t.get_text().strip()]


def assert_text_reads(fig, min_size=7.0):
    """Text at least ``min_size`` pt, inside the figure, never over other text."""
    found = texts(fig)
    width, height = fig.bbox.width, fig.bbox.height
    for t, box in found:
        assert t.get_fontsize() >= min_size, (t.get_text(), t.get_fontsize())
        assert box.x0 >= -0.5 and box.x1 <= width + 0.5 and box.y0 >= -0.5 and box.y1 <= height + 0.5, (t.get_text(), box)
    for (t1, b1), (t2, b2) in itertools.combinations(found, 2):
        overlap = min(b1.x1, b2.x1) - max(b1.x0, b2.x0), min(b1.y1, b2.y1) - max(b1.y0, b2.y0)
        assert not (overlap[0] > 0.5 and overlap[1] > 0.5), f"{t1.get_text()!r} overlaps {t2.get_text()!r}"
    return found


def finite(x) -> bool:
    return isinstance(x, float) and math.isfinite(x)
