"""The old name of :mod:`exometa.run_command` (``exometa run``), kept so that
``from exometa.runner import run`` still works. New code imports from
:mod:`exometa.run_command`; :mod:`exometa.analysis.run` is the other, unrelated
"run": one analysis on a workbook."""

from .run_command import RunOutcome, run, run_outputs

__all__ = ["RunOutcome", "run", "run_outputs"]
