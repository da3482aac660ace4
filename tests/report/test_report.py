"""The report in its three formats, from one content model: working links, figures, summary tables,
claims, checksums, determinism and escaping."""

import hashlib
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from exometa.report.build import build_report, report_files
from exometa.report.content import Part, build_document, part_of
from exometa.report.model import Document, Figure, Table
from exometa.workbook.reader import read_workbook

from .conftest import ROOT


@pytest.fixture(scope="module")
def written(first_report, tmp_path_factory):
    results, figures, wb, out = first_report
    build_report(results, figures, wb, out)
    return results, figures, wb, out


def _md_targets(md_text):
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(md_text)
    images, links = [], []
    for tok in tokens:
        for child in tok.children or ():
            if child.type == "image":
                images.append(child.attrGet("src"))
            elif child.type == "link_open":
                links.append(child.attrGet("href"))
    return images, links


def test_markdown_renders_with_working_relative_images_and_links(written):
    _, _, _, out = written
    images, links = _md_targets((out / "report.md").read_text(encoding="utf-8"))
    assert len(images) >= 6  # forest and funnel of 02, its four diagnostics figures, the other forest plots
    for target in images + links:
        assert "/" not in target and ":" not in target, target  # relative, beside report.md
        assert (out / unquote(target)).is_file(), target
    assert "02_density_change_all_sof.xlsx" in links and "02_density_change_all_leave1out.png" in images


def test_html_is_self_contained_unless_too_large(written, tmp_path):
    results, figures, wb, out = written
    page = (out / "report.html").read_text(encoding="utf-8")
    srcs = re.findall(r"<img [^>]*src='([^']*)'", page)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    linked = report_files(results, figures, wb, out, embed=False)["report.html"].decode()
    names = re.findall(r"<img [^>]*src='([^']*)'", linked)
    assert names and all((out / unquote(n)).is_file() for n in names)
    assert "The figures are linked, not embedded" in linked


def test_docx_opens_and_holds_the_summary_table_and_figures(written):
    import docx

    results, _, _, out = written
    doc = docx.Document(str(out / "report.docx"))
    tables = [[[c.text for c in r.cells] for r in t.rows] for t in doc.tables]
    summary = next(t for t in tables if t[0][:4] == ["Analysis", "Measure", "k", "Estimate (CI)"])
    res = results[1]
    row = next(r for r in summary if r[0] == res.spec.title)
    r = res.main.result
    assert row[2] == "3" and row[3] == f"{r.estimate:.2f} hairs/cm² ({r.ci_lb:.2f} to {r.ci_ub:.2f}), 95% CI"
    assert row[5] == "very low" and row[6] == "cannot be assessed"
    shown = sum(1 for figs in written[1].values() for _, p in figs if Path(p).with_suffix(".png").is_file())
    assert len(doc.inline_shapes) == shown and shown >= 6
    # every verdict is there, word for word
    text = "\n".join(p.text for p in doc.paragraphs)
    for res in results:
        assert res.verdict in text


def test_run_facts_checksum_and_date(written, monkeypatch):
    import exometa

    results, figures, wb, out = written
    sha = hashlib.sha256((Path(wb.path)).read_bytes()).hexdigest()
    md = (out / "report.md").read_text(encoding="utf-8")
    assert f"exometa {exometa.__version__}" in md and f"SHA-256 {sha}" in md and "run date" not in md
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    files = report_files(results, figures, wb, out)
    assert "run date 2026-01-01" in files["report.md"].decode() and "run date 2026-01-01" in files["report.html"].decode()
    import docx

    assert docx.Document(io.BytesIO(files["report.docx"])).core_properties.created.year == 2026


def test_same_inputs_give_the_same_bytes(written):
    results, figures, wb, out = written
    a = report_files(results, figures, wb, out)
    b = report_files(results, figures, wb, out)
    assert set(a) == {"report.html", "report.md", "report.docx", "report.json", "01_controlled_verifiable_sof.xlsx",
                      "02_density_change_all_sof.xlsx", "03_percent_change_all_sof.xlsx"}
    assert a == b
    assert {n: (out / n).read_bytes() for n in a} == a  # build_report wrote exactly these


def test_sof_spreadsheet_is_the_sof_row(written):
    from openpyxl import load_workbook

    from exometa.evidence.sof import SOF_COLUMNS
    from exometa.report.section import sof_row

    results, _, _, out = written
    res = results[1]
    ws = load_workbook(out / "02_density_change_all_sof.xlsx").active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == ["Analysis"] + SOF_COLUMNS
    want = sof_row(res)
    assert rows[1] == [res.spec.title] + [want[c] for c in SOF_COLUMNS]
    assert want["Certainty of the evidence (GRADE)"].startswith("⨁◯◯◯ Very low")
    assert want["No. of participants (studies)"] == "67 (3 uncontrolled studies)"  # 39 + 16 + 12


def test_the_claims_summary_lists_every_seed_claim_of_the_shipped_workbook(tmp_path):
    from exometa.analysis.run import run_analysis
    from exometa.analysis.spec import load_specs
    from exometa.report.claims import claim_rows
    from exometa.report.text import md_text

    wb = read_workbook(ROOT / "studies.xlsx")
    seeds = wb.studies[wb.studies.record_type == "seed claim"]
    results = [run_analysis(s, wb) for s in load_specs(ROOT / "analyses")]
    files = report_files(results, {}, wb, tmp_path)
    md = files["report.md"].decode()
    rows = claim_rows(wb.studies, {})
    assert len(rows) == len(seeds) > 20
    assert [r.study_id for r in rows] == seeds.study_id.tolist()
    head = md.split("## Summary of the analyses")[0]
    for claim in seeds.claim:
        assert md_text(claim) in head
    # each reviewer's assessment is given with its reason; a claim naming an analysis not run says so
    pilot = next(r for r in rows if r.study_id == "SEED001-PILOT")
    assert pilot.status == "citation not found" and "No 2021 pilot with 30 participants" in pilot.evidence
    plum = next(r for r in rows if r.study_id == "SEED000-PLUM")
    assert plum.status == "not assessed" and "'controlled_hair_count'" in plum.evidence


def test_claims_answered_by_an_analysis_take_its_verdict(tmp_path, first_report):
    from exometa.report.claims import claim_rows

    results, _, wb, _ = first_report
    studies = wb.studies.copy()
    studies.loc[len(studies)] = {"study_id": "C9", "label": "claim", "record_type": "seed claim", "seed": "9",
                                 "claim": "Density rises.", "claim_analysis": "02_density_change_all"}
    part = part_of(results[1], {}, wb)
    (row,) = [r for r in claim_rows(studies, {part.name: part.answer}) if r.study_id == "C9"]
    r = results[1].main.result
    assert row.status == "cannot be assessed" and row.certainty == "very low"
    assert row.evidence.startswith(f"{results[1].spec.title}: 3 uncontrolled studies, 67 participants; mean change from baseline "
                                   f"{r.estimate:.3g} hairs/cm²")


def test_parts_and_documents_survive_storage(first_report):
    import json

    results, figures, wb, _ = first_report
    part = part_of(results[1], figures[results[1].spec.name], wb)
    again = Part.from_dict(json.loads(json.dumps(part.to_dict())))
    assert again == part
    doc = build_document([part], wb)
    assert Document.from_dict(json.loads(json.dumps(doc.to_dict()))) == doc
    assert any(isinstance(b, Figure) and b.file == "02_density_change_all_leave1out.png" for b in part.blocks)
    grade = next(b for b in part.blocks if isinstance(b, Table) and b.columns == ("Step", "Rating", "Change", "Reason"))
    assert [r[0] for r in grade.rows] == ["Start", "Risk of bias", "Inconsistency", "Indirectness", "Imprecision",
                                          "Publication bias", "Certainty"]


def test_kept_parts_stay_in_place_when_one_analysis_is_rerun(first_report, tmp_path):
    results, figures, wb, out = first_report
    kept = [part_of(r, figures[r.spec.name], wb) for r in results]
    partial = report_files(results[1:2], figures, wb, out, parts=kept)
    full = report_files(results, figures, wb, out)
    assert set(partial) == {"report.html", "report.md", "report.docx", "report.json", "02_density_change_all_sof.xlsx"}
    assert all(partial[k] == full[k] for k in partial)
    # the parts a later `exometa run NAME` keeps come back from report.json as they were
    from exometa.report.build import read_parts

    (tmp_path / "report.json").write_bytes(full["report.json"])
    assert read_parts(tmp_path / "report.json") == kept
    (tmp_path / "report.json").write_text('{"exometa_report_parts": 99, "parts": []}')
    assert read_parts(tmp_path / "report.json") is None and read_parts(tmp_path / "missing.json") is None


def test_every_study_of_the_diagnostics_is_in_a_table(first_report):
    """The figures show at most 40 studies; the report's tables hold them all, with metafor's numbers."""
    results, figures, wb, _ = first_report
    res = results[1]
    part = part_of(res, figures[res.spec.name], wb)
    tables = {b.caption: b for b in part.blocks if isinstance(b, Table) and b.caption}
    l1o, cum, infl = (res.diagnostics[k].result for k in ("leave1out", "cumul", "influence"))
    assert [r[0] for r in tables["Leave-one-out estimates"].rows] == list(l1o.slab)
    assert [r[0] for r in tables["Cumulative estimates"].rows] == list(cum.slab)
    table = tables["Influence diagnostics by study"]
    assert table.columns[:4] == ("Study", "rstudent", "DFFITS", "Cook's distance")
    assert [r[0] for r in table.rows] == list(infl.slab)
    assert [r[3] for r in table.rows] == [f"{c:.3f}" for c in infl.cook_d]
    assert [r[-1] == "yes" for r in table.rows] == list(infl.inf)


def test_the_report_is_built_before_the_figures_exist(written, tmp_path):
    """``exometa run`` builds the report while the figures are drawn: report_files reads no figure
    file before ``figures_ready`` returns, and the files are the same as with the figures there."""
    import shutil

    results, figures, wb, out = written
    later = tmp_path / "later"
    later.mkdir()
    moved = {name: [(c, later / Path(p).name) for c, p in pairs] for name, pairs in figures.items()}
    calls = []

    def ready():  # the figures appear only now, as the workers finish
        calls.append(sorted(p.name for p in later.iterdir()))
        for pairs in figures.values():
            for _, p in pairs:
                for f in Path(p).parent.glob(Path(p).with_suffix("").name + ".*"):
                    shutil.copy(f, later / f.name)

    files = report_files(results, moved, wb, later, figures_ready=ready)
    assert calls == [[]]  # called once, before any figure was there
    assert files == report_files(results, figures, wb, out)  # the same bytes, in the same order
    assert list(files) == list(report_files(results, figures, wb, out))
    page = files["report.html"].decode()
    assert len(re.findall(r"<img [^>]*src='data:image/png;base64,", page)) >= 6
    import docx

    shown = sum(1 for pairs in moved.values() for _, p in pairs if Path(p).with_suffix(".png").is_file())
    assert len(docx.Document(io.BytesIO(files["report.docx"])).inline_shapes) == shown >= 6
