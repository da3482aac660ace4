"""A new review from scratch, as a reviewer would do it: `new-workbook`, five trials with events/n
per arm typed in, one analysis file, `exometa run`. The pooled risk ratio is metafor's rma.mh
(make_analysis_reference.R, data set A)."""

import math

import pytest
from openpyxl import load_workbook

from exometa.plots.forest import forest_layout
from exometa.run_command import run
from exometa.workbook.writer import new_workbook

from .conftest import OUTCOME, check_fit, close

ANALYSIS = f"""title = "Deaths by day 28, all trials"
question = "Does the treatment reduce deaths by day 28?"
claim = "The treatment reduces mortality."
outcome = "{OUTCOME}"
measure = "RR"
figures = ["forest", "funnel"]
"""


def _type_in(path, data):
    book = load_workbook(path)
    studies, outcomes = book["studies"], book["outcomes"]
    scols = [c.value for c in studies[1]]
    ocols = [c.value for c in outcomes[1]]
    for i in range(5):
        sid = f"T{i + 1}"
        s = {"study_id": sid, "label": f"Trial {i + 1} ({2001 + i})", "year": 2001 + i, "record_type": "study",
             "design": "RCT, parallel", "control_type": "placebo", "intervention_type": "unclear",
             "publication_status": "peer-reviewed article", "coi": "none declared", "verification": "verified",
             "doi": f"10.1000/trial{i + 1}", "n_enrolled": data["n1i"][i] + data["n2i"][i]}
        studies.append([s.get(c) for c in scols])
        for arm, ev, n in (("treatment", data["ai"][i], data["n1i"][i]), ("control", data["ci"][i], data["n2i"][i])):
            o = {"study_id": sid, "outcome": OUTCOME, "unit": "", "timepoint_weeks": 4, "timepoint": "day 28", "arm": arm,
                 "quantity": "value", "data_type": "binary", "n": n, "events": ev, "source_type": "primary: full text",
                 "source_url": f"https://example.org/trial{i + 1}", "location": "Table 2"}
            outcomes.append([o.get(c) for c in ocols])
    book.save(path)


@pytest.fixture(scope="module")
def review(tmp_path_factory, ref):
    root = tmp_path_factory.mktemp("review")
    path = new_workbook(root / "review.xlsx")
    _type_in(path, ref["binary"]["data"])
    (root / "analyses").mkdir()
    (root / "analyses" / "01_mortality.toml").write_text(ANALYSIS, encoding="utf-8")
    results, report = run(path, root / "analyses", root / "figures")
    return root, results[0], report


def test_mh_risk_ratio_equals_metafor(review, ref):
    _, res, _ = review
    assert res.spec.method == "MH" and res.main.k == 5
    check_fit(res, ref["binary"]["mh_RR"])
    close(res.main.weights, ref["binary"]["mh_RR"]["weights"])


def test_forest_shows_events_per_arm_on_a_ratio_axis(review):
    root, res, _ = review
    lay = forest_layout(res)
    assert lay.attrs["headers"]["arm1"] == "Treatment\nevents/total" and lay.attrs["headers"]["estimate_text"] == "RR [95% CI]"
    studies = lay[lay.kind == "study"]
    assert studies.arm1.tolist() == ["12/100", "8/60", "0/40", "25/150", "5/50"]
    assert studies.arm2.tolist() == ["20/98", "15/62", "3/41", "30/148", "5/52"]
    assert lay.attrs["axis"] == "Risk ratio (log scale)"
    diamond = lay[lay.kind == "diamond"].iloc[0]
    r = res.main.result
    assert diamond.x == pytest.approx(math.exp(r.estimate)) and diamond.estimate_text == (
        f"{math.exp(r.estimate):.2f} [{math.exp(r.ci_lb):.2f}, {math.exp(r.ci_ub):.2f}]")
    assert lay.label.str.startswith("Model: equal-effects model (Mantel-Haenszel)").any()
    for suffix in ("svg", "png", "pdf"):
        assert (root / "figures" / f"01_mortality_forest.{suffix}").stat().st_size > 5000


def test_verdict_reads_right(review):
    _, res, (html, md) = review
    r = res.main.result
    assert f"(RR {math.exp(r.estimate):.3g}, 95% CI {math.exp(r.ci_lb):.3g} to {math.exp(r.ci_ub):.3g}, 5 studies)" in res.verdict
    # "reduces mortality": a claim of a decrease, supported by a CI wholly below 1; five randomised trials start
    # high, and without a risk-of-bias sheet every study counts as not assessed (rated down once)
    assert res.claim.status == "supported" and res.verdict.startswith("Supported (moderate certainty): the treatment probably decreases")
    assert res.grade.start == "high" and res.certainty == "moderate"
    assert [d.domain for d in res.grade.domains if d.change] == ["risk of bias"]
    text = md.read_text()
    assert "Deaths by day 28" in text and "Exosome" not in text and "exosome" not in html.read_text().lower()
