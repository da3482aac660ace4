"""A small schema checker for analysis files: every key's type, range and allowed values.

:func:`check` walks a parsed TOML table against a schema (a dict of
:class:`Key`), collects *every* problem (unknown keys with a "did you mean",
wrong types, values out of range or not allowed) and returns the values with
defaults filled in. The caller raises one error listing them all.

>>> problems = []
>>> check({"levle": 95, "flag": "false"}, {"level": Key("number", "CI level"), "flag": Key("bool", "a switch")}, "", problems)
{'level': None, 'flag': None}
>>> print("\\n".join(problems))
`levle` is not a known key. Did you mean `level`?
`flag` must be true or false (without quotes); got "false" (text).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

KINDS = ("text", "number", "bool", "texts", "numbers", "table", "tables")


@dataclass(frozen=True)
class Key:
    kind: str  # one of KINDS; "texts" accepts one text or a list of texts
    help: str
    default: object = None
    choices: tuple = ()
    lo: float | None = None
    hi: float | None = None
    required: bool = False
    nonempty: bool = False
    length: int | None = None
    schema: dict = field(default_factory=dict)  # for "table" and "tables"


def describe(value) -> str:
    """A value and its type in words, for messages."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, (int, float)):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        return f'"{value}" (text)' if len(value) < 60 else f'"{value[:57]}..." (text)'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"{type(value).__name__}"


def did_you_mean(word: str, known) -> str:
    near = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=0.6)
    return f" Did you mean `{near[0]}`?" if near else ""


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _range(v, key: Key, name: str, problems) -> bool:
    if key.lo is not None and v < key.lo or key.hi is not None and v > key.hi:
        problems.append(f"`{name}` must lie between {key.lo:g} and {key.hi:g}; got {v!r}.")
        return False
    return True


def _choice(v, key: Key, name: str, problems) -> bool:
    if key.choices and v not in key.choices:
        problems.append(f"`{name}` has {v!r}, which is not allowed.{did_you_mean(v, key.choices)} "
                        f"Allowed: {', '.join(map(repr, key.choices))}.")
        return False
    return True


def _value(v, key: Key, name: str, problems):
    """The checked value, or None after recording a problem."""
    kind = key.kind
    if kind == "text":
        if not isinstance(v, str):
            problems.append(f"`{name}` must be text in quotes (e.g. {name} = \"...\"); got {describe(v)}.")
            return None
        return v if _choice(v, key, name, problems) else None
    if kind == "number":
        if not _number(v):
            problems.append(f"`{name}` must be a number (without quotes); got {describe(v)}.")
            return None
        return float(v) if _range(v, key, name, problems) else None
    if kind == "bool":
        if not isinstance(v, bool):
            problems.append(f"`{name}` must be true or false (without quotes); got {describe(v)}.")
            return None
        return v
    if kind == "texts":
        items = [v] if isinstance(v, str) else v
        if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
            problems.append(f"`{name}` must be text or a list of texts (e.g. {name} = [\"a\", \"b\"]); got {describe(v)}.")
            return None
        return _list(items, key, name, problems, lambda x: _choice(x, key, name, problems))
    if kind == "numbers":
        if not isinstance(v, list) or not all(_number(x) for x in v):
            problems.append(f"`{name}` must be a list of numbers (e.g. {name} = [0.2, 0.8]); got {describe(v)}.")
            return None
        out = _list(v, key, name, problems, lambda x: _range(x, key, name, problems))
        return None if out is None else tuple(float(x) for x in out)
    if kind == "table":
        if not isinstance(v, dict):
            problems.append(f"`{name}` must be a table ([{name}] on a line of its own, then its keys); got {describe(v)}.")
            return None
        return check(v, key.schema, name + ".", problems)
    if kind == "tables":
        if isinstance(v, dict):
            problems.append(f"`{name}` must be written [[{name}]] (double brackets: there can be several); got [{name}].")
            return None
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            problems.append(f"`{name}` must be one or more [[{name}]] tables; got {describe(v)}.")
            return None
        return tuple(check(x, key.schema, f"{name}[{i + 1}].", problems) for i, x in enumerate(v))
    raise AssertionError(kind)


def _list(items, key, name, problems, item_ok):
    if key.nonempty and not items:
        problems.append(f"`{name}` is empty; list at least one value{_allowed(key)}.")
        return None
    if key.length is not None and len(items) != key.length:
        problems.append(f"`{name}` must hold {key.length} values; got {len(items)}.")
        return None
    ok = [item_ok(x) for x in items]
    return tuple(items) if all(ok) else None


def _allowed(key) -> str:
    return f" (allowed: {', '.join(map(repr, key.choices))})" if key.choices else ""


def check(data: dict, schema: dict, prefix: str, problems: list) -> dict:
    """Values of ``data`` checked against ``schema`` (defaults for absent keys; None where a problem was found)."""
    out = {}
    for name in data:
        if name not in schema:
            where = f" in [{prefix[:-1]}]" if prefix else ""
            hint = did_you_mean(name, schema) or f" Known keys{where}: {', '.join(schema)}."
            problems.append(f"`{prefix}{name}` is not a known key{where}.{hint}")
    for name, key in schema.items():
        if name not in data:
            if key.required:
                problems.append(f"`{prefix}{name}` is required: {key.help}")
            out[name] = key.default
            continue
        out[name] = _value(data[name], key, prefix + name, problems)
    return out


__all__ = ["Key", "check", "describe", "did_you_mean"]
