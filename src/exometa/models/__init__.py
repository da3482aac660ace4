"""Pooling models: the batch engine, tau^2 estimators, results."""

from .mantel_haenszel import MantelHaenszelResult, mantel_haenszel, peto
from .pooling import METHODS, TESTS, meta_analysis
from .results import MetaRegressionResult, MetaResult
from .subgroups import SubgroupResult, subgroup_analysis
from .tau2 import ESTIMATORS, Control

__all__ = [
    "meta_analysis",
    "mantel_haenszel",
    "peto",
    "subgroup_analysis",
    "MetaResult",
    "MetaRegressionResult",
    "MantelHaenszelResult",
    "SubgroupResult",
    "Control",
    "ESTIMATORS",
    "METHODS",
    "TESTS",
]
