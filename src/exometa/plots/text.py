"""Measuring and wrapping figure text, so that columns fit their text and nothing is cut.

Widths are measured with the figure font's own glyph advances (DejaVu Sans,
:data:`exometa.plots.style.FAMILY`), in points at a given font size: the sum of
each character's advance, plus a margin of 6% for kerning and rounding (glyphs are drawn unhinted,
at their outlines' widths, in every format: :mod:`exometa.plots.save`). Each character is
measured once and remembered, so a review of thousands of studies is laid out
in milliseconds.

:func:`wrap` breaks text at spaces (a word longer than the line is broken
inside) into lines no wider than a width in points, up to ``max_lines`` lines;
text beyond the last line ends it with an ellipsis. Text from data is never
parsed as mathematics by the plots: these functions only measure characters.

>>> round(text_width("Aronson 1948", 7.5), 1)
55.4
>>> wrap("Conference abstract 2026 (female pattern hair loss)", 110, 7.5)
['Conference abstract 2026', '(female pattern hair loss)']
>>> wrap("x" * 400, 60, 7.5, max_lines=2)[-1].endswith("…")
True
"""

from __future__ import annotations

import re
from functools import lru_cache

from .style import FAMILY

#: margin added to every measured width (a fraction of it), for kerning and rounding
MARGIN = 0.06
ELLIPSIS = "…"


@lru_cache(maxsize=4096)
def _advance(char: str, bold: bool) -> float:
    """Advance width of ``char`` in points at 1 pt."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=FAMILY, size=100.0, weight="bold" if bold else "normal")
    if char == " ":  # a lone space measures as zero: measure it between two letters
        two = text_to_path.get_text_width_height_descent("ii", prop, ismath=False)[0]
        three = text_to_path.get_text_width_height_descent("i i", prop, ismath=False)[0]
        return (three - two) / 100.0
    return text_to_path.get_text_width_height_descent(char, prop, ismath=False)[0] / 100.0


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of one line of ``text`` in points at ``size`` points."""
    return sum(_advance(c, bold) for c in str(text)) * size * (1 + MARGIN)


def lines_width(lines, size: float, bold: bool = False) -> float:
    """Width of the widest of ``lines`` in points."""
    return max((text_width(line, size, bold) for line in lines), default=0.0)


def _break_word(word: str, width: float, size: float, bold: bool) -> list[str]:
    """A word wider than ``width`` broken into pieces that fit: after a hyphen or slash where one
    allows it, else between characters."""
    cut = max((i for i, c in enumerate(word[:-1]) if c in "-/" and text_width(word[: i + 1], size, bold) <= width),
              default=None)
    if cut is not None:
        rest = word[cut + 1 :]
        return [word[: cut + 1]] + (_break_word(rest, width, size, bold) if text_width(rest, size, bold) > width else [rest])
    pieces, piece = [], ""
    for c in word:
        if piece and text_width(piece + c, size, bold) > width:
            pieces.append(piece)
            piece = c
        else:
            piece += c
    return pieces + ([piece] if piece else [])


def wrap(text, width: float, size: float, bold: bool = False, max_lines: int = 4) -> list[str]:
    """``text`` as lines no wider than ``width`` points; at most ``max_lines`` (the last one ends in '…' if cut).

    Explicit line breaks in ``text`` are kept; runs of spaces and tabs become one space; a no-break
    space (U+00A0) holds its neighbours on one line.
    """
    text = str(text)
    limit = max_lines * max(int(width / (0.25 * size)), 1) + 1  # more characters than can ever be shown
    paragraphs = [" ".join(w for w in re.split(r"[ \t\r\f\v]+", p) if w) for p in text[:limit].split("\n")]
    lines: list[str] = []
    for para in paragraphs:
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}" if line else word
            if text_width(trial, size, bold) <= width:
                line = trial
                continue
            if line:
                lines.append(line)
            pieces = _break_word(word, width, size, bold) if text_width(word, size, bold) > width else [word]
            lines += pieces[:-1]
            line = pieces[-1] if pieces else ""
        lines.append(line)
        if len(lines) > max_lines:
            break
    cut = len(lines) > max_lines or len(text) > limit
    lines = lines[:max_lines]
    if cut:
        last = lines[-1]
        while last and text_width(last + ELLIPSIS, size, bold) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + ELLIPSIS
    return lines or [""]


__all__ = ["text_width", "lines_width", "wrap"]
