"""Problems found in a workbook: each names the file, sheet, cell, study and the fix."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One problem in a workbook.

    ``level`` is "error" (the workbook cannot be used as it is) or "warning"
    (it can, and the consequence is said, e.g. that a study cannot be pooled).

    >>> print(Problem("error", "studies.xlsx", "outcomes", "H14", "Ersan 2024",
    ...               "sd is '12.5 (SD 3)', which is not a number.", "Put the SD alone in this cell, e.g. 3."))
    studies.xlsx, sheet 'outcomes', cell H14 (study 'Ersan 2024'): sd is '12.5 (SD 3)', which is not a number. Put the SD alone in this cell, e.g. 3.
    """

    level: str
    file: str
    sheet: str | None
    cell: str | None
    study: str | None
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.cell:
            where.append(self.cell if self.cell.startswith("row") else f"cell {self.cell}")
        head = ", ".join(where)
        if self.study:
            head += f" (study '{self.study}')"
        return f"{head}: {self.message}" + (f" {self.fix}" if self.fix else "")

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("level", "file", "sheet", "cell", "study", "message", "fix")}


def summary_line(problems) -> str:
    errors = sum(p.level == ERROR for p in problems)
    warnings = sum(p.level == WARNING for p in problems)
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


class Collector:
    """Gathers the problems of one file while it is read (none stops the reading of the rest)."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[Problem] = []

    def add(self, level, sheet, cell, study, message, fix="") -> None:
        self.items.append(Problem(level, self.file, sheet, cell, study, message, fix))
