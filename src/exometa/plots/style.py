"""One look for every exometa figure: sizes that survive a journal column, one palette.

Journals print figures one column (8.5 cm) or two columns (17.5 cm) wide, and
ask for text of at least 7 pt at that size. Every plot module builds its figure
with :func:`new_figure` at a named width and uses the font sizes here, so that
nothing has to be scaled down (and shrunk below 7 pt) to fit a page.

>>> round(WIDTHS["single"], 2), round(WIDTHS["double"], 2)
(3.35, 6.89)
>>> new_figure("single", 2.0).get_size_inches().tolist()
[3.3464566929133857, 2.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib is imported when a figure is made, not with this module
    from matplotlib.figure import Figure

CM = 1 / 2.54

#: figure widths in inches: one journal column (8.5 cm), two columns or the text width of a
#: portrait page (17.5 cm), a landscape page (25 cm)
WIDTHS = {"single": 8.5 * CM, "double": 17.5 * CM, "page": 25.0 * CM}
#: the width a figure gets when none is asked for: it prints at full size on a portrait page
DEFAULT_WIDTH = "double"
#: the font every figure is drawn (and its text measured) in; exometa.plots.save embeds it
FAMILY = "DejaVu Sans"

#: font sizes in points at the printed size (never below 7)
FONT = {"title": 9.5, "label": 8.0, "text": 7.5, "small": 7.0}

#: marker colours by what limits a study's weight (see exometa.evidence.flags)
FLAG_COLOURS = {"unverifiable": "#c0392b", "uncontrolled": "#d68910", "none": "#1f3a5f"}


def marker_names(flags_assessed: bool = True) -> dict:
    """Legend words for each marker colour. Without a workbook nothing is known about a study's
    control or verification, so its marker is not called "controlled, verifiable".

    >>> marker_names(False)["none"]
    'study (flags not assessed)'
    """
    return {"none": "controlled, verifiable" if flags_assessed else "study (flags not assessed)",
            "uncontrolled": "uncontrolled", "unverifiable": "unverifiable"}
#: pooled estimates (diamonds, prediction intervals, fitted lines)
POOLED = "#34495e"
#: reference lines (no effect)
REFERENCE = "0.35"
#: secondary text (notes, reasons, keys)
MUTED = "0.3"


def width_inches(width) -> float:
    """A width given as 'single', 'double', 'page' or a number of inches."""
    if isinstance(width, str):
        try:
            return WIDTHS[width]
        except KeyError:
            from ..errors import ExometaError

            raise ExometaError(f"`width` must be one of {', '.join(map(repr, WIDTHS))} or inches; got {width!r}.") from None
    return float(width)


def new_figure(width="double", height: float = 4.0) -> Figure:
    """A matplotlib Figure (not attached to pyplot) at a journal width, ``height`` in inches."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width_inches(width), height))
