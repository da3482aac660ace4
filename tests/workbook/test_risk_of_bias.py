"""The risk_of_bias sheet: one row per study x outcome x domain, judged with the tool that fits the design
(RoB 2, D1-D5, for randomised trials; ROBINS-I, D1-D7, for non-randomised studies)."""

from exometa.workbook.reader import read_workbook
from exometa.workbook.schema import ROB_TOOLS
from tests.workbook.conftest import col

# CM01 is the randomised trial of the fixture, EV03 the single-arm study
ROB2 = [dict(study_id="CM01", tool="RoB 2", domain=f"D{i}", judgement=j, support="as reported")
        for i, j in zip(range(1, 6), ("low", "some concerns", "low", "high", "no information"))]
ROBINS = [dict(study_id="EV03", tool="ROBINS-I", domain=f"D{i}", judgement="serious") for i in range(1, 8)]


def problem(wb, column, row, needle, level="error"):
    cell = f"{col('risk_of_bias', column)}{row}"
    hits = [p for p in wb.problems if p.cell == cell and needle in p.message and p.level == level]
    assert hits, f"nothing at {cell} with {needle!r}:\n{wb.report()}"
    return hits[0]


def test_complete_judgements_read_clean(make):
    wb = read_workbook(make(risk_of_bias=ROB2 + ROBINS))
    assert wb.ok and not wb.problems, wb.report()
    assert len(wb.risk_of_bias) == 12 and list(wb.risk_of_bias.columns[:6]) == ["excel_row", "study_id", "tool", "outcome", "domain", "judgement"]
    assert wb.risk_of_bias.judgement.tolist()[:5] == ["low", "some concerns", "low", "high", "no information"]
    assert list(ROB_TOOLS["ROBINS-I"].domains) == [f"D{i}" for i in range(1, 8)]


def test_unknown_study(make):
    wb = read_workbook(make(risk_of_bias=[dict(ROB2[0], study_id="CM1")]))
    assert "Did you mean 'CM01'?" in problem(wb, "study_id", 2, "study_id 'CM1' is not on the studies sheet").fix


def test_domain_and_judgement_must_fit_the_tool(make):
    rows = [dict(ROB2[0], domain="D6"), dict(ROB2[1], judgement="serious"), dict(ROBINS[0], judgement="some concerns")]
    wb = read_workbook(make(risk_of_bias=rows))
    assert "D5 bias in selection of the reported result" in problem(wb, "domain", 2, "RoB 2 has no domain D6").fix
    assert "low; some concerns; high; no information" in problem(wb, "judgement", 3, "'serious' is not a RoB 2 judgement").fix
    problem(wb, "judgement", 4, "'some concerns' is not a ROBINS-I judgement")


def test_duplicates_and_mixed_tools(make):
    rows = ROB2 + [dict(ROB2[2], judgement="high")] + [dict(ROBINS[0], study_id="CM01")]
    wb = read_workbook(make(risk_of_bias=rows))
    assert "Keep one judgement per domain" in problem(wb, "domain", 7, "domain D3 is judged twice for this study (also in row 4)").fix
    problem(wb, "tool", 8, "judged with both RoB 2 (row 2) and ROBINS-I")


def test_incomplete_tools_and_tools_that_do_not_fit_the_design(make):
    wb = read_workbook(make(risk_of_bias=ROB2[:3] + [dict(ROB2[0], study_id="EV03", domain=f"D{i}") for i in range(1, 6)]))
    problem(wb, "domain", 2, "RoB 2 judges 5 domains; D4, D5 are missing, so no overall judgement can be made", level="warning")
    problem(wb, "tool", 5, "RoB 2 is for randomised trials, and this study's design is 'prospective single-arm'", level="warning")
    assert sum("RoB 2 is for randomised trials" in p.message for p in wb.warnings) == 1  # once per study, not per row


def test_outcome_must_be_one_of_the_studys(make):
    wb = read_workbook(make(risk_of_bias=[dict(r, outcome="hair count") for r in ROB2]))
    problem(wb, "outcome", 2, "outcome 'hair count' is not among this study's outcome rows", level="warning")
    assert read_workbook(make(risk_of_bias=[dict(r, outcome="hair density") for r in ROB2])).ok


def test_unknown_tool_and_blank_required(make):
    wb = read_workbook(make(risk_of_bias=[dict(ROB2[0], tool="RoB 1"), dict(ROB2[1], judgement=None)]))
    problem(wb, "tool", 2, "tool 'RoB 1' is not a known value")
    problem(wb, "judgement", 3, "judgement is blank, but every row needs it")
