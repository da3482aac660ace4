"""The report of a run: ``report.html`` (self-contained), ``report.md`` (beside its figures),
``report.docx`` (Word), ``report.json`` (its content, one part per analysis), and
``NAME_sof.xlsx`` per analysis (its Summary of Findings).

All are rendered from one content model (:mod:`exometa.report.content`), so
they say the same thing. The same inputs give the same bytes: no timestamps
unless a run date is asked for (``date=`` or the ``SOURCE_DATE_EPOCH``
environment variable), fixed dates and times inside the Office files.

:func:`report_files` returns every file's bytes by name (for a run that
replaces its outputs as one set); :func:`build_report` writes them into a
folder. ``parts`` holds the other analyses' :class:`~exometa.report.content.Part`
s kept from an earlier run (``exometa run NAME``), placed in the order given:
:func:`read_parts` reads them back from that run's ``report.json``.

>>> sorted(REPORT_FILES)
['report.docx', 'report.html', 'report.json', 'report.md']
"""

from __future__ import annotations

import json
from pathlib import Path

from .content import Part, build_document, part_of, run_date
from .stable_zip import FIXED_DATE

REPORT_FILES = ("report.html", "report.md", "report.docx", "report.json")
PARTS_VERSION = 1


def parts_of(results, figures: dict, workbook) -> list[Part]:
    """One :class:`Part` per result; ``figures[name]`` lists (caption, path) of that analysis's figures."""
    return [part_of(res, figures.get(res.spec.name, []), workbook) for res in results]


def _files_of(figures: dict) -> dict:
    """File name -> path for every figure given, in each of its formats that exists beside it."""
    out = {}
    for pairs in figures.values():
        for _, path in pairs:
            path = Path(path)
            for p in path.parent.glob(path.with_suffix("").name + ".*"):
                out.setdefault(p.name, p)
    return out


def _date(date) -> object:
    import datetime as dt

    text = run_date(date)
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc) if text else FIXED_DATE


def report_files(results, figures: dict, workbook, folder, *, date=None, embed=None, parts=None, order=None,
                 figures_ready=None) -> dict:
    """Every file of the report as bytes, by file name (see the module docstring).

    Parameters
    ----------
    results : list of AnalysisResult
    figures : dict
        Analysis name -> list of (caption, path) of its figures (any folder).
    workbook : Workbook
    folder : path
        The folder the report will be in (figures are looked for there when not given).
    date : date or str, optional
        A run date to print (default: none, unless ``SOURCE_DATE_EPOCH`` is set).
    embed : bool, optional
        Embed figures in the HTML (default: when they total at most 8 MB).
    parts : list of Part, optional
        Parts of other analyses kept from an earlier run, in report order; a
        result of the same name replaces its kept part in place.
    order : list of str, optional
        Analysis names in report order (e.g. the analyses folder's); parts not
        named come after, in the order above.
    figures_ready : callable, optional
        Called (without arguments) before the figures' files are read (to embed them in the HTML and
        the Word file): everything else is built first, so the figures can be drawn meanwhile.
    """
    from ..analysis.context import workbook_context
    from .render_docx import draft_docx, finish_docx
    from .render_html import render_html
    from .render_markdown import render_markdown
    from .sof_file import sof_xlsx

    ctx = workbook_context(workbook)
    new = {p.name: p for p in parts_of(results, figures, workbook)}
    kept = {p.name: p for p in parts or ()}
    names = [p.name for p in parts or ()] + [n for n in new if n not in kept]
    rank = {n: i for i, n in enumerate(order or ())}
    names = sorted(names, key=lambda n: rank.get(n, len(rank)))  # stable: unnamed parts keep their order
    all_parts = [new.get(n) or kept[n] for n in names]
    doc = build_document(all_parts, workbook, sha256=ctx.sha256, date=date, registered=ctx.registered)
    out = {"report.md": render_markdown(doc).encode("utf-8"), "report.json": parts_json(all_parts)}
    stamp = _date(date)
    for res in results:
        if res.grade is not None:
            out[f"{res.spec.name}_sof.xlsx"] = sof_xlsx(res, stamp)
    word = draft_docx(doc)
    if figures_ready is not None:
        figures_ready()
    files = _files_of(figures)
    out["report.html"] = render_html(doc, folder, embed, files).encode("utf-8")
    out["report.docx"] = finish_docx(word, folder, files)
    return {name: out[name] for name in dict.fromkeys((*REPORT_FILES, *out))}


def parts_json(parts) -> bytes:
    """The analyses' parts of the report as JSON (stable key order, UTF-8)."""
    data = {"exometa_report_parts": PARTS_VERSION, "parts": [p.to_dict() for p in parts]}
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def read_parts(path) -> list[Part] | None:
    """The parts stored in an earlier run's ``report.json``, or None when there is none usable
    (missing, unreadable, or written by another version of the format)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("exometa_report_parts") != PARTS_VERSION:
            return None
        return [Part.from_dict(p) for p in data["parts"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def build_report(results, figures: dict, workbook, out_dir, **options) -> tuple[Path, Path]:
    """Write the report's files into ``out_dir``; returns the paths of report.html and report.md.

    ``options`` as :func:`report_files`; ``report.docx`` and each ``NAME_sof.xlsx`` are written beside them.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in report_files(results, figures, workbook, out_dir, **options).items():
        (out_dir / name).write_bytes(data)
    return out_dir / "report.html", out_dir / "report.md"


__all__ = ["build_report", "report_files", "parts_of", "parts_json", "read_parts", "REPORT_FILES"]
