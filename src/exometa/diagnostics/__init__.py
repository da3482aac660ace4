"""Which studies drive the result: metafor's diagnostics on exometa's batch engine.

Each function takes one fitted analysis, ``res = exometa.meta_analysis(...)``
(with or without moderators), builds many meta-analyses from it as one (B, k)
batch (NaN, i.e. a False mask, for an absent study), fits them in one call to
the engine, and returns a frozen result with metafor's field names in
snake_case, ``to_frame()``, ``_repr_html_`` and ``summary()``:

- :func:`leave1out` - k refits, each without one study;
- :func:`cumul` - k refits, adding studies in a given order;
- :func:`influence` - metafor's case diagnostics (rstudent, dffits, cook_d,
  cov_r, tau2_del, qe_del, hat, weight, dfbetas) and which studies are
  influential by metafor's rules; :func:`rstudent`, :func:`rstandard`;
- :func:`baujat` - contribution to heterogeneity against influence;
- :func:`gosh` - every subset of studies (or a seeded random sample);
- :func:`permutest` - permutation p-values (exact when feasible);
- :func:`predict` - predicted effects with confidence and prediction intervals.

Plain-words readings for reports are in :mod:`exometa.diagnostics.words`.
"""

from .baujat import BaujatResult, baujat
from .cumul import CumulResult, cumul
from .gosh import GoshResult, gosh
from .influence import InfluenceResult, influence
from .leave1out import Leave1outResult, leave1out
from .permutest import PermutestResult, permutest
from .predict import PredictResult, predict
from .residuals import ResidualsResult, rstandard, rstudent

__all__ = [
    "leave1out", "cumul", "influence", "rstandard", "rstudent", "baujat", "predict", "gosh", "permutest",
    "Leave1outResult", "CumulResult", "InfluenceResult", "ResidualsResult", "BaujatResult", "PredictResult",
    "GoshResult", "PermutestResult",
]  # fmt: skip
