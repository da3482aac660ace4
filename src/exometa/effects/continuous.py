"""Effect sizes from means and SDs: two groups (MD, SMD, SMDH, ROM), one group
measured twice (MC, SMCC, SMCR), and correlations (COR, ZCOR). Formulas and
defaults (``vtype="LS"``, exact Hedges correction) follow metafor's ``escalc``.
"""

from __future__ import annotations

import numpy as np


def hedges_correction(m):
    """The exact small-sample correction J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)).

    NaN for m <= 1, as in metafor.

    >>> round(float(hedges_correction(38)), 5)   # metafor's .cmicalc(38): 0.98011
    0.98011
    """
    from scipy.special import gammaln  # imported on first use: importing exometa stays fast

    m = np.asarray(m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.exp(gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2))
    return np.where(m > 1, out, np.nan)


def two_group(measure: str, a, vtype="LS"):
    m1, m2, sd1, sd2, n1, n2 = (np.asarray(a[n], dtype=float) for n in ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"))
    with np.errstate(invalid="ignore", divide="ignore"):
        if measure == "MD":
            if vtype == "HO":
                sp2 = ((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2)
                return m1 - m2, sp2 * (1 / n1 + 1 / n2)
            return m1 - m2, sd1**2 / n1 + sd2**2 / n2
        mi = n1 + n2 - 2
        cmi = hedges_correction(mi)
        if measure == "SMD":
            sp = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / mi)
            yi = cmi * (m1 - m2) / sp
            if vtype == "UB":
                return yi, 1 / n1 + 1 / n2 + (1 - (mi - 2) / (mi * cmi**2)) * yi**2
            return yi, 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
        if measure == "SMDH":
            # Bonett (2009, eq. 5) with the corrected yi plugged in, as metafor >= 4.6
            # (metafor 3.8 also multiplied this variance by the squared correction;
            # metafor's NEWS for 4.6-0: "slightly adjusted for consistency")
            s2 = sd1**2 + sd2**2
            yi = cmi * (m1 - m2) / np.sqrt(s2 / 2)
            vi = yi**2 * (sd1**4 / (n1 - 1) + sd2**4 / (n2 - 1)) / (2 * s2**2) + (
                sd1**2 / (n1 - 1) + sd2**2 / (n2 - 1)
            ) / (s2 / 2)
            return yi, vi
        if measure == "ROM":
            return np.log(m1 / m2), sd1**2 / (n1 * m1**2) + sd2**2 / (n2 * m2**2)
    raise AssertionError(measure)


def change(measure: str, a):
    """Single group, two timepoints (m1i = later/after, m2i = earlier/before by convention)."""
    m1, m2, sd1, ni, ri = (np.asarray(a[n], dtype=float) for n in ("m1i", "m2i", "sd1i", "ni", "ri"))
    sd2 = np.asarray(a.get("sd2i", np.full_like(m1, np.nan)), dtype=float)
    cmi = hedges_correction(ni - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if measure == "MC":
            return m1 - m2, (sd1**2 + sd2**2 - 2 * ri * sd1 * sd2) / ni
        if measure == "SMCC":
            sdd = np.sqrt(sd1**2 + sd2**2 - 2 * ri * sd1 * sd2)
            yi = cmi * (m1 - m2) / sdd
            return yi, 1 / ni + yi**2 / (2 * ni)
        if measure == "SMCR":
            yi = cmi * (m1 - m2) / sd1
            return yi, 2 * (1 - ri) / ni + yi**2 / (2 * ni)
    raise AssertionError(measure)


def correlation(measure: str, a):
    ri, ni = (np.asarray(a[n], dtype=float) for n in ("ri", "ni"))
    with np.errstate(invalid="ignore", divide="ignore"):
        if measure == "COR":
            return ri, (1 - ri**2) ** 2 / (ni - 1)
        if measure == "ZCOR":
            return np.arctanh(ri), np.where(ni > 3, 1 / (ni - 3), np.nan)
    raise AssertionError(measure)
