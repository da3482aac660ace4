"""exometa: meta-analysis of clinical-trial outcomes, exact against metafor and fast at any scale.

metafor's ``rma(c(.1, .3, .5), c(.01, .02, .04), method="DL")`` gives 0.2524:

>>> from exometa import meta_analysis
>>> res = meta_analysis([0.1, 0.3, 0.5], [0.01, 0.02, 0.04], method="DL")
>>> round(res.estimate, 4)
0.2524
"""

from .effects import effect_sizes
from .evidence import flag_table
from .errors import ConvergenceError, ConvergenceWarning, DataError, ExometaError, SmallSampleWarning
from .models import (
    Control,
    MetaRegressionResult,
    MetaResult,
    mantel_haenszel,
    meta_analysis,
    peto,
    subgroup_analysis,
)
from .workbook.reader import Workbook, WorkbookError, read_workbook
from .workbook.writer import new_workbook

__version__ = "0.1.0"

__all__ = [
    "effect_sizes",
    "read_workbook",
    "new_workbook",
    "flag_table",
    "Workbook",
    "WorkbookError",
    "meta_analysis",
    "mantel_haenszel",
    "peto",
    "subgroup_analysis",
    "Control",
    "MetaResult",
    "MetaRegressionResult",
    "ExometaError",
    "DataError",
    "ConvergenceError",
    "ConvergenceWarning",
    "SmallSampleWarning",
]
