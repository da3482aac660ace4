"""Evidence flags: what limits the weight a study can carry, computed from the workbook."""

from .flags import FLAGS, SYMBOLS, flag_records, flag_symbols, flag_table, study_flags

__all__ = ["FLAGS", "SYMBOLS", "flag_records", "flag_symbols", "flag_table", "study_flags"]
