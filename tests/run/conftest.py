"""Shared pieces for the tests of `exometa run`'s outputs: a small project (the first edition of the
shipped workbook and its analyses, frozen in tests/analysis/data/first_edition), a second workbook
that differs in one number, and snapshots of an output folder."""

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).parents[2]
FIRST = ROOT / "tests" / "analysis" / "data" / "first_edition"
# outcomes!J9 is Wan 2025's SD of the change in hair density (6.5): analysis 02 pools it
EDITED_CELL, EDITED_VALUE = "J9", 7.5


def make_project(folder: Path, analyses=("02_density_change_all",)) -> Path:
    """``folder`` with studies.xlsx, studies_b.xlsx (one SD changed) and analyses/ holding ``analyses``."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIRST / "studies.xlsx", folder / "studies.xlsx")
    book = load_workbook(folder / "studies.xlsx")
    assert book["outcomes"][EDITED_CELL].value == 6.5
    book["outcomes"][EDITED_CELL] = EDITED_VALUE
    book.save(folder / "studies_b.xlsx")
    (folder / "analyses").mkdir(exist_ok=True)
    for name in analyses:
        shutil.copy(FIRST / f"{name}.toml", folder / "analyses" / f"{name}.toml")
    return folder


def snapshot(folder: Path) -> dict:
    """Every entry of ``folder``: name -> SHA-256 of its bytes ('<dir>' for a folder)."""
    out = {}
    for p in sorted(Path(folder).iterdir()):
        out[p.name] = "<dir>" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def leftovers(folder: Path) -> list:
    """Temporary files, staging folders or a journal left in ``folder`` or its state folder."""
    from exometa.outputs import state_dir_for

    found = [p.name for p in Path(folder).iterdir() if p.name.startswith(".")]
    state = state_dir_for(Path(folder).resolve())
    if state.exists():
        found += [f"state/{p.name}" for p in state.iterdir() if p.name not in ("lock", "manifest.json")]
    return found


def svg_only(monkeypatch=None):
    """Make every analysis ask for SVG only (fast), in this process and in its forked children."""
    import exometa.figure_jobs as fj

    if monkeypatch is not None:
        monkeypatch.setattr(fj, "analysis_formats", lambda spec: ("svg",))
    else:
        fj.analysis_formats = lambda spec: ("svg",)


def cache_analyses(monkeypatch=None):
    """Read each workbook and run each analysis once, then reuse the results (in this process and
    its forked children): runs then spend their time writing outputs, which is what is tested."""
    import exometa.analysis.run as analysis_run
    import exometa.workbook.reader as reader

    read, run = reader.read_workbook, analysis_run.run_analysis
    books, results = {}, {}

    def read_cached(path):
        key = str(Path(path).resolve())
        if key not in books:
            books[key] = read(path)
        return books[key]

    def run_cached(spec, wb):
        key = (str(wb.path), spec.name, spec.path.read_bytes() if spec.path else b"")
        if key not in results:
            results[key] = run(spec, wb)
        return results[key]

    for module, name, value in ((reader, "read_workbook", read_cached), (analysis_run, "run_analysis", run_cached)):
        if monkeypatch is not None:
            monkeypatch.setattr(module, name, value)
        else:
            setattr(module, name, value)


def in_child(func, *args) -> int:
    """Run ``func(*args)`` in a forked child; returns its pid (exit 0 if it returned, 1 if it raised)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            func(*args)
            code = 0
        except BaseException:  # noqa: BLE001
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    return pid


def wait_child(pid: int) -> int:
    """The exit status of a child (negative: killed by that signal)."""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "project")
