"""Run the bias methods an analysis file asks for, respecting the k >= 10 rule, with words.

``assess(res, ["regtest", "ranktest", "trimfill", "selmodel"])`` returns one
:class:`BiasAssessment`: for each method its result (or None when it was not run) and
a sentence saying what it found or why it was not run. Below 10 studies the asymmetry
methods (:data:`~exometa.bias.words.ASYMMETRY_METHODS`) are not run and the rule's
words (:func:`~exometa.bias.words.asymmetry_rule`) take their place once. A method that
fails on the data (e.g. a selection model whose p-value interval is empty) is reported
with the reason instead of stopping the report.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

from ..arguments import check_choice
from ..errors import ExometaError
from .words import ASYMMETRY_METHODS, asymmetry_rule, describe

METHODS = ("regtest", "ranktest", "trimfill", "selmodel", "tes", "hc", "fsn", "peese")


@dataclass(frozen=True)
class BiasFinding:
    """One method's outcome: its result (None if not run) and the words for the report."""

    method: str
    result: object
    words: str
    ran: bool


@dataclass(frozen=True)
class BiasAssessment:
    """All findings for one analysis, and the asymmetry rule that applied."""

    k: int
    rule: object
    findings: tuple

    def text(self) -> str:
        """The findings as one paragraph, the rule first when it held methods back."""
        lines = [] if self.rule.run else [self.rule.text()]
        lines += [f.words for f in self.findings if f.ran or f.method not in ASYMMETRY_METHODS]
        return " ".join(lines)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"method": f.method, "ran": f.ran, "words": f.words} for f in self.findings],
            columns=["method", "ran", "words"],
        )


def _run(method: str, res):
    from . import fsn, hc, ranktest, regtest, selmodel, tes, trimfill

    calls = {
        "regtest": lambda: regtest(res), "peese": lambda: regtest(res, predictor="vi"),
        "ranktest": lambda: ranktest(res), "trimfill": lambda: trimfill(res), "selmodel": lambda: selmodel(res),
        "tes": lambda: tes(res), "hc": lambda: hc(res), "fsn": lambda: fsn(res),
    }  # fmt: skip
    return calls[method]()


def assess(res, methods=("regtest", "trimfill"), unreported: int | None = None, transf=None) -> BiasAssessment:
    """Run ``methods`` on a fitted analysis, holding back asymmetry methods below k = 10.

    Parameters
    ----------
    res : MetaResult
        A fitted single analysis.
    methods : sequence of str
        Any of 'regtest' (Egger, PET), 'peese', 'ranktest', 'trimfill', 'selmodel',
        'tes', 'hc', 'fsn'.
    unreported : int, optional
        Registered trials known to have no results (for the words below k = 10).
    transf : callable, optional
        Puts the estimates in the words on the display scale (e.g. ``np.exp`` for log risk
        ratios); the results themselves stay on the analysis scale, as in metafor.

    Examples
    --------
    >>> from exometa import meta_analysis
    >>> a = assess(meta_analysis([0.1, 0.3, 0.5], [0.01, 0.02, 0.04]), ["regtest", "hc"])
    >>> [(f.method, f.ran) for f in a.findings]
    [('regtest', False), ('hc', True)]
    """
    methods = [check_choice("methods", m, METHODS) for m in methods]
    k = int(res.k)
    rule = asymmetry_rule(k, unreported)
    findings = []
    for method in methods:
        if method in ASYMMETRY_METHODS and not rule.run:
            findings.append(BiasFinding(method, None, rule.text(), False))
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = _run(method, res)
        except ExometaError as err:
            findings.append(BiasFinding(method, None, f"{method} could not be run on these data: {err}", False))
            continue
        findings.append(BiasFinding(method, result, describe(result, transf=transf), True))
    return BiasAssessment(k, rule, tuple(findings))
