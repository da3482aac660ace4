"""Saving figures so that the same inputs give byte-identical files.

No timestamps or software versions are written (PDF CreationDate, PNG
Software, SVG Date), SVG ids come from a fixed salt, and fonts are embedded as
paths in SVG so the file does not depend on the viewer's fonts. Settings are
applied through ``rc_context``: importing exometa changes no global state.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg

RC = {"svg.hashsalt": "exometa", "svg.fonttype": "path", "pdf.fonttype": 42, "font.family": "DejaVu Sans"}
FORMATS = ("svg", "png", "pdf")


def save_figure(fig, path_base, formats=FORMATS, dpi: int = 150) -> list[Path]:
    """Write ``path_base``.svg/.png/.pdf deterministically; returns the paths."""
    base = Path(path_base)
    base.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    paths = []
    with matplotlib.rc_context(RC):
        for fmt in formats:
            path = base.with_suffix("." + fmt)
            metadata = {"svg": {"Date": None, "Creator": None}, "png": {"Software": None},
                        "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None}}[fmt]
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata)
            paths.append(path)
    return paths
