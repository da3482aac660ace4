"""exometa: meta-analysis of clinical-trial outcomes, exact against metafor and fast at any scale.

metafor's ``rma(c(.1, .3, .5), c(.01, .02, .04), method="DL")`` gives 0.2524:

>>> from exometa import meta_analysis
>>> res = meta_analysis([0.1, 0.3, 0.5], [0.01, 0.02, 0.04], method="DL")
>>> round(res.estimate, 4)
0.2524

Importing exometa loads nothing heavy: each public name is imported from its
module the first time it is used (so ``exometa --help`` and ``exometa check``
start fast).
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0.dev0"

#: public name -> module that defines it
_PUBLIC = {
    # effect sizes
    "effect_sizes": "exometa.effects",
    # workbook
    "read_workbook": "exometa.workbook.reader",
    "Workbook": "exometa.workbook.reader",
    "WorkbookError": "exometa.workbook.reader",
    "new_workbook": "exometa.workbook.writer",
    # evidence
    "flag_table": "exometa.evidence",
    # models
    "meta_analysis": "exometa.models",
    "mantel_haenszel": "exometa.models",
    "peto": "exometa.models",
    "subgroup_analysis": "exometa.models",
    "Control": "exometa.models",
    "MetaResult": "exometa.models",
    "MetaRegressionResult": "exometa.models",
    # diagnostics (metafor's names)
    "leave1out": "exometa.diagnostics",
    "influence": "exometa.diagnostics",
    "cumul": "exometa.diagnostics",
    "gosh": "exometa.diagnostics",
    "permutest": "exometa.diagnostics",
    "baujat": "exometa.diagnostics",
    "predict": "exometa.diagnostics",
    "rstandard": "exometa.diagnostics",
    "rstudent": "exometa.diagnostics",
    # small-study effects and publication bias (metafor's names)
    "regtest": "exometa.bias",
    "ranktest": "exometa.bias",
    "trimfill": "exometa.bias",
    "fsn": "exometa.bias",
    "selmodel": "exometa.bias",
    "tes": "exometa.bias",
    "hc": "exometa.bias",
    "assess": "exometa.bias.assess",
    # figures (each returns a matplotlib Figure)
    "forest": "exometa.plots.api",
    "funnel": "exometa.plots.api",
    "regplot": "exometa.plots.regplot",
    "bias_funnel": "exometa.plots.bias",
    "radial": "exometa.plots.bias",
    "traffic_light_plot": "exometa.plots.rob",
    "summary_plot": "exometa.plots.rob",
    # trustworthiness, risk of bias, certainty
    "check_workbook": "exometa.evidence.trust",
    "read_risk_of_bias": "exometa.evidence.rob",
    "grade": "exometa.evidence.grade",
    "claim_verdict": "exometa.evidence.verdict",
    "sof_table": "exometa.evidence.sof",
    "flag_records": "exometa.evidence.flags",
    # workbook import
    "import_revman": "exometa.workbook.revman",
    # more result types
    "MantelHaenszelResult": "exometa.models",
    "SubgroupResult": "exometa.models",
    # errors and warnings
    "ExometaError": "exometa.errors",
    "DataError": "exometa.errors",
    "ConvergenceError": "exometa.errors",
    "ConvergenceWarning": "exometa.errors",
    "SmallSampleWarning": "exometa.errors",
    "NumericalError": "exometa.errors",
    "DataWarning": "exometa.errors",
    "MethodWarning": "exometa.errors",
    "NumericalWarning": "exometa.errors",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'exometa' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
