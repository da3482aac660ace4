"""Risk-of-bias overall judgements by the tools' published algorithms, and reading the sheet.

RoB 2: Sterne JAC et al. BMJ 2019;366:l4898, and the RoB 2 guidance (22 Aug 2019), "Approach to
reaching an overall risk-of-bias judgement": low = low in all domains; some concerns = some
concerns in at least one domain, none high; high = high in at least one domain, or some concerns
in multiple domains in a way that substantially lowers confidence (the reviewer's option here).
ROBINS-I: Sterne JAC et al. BMJ 2016;355:i4919, Table 2: low = low in all domains; moderate = low
or moderate in all; serious = serious in at least one, critical in none; critical = critical in at
least one; no information = no clear indication of serious/critical risk and a lack of information
in one or more key domains.
"""

import itertools

import pandas as pd
import pytest

from exometa.errors import ExometaError
from exometa.evidence.rob import read_risk_of_bias, rob2_overall, robins_i_overall

ROB2_ORDER = {"low": 0, "some concerns": 1, "high": 2}
ROBINS_ORDER = {"low": 0, "moderate": 1, "serious": 2, "critical": 3}


@pytest.mark.parametrize("domains, overall", [
    (["low"] * 5, "low"),
    (["low", "low", "some concerns", "low", "low"], "some concerns"),
    (["some concerns"] * 5, "some concerns"),
    (["low", "high", "low", "low", "low"], "high"),
    (["some concerns", "high", "some concerns", "low", "low"], "high"),
    (["low", "low", "low", "low", "no information"], "some concerns"),
])
def test_rob2_published_rules(domains, overall):
    assert rob2_overall(domains)[0] == overall


def test_rob2_every_combination_follows_the_rule():
    # the overall is the worst domain for RoB 2's three levels (low < some concerns < high)
    for combo in itertools.product(ROB2_ORDER, repeat=5):
        worst = max(combo, key=ROB2_ORDER.get)
        assert rob2_overall(list(combo))[0] == worst, combo


def test_rob2_multiple_some_concerns_option():
    three = ["some concerns"] * 3 + ["low"] * 2
    assert rob2_overall(three)[0] == "some concerns"
    overall, reason = rob2_overall(three, some_concerns_as_high=3)
    assert overall == "high" and "some_concerns_as_high = 3" in reason
    assert rob2_overall(three, some_concerns_as_high=4)[0] == "some concerns"


def test_rob2_no_information_option_and_reason():
    overall, reason = rob2_overall(["low", "low", "no information", "low", "low"])
    assert overall == "some concerns" and "D3: no information, counted as 'some concerns'" in reason
    assert rob2_overall(["low", "low", "no information", "low", "low"], no_information="high")[0] == "high"


def test_rob2_rejects_judgements_of_the_other_tool():
    with pytest.raises(ExometaError, match="judgement must be one of"):
        rob2_overall(["low", "moderate", "low", "low", "low"])
    with pytest.raises(ExometaError, match="RoB 2 has 5 domains"):
        rob2_overall(["low"] * 7)


@pytest.mark.parametrize("domains, overall", [
    (["low"] * 7, "low"),
    (["moderate", "low", "low", "low", "moderate", "low", "low"], "moderate"),
    (["serious", "low", "moderate", "low", "low", "low", "low"], "serious"),
    (["serious", "critical", "low", "low", "low", "low", "low"], "critical"),
    (["moderate", "no information", "low", "low", "low", "low", "low"], "no information"),
    (["serious", "no information", "low", "low", "low", "low", "low"], "serious"),
    (["critical", "no information"] + ["no information"] * 5, "critical"),
])
def test_robins_i_published_rules(domains, overall):
    assert robins_i_overall(domains)[0] == overall


def test_robins_i_every_combination_without_no_information():
    for combo in itertools.product(ROBINS_ORDER, repeat=7):
        assert robins_i_overall(list(combo))[0] == max(combo, key=ROBINS_ORDER.get), combo


def test_robins_i_key_domains():
    domains = ["moderate", "low", "low", "low", "no information", "low", "low"]
    assert robins_i_overall(domains)[0] == "no information"
    overall, reason = robins_i_overall(domains, key_domains=["D1", "D2", "D3"])
    assert overall == "moderate" and "no information in D5, not a key domain" in reason


def sheet(rows):
    df = pd.DataFrame(rows)
    df.insert(0, "excel_row", range(2, 2 + len(df)))
    return df


def rob2_rows(sid, judgements, outcome=None, support="the paper says so"):
    return [{"study_id": sid, "tool": "RoB 2", "outcome": outcome, "domain": f"D{i + 1}", "judgement": j,
             "support": support, "source_url": "https://example.org", "location": "methods"} for i, j in enumerate(judgements)]


def test_read_sheet_gives_overall_with_support():
    studies = pd.DataFrame({"study_id": ["T1"], "design": ["RCT, parallel"], "randomised": ["yes"]})
    a = read_risk_of_bias(sheet(rob2_rows("T1", ["low", "some concerns", "low", "low", "low"])), studies)
    assert a.problems == ()
    s = a.get("T1")
    assert (s.tool, s.overall) == ("RoB 2", "some concerns")
    assert s.domains[1].name == "Bias due to deviations from intended interventions" and s.domains[1].support == "the paper says so"
    table = a.to_frame()
    assert list(table.loc[0, ["D1", "D2", "overall"]]) == ["low", "some concerns", "some concerns"]
    assert len(a.domains_frame()) == 5


def test_read_sheet_reports_every_problem():
    studies = pd.DataFrame({"study_id": ["T1", "N1"], "design": ["RCT, parallel", "prospective single-arm"],
                            "randomised": ["yes", "no"]})
    rows = (rob2_rows("T1", ["low", "low", "moderate", "low"])          # D3 invalid, D5 missing
            + rob2_rows("N1", ["low"] * 5)                              # RoB 2 for a non-randomised study
            + [{"study_id": "T1", "tool": "RoB 2", "domain": "D1", "judgement": "high"},   # D1 twice
               {"study_id": "XX", "tool": "ROBINS-I", "domain": "D8", "judgement": "low"},  # bad domain
               {"study_id": "T2", "tool": "RoB2", "domain": "D1", "judgement": "low"},      # bad tool
               {"study_id": None, "tool": "RoB 2", "domain": "D1", "judgement": "low"}])    # blank id
    a = read_risk_of_bias(sheet(rows), studies)
    text = "\n".join(map(str, a.problems))
    assert "risk_of_bias row 4 (study 'T1'): D3: 'moderate' is not a RoB 2 judgement." in text
    assert "domain(s) D3, D5 are missing" in text
    assert "(study 'N1'): RoB 2 is for randomised trials" in text
    assert "D1 is judged twice ('low' and 'high')" in text
    assert "ROBINS-I has domains D1, D2, D3, D4, D5, D6, D7; got 'D8'" in text
    assert "tool 'RoB2' is not 'RoB 2' or 'ROBINS-I'" in text
    assert "study_id is blank" in text
    # the incomplete study still gets an overall: missing domains count as no information
    assert a.overall("T1") == "some concerns"


def test_outcome_specific_judgements():
    rows = rob2_rows("T1", ["low"] * 5) + rob2_rows("T1", ["low", "low", "low", "high", "low"], outcome="hair shedding")
    a = read_risk_of_bias(sheet(rows))
    assert a.overall("T1", "hair shedding") == "high"
    assert a.overall("T1", "hair density") == "low"      # the study-wide judgement
    assert a.overall("T1") == "low"


def test_robins_i_for_a_randomised_trial_is_a_problem_and_both_tools_too():
    studies = pd.DataFrame({"study_id": ["T1"], "design": ["RCT, parallel"], "randomised": ["yes"]})
    rows = rob2_rows("T1", ["low"] * 5) + [{"study_id": "T1", "tool": "ROBINS-I", "domain": f"D{i}", "judgement": "low"}
                                            for i in range(1, 8)]
    text = "\n".join(map(str, read_risk_of_bias(sheet(rows), studies).problems))
    assert "judged with both tools" in text and "ROBINS-I is for non-randomised studies" in text


def test_empty_or_incomplete_sheets():
    assert read_risk_of_bias(pd.DataFrame()).studies == ()
    a = read_risk_of_bias(pd.DataFrame({"study_id": ["T1"]}))
    assert "column(s) tool, domain, judgement are missing" in str(a.problems[0])
