"""Analysis scripts: an analysis written in Python, run by ``exometa run`` beside the analysis files.

A file ``analyses/NAME.py`` is an analysis script. It follows one small contract:

- it defines ``analysis(workbook)``, which ``exometa run`` calls with the read
  workbook (:class:`exometa.Workbook`) and which returns one
  :class:`~exometa.analysis.run.AnalysisResult`;
- it builds that result with the public API -- typically
  :func:`spec` (the keys of an analysis file, checked as strictly), then
  :func:`~exometa.analysis.run.run_analysis`, or, for effects the script
  computes itself (e.g. with :func:`exometa.effect_sizes`), :func:`from_effects`;
- it writes no files and draws nothing: exometa draws its figures, writes its
  part of the report and its Summary of Findings, as for an analysis file. Its
  name in outputs is the file's name (``NAME_forest.svg``...), whatever the
  script calls it;
- to refuse data it raises :class:`exometa.ExometaError` with a message a
  reviewer can act on; any other exception is reported as the script's failure,
  naming the file.

The script is loaded from its path (nothing is added to ``sys.path``), once per
run. ``examples/script/analyses/early_bcg_trials.py`` is a worked example::

    from exometa.analysis.script import from_effects, spec, study_effect
    from exometa import effect_sizes

    def analysis(workbook):
        early = workbook.studies[workbook.studies.year < 1950]
        ...
        return from_effects(spec(title="...", outcome=["tuberculosis"], measure="RR", method="REML"),
                            workbook, effects)
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExometaError
from .extract import StudyEffect
from .spec import AnalysisFileError, AnalysisSpec, spec_from_dict


class AnalysisScriptError(ExometaError):
    """An analysis script that cannot be run, or that failed; names the file and what to do."""


def spec(name: str = "script", **keys) -> AnalysisSpec:
    """An :class:`~exometa.analysis.spec.AnalysisSpec` from the keys of an analysis file, checked as strictly.

    >>> s = spec(title="Early trials", outcome=["other"], measure="RR", method="REML", test="z")
    >>> s.method, s.test, s.info.title
    ('REML', 'z', 'risk ratio')
    """
    return spec_from_dict(keys, f"{name}.toml", where=f"analysis script {name!r}")


def study_effect(study_id: str, label: str, yi: float, vi: float, *, n: float = float("nan"), reported: str = "",
                 derivations=(), arm: str = "treatment vs control", within: bool = False, source: str = "") -> StudyEffect:
    """One study's effect for :func:`from_effects`: its estimate ``yi`` and variance ``vi`` on the analysis
    scale (log for ratios), what the source reports, and every derivation behind it (each flags the study ``*``)."""
    return StudyEffect(study_id, label, arm=arm, yi=float(yi), vi=float(vi), n=float(n), reported=reported,
                       derivations=list(derivations), within=within, source=source)


def from_effects(spec: AnalysisSpec, workbook, effects, *, left_out=()) -> object:
    """Pool effects a script computed, and do everything an analysis file's run does after extraction
    (sensitivity and subgroups, diagnostics, small-study methods, GRADE, the verdict).

    ``effects`` are :func:`study_effect` s (or :class:`~exometa.analysis.extract.StudyEffect` s) of
    studies on the workbook's studies sheet; ``left_out`` lists (label, reason) of studies the script
    set aside, for the report.
    """
    from .context import workbook_context
    from .run import analyse

    ctx = workbook_context(workbook)
    records = {rec["study_id"]: rec for rec in workbook.studies.to_dict("records")}
    unknown = sorted({e.study_id for e in effects} - set(records))
    if unknown:
        raise ExometaError(f"effects of studies not on the studies sheet: {', '.join(unknown)}; use the study_id of a row "
                           f"of the studies sheet of {workbook.path.name}.")
    ids = list(dict.fromkeys(e.study_id for e in effects))
    flags = {sid: dict(ctx.flags.get(sid, {})) for sid in ids}
    unit = spec.unit if spec.info.raw_units else ""
    return analyse(spec, ctx, [records[sid] for sid in ids], effects, flags, left_out=left_out, unit=unit,
                   alternatives=_alternatives(spec, effects))


#: sensitivity keys a script's effects can honour as they are (the others change how effects are extracted)
REFIT_ONLY = ("method", "test")


def _alternatives(spec, effects) -> dict:
    """The sensitivity analyses that change the model, on the script's own effects; the others are refused."""
    out = {}
    for i, s in enumerate(spec.sensitivity):
        keys = set(s.overrides)
        extract = sorted(keys - set(REFIT_ONLY))
        if extract:
            raise ExometaError(f"sensitivity[{i + 1}] ({s.name!r}) changes {', '.join(extract)}, which decide how effects are "
                               "extracted from the workbook; a script computes its own effects, so compute them under that "
                               "assumption in the script (or keep the sensitivity analysis to method and test).")
        if keys:
            out[i] = (s.applied_to(spec), effects)
    return out


@dataclass(frozen=True)
class AnalysisScript:
    """An analysis script found in the analyses folder (its name is the file's stem)."""

    name: str
    path: Path

    def run(self, workbook):
        """Load the script, call its ``analysis(workbook)`` and return the result under the script's name."""
        module = load_module(self.path)
        func = getattr(module, "analysis", None)
        if not callable(func):
            raise AnalysisScriptError(f"{self.path}: an analysis script must define analysis(workbook), which returns "
                                      "the analysis result; see exometa.analysis.script.")
        try:
            res = func(workbook)
        except ExometaError as exc:
            raise AnalysisScriptError(f"{self.path}: {exc}") from exc
        except Exception as exc:
            raise AnalysisScriptError(f"{self.path}: the script failed ({type(exc).__name__}: {exc}). Fix the script, "
                                      "or run it on its own (python -c 'import runpy; ...') to see where.") from exc
        from .run import AnalysisResult

        if not isinstance(res, AnalysisResult):
            raise AnalysisScriptError(f"{self.path}: analysis(workbook) returned {type(res).__name__}; it must return "
                                      "an AnalysisResult (from run_analysis or from_effects).")
        return dataclasses.replace(res, spec=dataclasses.replace(res.spec, name=self.name, path=self.path))


def load_module(path: Path):
    """The script as a module, loaded from its file (a fresh module each time; nothing is put on sys.path)."""
    path = Path(path)
    name = f"exometa_analysis_script_{abs(hash(str(path.resolve())))}"
    spec_ = importlib.util.spec_from_file_location(name, path)
    if spec_ is None or spec_.loader is None:  # pragma: no cover - a .py file always has a loader
        raise AnalysisScriptError(f"{path}: cannot be loaded as a Python file.")
    module = importlib.util.module_from_spec(spec_)
    try:
        spec_.loader.exec_module(module)
    except SyntaxError as exc:
        raise AnalysisScriptError(f"{path}, line {exc.lineno}: not valid Python ({exc.msg}).") from exc
    except ExometaError as exc:
        raise AnalysisScriptError(f"{path}: {exc}") from exc
    except Exception as exc:
        raise AnalysisScriptError(f"{path}: importing the script failed ({type(exc).__name__}: {exc}).") from exc
    finally:
        sys.modules.pop(name, None)
    return module


def load_analyses(folder) -> list:
    """Every analysis in ``folder`` in name order: ``*.toml`` as :class:`AnalysisSpec`, ``*.py`` as
    :class:`AnalysisScript`; the problems of all files are reported together. Two analyses may not share a
    name (``x.toml`` and ``x.py``)."""
    from .spec import load_spec

    folder = Path(folder)
    if not folder.is_dir():
        raise AnalysisFileError(f"{folder}: no such folder of analyses. Create it with one .toml file (or .py script) "
                                "per analysis.")
    items, errors = [], []
    paths = sorted([*folder.glob("*.toml"), *folder.glob("*.py")], key=lambda p: (p.stem, p.suffix))
    stems = [p.stem for p in paths]
    for p in paths:
        if p.name.startswith(("_", ".")):
            continue
        if stems.count(p.stem) > 1:
            errors.append(f"{p}: {p.stem}.toml and {p.stem}.py would both be analysis {p.stem!r}; rename one.")
            continue
        if p.suffix == ".py":
            items.append(AnalysisScript(p.stem, p))
            continue
        try:
            items.append(load_spec(p))
        except AnalysisFileError as exc:
            errors.append(str(exc))
    if errors:
        raise AnalysisFileError("\n".join(dict.fromkeys(errors)))
    return items


__all__ = ["spec", "study_effect", "from_effects", "AnalysisScript", "AnalysisScriptError", "load_analyses", "load_module"]
