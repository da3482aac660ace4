"""Trustworthiness checks computed from reported numbers, each usable on plain numbers.

Every function returns a :class:`CheckResult` (``check``, ``verdict`` of
"fails" / "passes" / "cannot check", and ``detail``: the arithmetic in words).
:func:`exometa.evidence.trust.check_workbook` runs them on a workbook.

======================  ===============================================  ==================
function                asks                                             module
======================  ===============================================  ==================
grim                    a mean of n whole numbers?                       granularity
grim_percent            a percentage of n people?                        granularity
grimmer                 an SD of n whole numbers with this mean?         granularity
debit                   the SD of n values of 0 and 1 with this mean?    granularity
check_p_statistic       p consistent with t, z, F, chi2 or r and df?     pvalues
check_p_ci              p consistent with the estimate and its CI?       pvalues
check_p_mean            p consistent with a one-sample t-test?           pvalues
check_p_two_means       p consistent with a two-sample t-test?           pvalues
ci_symmetry             CI symmetric on its scale (log for ratios)?      spread
sd_range                SD possible for the range (and mean)?            spread
sd_quartiles            SD large enough for the quartiles?               spread
sd_looks_like_se        standardised effect above 2: an SE as an SD?     spread
baseline_similarity     baseline means too alike for randomisation?      baseline
arm_totals              arms add up to the total?                        counts
registry_n              registry enrolment = reported n?                 counts
registered_outcomes     every registered outcome reported?               counts
======================  ===============================================  ==================
"""

from .baseline import baseline_similarity
from .counts import arm_totals, registered_outcomes, registry_n
from .granularity import debit, grim, grim_percent, grimmer
from .pvalues import (
    check_p_ci, check_p_mean, check_p_statistic, check_p_two_means, p_from_statistic, p_one_sample, p_two_sample,
)
from .result import CheckResult
from .spread import ci_symmetry, pooled_sd, sd_looks_like_se, sd_quartiles, sd_range

__all__ = [
    "CheckResult", "grim", "grim_percent", "grimmer", "debit", "check_p_statistic", "check_p_ci", "check_p_mean",
    "check_p_two_means", "p_from_statistic", "p_one_sample", "p_two_sample", "ci_symmetry", "sd_range", "sd_quartiles", "sd_looks_like_se", "pooled_sd",
    "baseline_similarity", "arm_totals", "registry_n", "registered_outcomes",
]
