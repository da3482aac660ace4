"""Subgroup analysis with the test for subgroup differences.

Each subgroup is pooled on its own, with its own tau^2 (the Cochrane Handbook
and RevMan convention). The test for subgroup differences compares the
subgroup estimates with a Wald-type Q on their standard errors,
``Q_between = sum_g (est_g - est_bar)^2 / se_g^2`` on G - 1 degrees of freedom
(what ``rma(est, sei=se, mods=~group, method="FE")`` gives in metafor, and
RevMan's "Test for subgroup differences"). The overall pooled estimate is the
ordinary random-effects fit to all studies. Subgroups with k = 0 are dropped;
a subgroup with k = 1 is its study's own estimate.

A model with a common tau^2 across subgroups is the meta-regression
``meta_analysis(yi, vi, mods=groups)``; its QM is the other usual test.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..arguments import align_by_label
from ..errors import DataError, SmallSampleWarning
from ..formatting import fmtx, p_text
from . import distributions as dist
from .display import html_table, interval, stat_row
from .pooling import meta_analysis
from .results import METHOD_NAMES, MetaResult, _cap, _plain


@dataclass(frozen=True, eq=False, repr=False)
class SubgroupResult:
    """Per-subgroup fits, the overall fit and the test for subgroup differences."""

    groups: dict  # label -> MetaResult
    overall: MetaResult
    q_between: float
    q_between_df: int
    q_between_pval: float

    def to_frame(self):
        """One row per subgroup and one for all studies, with :class:`MetaResult`'s columns."""
        import pandas as pd

        rows = [r.to_frame().assign(group=g) for g, r in self.groups.items()]
        rows.append(self.overall.to_frame().assign(group="overall"))
        frame = pd.concat(rows, ignore_index=True)
        return frame[["group"] + [c for c in frame.columns if c != "group"]]

    def to_dict(self) -> dict:
        return {
            "groups": {str(g): r.to_dict() for g, r in self.groups.items()},
            "overall": self.overall.to_dict(),
            "q_between": _plain(self.q_between),
            "q_between_df": self.q_between_df,
            "q_between_pval": _plain(self.q_between_pval),
        }

    def summary(self, digits: int = 4) -> str:
        """Each subgroup's pooled estimate, then the test for subgroup differences, in words."""
        o = self.overall
        lines = [f"Subgroup analysis: {_cap(METHOD_NAMES.get(o.method, o.method))}, fitted in each subgroup "
                 f"with its own tau^2 (k = {o.k} in {len(self.groups)} subgroups; {o.level:g}% CIs)", ""]  # fmt: skip
        for g, r in list(self.groups.items()) + [("All studies", o)]:
            lines.append(
                f"{g}: k = {r.k}, estimate {fmtx(r.estimate, digits)} "
                f"({r.level:g}% CI {fmtx(r.ci_lb, digits)} to {fmtx(r.ci_ub, digits)}), "
                f"tau^2 = {fmtx(r.tau2, digits)}, I^2 = {fmtx(r.i2, 1)}%, "
                f"Q(df = {r.q_df}) = {fmtx(r.q, 2)}, {p_text(r.q_pval, digits)}"
            )
        lines += [
            "",
            f"Test for subgroup differences (between the subgroup estimates): Q(df = {self.q_between_df}) = "
            f"{fmtx(self.q_between, digits)}, {p_text(self.q_between_pval, digits)}",
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        o = self.overall
        rows = []
        for g, r in list(self.groups.items()) + [("All studies", o)]:
            rows.append((f"{g} (k = {r.k})", fmtx(r.estimate, 4), interval(r.ci_lb, r.ci_ub),
                         f"tau² {fmtx(r.tau2, 4)}, I² {fmtx(r.i2, 1)}%, Q p: {p_text(r.q_pval, 4)[2:]}"))  # fmt: skip
        rows.append(stat_row("Test for subgroup differences", "Q", self.q_between, f"(df = {self.q_between_df})",
                             self.q_between_pval, "between the subgroup estimates"))  # fmt: skip
        title = f"Subgroups: {_cap(METHOD_NAMES.get(o.method, o.method))}, own tau² per subgroup ({o.level:g}% CIs)"
        return html_table(title, rows, header=("Subgroup", "Estimate", "Interval", "Heterogeneity"))

    def __repr__(self):  # pragma: no cover
        return self.summary()


def between_groups_q(estimates, ses):
    """Wald-type Q for differences between independent estimates, with df and p.

    >>> q, df, p = between_groups_q([0.0, 1.0], [0.5, 0.5])
    >>> round(q, 4), df
    (2.0, 1)
    """
    est = np.asarray(estimates, float)
    w = 1 / np.asarray(ses, float) ** 2
    bar = np.sum(w * est) / np.sum(w)
    q = float(np.sum(w * (est - bar) ** 2))
    df = len(est) - 1
    return q, df, float(dist.chi2_sf(q, df)) if df > 0 else np.nan


def subgroup_analysis(yi, vi, groups, method="REML", test="z", level=95, **kwargs) -> SubgroupResult:
    """Pool each subgroup separately and test whether the subgroups differ.

    Parameters
    ----------
    yi, vi : effect sizes and sampling variances (k,).
    groups : labels (k,), one per study.
    method, test, level, **kwargs : as :func:`~exometa.meta_analysis`.

    Examples
    --------
    metafor (a DL fit per group, then ``rma(est, sei=se, mods=~group, method="FE")``) gives QM = 20.4167:

    >>> res = subgroup_analysis([0.1, 0.2, 0.8, 0.9], [0.02, 0.03, 0.02, 0.03], ["a", "a", "b", "b"], method="DL")
    >>> sorted(res.groups), round(res.q_between, 2)
    (['a', 'b'], 20.42)
    """
    named = align_by_label(yi=yi, vi=vi, groups=groups)
    yi, vi, groups = named["yi"], named["vi"], named["groups"]
    yi = np.asarray(yi, float)
    vi = np.asarray(vi, float)
    labels = np.array([str(g) for g in np.asarray(groups, dtype=object).ravel()], dtype=object)
    if labels.size != yi.size:
        raise DataError(f"`groups` must have one label per study (k = {yi.size}); got {labels.size}.")
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        for g in dict.fromkeys(labels):  # in order of first appearance
            sel = labels == g
            fits[g] = meta_analysis(yi[sel], vi[sel], method=method, test=test, level=level, **kwargs)
        overall = meta_analysis(yi, vi, method=method, test=test, level=level, **kwargs)
    est = [r.estimate for r in fits.values()]
    se = [r.se for r in fits.values()]
    q, df, p = between_groups_q(est, se) if len(fits) > 1 else (np.nan, 0, np.nan)
    return SubgroupResult(groups=fits, overall=overall, q_between=q, q_between_df=df, q_between_pval=p)
