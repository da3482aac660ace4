"""The ``[grade]`` table of an analysis file: what GRADE needs that the data cannot say.

The certainty of an analysis is rated from its data (:mod:`exometa.analysis.grading`),
except for what only the review team can judge, declared here::

    [grade]
    threshold = 10               # the decision threshold on the display scale (a ratio for RR, OR...),
                                 # or two: threshold = [-10, 10]; default: no effect
    control_risk = 0.2           # the comparator's risk, for absolute effects of RR, OR, RD (0 to 1)
    registered_trials = ["RT01"] # registered trials without results that bear on this analysis
                                 # (default: matched automatically, see exometa.analysis.context)
    dose_response = ""           # a reason to rate non-randomised evidence up, in words
    confounding = ""             # plausible confounding that would reduce the effect, in words

    [grade.indirectness]         # each "no", "serious" or "very serious", with its reason
    population = { level = "no", reason = "adults with androgenetic alopecia, as the question asks" }
    intervention = { level = "serious", reason = "conditioned medium, not exosomes" }
    comparator = { level = "no" }
    outcome = { level = "no" }

    [grade.ois]                  # the optimal information size: give participants, or the inputs
    participants = 126           #   a number of participants, or
    delta = 10                   #   the smallest important difference (display scale)
    sd = 20                      #   with the outcome's SD, or
    p_control = 0.2              #   the comparator's risk
    rrr = 0.25                   #   with the relative risk reduction that matters
    alpha = 0.05                 # two-sided
    power = 0.8

A level other than "no" needs a reason. ``ois`` takes ``participants`` alone, or
``delta`` with ``sd``, or ``p_control`` with ``rrr`` (GRADE 6, Guyatt et al. 2011);
for a change within one group the OIS counts one group.

>>> g = GradeSpec(indirectness=(("intervention", "serious", "conditioned medium"),))
>>> g.indirectness_map()
{'intervention': ('serious', 'conditioned medium')}
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec_schema import Key

INDIRECTNESS_LEVELS = ("no", "serious", "very serious")
ASPECTS = ("population", "intervention", "comparator", "outcome")


@dataclass(frozen=True)
class Ois:
    """Optimal information size inputs (see the module docstring)."""

    participants: float | None = None
    delta: float | None = None
    sd: float | None = None
    p_control: float | None = None
    rrr: float | None = None
    alpha: float = 0.05
    power: float = 0.8


@dataclass(frozen=True)
class GradeSpec:
    """What the ``[grade]`` table declares."""

    threshold: tuple = ()  # display scale; () = no effect
    indirectness: tuple = ()  # (aspect, level, reason)
    ois: Ois | None = None
    control_risk: float | None = None
    registered_trials: tuple | None = None  # None = matched automatically
    dose_response: str = ""
    confounding: str = ""

    def indirectness_map(self) -> dict:
        return {a: (lvl, why) for a, lvl, why in self.indirectness}


def _aspect(aspect: str) -> Key:
    return Key("table", f"indirectness of the {aspect}", None, schema={
        "level": Key("text", '"no", "serious" or "very serious"', required=True, choices=INDIRECTNESS_LEVELS),
        "reason": Key("text", "why, in words", "")})


SCHEMA = {
    "threshold": Key("numbers", "the decision threshold(s) on the display scale", (), lo=-1e12, hi=1e12),
    "control_risk": Key("number", "the comparator's risk (0 to 1)", None, lo=0, hi=1),
    "registered_trials": Key("texts", "study ids of registered trials without results for this analysis", None),
    "dose_response": Key("text", "a declared dose-response gradient (a reason to rate up)", ""),
    "confounding": Key("text", "plausible confounding that would reduce the effect (a reason to rate up)", ""),
    "indirectness": Key("table", "indirectness of population, intervention, comparator and outcome", {},
                        schema={a: _aspect(a) for a in ASPECTS}),
    "ois": Key("table", "the optimal information size, or its inputs", None, schema={
        "participants": Key("number", "the optimal information size in participants", None, lo=1, hi=1e9),
        "delta": Key("number", "the smallest important difference (display scale)", None, lo=-1e12, hi=1e12),
        "sd": Key("number", "the outcome's SD", None, lo=0, hi=1e12),
        "p_control": Key("number", "the comparator's risk (0 to 1)", None, lo=0, hi=1),
        "rrr": Key("number", "the relative risk reduction that matters (0 to 1)", None, lo=0, hi=1),
        "alpha": Key("number", "two-sided alpha", 0.05, lo=1e-6, hi=0.5),
        "power": Key("number", "power", 0.8, lo=0.5, hi=0.9999)}),
}


def threshold_value(raw) -> tuple[object, str | None]:
    """``threshold`` may be one number or a list of one or two: (normalised value, problem)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return [raw], None
    if isinstance(raw, list) and 1 <= len(raw) <= 2:
        return raw, None
    if isinstance(raw, list):
        return None, f"`grade.threshold` holds one or two numbers (e.g. threshold = 10 or [-10, 10]); got {len(raw)}."
    return raw, None


def rules(raw: dict, v: dict, ratio: bool, problems: list) -> None:
    """Checks that join keys of [grade]; ``v`` holds the checked values."""
    for aspect, value in (v.get("indirectness") or {}).items():
        if value and value.get("level") not in (None, "no") and not str(value.get("reason") or "").strip():
            problems.append(f"`grade.indirectness.{aspect}` is {value['level']!r} without a reason: say why, e.g. "
                            f'{aspect} = {{ level = "{value["level"]}", reason = "..." }}.')
    thr = v.get("threshold") or ()
    if ratio and any(t <= 0 for t in thr):
        problems.append(f"`grade.threshold` of a ratio measure is a ratio (e.g. 0.8 or 1.25), so it must be positive; got {list(thr)}.")
    ois = v.get("ois")
    if ois:
        given = {k for k in ("participants", "delta", "sd", "p_control", "rrr") if ois.get(k) is not None}
        ok = given in ({"participants"}, {"delta", "sd"}, {"p_control", "rrr"})
        if not ok:
            problems.append("`grade.ois` needs `participants` alone, or `delta` with `sd`, or `p_control` with `rrr`; "
                            f"got {', '.join(sorted(given)) or 'none of them'}.")
        if ois.get("delta") == 0:
            problems.append("`grade.ois.delta` is the smallest important difference, so it cannot be 0.")
        for key in ("p_control", "rrr"):
            if ois.get(key) in (0.0, 1.0):
                problems.append(f"`grade.ois.{key}` must lie strictly between 0 and 1.")


def build(v: dict | None) -> GradeSpec:
    """The :class:`GradeSpec` from checked values (``None``: nothing declared)."""
    if not v:
        return GradeSpec()
    ind = tuple((a, x["level"], x.get("reason") or "") for a, x in (v.get("indirectness") or {}).items() if x)
    o = v.get("ois")
    ois = Ois(**{k: o[k] for k in vars(Ois()) if o.get(k) is not None}) if o else None
    reg = v.get("registered_trials")
    return GradeSpec(threshold=tuple(v.get("threshold") or ()), indirectness=ind, ois=ois, control_risk=v.get("control_risk"),
                     registered_trials=None if reg is None else tuple(reg), dose_response=v.get("dose_response") or "",
                     confounding=v.get("confounding") or "")


__all__ = ["GradeSpec", "Ois", "SCHEMA", "rules", "build", "threshold_value", "ASPECTS", "INDIRECTNESS_LEVELS"]
