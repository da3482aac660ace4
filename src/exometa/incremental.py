"""Incremental runs: a figure is redrawn only when what it is drawn from has changed.

Each figure gets a *key*: a SHA-256 over a canonical encoding of everything its
bytes depend on — the layout table it is drawn from, the analysis result passed
to the drawing function (spec, studies, fits), its title, formats and
resolution, the save settings, and the software: exometa's version and a digest
of its source files (so an edit to the drawing code redraws), matplotlib,
NumPy, fontTools and FreeType. The run keeps the key of every output and the
hash of every file in a small manifest (see :mod:`exometa.outputs`); a figure
whose key is unchanged and whose files are still exactly as written is not
drawn again. The encoding is canonical (dict and set order, float bits, array
bytes), so the same inputs give the same key in every process.

Anything the encoder does not know (an object without fields) makes the key
``None``: that figure is always redrawn, which is slower but never stale.

>>> import numpy as np
>>> fingerprint({"b": 1.0, "a": np.array([1.0, np.nan])}) == fingerprint({"a": np.array([1.0, np.nan]), "b": 1.0})
True
>>> fingerprint([0.1]) == fingerprint([0.1000000000000001]), fingerprint(print) is None
(False, True)
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import math
import struct
from functools import lru_cache
from pathlib import Path, PurePath


class Unfingerprintable(TypeError):
    """An object whose content cannot be encoded canonically."""


def _encode(obj, out: list, stack: set) -> None:  # noqa: C901 - one branch per type, in one place
    import numpy as np

    if obj is None or isinstance(obj, (bool, str, bytes)):
        out.append(f"{type(obj).__name__}:{obj!r};".encode())
        return
    if isinstance(obj, int):
        out.append(f"i:{obj};".encode())
        return
    if isinstance(obj, float):
        out.append(b"f:nan;" if math.isnan(obj) else b"f:" + struct.pack("<d", obj) + b";")
        return
    if isinstance(obj, np.generic):
        _encode(obj.item(), out, stack)
        return
    if isinstance(obj, (PurePath, enum.Enum)):
        out.append(f"{type(obj).__name__}:{obj!s};".encode())
        return
    marker = id(obj)
    if marker in stack:
        raise Unfingerprintable(f"a {type(obj).__name__} that contains itself")
    stack.add(marker)
    try:
        _encode_container(obj, out, stack, np)
    finally:
        stack.discard(marker)


def _encode_container(obj, out: list, stack: set, np) -> None:
    import pandas as pd

    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            out.append(f"A:{obj.shape}:".encode())
            for item in obj.ravel():
                _encode(item, out, stack)
        else:
            arr = np.ascontiguousarray(obj)
            if arr.dtype.kind == "f":
                arr = np.where(np.isnan(arr), np.nan, arr)  # one NaN bit pattern
            out.append(f"a:{arr.dtype.str}:{arr.shape}:".encode() + arr.tobytes())
        out.append(b";")
    elif isinstance(obj, pd.DataFrame):
        out.append(b"DF:")
        _encode([str(c) for c in obj.columns], out, stack)
        _encode(obj.index.to_numpy(), out, stack)
        for col in obj.columns:
            _encode(str(obj[col].dtype), out, stack)
            _encode(obj[col].to_numpy(), out, stack)
    elif isinstance(obj, pd.Series):
        out.append(b"S:")
        _encode([str(obj.name), str(obj.dtype)], out, stack)
        _encode(obj.index.to_numpy(), out, stack)
        _encode(obj.to_numpy(), out, stack)
    elif isinstance(obj, (list, tuple)):
        out.append(f"{'L' if isinstance(obj, list) else 'T'}{len(obj)}:".encode())
        for item in obj:
            _encode(item, out, stack)
    elif isinstance(obj, dict):
        items = sorted((fingerprint_bytes(k, stack), v) for k, v in obj.items())
        out.append(f"D{len(items)}:".encode())
        for k, v in items:
            out.append(k)
            _encode(v, out, stack)
    elif isinstance(obj, (set, frozenset)):
        out.append(f"Z{len(obj)}:".encode() + b"".join(sorted(fingerprint_bytes(v, stack) for v in obj)))
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out.append(f"C:{type(obj).__module__}.{type(obj).__qualname__}:".encode())
        for f in dataclasses.fields(obj):
            out.append(f.name.encode() + b"=")
            _encode(getattr(obj, f.name), out, stack)
    elif hasattr(obj, "__dict__") and not callable(obj):
        out.append(f"O:{type(obj).__module__}.{type(obj).__qualname__}:".encode())
        _encode(dict(vars(obj)), out, stack)
    else:
        raise Unfingerprintable(f"cannot encode a {type(obj).__module__}.{type(obj).__qualname__}")


def fingerprint_bytes(obj, stack: set | None = None) -> bytes:
    """The canonical encoding of ``obj`` (raises :class:`Unfingerprintable`)."""
    out: list = []
    _encode(obj, out, set() if stack is None else stack)
    return b"".join(out)


def fingerprint(*parts) -> str | None:
    """SHA-256 (hex) of the canonical encoding of ``parts``, or None if one cannot be encoded."""
    try:
        return hashlib.sha256(fingerprint_bytes(parts)).hexdigest()
    except (Unfingerprintable, RecursionError):
        return None


@lru_cache(maxsize=1)
def software() -> dict:
    """The versions a figure's bytes depend on: exometa's (and a digest of its files), the installed
    matplotlib, NumPy, fontTools and Pillow, and matplotlib's font renderer (see
    :func:`installed_software`). Read without importing them: the process that plans a run's
    figures does not import matplotlib."""
    found = installed_software()
    libraries = found["libraries"]
    return {"exometa": found["exometa"], "exometa_files": found["exometa_files"],
            **{name: libraries.get(name, "") for name in ("matplotlib", "numpy", "fonttools", "pillow")},
            "ft2font": found["ft2font"]}


def figure_key(kind: str, layout, result, title, formats, dpi, settings) -> str | None:
    """The key of one figure: what it is drawn from, how it is saved, and the software."""
    return fingerprint("figure", kind, layout, result, title, tuple(formats), dpi, settings, software())


#: distributions whose versions the outputs may depend on (figures, spreadsheets, the Word report)
_DISTRIBUTIONS = ("numpy", "scipy", "pandas", "matplotlib", "fonttools", "pillow", "openpyxl", "python-docx",
                  "defusedxml", "lxml")


@lru_cache(maxsize=1)
def installed_software() -> dict:
    """What a run's outputs depend on, found without importing the libraries (fast at start-up).

    exometa's version and a digest of every file of the package (code and data), the installed
    versions of the libraries it draws and writes with, Python's version, and the size and date of
    matplotlib's font renderer (a rebuild against another FreeType changes it).
    """
    import importlib.metadata as md
    import importlib.util
    import sys

    from . import __version__

    versions = {}
    for name in _DISTRIBUTIONS:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = ""
    spec = importlib.util.find_spec("matplotlib")
    renderer = []
    if spec is not None and spec.origin:
        for so in sorted(Path(spec.origin).parent.glob("ft2font*")):
            st = so.stat()
            renderer.append((so.name, st.st_size, st.st_mtime_ns))
    return {"exometa": __version__, "exometa_files": package_digest(), "python": sys.version,
            "libraries": versions, "ft2font": renderer}


@lru_cache(maxsize=1)
def package_digest() -> str:
    """SHA-256 over exometa's files (code and data, names and bytes; compiled caches excluded)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def run_key(workbook, analyses, options: dict) -> str | None:
    """The key of a whole run: the workbook's bytes, every analysis file's name and bytes, the run's
    ``options`` and :func:`installed_software`; None when it proves nothing.

    An unchanged key, with every output still as written, proves that a run would write the same
    bytes again. It is None when the workbook or an analysis file cannot be read, and when the
    folder holds an analysis script (``*.py``): a script may read anything, so its run is never
    taken as unchanged.
    """
    from .outputs import file_sha256

    wb = file_sha256(workbook)
    folder = Path(analyses)
    if wb is None or not folder.is_dir():
        return None
    files = []
    for path in sorted([*folder.glob("*.toml"), *folder.glob("*.py")]):
        if path.name.startswith(("_", ".")):
            continue
        if path.suffix == ".py":
            return None
        try:
            files.append((path.name, path.read_bytes()))
        except OSError:
            return None
    import json

    h = hashlib.sha256(b"run\0" + wb.encode() + b"\0")
    for name, data in files:
        h.update(f"{len(name)}:{name}:{len(data)}:".encode() + data)
    try:  # plain JSON data (no numpy, no pandas: this runs before either is imported)
        h.update(json.dumps([options, installed_software()], sort_keys=True).encode())
    except (TypeError, ValueError):
        return None
    return h.hexdigest()
