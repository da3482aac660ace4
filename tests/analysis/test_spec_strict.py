"""Analysis files are checked strictly: every key typed, unknown keys refused with a "did you mean",
every problem of a file at once, every parsed key applied or refused."""

import pytest

from exometa.analysis.run import run_analysis
from exometa.analysis.spec import AnalysisFileError, load_spec, load_specs

from .conftest import analysis, row, run, study, workbook

BASE = 'title = "t"\noutcome = "other"\nmeasure = "MC"\n'


def problems(tmp_path, text) -> str:
    with pytest.raises(AnalysisFileError) as err:
        analysis(tmp_path, text)
    return str(err.value)


def test_unknown_keys_anywhere_with_did_you_mean(tmp_path):
    msg = problems(tmp_path, BASE + 'methd = "DL"\n[include]\nexclude_flag = ["unverifiable"]\n[dispersion]\nmising_sd = []\n'
                   '[[sensitivity]]\nname = "x"\nexclude_imputd = true\n[[subgroups]]\nbye = "design"\n')
    assert "a.toml: 6 problems" in msg  # all at once, naming the file
    assert "`methd` is not a known key. Did you mean `method`?" in msg
    assert "`include.exclude_flag` is not a known key in [include]. Did you mean `exclude_flags`?" in msg
    assert "`dispersion.mising_sd`" in msg and "Did you mean `missing_sd`?" in msg
    assert "`sensitivity[1].exclude_imputd`" in msg and "`subgroups[1].bye`" in msg and "`subgroups[1].by` is required" in msg


@pytest.mark.parametrize("text, expected", [
    ("level = 0.95\n", "Write level = 95 for a 95% CI"),
    ("level = true\n", "`level` must be a number"),
    ("level = 100\n", "strictly between 0 and 100"),
    ('level = "95"\n', "`level` must be a number (without quotes)"),
    ("arms = []\n", "`arms` is empty"),
    ('arms = ["treatment vs control"]\n', "not allowed"),
    ("[[sensitivity]]\nname = 'x'\nexclude_imputed = \"false\"\n", '`sensitivity[1].exclude_imputed` must be true or false (without quotes); got "false" (text)'),
    ("[sensitivity]\nname = 'x'\n", "must be written [[sensitivity]]"),
    ('figures = ["forest", "funel"]\n', "Did you mean `funnel`?"),
    ('formats = []\n', "`formats` is empty"),
    ("[dispersion]\ncorrelation = 1.5\n", "between -1 and 1"),
    ('multi_arm = "combine"\n', "`multi_arm` applies to comparisons of arms"),
])
def test_bad_values_name_the_key_and_the_fix(tmp_path, text, expected):
    assert expected in problems(tmp_path, BASE + text)


def test_title_must_be_text_and_required_keys(tmp_path):
    msg = problems(tmp_path, 'title = 5\nmeasure = "RR"\narms = ["single group"]\n')
    assert '`title` must be text in quotes' in msg and "`outcome` is required" in msg and "`arms` applies to within-group measures" in msg


def test_measure_specific_keys_are_refused_where_they_do_not_apply(tmp_path):
    head = 'title = "t"\noutcome = "other"\n'
    assert 'method` "MH" (Mantel-Haenszel) pools 2x2 tables' in problems(tmp_path, head + 'measure = "MD"\nmethod = "MH"\n')
    assert "gives a z-test only" in problems(tmp_path, head + 'measure = "RR"\ntest = "knha"\n')
    assert "[dispersion] applies to continuous outcomes" in problems(tmp_path, head + 'measure = "RR"\n[dispersion]\ncorrelation = 0.5\n')
    assert '`effect_measure` is required with measure "GEN"' in problems(tmp_path, head + 'measure = "GEN"\n')
    assert "ratio of means needs positive means" in problems(tmp_path, head + 'measure = "ROM"\nscores = "change"\n')
    assert "funnel plot needs variances" in problems(tmp_path, head + 'measure = "PCT"\nfigures = ["funnel"]\n')


def test_encodings_and_odd_files_are_explained(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    with pytest.raises(AnalysisFileError, match="byte-order mark"):
        load_spec(p)
    p.write_bytes(BASE.encode("utf-16"))
    with pytest.raises(AnalysisFileError, match="UTF-16"):
        load_spec(p)
    p.write_bytes(('title = "caf\xe9"\noutcome = "other"\nmeasure = "MC"\n').encode("latin-1"))
    with pytest.raises(AnalysisFileError, match=r"not UTF-8 text \(byte 0xe9 on line 1\)"):
        load_spec(p)
    folder = tmp_path / "specs"
    (folder / "x.toml").mkdir(parents=True)
    (folder / "ok.toml").write_text(BASE)
    (folder / "bad.toml").write_text(BASE + "levle = 9\n")
    with pytest.raises(AnalysisFileError) as err:
        load_specs(folder)
    assert "x.toml: is a folder" in str(err.value) and "bad.toml: 1 problem" in str(err.value)  # both reported
    with pytest.raises(AnalysisFileError, match="not valid TOML"):
        analysis(tmp_path, 'title = "t\n')


def test_outcome_names_are_checked_against_the_review_when_the_analysis_runs(tmp_path):
    wb = workbook(tmp_path, [study("S1")], [row("S1", "treatment", events=1, n=10), row("S1", "control", events=2, n=10)])
    spec = analysis(tmp_path, 'title = "t"\noutcome = "mortalty"\nmeasure = "RR"\n')  # parses: names belong to the review
    with pytest.raises(AnalysisFileError, match="`outcome` has 'mortalty', which is not in this review's list"):
        run_analysis(spec, wb)

    class WithLists:  # a workbook whose lists sheet names the review's outcomes (workbook.lists)
        def __init__(self, wb):
            self.__dict__.update(vars(wb))
            self.__dict__.update(studies=wb.studies, outcomes=wb.outcomes, path=wb.path)
            self.lists = {("outcomes", "outcome"): ("mortality", "other")}

    with pytest.raises(AnalysisFileError, match=r"the lists sheet of review.xlsx\)\. Did you mean `mortality`\?"):
        run_analysis(spec, WithLists(wb))


def test_sensitivity_exclude_designs_is_applied(tmp_path):
    studies = [study("S1"), study("S2", design="non-randomised controlled"), study("S3")]
    rows = []
    for sid, (a, c) in zip(("S1", "S2", "S3"), ((3, 6), (4, 9), (2, 5))):
        rows += [row(sid, "treatment", events=a, n=40), row(sid, "control", events=c, n=40)]
    res = run(tmp_path, studies, rows, 'title = "t"\noutcome = "other"\nmeasure = "RR"\n[[sensitivity]]\nname = "RCTs only"\n'
              'exclude_designs = ["non-randomised controlled"]\n[[sensitivity]]\nname = "without S3"\nexclude_studies = ["S3"]\n')
    assert res.main.k == 3 and [s.k for s in res.sensitivity] == [2, 2]
    assert set(res.sensitivity[0].labels) == {"Trial S1", "Trial S3"} and set(res.sensitivity[1].labels) == {"Trial S1", "Trial S2"}


def test_subgroups_by_a_column_with_blanks_get_a_not_reported_group(tmp_path):
    studies = [study("S1", year=2020), study("S2", year=2021), study("S3"), study("S4", year=2020)]
    rows = []
    for sid, (a, c) in zip(("S1", "S2", "S3", "S4"), ((3, 6), (4, 9), (2, 5), (5, 7))):
        rows += [row(sid, "treatment", events=a, n=40), row(sid, "control", events=c, n=40)]
    for method in ("MH", "REML"):
        res = run(tmp_path, studies, rows, f'title = "t"\noutcome = "other"\nmeasure = "RR"\nmethod = "{method}"\n[[subgroups]]\nby = "year"\n')
        sg = res.subgroups["year"]
        assert not isinstance(sg, str), sg
        assert set(sg.groups) == {"2020", "2021", "not reported"} and sg.q_between_df == 2
        from exometa.plots.forest import forest_layout

        lay = forest_layout(res, by="year")
        assert lay.label.str.startswith("Subtotal").sum() == 3 and "year: not reported" in lay.label.tolist()
        weights = lay[lay.kind == "study"].w
        assert weights.sum() == pytest.approx(100)  # overall weights, as RevMan shows them


def test_assumption_keys_are_checked_together(tmp_path):
    """[dispersion] borrow needs borrowing allowed; [sample_size] split_equally needs from_enrolment; a
    sensitivity analysis may change assumptions, with checked values."""
    from exometa.analysis.spec import AnalysisFileError, load_spec

    p = tmp_path / "a.toml"
    p.write_text('title = "t"\noutcome = ["other"]\nmeasure = "MC"\n[dispersion]\nborrow = "largest"\n'
                 '[sample_size]\nsplit_equally = true\n[[sensitivity]]\nname = "x"\nborrow = "smallest"\ntest = "zz"\n')
    with pytest.raises(AnalysisFileError) as err:
        load_spec(p)
    msg = str(err.value)
    assert "4 problems" in msg and "`missing_sd` does not allow borrowing" in msg and "needs `from_enrolment = true`" in msg
    assert "`sensitivity[1].borrow` has 'smallest', which is not allowed. Allowed: 'mean', 'largest'." in msg
    assert "`sensitivity[1].test` has 'zz'" in msg
    p.write_text('title = "t"\noutcome = ["other"]\nmeasure = "MC"\n[dispersion]\nmissing_sd = ["borrow"]\nborrow = "largest"\n'
                 '[sample_size]\nfrom_enrolment = true\n[[sensitivity]]\nname = "mean SD, z"\nborrow = "mean"\ntest = "z"\n')
    s = load_spec(p)
    assert (s.borrow, s.n_from_enrolment, s.split_equally) == ("largest", True, False)
    alt = s.sensitivity[0].applied_to(s)
    assert (alt.borrow, alt.test, alt.n_from_enrolment) == ("mean", "z", True) and s.sensitivity[0].overrides == {"borrow": "mean", "test": "z"}
