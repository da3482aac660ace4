"""Reading an analysis file: UTF-8 TOML, with a clear error for a folder, a missing or unreadable file,
UTF-16, a byte-order mark, bytes that are not UTF-8, or TOML that does not parse."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..errors import ExometaError


def read_toml(path: Path, where: str, error=ExometaError) -> dict:
    """The parsed TOML of ``path``, or ``error`` saying what is wrong with the file and how to fix it."""
    if path.is_dir():
        raise error(f"{where}: is a folder, not an analysis file. Rename or move it: every *.toml in the "
                                "analyses folder must be a file.")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{where}: no such file.") from None
    except OSError as exc:
        raise error(f"{where}: cannot be read ({exc.strerror}).") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(f"{where}: saved as UTF-16; analysis files must be UTF-8. Save it again choosing 'UTF-8'.")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise error(f"{where}: starts with a byte-order mark (BOM), which TOML does not allow. "
                                "Save it as 'UTF-8' (not 'UTF-8 with BOM').")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{where}: is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}). "
                                "Save it again as 'UTF-8' in your editor.") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}: not valid TOML ({exc}). Check quotes and brackets on that line.") from None


__all__ = ["read_toml"]
