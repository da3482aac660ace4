"""Generic effect sizes: an estimate reported with its SE, variance or CI.

The CI is taken to be symmetric on the analysis scale (a Wald interval), so
``se = (ci_ub - ci_lb) / (2 z)``. For ratio measures give the estimate and the
CI limits on the log scale (``np.log`` of the reported ratio and limits).
"""

from __future__ import annotations

import numpy as np


def from_estimate(a, level: float = 95):
    yi = np.asarray(a["yi"], dtype=float)
    vi = np.full(yi.shape, np.nan)
    if "vi" in a:
        vi = np.where(np.isnan(vi), a["vi"], vi)
    if "sei" in a:
        vi = np.where(np.isnan(vi), np.asarray(a["sei"]) ** 2, vi)
    if "ci_lb" in a and "ci_ub" in a:
        lvl = level / 100 if level > 1 else level
        from scipy.special import ndtri

        z = -ndtri((1 - lvl) / 2)
        se = (np.asarray(a["ci_ub"]) - np.asarray(a["ci_lb"])) / (2 * z)
        vi = np.where(np.isnan(vi), se**2, vi)
    return yi, vi
