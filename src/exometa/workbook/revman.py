"""Import a RevMan 5 review (``.rm5``) into a workbook in exometa's format.

A RevMan 5 file is one XML document, ``<COCHRANE_REVIEW>``. What is read:

- ``STUDIES_AND_REFERENCES/STUDIES/INCLUDED_STUDIES/STUDY``: each included
  study's id, name and year, its primary reference (authors, title, source,
  year, volume, pages; DOI and PubMed id from ``IDENTIFIERS``) and data source;
- ``ANALYSES_AND_DATA/COMPARISON``: each comparison's outcomes and, inside
  them (directly or in subgroups), one data element per study —
  ``DICH_DATA`` (``EVENTS_1``/``TOTAL_1`` for the experimental group,
  ``EVENTS_2``/``TOTAL_2`` for the control group) and ``CONT_DATA``
  (``MEAN_n``, ``SD_n``, ``TOTAL_n``); group labels from ``GROUP_LABEL_1/2``;
- the title, the objectives and the authors, for the ``review`` sheet.

Each study becomes a row of the studies sheet; each arm of each data element a
row of the outcomes sheet (group 1 as the treatment arm, group 2 as the control
arm, with RevMan's group label, comparison and subgroup in ``arm_label`` and
where it was read in ``location``). Numbers are copied as written, never
computed. What RevMan's analysis data does not record is not invented: design,
control and intervention type are 'unclear', conflicts 'not reported', and
verification 'not checked' until the reviewer fills them in. Generic
inverse-variance, O-E and other outcomes are not imported; a warning lists them.

The file is refused, with a message, if it is not a RevMan 5 XML file, is
larger than :data:`MAX_BYTES`, or declares a document type or entities (the
vehicle of entity-expansion attacks; RevMan never writes one). It is parsed
with defusedxml. An existing workbook is never overwritten.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from ..errors import ExometaError, ExometaWarning
from .schema import EXCEL_CELL_CHARS

MAX_BYTES = 64 * 2**20  # RevMan 5 files of whole Cochrane reviews, text included, are a few MB
MAX_ELEMENTS = 2_000_000
OUTCOME_KINDS = {"DICH": "binary", "CONT": "continuous"}
NOT_IMPORTED = ("IV", "IPD", "OTHER")
PUBLICATION = {"JOURNAL_ARTICLE": "peer-reviewed article", "CONFERENCE_PROC": "conference abstract", "UNPUBLISHED": "unpublished data"}


class RevManError(ExometaError):
    """A RevMan file that cannot be imported; the message says why and what to do."""


class RevManImportWarning(ExometaWarning):
    """Part of a RevMan file was not imported (the message lists it)."""


@dataclass
class RevManReview:
    """What was read from a RevMan 5 file, as rows of exometa's sheets."""

    studies: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    review: dict = field(default_factory=dict)
    outcome_names: list = field(default_factory=list)
    #: one line per comparison x outcome: its measure, method and model in RevMan
    analyses: list = field(default_factory=list)
    skipped: list = field(default_factory=list)


def _refuse(path, message, fix) -> RevManError:
    return RevManError(f"{path}: {message} {fix}")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise RevManError(f"{path}: no such file. Give the path of a RevMan 5 file (.rm5).")
    if path.is_dir():
        raise RevManError(f"{path} is a folder; give the path of a RevMan 5 file (.rm5).")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise _refuse(path, f"the file is {size / 2**20:.0f} MiB (limit {MAX_BYTES // 2**20} MiB).",
                      "That is far beyond a RevMan review; it was not read.")
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise _refuse(path, f"the file cannot be read ({exc.strerror or exc}).", "Check that you may read it.") from None
    if head.startswith(b"PK"):
        raise _refuse(path, "this is a zip archive, not a RevMan 5 file (RevMan Web's .rm6 files are zipped).",
                      "Open the review in RevMan 5 and save it as .rm5, or export its data.")
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise _refuse(path, "this is not an XML file.", "Give a RevMan 5 review file (.rm5).")
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _refuse(path, "the file declares XML entities (a document type), which RevMan files never have.",
                      "This can be an entity-expansion attack; the file was not read.")


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _child(el, tag):
    return el.find(tag) if el is not None else None


def _decode_id(raw: str) -> str:
    """RevMan escapes characters in ids as _xHHHH_ ('STD-ISIS_x002d_2' -> 'ISIS-2')."""
    text = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), raw)
    return text[4:] if text.startswith("STD-") and len(text) > 4 else text


def read_rm5(path) -> RevManReview:
    """Parse a RevMan 5 file into rows of exometa's sheets (nothing is written)."""
    path = Path(path)
    _check_file(path)
    out = RevManReview()
    count = 0
    depth = 0
    root_seen = False
    source_url = path.name
    try:
        for event, el in iterparse(str(path), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                count += 1
                if count > MAX_ELEMENTS:
                    raise _refuse(path, f"the file holds more than {MAX_ELEMENTS:,} XML elements.", "That is far beyond a RevMan review; it was not read.")
                if depth == 0:
                    if el.tag != "COCHRANE_REVIEW":
                        raise _refuse(path, f"the document is <{el.tag}>, not a RevMan review (<COCHRANE_REVIEW>).",
                                      "Give a RevMan 5 review file (.rm5).")
                    root_seen = True
                    if el.get("DOI"):
                        source_url = f"https://doi.org/{el.get('DOI')}"
                depth += 1
                continue
            depth -= 1
            if depth != 1:
                continue
            if el.tag == "COVER_SHEET":
                _cover(el, out)
            elif el.tag == "MAIN_TEXT":
                objectives = _text(el.find("ABSTRACT/ABS_OBJECTIVES")) or _text(el.find("BODY/OBJECTIVES"))
                if objectives:
                    out.review["question"] = objectives
            elif el.tag == "STUDIES_AND_REFERENCES":
                for study in el.iterfind("STUDIES/INCLUDED_STUDIES/STUDY"):
                    out.studies.append(_study(study))
            elif el.tag == "ANALYSES_AND_DATA":
                for comparison in el.iterfind("COMPARISON"):
                    _comparison(comparison, out, path.name, source_url)
            el.clear()
    except DefusedXmlException:
        raise _refuse(path, "the file declares XML entities (a document type), which RevMan files never have.",
                      "This can be an entity-expansion attack; the file was not read.") from None
    except ParseError as exc:
        raise _refuse(path, f"the file is not well-formed XML ({exc}).", "It may be damaged or cut short; save it again from RevMan 5.") from None
    except OSError as exc:
        raise _refuse(path, f"the file cannot be read ({exc}).", "Check that you may read it.") from None
    if not root_seen:
        raise _refuse(path, "the file holds no XML document.", "Give a RevMan 5 review file (.rm5).")
    _complete_studies(out, path)
    return out


def _cover(el, out) -> None:
    title = _text(_child(el, "TITLE"))
    if title:
        out.review["title"] = title
    authors = []
    for person in el.iterfind("CREATORS/PERSON"):
        name = " ".join(x for x in (_text(person.find("FIRST_NAME")), _text(person.find("LAST_NAME"))) if x)
        if name:
            authors.append(name)
    if authors:
        out.review["authors"] = "; ".join(authors)


def _study(el) -> dict:
    raw = el.get("ID", "")
    refs = el.findall("REFERENCE")
    ref = next((r for r in refs if r.get("PRIMARY") == "YES"), refs[0] if refs else None)
    idents = {}
    for ident in list(el.iterfind("IDENTIFIERS/IDENTIFIER")) + (list(ref.iterfind("IDENTIFIERS/IDENTIFIER")) if ref is not None else []):
        if ident.get("VALUE"):
            idents.setdefault(ident.get("TYPE", "").upper(), ident.get("VALUE").strip())
    year = re.search(r"\d{4}", el.get("YEAR", "") or "")
    status = PUBLICATION.get(ref.get("TYPE") if ref is not None else "", "unclear")
    if el.get("DATA_SOURCE") == "UNPUB":
        status = "unpublished data"
    return {
        "_revman_id": raw, "study_id": _decode_id(raw), "label": " ".join((el.get("NAME") or "").split()) or _decode_id(raw),
        "citation": _citation(ref), "year": int(year.group(0)) if year else None, "record_type": "study",
        "design": "unclear", "control_type": "unclear", "intervention_type": "unclear", "publication_status": status,
        "coi": "not reported", "verification": "not checked", "doi": idents.get("DOI"), "pmid": idents.get("PUBMED"),
        "notes": f"Imported from RevMan (study id {raw!r}, data source {el.get('DATA_SOURCE') or 'not given'}). RevMan's analysis "
                 "data do not say the design, control, intervention type, conflicts or verification: fill them in.",
    }


def _citation(ref) -> str | None:
    if ref is None:
        return None
    part = {tag: _text(ref.find(tag)) for tag in ("AU", "TI", "SO", "YR", "VL", "NO", "PG")}
    where = part["SO"] + (f" {part['YR']}" if part["YR"] else "") + (f";{part['VL']}" if part["VL"] else "") + \
        (f"({part['NO']})" if part["NO"] else "") + (f":{part['PG']}" if part["PG"] else "")
    text = ". ".join(x.rstrip(".") for x in (part["AU"], part["TI"], where.strip()) if x)
    return text + "." if text else None


def _comparison(el, out: RevManReview, file_name: str, source_url: str) -> None:
    cno = el.get("NO", "?")
    cname = _text(el.find("NAME")) or f"comparison {cno}"
    for outcome in el:
        kind = outcome.tag.removesuffix("_OUTCOME")
        if not outcome.tag.endswith("_OUTCOME"):
            continue
        ono = outcome.get("NO", "?")
        oname = _text(outcome.find("NAME")) or f"outcome {cno}.{ono}"
        where = f"comparison {cno} '{cname}', outcome {cno}.{ono} '{oname}'"
        if kind not in OUTCOME_KINDS:
            out.skipped.append(f"{where} ({'generic inverse variance' if kind == 'IV' else 'O-E and variance' if kind == 'IPD' else kind.lower()} data)")
            continue
        if oname not in out.outcome_names:
            out.outcome_names.append(oname)
        model = "random effects" if outcome.get("RANDOM") == "YES" else "fixed effect"
        out.analyses.append(f"{cno}.{ono} {oname}: {outcome.get('EFFECT_MEASURE') or '?'}, {outcome.get('METHOD') or 'IV'}, {model}")
        labels = (_text(outcome.find("GROUP_LABEL_1")) or "experimental", _text(outcome.find("GROUP_LABEL_2")) or "control")
        context = {"outcome": oname, "unit": (outcome.get("UNITS") or "").strip() or None, "where": where, "file": file_name,
                   "comparison": cno, "labels": labels, "kind": kind, "source_url": source_url}
        for data in outcome.iterfind(f"{kind}_DATA"):
            _data_rows(data, dict(context, subgroup=None), out)
        for sub in outcome.iterfind(f"{kind}_SUBGROUP"):
            sname = _text(sub.find("NAME")) or f"subgroup {sub.get('NO', '?')}"
            for data in sub.iterfind(f"{kind}_DATA"):
                _data_rows(data, dict(context, subgroup=(sub.get("NO", "?"), sname)), out)


def _number(data, attr, context, integer=False):
    raw = (data.get(attr) or "").strip()
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")) or (integer and not value.is_integer()):
        what = "a whole number" if integer else "a number"
        raise RevManError(f"{context['where']}, study {data.get('STUDY_ID')!r}: {attr} is {raw!r}, not {what}. "
                          "Correct it in RevMan 5 and save the file again; nothing was written.")
    return int(value) if integer or (value.is_integer() and re.fullmatch(r"[+-]?\d+", raw)) else value


def _data_rows(data, context, out: RevManReview) -> None:
    raw_id = data.get("STUDY_ID", "")
    sub = context["subgroup"]
    suffix = f"comparison {context['comparison']}" + (f", subgroup {sub[1]}" if sub else "")
    empty = []
    for group, arm in ((1, "treatment"), (2, "control")):
        label = context["labels"][group - 1]
        row = {"_revman_id": raw_id, "outcome": context["outcome"], "arm": arm, "arm_label": f"{label} ({suffix})",
               "quantity": "value", "data_type": OUTCOME_KINDS[context["kind"]], "unit": context["unit"],
               "n": _number(data, f"TOTAL_{group}", context, integer=True), "source_type": None,
               "source_url": context["source_url"],
               "location": f"{context['file']}: {context['where']}" + (f", subgroup '{sub[1]}'" if sub else "") + f", group {group} '{label}'"}
        if context["kind"] == "DICH":
            row["events"] = _number(data, f"EVENTS_{group}", context, integer=True)
            complete = row["events"] is not None and row["n"] is not None
        else:
            row["mean"], row["sd"] = _number(data, f"MEAN_{group}", context), _number(data, f"SD_{group}", context)
            complete = any(row[k] is not None for k in ("mean", "sd", "n"))
        if complete:
            out.outcomes.append(row)
        else:
            empty.append(f"group {group} '{label}'")
    if empty:
        arms = "both groups" if len(empty) == 2 else empty[0]
        out.skipped.append(f"{context['where']}" + (f", subgroup '{sub[1]}'" if sub else "") + f", study {raw_id!r}: no data entered for {arms}")


def _complete_studies(out: RevManReview, path) -> None:
    """Make study ids unique and give every data row a study (adding any the file does not list)."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for s in out.studies:
        sid = s["study_id"] if s["study_id"] not in taken else s["_revman_id"]
        s["study_id"] = sid
        taken.add(sid)
        ids[s["_revman_id"]] = sid
    missing = []
    for row in out.outcomes:
        raw = row["_revman_id"]
        if raw not in ids:
            sid = _decode_id(raw) if _decode_id(raw) not in taken else raw
            ids[raw] = sid
            taken.add(sid)
            out.studies.append({"_revman_id": raw, "study_id": sid, "label": sid, "record_type": "study", "design": "unclear",
                                "control_type": "unclear", "intervention_type": "unclear", "publication_status": "unclear",
                                "coi": "not reported", "verification": "not checked",
                                "notes": f"Imported from RevMan: study id {raw!r} has data but is not among the included studies."})
            missing.append(sid)
        row["study_id"] = ids[raw]
    if missing:
        out.skipped.append(f"studies with data that {path.name} does not list as included (added from their ids): {', '.join(missing)}")
    for key, value in list(out.review.items()):
        if len(value) > EXCEL_CELL_CHARS:
            del out.review[key]
            out.skipped.append(f"the review's {key} ({len(value):,} characters, over a cell's limit)")


def import_revman(rm5_path, xlsx_path, *, source_type: str = "secondary: review") -> Path:
    """Import a RevMan 5 review into a new workbook; returns the workbook's path.

    Parameters
    ----------
    rm5_path : path of the ``.rm5`` file.
    xlsx_path : path of the workbook to write; it must not exist (never overwritten).
    source_type : how the outcome rows' numbers were read. By default
        'secondary: review' — they come from a review's data file, so the
        studies are flagged H (numbers seen only second-hand) until the reviewer
        checks them against the reports; give 'primary: full text' when the
        RevMan file is the reviewer's own extraction from the full texts.

    Warns (:class:`RevManImportWarning`) with the list of outcomes and data that
    were not imported.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from exometa.workbook.reader import read_workbook
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "tiny.rm5").write_text(
    ...     '<?xml version="1.0" encoding="UTF-8"?><COCHRANE_REVIEW><COVER_SHEET><TITLE>Aspirin after MI</TITLE></COVER_SHEET>'
    ...     '<STUDIES_AND_REFERENCES><STUDIES><INCLUDED_STUDIES><STUDY ID="STD-CDP" NAME="CDP" YEAR="1976"/></INCLUDED_STUDIES>'
    ...     '</STUDIES></STUDIES_AND_REFERENCES><ANALYSES_AND_DATA><COMPARISON NO="1"><NAME>Aspirin vs placebo</NAME>'
    ...     '<DICH_OUTCOME NO="1" EFFECT_MEASURE="OR"><NAME>Death</NAME><GROUP_LABEL_1>Aspirin</GROUP_LABEL_1>'
    ...     '<GROUP_LABEL_2>Placebo</GROUP_LABEL_2><DICH_DATA STUDY_ID="STD-CDP" EVENTS_1="44" TOTAL_1="758" EVENTS_2="64"'
    ...     ' TOTAL_2="771"/></DICH_OUTCOME></COMPARISON></ANALYSES_AND_DATA></COCHRANE_REVIEW>')
    >>> wb = read_workbook(import_revman(folder / "tiny.rm5", folder / "tiny.xlsx"))
    >>> wb.ok, wb.outcomes[["study_id", "arm", "events", "n"]].values.tolist()
    (True, [['CDP', 'treatment', 44.0, 758.0], ['CDP', 'control', 64.0, 771.0]])
    """
    from .schema import column
    from .writer import build, save_atomic

    rm5_path, xlsx_path = Path(rm5_path), Path(xlsx_path)
    if source_type not in column("outcomes", "source_type").choices:
        raise ExometaError(f"`source_type` must be one of {', '.join(map(repr, column('outcomes', 'source_type').choices))}; got {source_type!r}.")
    if xlsx_path.suffix.lower() != ".xlsx":
        raise ExometaError(f"{xlsx_path}: the workbook to write must be an .xlsx file.")
    if xlsx_path.exists():
        raise ExometaError(f"{xlsx_path} already exists; choose another name (nothing was written).")
    review = read_rm5(rm5_path)
    if not review.studies and not review.outcomes:
        raise _refuse(rm5_path, "it holds no included studies and no analysis data.", "Nothing to import; nothing was written.")
    for row in review.outcomes:
        row["source_type"] = source_type
    strip = lambda rows: [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]  # noqa: E731
    lists = {("outcomes", "outcome"): tuple(review.outcome_names)} if review.outcome_names else None
    save_atomic(build(strip(review.studies), strip(review.outcomes), lists=lists, review=review.review), xlsx_path, overwrite=False)
    if review.skipped:
        warnings.warn(f"{rm5_path.name}: not imported: " + "; ".join(review.skipped) + ".", RevManImportWarning, stacklevel=2)
    return xlsx_path


__all__ = ["RevManError", "RevManImportWarning", "RevManReview", "import_revman", "read_rm5"]
