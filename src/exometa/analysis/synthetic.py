"""Synthetic reviews of any size, for benchmarks and scaling tests (never for evidence).

:func:`synthetic_review` returns an object shaped like a read workbook (``studies``,
``outcomes``, ``path``) holding ``k`` studies: two-arm trials reporting final values
(mean, SD, n; some only an SE) and baseline values, and single-arm series reporting a
baseline and a follow-up mean with SDs. Numbers are drawn from a seeded generator.

>>> wb = synthetic_review(10, seed=1)
>>> len(wb.studies), sorted(set(wb.outcomes.arm))
(10, ['control', 'single group', 'treatment'])
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..workbook.schema import OUTCOME_COLUMNS, STUDY_COLUMNS


def _frame(records, columns) -> pd.DataFrame:
    names = [c.name for c in columns]
    frame = pd.DataFrame.from_records(records, columns=names)
    for c in columns:
        if c.kind in ("integer", "number"):
            frame[c.name] = frame[c.name].astype(float)
        else:
            frame[c.name] = frame[c.name].astype(object).where(frame[c.name].notna(), None)
    frame.insert(0, "excel_row", np.arange(2, len(frame) + 2))
    return frame


def synthetic_review(k: int, seed: int = 0, outcome: str = "other") -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    studies, outcomes = [], []
    for i in range(k):
        sid = f"S{i:05d}"
        trial = i % 2 == 0
        studies.append({"study_id": sid, "label": f"Study {i}", "record_type": "study",
                        "design": "RCT, parallel" if trial else "prospective single-arm", "control_type": "placebo" if trial else "none",
                        "intervention_type": "unclear", "publication_status": "peer-reviewed article", "coi": "none declared",
                        "verification": "verified", "doi": f"10.0/{sid}", "n_enrolled": 60.0})
        base = {"study_id": sid, "outcome": outcome, "unit": "points", "quantity": "value", "source_type": "primary: full text",
                "source_url": "https://example.org"}
        for arm in (("treatment", "control") if trial else ("single group",)):
            n = float(rng.integers(10, 80))
            pre, sd = rng.normal(50, 5), rng.uniform(5, 12)
            post = pre + rng.normal(4 if arm != "control" else 1, 2)
            outcomes.append(dict(base, arm=arm, timepoint_weeks=0.0, mean=pre, sd=sd, n=n))
            spread = {"se": sd / np.sqrt(n)} if rng.random() < 0.2 else {"sd": sd * rng.uniform(0.9, 1.1)}
            outcomes.append(dict(base, arm=arm, timepoint_weeks=float(rng.choice([12, 24])), mean=post, n=n, **spread))
    return SimpleNamespace(studies=_frame(studies, STUDY_COLUMNS), outcomes=_frame(outcomes, OUTCOME_COLUMNS),
                           path=Path(f"synthetic-{k}.xlsx"), problems=(), errors=[])


__all__ = ["synthetic_review"]
