"""`exometa pool` with Mantel-Haenszel, Peto, back-transformation, moderators and forest plots,
against metafor (tests/run/make_cli_reference.R wrote tests/run/cli_reference.json)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from exometa.cli import main
from exometa.pool_command import count_weights

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
BCG = ROOT / "src/exometa/data/dat_bcg.csv"
REF = json.loads((HERE / "cli_reference.json").read_text())
COUNTS = ["--ai", "tpos", "--bi", "tneg", "--ci", "cpos", "--di", "cneg"]


def _pool(capsys, *args):
    assert main(["pool", "--data", str(BCG), *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("measure", ["OR", "RR", "RD"])
def test_mantel_haenszel_matches_rma_mh(capsys, measure):
    out = _pool(capsys, *COUNTS, "--method", "MH", "--measure", measure)
    ref = REF[f"mh_{measure}"]
    for key in ("estimate", "se", "ci_lb", "ci_ub", "q"):
        assert out[key] == pytest.approx(ref[key], rel=1e-6, abs=1e-9), key


def test_peto_matches_rma_peto(capsys):
    out = _pool(capsys, *COUNTS, "--method", "PETO")
    for key in ("estimate", "se", "ci_lb", "ci_ub", "q"):
        assert out[key] == pytest.approx(REF["peto"][key], rel=1e-6), key


@pytest.mark.parametrize(("method", "measure"), [("MH", "OR"), ("MH", "RR"), ("MH", "RD"), ("PETO", "OR")])
def test_count_weights_match_metafor_weights(method, measure):
    d = pd.read_csv(BCG)
    w = count_weights(method, measure, d.tpos, d.tneg, d.cpos, d.cneg)
    ref = REF["peto" if method == "PETO" else f"mh_{measure}"]["weights"]
    np.testing.assert_allclose(w, ref, rtol=1e-9)


def test_transf_exp_matches_predict_with_transf(capsys):
    out = _pool(capsys, "--measure", "RR", *COUNTS, "--transf", "exp")
    for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        assert out["transf"][key] == pytest.approx(REF["rr_reml_exp"][key], rel=1e-6), key
    assert main(["pool", "--data", str(BCG), "--measure", "RR", *COUNTS, "--transf", "exp"]) == 0
    text = capsys.readouterr().out
    assert "Back-transformed (exp): estimate 0.4894, 95% CI 0.3441 to 0.6962" in text


def test_moderators_match_rma_mods(capsys):
    out = _pool(capsys, "--measure", "RR", *COUNTS, "--mods", "ablat", "year")
    ref = REF["rr_reml_mods"]
    # year is uncentred (about 1960), so the intercept is ill-conditioned: both fits stop within their
    # REML tolerance, 1e-4 standard errors apart at most
    np.testing.assert_array_less(np.abs(np.subtract(out["estimate"], ref["estimate"])), 1e-4 * np.array(ref["se"]))
    np.testing.assert_allclose(out["se"], ref["se"], rtol=1e-4)
    assert out["qm"] == pytest.approx(ref["qm"], rel=1e-4) and out["tau2"] == pytest.approx(ref["tau2"], rel=1e-4)


@pytest.mark.parametrize("method", ["REML", "MH"])
def test_forest_files_in_the_formats_named(tmp_path, capsys, method):
    files = [tmp_path / "bcg.v2.png", tmp_path / "bcg.v2.svg"]
    args = ["pool", "--data", str(BCG), "--measure", "RR", *COUNTS, "--method", method, "--slab", "author"]
    assert main(args + [a for f in files for a in ("--forest", str(f))]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bcg.v2.png", "bcg.v2.svg"]
    svg = files[1].read_text()
    assert "Comstock et al (row 12)" in svg and "Comstock et al (row 14)" in svg  # repeated labels told apart
    if method == "MH":
        assert "0.64 [0.59, 0.69]" in svg  # exp(rma.mh RR): 0.6353 [0.5881, 0.6862]
        assert "11.6%" in svg  # metafor weights(rma.mh): Comstock et al 1949, 11.64%


def test_forest_at_another_level_shows_the_printed_result(tmp_path, capsys):
    svg = tmp_path / "bcg.svg"
    out = _pool(capsys, "--measure", "RR", *COUNTS, "--level", "90", "--transf", "exp", "--forest", str(svg))
    t = out["transf"]
    assert f"{t['estimate']:.2f} [{t['ci_lb']:.2f}, {t['ci_ub']:.2f}]" in svg.read_text()
    assert "90% prediction interval" in svg.read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["--method", "MH", "--measure", "SMD", *COUNTS], "--method MH pools OR, RR or RD"),
    (["--method", "MH", "--mods", "ablat", *COUNTS], "--method MH has no moderators"),
    (["--method", "PETO", "--ai", "tpos"], "pools 2x2 tables: give --ai, --bi, --ci and --di"),
    (["--measure", "RR", *COUNTS, "--mods", "ablat", "--transf", "exp"], "with --mods there is none"),
    (["--measure", "RR", *COUNTS, "--forest", "plot.jpg"], "ending in .svg, .png or .pdf"),
    (["--measure", "RR", *COUNTS, "--forest", "no/such/folder/plot.png"], "the folder no/such/folder does not exist"),
    (["--measure", "RR", *COUNTS, "--mods", "latitude"], "--mods latitude: not a column"),
])
def test_pool_misuse_is_one_line(capsys, args, message):
    assert main(["pool", "--data", str(BCG), *args]) in (2, 3)
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
