# Reference values for exometa.bias, computed with R's metafor.
#
# Run from the repository root:   Rscript tests/reference/bias/make_reference.R
# Writes tests/reference/bias/bias_reference.json at full double precision; the Python
# tests (tests/bias/) read it and never need R. Every data set is written with its
# numbers, so Python fits exactly what metafor fitted.
#
# Data: the examples on metafor's own help pages for each function (regtest:
# dat.egger2001; ranktest, trimfill, fsn, radial: dat.bcg; selmodel: dat.hackshaw1998,
# dat.baskerville2012, dat.hahn2001; tes: dat.dorn2007; hc: dat.lee2004) and seeded
# random data. Tolerances are tightened where metafor lets a caller do so (see README.md
# beside this file for what each setting changes and every known difference).

suppressMessages(library(metafor))
library(jsonlite)

tight <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
num <- function(x) { x <- as.numeric(x); x[is.infinite(x)] <- NA; x }
nul <- function(x) if (is.null(x)) NA else num(x)
out <- list(metafor_version = as.character(packageVersion("metafor")), data = list(),
            regtest = list(), ranktest = list(), trimfill = list(), fsn = list(),
            selmodel = list(), tes = list(), hc = list(), radial = list())

# ---------------------------------------------------------------- data sets
add_data <- function(name, yi, vi, ni = NULL) {
  keep <- !is.na(yi) & !is.na(vi)
  out$data[[name]] <<- list(yi = num(yi[keep]), vi = num(vi[keep]),
                            ni = if (is.null(ni)) NA else num(ni[keep]))
}
egger <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.egger2001, subset = -16)
add_data("egger2001", egger$yi, egger$vi, with(egger, n1i + n2i))
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
add_data("bcg", bcg$yi, bcg$vi, with(bcg, tpos + tneg + cpos + cneg))
add_data("hackshaw1998", dat.hackshaw1998$yi, dat.hackshaw1998$vi)
add_data("baskerville2012", dat.baskerville2012$smd, dat.baskerville2012$se^2)
hahn <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.hahn2001, drop00 = TRUE)
add_data("hahn2001", hahn$yi, hahn$vi)
dorn <- escalc(measure = "RR", ai = x.a, n1i = n.a, ci = x.p, n2i = n.p, data = dat.dorn2007)
add_data("dorn2007", dorn$yi, dorn$vi)
lee <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.lee2004)
add_data("lee2004", lee$yi, lee$vi)

set.seed(20261122)
# small-study effect: smaller trials report larger effects
ni <- sample(20:300, 20)
vi <- 4 / ni
add_data("random_smallstudy", rnorm(20, 0.2 + 2 * sqrt(vi) * 0.8, sqrt(vi + 0.02)), vi, ni)
# no small-study effect, moderate heterogeneity
ni <- sample(30:400, 30)
vi <- 4 / ni
add_data("random_plain", rnorm(30, 0.3, sqrt(vi + 0.05)), vi, ni)
# selected on significance: all significant studies kept, a third of the others
ni <- sample(20:200, 120, replace = TRUE)
vi <- 4 / ni
yi <- rnorm(120, 0.15, sqrt(vi + 0.03))
keep <- (yi / sqrt(vi) > qnorm(0.975)) | (runif(120) < 0.33)
add_data("random_selected", yi[keep], vi[keep], ni[keep])
# equal sample sizes (ties in vi): the rank test uses the normal approximation
ni <- rep(c(40, 80, 120), each = 4)
vi <- 4 / ni
add_data("random_ties", rnorm(12, 0.25, sqrt(vi + 0.01)), vi, ni)
# many studies: beyond R's exact Kendall distribution (n > 170)
ni <- sample(20:500, 200, replace = TRUE)
vi <- 4 / ni
add_data("random_large", rnorm(200, 0.1 + 0.5 * sqrt(vi), sqrt(vi + 0.02)), vi, ni)

D <- function(name) { d <- out$data[[name]]; data.frame(yi = d$yi, vi = d$vi, ni = if (length(d$ni) > 1) d$ni else NA) }
fit <- function(name, method, test = "z") {
  d <- D(name)
  rma(yi, vi, data = d, method = method, test = test, control = tight)
}

# ---------------------------------------------------------------- regtest
add_regtest <- function(name, method, test, model, predictor) {
  d <- D(name)
  res <- fit(name, method, test)
  r <- if (predictor %in% c("ni", "ninv", "sqrtni", "sqrtninv")) {
    regtest(res, model = model, predictor = predictor, ni = d$ni)
  } else {
    regtest(res, model = model, predictor = predictor)
  }
  f <- r$fit
  cf <- if (model == "lm") coef(summary(f))[, 1:2] else cbind(c(f$beta), f$se)
  out$regtest[[length(out$regtest) + 1]] <<- list(
    data = name, method = method, test = test, model = model, predictor = predictor,
    result = list(zval = num(r$zval), pval = num(r$pval), dfs = nul(r$dfs), est = nul(r$est),
                  ci_lb = nul(r$ci.lb), ci_ub = nul(r$ci.ub), coef = num(cf[, 1]), coef_se = num(cf[, 2]),
                  tau2 = if (model == "lm") NA else num(f$tau2)))
}
for (pred in c("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")) for (model in c("rma", "lm")) {
  add_regtest("egger2001", "REML", "z", model, pred)
}
for (method in c("EE", "DL", "ML", "REML", "PM")) for (test in c("z", "knha")) {
  add_regtest("bcg", method, test, "rma", "sei")
  add_regtest("bcg", method, test, "rma", "vi")
}
add_regtest("bcg", "REML", "z", "lm", "sei")
add_regtest("hackshaw1998", "REML", "z", "rma", "sei")
add_regtest("hackshaw1998", "EE", "z", "lm", "vi")
for (name in c("random_smallstudy", "random_plain", "random_selected")) {
  for (pred in c("sei", "vi")) for (model in c("rma", "lm")) add_regtest(name, "REML", "z", model, pred)
  add_regtest(name, "DL", "knha", "rma", "sqrtninv")
}

# ---------------------------------------------------------------- ranktest
add_ranktest <- function(name) {
  d <- D(name)
  r <- suppressWarnings(ranktest(d$yi, d$vi))
  # metafor >= 5.0: when the exact p-value is NA (k > 170), the normal approximation is used
  if (is.na(r$pval)) r <- suppressWarnings(ranktest(d$yi, d$vi, exact = FALSE))
  out$ranktest[[length(out$ranktest) + 1]] <<- list(data = name, result = list(tau = num(r$tau), pval = num(r$pval)))
}
for (name in names(out$data)) add_ranktest(name)

# ---------------------------------------------------------------- trimfill
add_trimfill <- function(name, method, estimator = "L0", side = NULL, test = "z") {
  res <- fit(name, method, test)
  case <- list(data = name, method = method, test = test, estimator = estimator, side_arg = if (is.null(side)) NA else side)
  tf <- tryCatch(suppressWarnings(
          if (is.null(side)) trimfill(res, estimator = estimator, test = test, control = tight)
          else trimfill(res, estimator = estimator, side = side, test = test, control = tight)),
        error = function(e) conditionMessage(e))
  if (is.character(tf)) {  # metafor stops (e.g. Q0 undefined: a negative square root)
    out$trimfill[[length(out$trimfill) + 1]] <<- c(case, list(error = tf))
    return(invisible())
  }
  out$trimfill[[length(out$trimfill) + 1]] <<- c(case, list(
    result = list(k0 = tf$k0, se_k0 = num(tf$se.k0), side = tf$side, p_k0 = nul(tf$p.k0),
                  estimate = num(tf$beta), se = num(tf$se), zval = num(tf$zval), pval = num(tf$pval),
                  ci_lb = num(tf$ci.lb), ci_ub = num(tf$ci.ub), tau2 = num(tf$tau2),
                  yi = num(tf$yi), vi = num(tf$vi), fill = as.logical(tf$fill))))
}
for (est in c("L0", "R0", "Q0")) {
  add_trimfill("bcg", "EE", est)
  add_trimfill("bcg", "REML", est)
  add_trimfill("hackshaw1998", "EE", est)
  add_trimfill("egger2001", "REML", est)
  add_trimfill("random_smallstudy", "REML", est)
  add_trimfill("random_selected", "DL", est)
}
add_trimfill("bcg", "EE", "L0", side = "left")
add_trimfill("hackshaw1998", "REML", "L0", side = "right")
add_trimfill("random_plain", "PM", "L0")
add_trimfill("random_smallstudy", "REML", "L0", test = "knha")

# ---------------------------------------------------------------- fsn
add_fsn <- function(name, type, ...) {
  d <- D(name)
  args <- list(...)
  r <- do.call(fsn, c(list(yi = d$yi, vi = d$vi, type = type), args))
  out$fsn[[length(out$fsn) + 1]] <<- list(data = name, type = type, args = args,
    result = list(fsnum = num(r$fsnum), alpha = num(r$alpha), pval = nul(r$pval),
                  meanes = nul(r$meanes), target = nul(r$target)))
}
for (name in c("bcg", "hackshaw1998", "egger2001", "random_plain", "random_smallstudy")) {
  add_fsn(name, "Rosenthal")
  add_fsn(name, "Rosenberg")
  add_fsn(name, "Orwin")
  add_fsn(name, "Orwin", weighted = TRUE)
}
add_fsn("bcg", "Orwin", target = log(0.95))
add_fsn("bcg", "Orwin", weighted = TRUE, target = log(0.95))
add_fsn("bcg", "Rosenthal", alpha = 0.01)
add_fsn("random_plain", "Rosenberg", alpha = 0.10)

# ---------------------------------------------------------------- selmodel
# optim's relative tolerance is tightened so that the values are the maximum itself
sel_ctrl <- list(reltol = 1e-14, maxit = 10000)
add_selmodel <- function(name, method, type, steps = NULL, alternative = "greater") {
  res <- fit(name, method)
  args <- list(x = res, type = type, alternative = alternative, control = sel_ctrl)
  if (!is.null(steps)) args$steps <- steps
  case <- list(data = name, method = method, type = type, steps = if (is.null(steps)) NA else steps,
               alternative = alternative)
  # smooth families: R's integrate() at its default rel.tol (1.2e-4) moves the likelihood by up
  # to ~1e-4; ask for 1e-8 (where BFGS then stops on an integration error, Nelder-Mead; then
  # 1e-6, then the default)
  tries <- if (type == "stepfun") list(list(rt = NA, opt = "BFGS")) else
    list(list(rt = 1e-8, opt = "BFGS"), list(rt = 1e-8, opt = "Nelder-Mead"), list(rt = 1e-6, opt = "BFGS"),
         list(rt = NA, opt = "BFGS"))
  for (tr in tries) {
    args$control <- c(sel_ctrl, list(optimizer = tr$opt))
    if (!is.na(tr$rt)) args$control$intCtrl <- list(rel.tol = tr$rt, subdivisions = 1000L)
    s <- tryCatch(suppressWarnings(do.call(selmodel, args)), error = function(e) conditionMessage(e))
    if (!is.character(s)) break
  }
  case$int_rel_tol <- tr$rt
  case$optimizer <- tr$opt
  if (is.character(s)) {
    out$selmodel[[length(out$selmodel) + 1]] <<- c(case, list(error = s))
    return(invisible())
  }
  out$selmodel[[length(out$selmodel) + 1]] <<- c(case, list(
    result = list(estimate = num(s$beta), se = num(s$se), zval = num(s$zval), pval = num(s$pval),
                  ci_lb = num(s$ci.lb), ci_ub = num(s$ci.ub), tau2 = num(s$tau2), se_tau2 = nul(s$se.tau2),
                  tau2_ci_lb = nul(s$ci.lb.tau2), tau2_ci_ub = nul(s$ci.ub.tau2),
                  delta = num(s$delta), se_delta = num(s$se.delta), zval_delta = num(s$zval.delta),
                  pval_delta = num(s$pval.delta), delta_ci_lb = num(s$ci.lb.delta), delta_ci_ub = num(s$ci.ub.delta),
                  ll = num(s$ll), ll0 = num(s$ll0), lrt = num(s$LRT), lrt_df = s$LRTdf, lrt_pval = num(s$LRTp),
                  lrt_tau2 = nul(s$LRT.tau2), lrt_tau2_pval = nul(s$LRTp.tau2),
                  ptable = if (is.data.frame(s$ptable)) s$ptable$k else NA)))
}
add_selmodel("hackshaw1998", "ML", "stepfun", 0.025)
add_selmodel("hackshaw1998", "REML", "stepfun", c(0.025, 0.10, 0.50, 1))
add_selmodel("hackshaw1998", "ML", "beta")
for (type in c("halfnorm", "negexp", "logistic", "power")) add_selmodel("hackshaw1998", "ML", type)
add_selmodel("hackshaw1998", "EE", "stepfun", 0.025)
add_selmodel("baskerville2012", "ML", "beta")
add_selmodel("baskerville2012", "ML", "stepfun", 0.025)
for (type in c("halfnorm", "negexp", "logistic", "power")) add_selmodel("hahn2001", "EE", type, alternative = "less")
add_selmodel("bcg", "REML", "stepfun", 0.025, alternative = "less")
add_selmodel("bcg", "REML", "stepfun", c(0.05, 0.5), alternative = "two.sided")
add_selmodel("random_selected", "REML", "stepfun", 0.025)
add_selmodel("random_selected", "ML", "beta")
add_selmodel("random_selected", "ML", "halfnorm")
add_selmodel("random_smallstudy", "DL", "stepfun", c(0.025, 0.5))
add_selmodel("random_plain", "ML", "negexp", alternative = "two.sided")

# ---------------------------------------------------------------- tes
# theta_lim: metafor finds it with uniroot's default tolerance (~1e-4); the tight value
# is the root of the same function (metafor's own .tes.lim) found to 1e-12
tight_lim <- function(d, guess, alternative, side, tes_alpha, test, tau2) {
  f <- function(theta) metafor:::.tes.lim(theta, yi = d$yi, vi = d$vi, H0 = 0, alternative = alternative,
    alpha = 0.05, tau2 = tau2, test = test, tes.alternative = side, progbar = FALSE,
    tes.alpha = tes_alpha, correct = FALSE, rel.tol = .Machine$double.eps^0.25, subdivisions = 100L, tau2.lb = 0)
  if (is.na(guess)) return(NA)
  uniroot(f, interval = guess + c(-0.01, 0.01), extendInt = "yes", tol = 1e-12)$root
}
add_tes <- function(name, method, test = NULL, alternative = "two.sided", tes_alternative = "greater") {
  d <- D(name)
  res <- fit(name, method)
  args <- list(res, alternative = alternative, tes.alternative = tes_alternative, progbar = FALSE)
  if (!is.null(test)) args$test <- test
  r <- do.call(tes, args)
  lim <- if (tes_alternative == "two.sided") {
    c(tight_lim(d, r$theta.lim[1], alternative, "greater", 0.05, r$test, res$tau2),
      tight_lim(d, r$theta.lim[2], alternative, "less", 0.05, r$test, res$tau2))
  } else tight_lim(d, r$theta.lim[1], alternative, tes_alternative, 0.1, r$test, res$tau2)
  out$tes[[length(out$tes) + 1]] <<- list(
    data = name, method = method, test_arg = if (is.null(test)) NA else test, alternative = alternative,
    tes_alternative = tes_alternative,
    result = list(k = r$k, o = r$O, e = num(r$E), oe_ratio = num(r$OEratio), test = r$test, x2 = nul(r$X2),
                  pval = num(r$pval), power = num(r$power), sig = as.logical(r$sig), theta = num(r$theta),
                  theta_lim = nul(r$theta.lim), theta_lim_tight = lim))
}
add_tes("dorn2007", "EE")
add_tes("dorn2007", "EE", "chi2")
add_tes("dorn2007", "EE", "binom")
add_tes("dorn2007", "REML")
add_tes("bcg", "REML")
add_tes("hackshaw1998", "EE")
add_tes("hackshaw1998", "REML", "chi2")
add_tes("random_selected", "REML")
add_tes("random_smallstudy", "DL", "chi2")
add_tes("random_plain", "EE", "binom")
add_tes("random_selected", "REML", alternative = "greater")
add_tes("hackshaw1998", "EE", "chi2", tes_alternative = "two.sided")

# ---------------------------------------------------------------- hc
add_hc <- function(name, method) {
  res <- fit(name, method)
  h <- hc(res, control = list(tol = 1e-12))
  out$hc[[length(out$hc) + 1]] <<- list(data = name, method = method,
    result = list(estimate = num(h$beta), se = num(h$se), ci_lb = num(h$ci.lb), ci_ub = num(h$ci.ub),
                  tau2 = num(h$tau2), estimate_rma = num(h$beta.rma), se_rma = num(h$se.rma),
                  ci_lb_rma = num(h$ci.lb.rma), ci_ub_rma = num(h$ci.ub.rma), tau2_rma = num(h$tau2.rma)))
}
add_hc("lee2004", "REML")
add_hc("lee2004", "DL")
add_hc("bcg", "REML")
add_hc("hackshaw1998", "REML")
add_hc("random_smallstudy", "REML")
add_hc("random_plain", "PM")
add_hc("dorn2007", "EE")

# ---------------------------------------------------------------- radial (plot coordinates)
pdf(NULL)
for (method in c("EE", "REML")) {
  res <- fit("bcg", method)
  r <- radial(res)
  out$radial[[length(out$radial) + 1]] <- list(data = "bcg", method = method, x = num(r$x), y = num(r$y))
}
invisible(dev.off())

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
           "tests/reference/bias/bias_reference.json")
