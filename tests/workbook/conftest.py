"""Workbooks to break: a small valid one, edited cell by cell with openpyxl."""

import pytest
from openpyxl import load_workbook

from exometa.workbook.schema import OUTCOME_COLUMNS, RISK_OF_BIAS_COLUMNS, STUDY_COLUMNS
from exometa.workbook.writer import build, save_atomic

STUDY = dict(study_id="EV03", label="Ersan 2024", record_type="study", design="prospective single-arm", control_type="none",
             intervention_type="exosome/EV", publication_status="peer-reviewed article", coi="not reported",
             verification="verified", n_enrolled=30, doi="10.1007/s00266-024-04332-3")
STUDY2 = dict(STUDY, study_id="CM01", label="Tak 2020", design="RCT, parallel", control_type="vehicle", n_enrolled=38,
              doi="10.1002/sctm.19-0410")
OUTCOME = dict(study_id="EV03", outcome="hair density", unit="hairs/cm²", timepoint_weeks=12, arm="single group",
               quantity="change from baseline", n=30, mean=20.0, sd=5.0, source_type="primary: abstract",
               source_url="https://example.org/ersan")
OUTCOME2 = dict(OUTCOME, study_id="CM01", arm="treatment", n=19, mean=12.0, sd=4.0, ci_lb=10.0, ci_ub=14.0)
#: this review's own lists (the lists sheet): what it measures and what it compares
LISTS = {("outcomes", "outcome"): ("hair density", "hair count", "hair thickness"),
         ("studies", "intervention_type"): ("exosome/EV", "cell extract", "unclear")}
REVIEW = {"title": "Topical exosomes for hair loss", "question": "Do topical exosome products increase hair density?"}


def col(sheet, name):
    """Excel column letter of a field."""
    from openpyxl.utils import get_column_letter

    columns = {"studies": STUDY_COLUMNS, "outcomes": OUTCOME_COLUMNS, "risk_of_bias": RISK_OF_BIAS_COLUMNS}[sheet]
    return get_column_letter([c.name for c in columns].index(name) + 1)


@pytest.fixture
def make(tmp_path):
    """make(edit) -> path of a valid workbook after edit(openpyxl_workbook) was applied."""

    def _make(edit=None, studies=(STUDY, STUDY2), outcomes=(OUTCOME, OUTCOME2), name="studies.xlsx", risk_of_bias=(),
              lists=None, review=None):
        path = tmp_path / name
        save_atomic(build(list(studies), list(outcomes), risk_of_bias=list(risk_of_bias), lists=LISTS if lists is None else lists,
                          review=REVIEW if review is None else review), path)
        if edit:
            wb = load_workbook(path)
            edit(wb)
            wb.save(path)
        return path

    return _make


def rewrite(src, dst, replace=None, add=None, stored=()):
    """Copy an .xlsx archive member by member, replacing or adding members (``stored``: members kept uncompressed)."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if replace and info.filename in replace:
                data = replace[info.filename](data)
            zout.writestr(info.filename, data, compress_type=zipfile.ZIP_STORED if info.filename in stored else zipfile.ZIP_DEFLATED)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst
