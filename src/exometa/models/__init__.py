"""Pooling models: the batch engine, tau^2 estimators, results."""

from .pooling import METHODS, TESTS, meta_analysis
from .results import MetaRegressionResult, MetaResult
from .tau2 import ESTIMATORS, Control

__all__ = ["meta_analysis", "MetaResult", "MetaRegressionResult", "Control", "ESTIMATORS", "METHODS", "TESTS"]
