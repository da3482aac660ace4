# Reference values for the shipped analyses (tests/analysis/test_shipped_analyses.py): the numbers
# of ../shared/evidence/update-2.md, section D, recomputed with metafor from the workbook's numbers.
#
# Run from the repository root:   Rscript tests/analysis/make_shipped_reference.R
# Writes tests/analysis/shipped_reference.json at full precision. Every input below is a number of
# studies.xlsx (row named) or a derivation the analysis file declares, written out here from its
# formula so that the Python pipeline is checked against an independent computation.

suppressMessages(library(metafor))
library(jsonlite)

fit <- function(yi, vi, test = "knha") {
  res <- rma(yi, vi, method = "REML", test = test, control = list(threshold = 1e-12, tol = 1e-12, maxiter = 10000))
  list(estimate = coef(res)[[1]], ci_lb = res$ci.lb, ci_ub = res$ci.ub, pval = res$pval, i2 = res$I2, tau2 = res$tau2,
       k = res$k)
}

# Change in hair density over time (analyses/change_over_time_density.toml)
park_m  <- 146.6 - 121                                 # outcomes rows 2-3: 121 -> 146.6, n = 39, p < 0.001
park_sd <- park_m / qt(1 - 0.001 / 2, 39 - 1) * sqrt(39) # SD of change from p at its bound (paired t, 38 df)
wan_m   <- 35; wan_sd <- 6.5; wan_n <- 16               # row 10; n = 16 enrolled (studies sheet)
deh_m   <- 163.5 - 96.5; deh_n <- 12                    # rows 12-15; n = 12 enrolled
yi <- c(park_m, wan_m, deh_m)
largest <- max(park_sd, wan_sd)                         # borrow = "largest": Park's derived SD
v_largest <- c(park_sd^2 / 39, wan_sd^2 / wan_n, largest^2 / deh_n)
v_mean    <- c(park_sd^2 / 39, wan_sd^2 / wan_n, wan_sd^2 / deh_n)  # borrow = "mean" of reported SDs: Wan's only
out <- list(metafor_version = as.character(packageVersion("metafor")),
            density = list(park_sd = park_sd,
                           main = fit(yi, v_largest),
                           borrow_mean = fit(yi, v_mean),
                           borrow_mean_z = fit(yi, v_mean, test = "z"),
                           without_preprints = fit(yi[1:2], v_largest[1:2])))

# Hair count between arms, Amini 2025 from medians (analyses/controlled_hair_count.toml, sensitivity):
# medians 9.5 and 1.5 with IQR widths 16.88 and 3.00 (rows 25-26); arms 10/10 (20 enrolled split
# equally); mean = median; SD = IQR / (2 qnorm((0.75 n - 0.125) / (n + 0.25))) (Wan et al. 2014).
n <- 10
eta <- 2 * qnorm((0.75 * n - 0.125) / (n + 0.25))
es <- escalc("MD", m1i = 9.5, sd1i = 16.88 / eta, n1i = n, m2i = 1.5, sd2i = 3 / eta, n2i = n)
res <- rma(es$yi, es$vi, method = "REML", test = "z")
out$amini <- list(sd1 = 16.88 / eta, sd2 = 3 / eta, estimate = coef(res)[[1]], ci_lb = res$ci.lb, ci_ub = res$ci.ub,
                  pval = res$pval)

# Hair count as an SMD (analyses/controlled_hair_count_smd.toml, sensitivity): Amini 2025's Cliff's
# delta 0.73 (0.41 to 0.89) (row 28) read as d = sqrt(2) qnorm((delta + 1) / 2), estimate and bounds;
# the SE from the transformed 95% CI; one study, z-test.
d <- sqrt(2) * qnorm((c(0.73, 0.41, 0.89) + 1) / 2)
res <- rma(d[1], sei = (d[3] - d[2]) / (2 * qnorm(0.975)), method = "REML", test = "z")
out$cliff <- list(d = d[1], d_lb = d[2], d_ub = d[3], estimate = coef(res)[[1]], ci_lb = res$ci.lb, ci_ub = res$ci.ub,
                  pval = res$pval)

# Hair thickness over time (analyses/change_over_time_thickness.toml): Park 52.6 -> 61.4 um (p < 0.001,
# n = 39); Dehghani 0.049 -> 0.059 mm = 10 um (n = 12 enrolled), Park's SD borrowed (largest).
tp_m <- 61.4 - 52.6; tp_sd <- tp_m / qt(1 - 0.001 / 2, 38) * sqrt(39)
td_m <- (0.059 - 0.049) * 1000
out$thickness <- fit(c(tp_m, td_m), c(tp_sd^2 / 39, tp_sd^2 / 12))

# Adverse events (analyses/adverse_events.toml): Tak 2020, 7 of 38 randomised, logit proportion
ae <- escalc("PLO", xi = 7, ni = 38)
r <- rma(ae$yi, ae$vi, method = "REML")
out$adverse <- list(pr = transf.ilogit(coef(r)[[1]]), ci_lb = transf.ilogit(r$ci.lb), ci_ub = transf.ilogit(r$ci.ub))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "tests/analysis/shipped_reference.json")
