# Reference values for the `exometa pool` tests (tests/run/test_pool_command.py).
# Run from the repository root:  Rscript tests/run/make_cli_reference.R
# Writes tests/run/cli_reference.json at full precision (metafor 3.8.1, jsonlite).
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
dat <- read.csv("src/exometa/data/dat_bcg.csv")
out <- list(metafor = as.character(packageVersion("metafor")))
for (m in c("OR", "RR", "RD")) {
  res <- rma.mh(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat, measure = m)
  out[[paste0("mh_", m)]] <- list(estimate = res$beta[1], se = res$se, ci_lb = res$ci.lb, ci_ub = res$ci.ub,
                                  q = res$QE, weights = unname(weights(res)))
}
res <- rma.peto(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat)
out$peto <- list(estimate = res$beta[1], se = res$se, ci_lb = res$ci.lb, ci_ub = res$ci.ub, q = res$QE,
                 weights = unname(weights(res)))
es <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat)
res <- rma(yi, vi, data = es)
p <- predict(res, transf = exp)
out$rr_reml_exp <- list(estimate = p$pred, ci_lb = p$ci.lb, ci_ub = p$ci.ub, pi_lb = p$pi.lb, pi_ub = p$pi.ub)
res <- rma(yi, vi, mods = ~ ablat + year, data = es)
out$rr_reml_mods <- list(estimate = unname(res$beta[, 1]), se = res$se, qm = res$QM, tau2 = res$tau2)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "tests/run/cli_reference.json")
