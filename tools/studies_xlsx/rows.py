"""Row helpers: a typo in a column name fails here, not silently in the workbook."""

from exometa.workbook.schema import OUTCOME_COLUMNS, RISK_OF_BIAS_COLUMNS, STUDY_COLUMNS

_NAMES = {
    "studies": {c.name for c in STUDY_COLUMNS},
    "outcomes": {c.name for c in OUTCOME_COLUMNS},
    "risk_of_bias": {c.name for c in RISK_OF_BIAS_COLUMNS},
}


def _row(sheet: str, kw: dict) -> dict:
    unknown = set(kw) - _NAMES[sheet]
    if unknown:
        raise KeyError(f"{sheet}: unknown column(s) {sorted(unknown)} in row {kw.get('study_id')}")
    return {k: v for k, v in kw.items() if v is not None and v != ""}


def study(**kw) -> dict:
    return _row("studies", kw)


def outcome(**kw) -> dict:
    return _row("outcomes", kw)


def rob_row(**kw) -> dict:
    return _row("risk_of_bias", kw)
