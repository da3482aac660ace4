"""The second review shipped in examples/bcg (BCG vaccine trials, Colditz et al. 1994; metafor's
dat.bcg): its workbook is what build_workbook.py writes, and its analyses reproduce metafor's
rma.mh, rma (REML) and rma.peto (make_analysis_reference.R)."""

import hashlib
import importlib.util
from pathlib import Path

import pytest

from exometa.plots.forest import forest_layout
from exometa.run_command import run

from .conftest import check_fit, close

EXAMPLE = Path(__file__).parents[2] / "examples" / "bcg"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bcg")
    res, _ = run(EXAMPLE / "studies.xlsx", EXAMPLE / "analyses", out)
    return {r.spec.name: r for r in res}


def test_committed_workbook_is_what_the_script_builds(tmp_path):
    spec = importlib.util.spec_from_file_location("build_bcg", EXAMPLE / "build_workbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.main(tmp_path / "studies.xlsx")
    digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()  # noqa: E731
    assert digest(fresh) == digest(EXAMPLE / "studies.xlsx"), "run python examples/bcg/build_workbook.py and commit"


def test_mantel_haenszel_risk_ratio(results, ref):
    res = results["01_risk_ratio_mantel_haenszel"]
    check_fit(res, ref["bcg"]["mh_RR"])
    close(res.main.weights, ref["bcg"]["mh_RR"]["weights"])
    # metafor's rma.mh: RR 0.635 (0.588 to 0.686); "prevents" is a claim of a decrease, which the CI supports.
    # Not every trial was randomised (dat.bcg's alloc): GRADE starts low; I^2 = 92% with CIs apart: down 2
    assert res.main.k == 13 and "(RR 0.635, 95% CI 0.588 to 0.686, 13 studies)" in res.verdict
    assert res.claim.status == "supported" and res.grade.start == "low" and res.certainty == "very low"


def test_random_effects_risk_ratio_with_subgroups(results, ref):
    res = results["02_risk_ratio_random_effects"]
    want = ref["bcg"]["reml_RR"]
    close([e.yi for e in res.effects], want["yi"])
    check_fit(res, want, ("estimate", "se", "ci_lb", "ci_ub", "tau2", "tau2_ci_lb", "tau2_ci_ub", "pi_lb", "pi_ub"))
    sg = res.subgroups["design"]
    for group, fit in ref["bcg"]["reml_RR_by_alloc"].items():
        close(sg.groups[group].estimate, fit["estimate"], group)
        close(sg.groups[group].tau2, fit["tau2"], group)
    assert res.sensitivity[0].k == 7
    lay = forest_layout(res, by="design")
    assert lay[lay.kind == "study"].arm1.iloc[0] == "4/123"  # Aronson 1948: 4 cases among 123 vaccinated


def test_peto_odds_ratio(results, ref):
    check_fit(results["03_odds_ratio_peto"], ref["bcg"]["peto"])
