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
def source_digest() -> str:
    """SHA-256 over exometa's own source files (names and bytes): any edit to the code changes it."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def software() -> dict:
    """The versions a figure's bytes depend on."""
    import fontTools
    import matplotlib
    import numpy
    from matplotlib import ft2font

    from . import __version__

    return {
        "exometa": __version__,
        "exometa_source": source_digest(),
        "matplotlib": matplotlib.__version__,
        "numpy": numpy.__version__,
        "fonttools": fontTools.version,
        "freetype": getattr(ft2font, "__freetype_version__", ""),
    }


def figure_key(kind: str, layout, result, title, formats, dpi, settings) -> str | None:
    """The key of one figure: what it is drawn from, how it is saved, and the software."""
    return fingerprint("figure", kind, layout, result, title, tuple(formats), dpi, settings, software())
