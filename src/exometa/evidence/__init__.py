"""Evidence flags: what limits the weight a study can carry, computed from the workbook."""

from .flags import FLAGS, flag_table, study_flags

__all__ = ["FLAGS", "flag_table", "study_flags"]
