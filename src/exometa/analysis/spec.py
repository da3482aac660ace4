"""Analysis files (``analyses/*.toml``): what one analysis asks, and how.

Example (every key but ``title``, ``outcome`` and ``measure`` is optional)::

    title = "Change in hair density, every study that reports one"
    question = "How much does hair density change after treatment?"
    claim = "Exosome therapy increases hair density."
    outcome = ["hair density"]
    measure = "MC"              # MC: mean change from baseline (one group, outcome units)
                                # MD: difference between arms in mean change (controlled)
                                # PCT: percent change from baseline, as reported (shown, never pooled)
    arms = ["single group", "treatment"]
    method = "REML"
    test = "knha"
    level = 95
    figures = ["forest", "funnel"]

    [include]                   # which studies are in
    record_type = ["study", "seed claim"]
    exclude_flags = []          # e.g. ["uncontrolled", "unverifiable"]
    exclude_designs = ["meta-analysis"]
    intervention_type = []      # empty: all

    [dispersion]                # when a study reports no SD of the change
    missing_sd = ["from_p", "borrow"]    # tried in order; each use flags the study as imputed
    correlation = 0.5                    # pre/post correlation, when both SDs are reported
    correlation_range = [0.2, 0.8]       # re-run at these values (sensitivity)

    [[sensitivity]]             # the same analysis on a subset
    name = "without unverifiable studies"
    exclude_flags = ["unverifiable"]

    [[subgroups]]               # separate pooling by a studies-sheet column
    by = "design"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ExometaError
from ..evidence.flags import FLAGS
from ..models.pooling import METHODS, TESTS
from ..workbook.schema import SHEETS, STUDIES, column

MEASURES = ("MC", "MD", "PCT")
SD_POLICIES = ("from_p", "borrow")
FIGURES = ("forest", "funnel")
FLAG_NAMES = tuple(f.name for f in FLAGS)


@dataclass(frozen=True)
class Include:
    record_type: tuple = ("study",)
    exclude_flags: tuple = ()
    exclude_designs: tuple = ("meta-analysis",)
    intervention_type: tuple = ()
    study_ids: tuple = ()


@dataclass(frozen=True)
class Sensitivity:
    name: str
    exclude_flags: tuple = ()
    exclude_imputed: bool = False
    exclude_designs: tuple = ()


@dataclass(frozen=True)
class AnalysisSpec:
    name: str
    title: str
    outcome: tuple
    measure: str
    question: str = ""
    claim: str = ""
    unit: str = ""
    arms: tuple = ("single group", "treatment")
    method: str = "REML"
    test: str = "knha"
    level: float = 95.0
    include: Include = field(default_factory=Include)
    missing_sd: tuple = ()
    correlation: float = 0.5
    correlation_range: tuple = ()
    sensitivity: tuple = ()
    subgroups: tuple = ()
    figures: tuple = ("forest",)
    path: Path | None = None


class AnalysisFileError(ExometaError):
    """An analysis file that cannot be used; names the file, the key and the fix."""


def _tuple(value, where, key):
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(value)
    raise AnalysisFileError(f"{where}: `{key}` must be a list (e.g. [\"a\", \"b\"]); got {value!r}.")


def _choices(values, allowed, where, key):
    bad = [v for v in values if v not in allowed]
    if bad:
        raise AnalysisFileError(f"{where}: `{key}` has {', '.join(map(repr, bad))}; allowed: {', '.join(map(repr, allowed))}.")
    return values


def load_spec(path) -> AnalysisSpec:
    """Read and check one analysis file."""
    path = Path(path)
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AnalysisFileError(f"{where}: not valid TOML ({exc}). Check quotes and brackets on that line.") from None
    known = {"title", "question", "claim", "outcome", "measure", "unit", "arms", "method", "test", "level",
             "include", "dispersion", "sensitivity", "subgroups", "figures"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise AnalysisFileError(f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}.")
    for key in ("title", "outcome", "measure"):
        if key not in data:
            raise AnalysisFileError(f"{where}: `{key}` is required.")
    outcome = _choices(_tuple(data["outcome"], where, "outcome"), column("outcomes", "outcome").choices, where, "outcome")
    measure = _choices((data["measure"],), MEASURES, where, "measure")[0]
    arms = _choices(_tuple(data.get("arms", ["single group", "treatment"]), where, "arms"), column("outcomes", "arm").choices, where, "arms")
    method = _choices((data.get("method", "REML"),), METHODS, where, "method")[0]
    test = _choices((data.get("test", "knha"),), TESTS, where, "test")[0]
    inc = data.get("include", {})
    include = Include(
        record_type=_choices(_tuple(inc.get("record_type", ["study"]), where, "include.record_type"),
                             column(STUDIES, "record_type").choices, where, "include.record_type"),
        exclude_flags=_choices(_tuple(inc.get("exclude_flags"), where, "include.exclude_flags"), FLAG_NAMES, where, "include.exclude_flags"),
        exclude_designs=_choices(_tuple(inc.get("exclude_designs", ["meta-analysis"]), where, "include.exclude_designs"),
                                 column(STUDIES, "design").choices, where, "include.exclude_designs"),
        intervention_type=_choices(_tuple(inc.get("intervention_type"), where, "include.intervention_type"),
                                   column(STUDIES, "intervention_type").choices, where, "include.intervention_type"),
        study_ids=_tuple(inc.get("study_ids"), where, "include.study_ids"),
    )
    disp = data.get("dispersion", {})
    sens = []
    for i, s in enumerate(data.get("sensitivity", [])):
        if "name" not in s:
            raise AnalysisFileError(f"{where}: [[sensitivity]] number {i + 1} needs a `name`.")
        sens.append(Sensitivity(
            name=s["name"],
            exclude_flags=_choices(_tuple(s.get("exclude_flags"), where, "sensitivity.exclude_flags"), FLAG_NAMES, where, "sensitivity.exclude_flags"),
            exclude_imputed=bool(s.get("exclude_imputed", False)),
            exclude_designs=_tuple(s.get("exclude_designs"), where, "sensitivity.exclude_designs"),
        ))
    study_columns = [c.name for c in SHEETS[STUDIES]]
    subgroups = tuple(_choices((g.get("by"),), study_columns, where, "subgroups.by")[0] for g in data.get("subgroups", []))
    r = float(disp.get("correlation", 0.5))
    r_range = tuple(float(x) for x in _tuple(disp.get("correlation_range"), where, "dispersion.correlation_range"))
    for value in (r,) + r_range:
        if not -1 <= value <= 1:
            raise AnalysisFileError(f"{where}: correlations must lie in [-1, 1]; got {value}.")
    return AnalysisSpec(
        name=path.stem, title=data["title"], question=data.get("question", ""), claim=data.get("claim", ""),
        outcome=outcome, measure=measure, unit=data.get("unit", ""), arms=arms, method=method, test=test,
        level=float(data.get("level", 95)), include=include,
        missing_sd=_choices(_tuple(disp.get("missing_sd"), where, "dispersion.missing_sd"), SD_POLICIES, where, "dispersion.missing_sd"),
        correlation=r, correlation_range=r_range, sensitivity=tuple(sens), subgroups=subgroups,
        figures=_choices(_tuple(data.get("figures", ["forest"]), where, "figures"), FIGURES, where, "figures"), path=path,
    )


def load_specs(folder) -> list[AnalysisSpec]:
    """Every ``*.toml`` in a folder, in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AnalysisFileError(f"{folder}: no such folder of analyses. Create it with one .toml file per analysis.")
    return [load_spec(p) for p in sorted(folder.glob("*.toml"))]
