# Reference values for exometa's diagnostics (leave1out, influence, rstudent, rstandard,
# cumul, baujat, predict, gosh, permutest), computed with R's metafor.
#
# Run from the repository root:   Rscript tests/reference/diagnostics/make_reference.R
# Writes tests/reference/diagnostics/diagnostics_reference.json at full double precision;
# the Python tests in tests/diagnostics/ read it and never need R.
#
# Every model is fitted with tight convergence (threshold/tol 1e-12), so that the values are
# the roots themselves (see tests/reference/README.md). metafor's diagnostics pass the model's
# control list on to every refit, so the refits are tight too.
# metafor's leave1out() and cumul() refuse models with moderators; for those, the same refits
# are done here by hand with rma(subset = ...), which is what the two functions do inside.

suppressMessages(library(metafor))
library(jsonlite)

tight <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
num <- function(x) { x <- as.numeric(x); x[is.infinite(x)] <- NA; x }
pdf(NULL)  # baujat() draws; send it nowhere

# ------------------------------------------------------------------ data sets
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
hack <- dat.hackshaw1998
raud <- dat.raudenbush1985
set.seed(20261122)
rand <- function(k, tau2) { vi <- runif(k, 0.01, 0.2); data.frame(yi = rnorm(k, 0.3, sqrt(vi + tau2)), vi = vi) }
r2 <- rand(2, 0.05); r3 <- rand(3, 0.1); r6 <- rand(6, 0.1); r8 <- rand(8, 0.05); r9 <- rand(9, 0.2)
r6$x <- round(runif(6, 0, 10), 1)
# a factor with a level that only one study has: leaving that study out makes the model
# matrix rank-deficient (metafor returns NA for that study)
r7 <- rand(7, 0.1); r7$g <- c(0, 0, 1, 1, 1, 0, 1); r7$h <- c(0, 0, 0, 0, 0, 0, 1)
r30 <- rand(30, 0.1); r30$x <- round(rnorm(30), 2)

# one model per case; `mods` is the moderator matrix without the intercept (columns), or NULL
cases <- list(
  list(name = "bcg_REML_z", d = bcg, mods = NULL, method = "REML", test = "z", order = bcg$year),
  list(name = "bcg_DL_knha", d = bcg, mods = NULL, method = "DL", test = "knha", order = bcg$year),
  list(name = "bcg_EE_z", d = bcg, mods = NULL, method = "EE", test = "z", order = bcg$year),
  list(name = "bcg_fixed_tau2", d = bcg, mods = NULL, method = "REML", test = "z", tau2 = 0.1, order = bcg$year),
  list(name = "hackshaw_REML_z", d = hack, mods = NULL, method = "REML", test = "z", order = hack$year),
  list(name = "k2_REML_z", d = r2, mods = NULL, method = "REML", test = "z", order = c(2, 1)),
  list(name = "k3_ML_t", d = r3, mods = NULL, method = "ML", test = "t", order = c(3, 1, 2)),
  list(name = "k6_HE_knha", d = r6, mods = NULL, method = "HE", test = "knha", order = r6$x),
  list(name = "k8_PM_z", d = r8, mods = NULL, method = "PM", test = "z", order = seq_len(8)),
  list(name = "k9_SJ_z", d = r9, mods = NULL, method = "SJ", test = "z", order = seq_len(9)),
  list(name = "bcg_ablat_REML_z", d = bcg, mods = ~ ablat, method = "REML", test = "z", order = bcg$year),
  list(name = "bcg_ablat_year_DL_knha", d = bcg, mods = ~ ablat + year, method = "DL", test = "knha", order = bcg$year),
  list(name = "raudenbush_weeks_ML_z", d = raud, mods = ~ weeks, method = "ML", test = "z", order = raud$year),
  list(name = "k6_x_EE_z", d = r6, mods = ~ x, method = "EE", test = "z", order = seq_len(6)),
  list(name = "k7_factor_REML_z", d = r7, mods = ~ g + h, method = "REML", test = "z", order = seq_len(7))
)

fit_case <- function(cs, d = cs$d, subset = NULL) {
  args <- list(yi = d$yi, vi = d$vi, method = cs$method, test = cs$test, control = tight)
  if (!is.null(cs$mods)) args$mods <- model.matrix(cs$mods, data = d)[, -1, drop = FALSE]
  if (!is.null(cs$tau2)) args$tau2 <- cs$tau2
  if (!is.null(subset)) args$subset <- subset
  suppressWarnings(do.call(rma, args))
}

# what leave1out() and cumul() keep from each refit, or NA when the refit fails
refit_row <- function(cs, subset, p) {
  r <- try(fit_case(cs, subset = subset), silent = TRUE)
  if (inherits(r, "try-error") || any(r$coef.na)) {
    na <- rep(NA_real_, p)
    return(list(estimate = na, se = na, zval = na, pval = na, ci_lb = na, ci_ub = na,
                q = NA, q_pval = NA, tau2 = NA, i2 = NA, h2 = NA))
  }
  list(estimate = num(r$beta), se = num(r$se), zval = num(r$zval), pval = num(r$pval), ci_lb = num(r$ci.lb),
       ci_ub = num(r$ci.ub), q = num(r$QE), q_pval = num(r$QEp), tau2 = num(r$tau2), i2 = num(r$I2), h2 = num(r$H2))
}
stack_rows <- function(rows) {
  fields <- names(rows[[1]])
  setNames(lapply(fields, function(f) lapply(rows, function(r) r[[f]])), fields)
}

out <- list(metafor_version = as.character(packageVersion("metafor")), cases = list())
for (cs in cases) {
  res <- fit_case(cs)
  k <- res$k; p <- res$p
  entry <- list(name = cs$name, method = cs$method, test = cs$test, yi = num(cs$d$yi), vi = num(cs$d$vi),
                tau2_fixed = if (is.null(cs$tau2)) NA else cs$tau2, order = num(cs$order),
                mods = if (is.null(cs$mods)) NULL else lapply(as.data.frame(model.matrix(cs$mods, data = cs$d))[-1], num),
                p = p)
  # leave-one-out
  if (p == 1) {
    l <- leave1out(res)
    entry$leave1out <- list(estimate = num(l$estimate), se = num(l$se), zval = num(l[[3]]), pval = num(l$pval),
                            ci_lb = num(l$ci.lb), ci_ub = num(l$ci.ub), q = num(l$Q), q_pval = num(l$Qp),
                            tau2 = if (is.null(l$tau2)) rep(0, k) else num(l$tau2), i2 = num(l$I2), h2 = num(l$H2))
  } else {
    entry$leave1out <- stack_rows(lapply(seq_len(k), function(i) refit_row(cs, -i, p)))
  }
  # cumulative, in the order of cs$order (ties keep the data order, as R's order())
  o <- order(cs$order)
  entry$cumul_order <- o - 1L
  if (p == 1) {
    cres <- cumul(res, order = cs$order)
    entry$cumul <- list(estimate = num(cres$estimate), se = num(cres$se), zval = num(cres[[3]]), pval = num(cres$pvals),
                        ci_lb = num(cres$ci.lb), ci_ub = num(cres$ci.ub), q = num(cres$Q), q_pval = num(cres$Qp),
                        tau2 = if (is.null(cres$tau2)) rep(0, k) else num(cres$tau2), i2 = num(cres$I2), h2 = num(cres$H2))
  } else {
    entry$cumul <- stack_rows(lapply(seq_len(k), function(i) refit_row(cs, o[seq_len(i)], p)))
  }
  # influence (and its parts), residuals
  inf <- influence(res)
  entry$influence <- list(rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits), cook_d = num(inf$inf$cook.d),
                          cov_r = num(inf$inf$cov.r), tau2_del = num(inf$inf$tau2.del), qe_del = num(inf$inf$QE.del),
                          hat = num(inf$inf$hat), weight = num(inf$inf$weight),
                          dfbetas = lapply(seq_len(k), function(i) num(sapply(unclass(inf$dfbs)[seq_len(p)], `[`, i))),
                          inf = as.logical(inf$is.infl & !is.na(inf$is.infl)))
  rs <- rstudent(res)
  entry$rstudent <- list(resid = num(rs$resid), se = num(rs$se), z = num(rs$z))
  rd <- rstandard(res)
  entry$rstandard <- list(resid = num(rd$resid), se = num(rd$se), z = num(rd$z))
  b <- baujat(res)
  entry$baujat <- list(x = num(b$x), y = num(b$y))
  # predictions
  pr <- predict(res)
  entry$predict <- list(pred = num(pr$pred), se = num(pr$se), ci_lb = num(pr$ci.lb), ci_ub = num(pr$ci.ub),
                        pi_lb = if (is.null(pr$pi.lb)) NA else num(pr$pi.lb), pi_ub = if (is.null(pr$pi.ub)) NA else num(pr$pi.ub))
  pt <- predict(res, transf = exp)
  entry$predict_exp <- list(pred = num(pt$pred), ci_lb = num(pt$ci.lb), ci_ub = num(pt$ci.ub),
                            pi_lb = if (is.null(pt$pi.lb)) NA else num(pt$pi.lb), pi_ub = if (is.null(pt$pi.ub)) NA else num(pt$pi.ub))
  if (p > 1) {
    newmods <- matrix(round(colMeans(res$X[, -1, drop = FALSE]), 1) + 0:2 %o% rep(1, p - 1), ncol = p - 1)
    pn <- predict(res, newmods = newmods)
    entry$newmods <- lapply(seq_len(nrow(newmods)), function(i) num(newmods[i, ]))
    entry$predict_newmods <- list(pred = num(pn$pred), se = num(pn$se), ci_lb = num(pn$ci.lb), ci_ub = num(pn$ci.ub),
                                  pi_lb = if (is.null(pn$pi.lb)) NA else num(pn$pi.lb),
                                  pi_ub = if (is.null(pn$pi.ub)) NA else num(pn$pi.ub))
  }
  out$cases[[length(out$cases) + 1]] <- entry
}

# ------------------------------------------------------------------ GOSH: every subset
gosh_entry <- function(name, cs) {
  res <- fit_case(cs)
  g <- gosh(res, progbar = FALSE)
  list(name = name, method = cs$method, test = cs$test, yi = num(cs$d$yi), vi = num(cs$d$vi),
       mods = if (is.null(cs$mods)) NULL else lapply(as.data.frame(model.matrix(cs$mods, data = cs$d))[-1], num),
       incl = lapply(seq_len(nrow(g$incl)), function(i) as.integer(g$incl[i, ])),
       k = num(g$res$k), q = num(g$res$QE), i2 = num(g$res$I2), h2 = num(g$res$H2), tau2 = num(g$res$tau2),
       estimate = lapply(seq_len(nrow(g$res)), function(i) num(unlist(g$res[i, -(1:5)]))))
}
bcg10 <- bcg[1:10, ]
out$gosh <- list(
  gosh_entry("bcg10_REML", list(d = bcg10, mods = NULL, method = "REML", test = "z")),
  gosh_entry("k8_DL", list(d = r8, mods = NULL, method = "DL", test = "z")),
  gosh_entry("bcg8_ablat_REML", list(d = bcg[1:8, ], mods = ~ ablat, method = "REML", test = "z"))
)

# ------------------------------------------------------------------ permutation tests
perm_entry <- function(name, cs, iter, seed = NULL) {
  res <- fit_case(cs)
  pt <- permutest(res, iter = iter, progbar = FALSE, seed = seed)
  list(name = name, method = cs$method, test = cs$test, yi = num(cs$d$yi), vi = num(cs$d$vi),
       mods = if (is.null(cs$mods)) NULL else lapply(as.data.frame(model.matrix(cs$mods, data = cs$d))[-1], num),
       iter = iter, exact_iter = num(pt$exact.iter), exact = iter >= pt$exact.iter,
       pval = num(pt$pval), qm = num(pt$QM), qm_pval = num(pt$QMp),
       zval_perm = lapply(seq_len(ncol(pt$zval.perm)), function(j) num(pt$zval.perm[[j]])),
       qm_perm = num(pt$QM.perm))
}
out$permutest <- list(
  perm_entry("k8_REML_z_exact", list(d = r8, mods = NULL, method = "REML", test = "z"), 1000),
  perm_entry("k8_DL_knha_exact", list(d = r8, mods = NULL, method = "DL", test = "knha"), 1000),
  perm_entry("k6_x_REML_z_exact", list(d = r6, mods = ~ x, method = "REML", test = "z"), 1000),
  perm_entry("k7_factor_DL_z_exact", list(d = r7, mods = ~ g, method = "DL", test = "z"), 1000),
  perm_entry("bcg_REML_z_random", list(d = bcg, mods = NULL, method = "REML", test = "z"), 2000, seed = 1234),
  perm_entry("bcg_ablat_REML_knha_random", list(d = bcg, mods = ~ ablat, method = "REML", test = "knha"), 2000, seed = 1234),
  perm_entry("k30_x_DL_z_random", list(d = r30, mods = ~ x, method = "DL", test = "z"), 2000, seed = 1234)
)

path <- "tests/reference/diagnostics/diagnostics_reference.json"
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null"), path)
cat("wrote", path, "\n")
