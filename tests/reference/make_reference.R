# Reference values for exometa's tests, computed with R's metafor.
#
# Run from the repository root:   Rscript tests/reference/make_reference.R
# (Debian: apt-get install r-cran-metafor). Writes tests/reference/metafor_reference.json
# at full double precision; the Python tests read it and never need R.
#
# Convergence is made tight (threshold/tol 1e-12) so that the values are the roots
# themselves, not points within metafor's default tolerance (1e-5 for Fisher scoring,
# ~1.2e-4 for uniroot). See README.md beside this file.

suppressMessages(library(metafor))
library(jsonlite)

tight <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
out <- list(metafor_version = as.character(packageVersion("metafor")), escalc = list(), rma = list(),
            metareg = list(), mh = list(), peto = list(), subgroups = list())

num <- function(x) { x <- as.numeric(x); x[is.infinite(x)] <- NA; x }

# ---------------------------------------------------------------- data sets
set.seed(20261121)
zeros <- data.frame(ai = c(0, 3, 5, 0, 12, 7), n1i = c(20, 25, 30, 15, 40, 35),
                    ci = c(2, 0, 9, 0, 15, 7), n2i = c(22, 24, 31, 16, 38, 35))
prepost <- data.frame(ni = c(12, 20, 15, 30, 9, 25))
prepost$m2i <- round(rnorm(6, 50, 5), 2)            # before
prepost$m1i <- round(prepost$m2i + rnorm(6, 4, 2), 2) # after
prepost$sd2i <- round(runif(6, 8, 12), 2)
prepost$sd1i <- round(runif(6, 8, 12), 2)
prepost$ri <- round(runif(6, 0.3, 0.8), 2)

add_escalc <- function(name, measure, args, data, ...) {
  call_args <- c(list(measure = measure, data = data), lapply(args, as.name), list(...))
  es <- do.call(escalc, call_args)
  cols <- lapply(args, function(a) num(data[[a]]))
  out$escalc[[length(out$escalc) + 1]] <<- list(name = name, measure = measure, args = cols,
                                                options = list(...), yi = num(es$yi), vi = num(es$vi))
}

bcg_args <- list(ai = "tpos", bi = "tneg", ci = "cpos", di = "cneg")
for (m in c("RR", "OR", "RD", "PETO")) add_escalc("dat.bcg", m, bcg_args, dat.bcg)
zero_args <- list(ai = "ai", n1i = "n1i", ci = "ci", n2i = "n2i")
for (m in c("RR", "OR", "RD", "PETO")) add_escalc("zeros", m, zero_args, zeros)
add_escalc("zeros", "OR", zero_args, zeros, add = 0.5, to = "all")
add_escalc("zeros", "OR", zero_args, zeros, add = 0.5, to = "if0all")
add_escalc("zeros", "RR", zero_args, zeros, add = 0, to = "none")
add_escalc("zeros", "RD", zero_args, zeros, vtype = "UB")
norm_args <- list(m1i = "m1i", sd1i = "sd1i", n1i = "n1i", m2i = "m2i", sd2i = "sd2i", n2i = "n2i")
for (m in c("MD", "SMD", "ROM")) add_escalc("dat.normand1999", m, norm_args, dat.normand1999)
# SMDH: metafor 4.6 corrected the variance (NEWS 4.6-0: "slightly adjusted for consistency"): Bonett's
# (2009, eq. 5) large-sample variance with the bias-corrected yi plugged in and no further factor.
# metafor 3.8 (installed here) multiplied it by the squared correction; compute the corrected one.
smdh <- with(dat.normand1999, {
  es <- escalc("SMDH", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i)
  sdpi <- sqrt((sd1i^2 + sd2i^2) / 2)
  vi <- es$yi^2 * (sd1i^4 / (n1i - 1) + sd2i^4 / (n2i - 1)) / (8 * sdpi^4) +
        (sd1i^2 / (n1i - 1) + sd2i^2 / (n2i - 1)) / sdpi^2
  list(yi = num(es$yi), vi = num(vi))
})
out$escalc[[length(out$escalc) + 1]] <- list(name = "dat.normand1999", measure = "SMDH",
  args = lapply(norm_args, function(a) num(dat.normand1999[[a]])), options = list(),
  yi = smdh$yi, vi = smdh$vi, note = "variance as corrected in metafor 4.6")
add_escalc("dat.normand1999", "SMD", norm_args, dat.normand1999, vtype = "UB")
add_escalc("dat.normand1999", "MD", norm_args, dat.normand1999, vtype = "HO")
pritz_args <- list(xi = "xi", ni = "ni")
for (m in c("PR", "PLO", "PAS", "PFT")) add_escalc("dat.pritz1997", m, pritz_args, dat.pritz1997)
props0 <- data.frame(xi = c(0, 4, 10, 12), ni = c(10, 12, 10, 30))
for (m in c("PR", "PLO", "PAS", "PFT")) add_escalc("props0", m, pritz_args, props0)
cor_args <- list(ri = "ri", ni = "ni")
for (m in c("COR", "ZCOR")) add_escalc("dat.molloy2014", m, cor_args, dat.molloy2014)
pp_args <- list(m1i = "m1i", m2i = "m2i", sd1i = "sd1i", sd2i = "sd2i", ni = "ni", ri = "ri")
for (m in c("MC", "SMCC", "SMCR")) add_escalc("prepost", m, pp_args, prepost)

# ---------------------------------------------------------------- pooling
effects <- list(
  bcg_RR = escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg),
  normand_SMD = escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
                       data = dat.normand1999),
  normand_MD = escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
                      data = dat.normand1999),
  hackshaw = dat.hackshaw1998,
  raudenbush = dat.raudenbush1985,
  pritz_PLO = escalc("PLO", xi = xi, ni = ni, data = dat.pritz1997),
  molloy_ZCOR = escalc("ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
)
for (s in 1:4) {  # seeded random data: small k, moderate k, homogeneous, large
  k <- c(3, 8, 6, 40)[s]
  vi <- runif(k, 0.01, 0.2)
  tau2 <- c(0.05, 0.1, 0, 0.2)[s]
  yi <- rnorm(k, 0.3, sqrt(vi + tau2))
  effects[[paste0("random", s)]] <- data.frame(yi = yi, vi = vi)
}
effects[["two_studies"]] <- data.frame(yi = c(0.2, 0.8), vi = c(0.04, 0.09))

pooled <- function(res, ci_res) {
  p <- predict(res)
  ci <- if (is.null(ci_res)) matrix(NA, 4, 3) else ci_res$random
  list(estimate = num(res$b), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
       ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
       pi_lb = if (is.null(p$pi.lb)) NA else num(p$pi.lb), pi_ub = if (is.null(p$pi.ub)) NA else num(p$pi.ub),
       tau2 = num(res$tau2), tau2_ci_lb = num(ci[1, 2]), tau2_ci_ub = num(ci[1, 3]),
       i2 = num(res$I2), i2_ci_lb = num(ci[3, 2]), i2_ci_ub = num(ci[3, 3]),
       h2 = num(res$H2), h2_ci_lb = num(ci[4, 2]), h2_ci_ub = num(ci[4, 3]),
       q = num(res$QE), q_pval = num(res$QEp), k = res$k)
}

qp <- function(res) confint(res, control = list(tol = 1e-12, tau2.max = 1e4))

for (nm in names(effects)) {
  d <- effects[[nm]]
  for (test in c("z", "t", "knha")) {
    reml <- rma(yi, vi, data = d, method = "REML", test = test, control = tight)
    for (method in c("EE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "DL2")) {
      if (method == "DL2") {
        dl <- rma(yi, vi, data = d, method = "DL")
        g <- rma(yi, vi, data = d, method = "GENQ", weights = 1 / (d$vi + dl$tau2), control = tight)
        res <- rma(yi, vi, data = d, tau2 = g$tau2, test = test, control = tight)
        ci_res <- qp(reml)  # the Q-profile CI does not depend on the estimator
      } else {
        res <- suppressWarnings(rma(yi, vi, data = d, method = method, test = test, control = tight))
        ci_res <- if (method == "EE") NULL else qp(res)
      }
      out$rma[[length(out$rma) + 1]] <- list(data = nm, method = method, test = test,
                                             yi = num(d$yi), vi = num(d$vi), result = pooled(res, ci_res))
    }
  }
}

# k = 1: tau^2 = 0, the study's own estimate (metafor switches t/knha to z)
one <- suppressWarnings(rma(0.4, 0.05, method = "REML", test = "knha"))
out$rma[[length(out$rma) + 1]] <- list(data = "one_study", method = "REML", test = "knha",
                                       yi = 0.4, vi = 0.05, result = pooled(one, NULL))

# extreme scale (issue 14): every vi = 1e-160; weights of 1e160 must not overflow into a wrong answer
tiny <- data.frame(yi = effects$bcg_RR$yi, vi = rep(1e-160, 13))
for (method in c("EE", "DL", "REML", "PM")) {
  res <- rma(yi, vi, data = tiny, method = method, control = tight)
  out$rma[[length(out$rma) + 1]] <- list(data = "bcg_RR_vi_1e-160", method = method, test = "z",
                                         yi = num(tiny$yi), vi = num(tiny$vi),
                                         result = pooled(res, if (method == "EE") NULL else qp(res)))
}

# ---------------------------------------------------------------- meta-regression
metareg <- function(name, d, mods, method, test) {
  res <- rma(yi, vi, mods = mods, data = d, method = method, test = test, control = tight)
  list(data = name, method = method, test = test, yi = num(d$yi), vi = num(d$vi),
       mods = lapply(as.data.frame(model.matrix(mods, data = d))[-1], num),
       result = list(estimate = num(res$b), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
                     ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), tau2 = num(res$tau2),
                     i2 = num(res$I2), h2 = num(res$H2), q = num(res$QE), q_pval = num(res$QEp),
                     qm = num(res$QM), qm_pval = num(res$QMp), r2 = if (is.null(res$R2)) NA else num(res$R2)))
}
for (method in c("EE", "DL", "ML", "REML", "PM")) for (test in c("z", "knha")) {
  out$metareg[[length(out$metareg) + 1]] <- metareg("bcg_RR", effects$bcg_RR, ~ ablat + year, method, test)
  out$metareg[[length(out$metareg) + 1]] <- metareg("raudenbush", effects$raudenbush, ~ weeks, method, test)
}

# ---------------------------------------------------------------- Mantel-Haenszel and Peto
mh_result <- function(res) {
  list(estimate = num(res$b), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
       ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), q = num(res$QE), q_pval = num(res$QEp),
       i2 = num(res$I2), h2 = num(res$H2), k = res$k,
       co = num(res$CO), co_pval = num(res$COp), mh = num(res$MH), mh_pval = num(res$MHp),
       bd = num(res$BD), bd_pval = num(res$BDp), tarone = num(res$TA), tarone_pval = num(res$TAp))
}
add_mh <- function(name, ai, bi, ci, di, measure) {
  res <- suppressWarnings(rma.mh(ai = ai, bi = bi, ci = ci, di = di, measure = measure))
  out$mh[[length(out$mh) + 1]] <<- list(data = name, measure = measure, ai = num(ai), bi = num(bi),
                                        ci = num(ci), di = num(di), result = mh_result(res))
}
for (m in c("OR", "RR", "RD")) with(dat.bcg, add_mh("dat.bcg", tpos, tneg, cpos, cneg, m))
with(zeros, add_mh("zeros", ai, n1i - ai, ci, n2i - ci, "OR"))
# issue 7: a table with no events in either arm stays in the MH estimate (and leaves Q)
issue7 <- data.frame(ai = c(2, 0, 5), ci = c(4, 0, 6), n1i = c(20, 15, 30), n2i = c(20, 15, 30))
for (m in c("OR", "RR", "RD")) with(issue7, add_mh("issue7", ai, n1i - ai, ci, n2i - ci, m))
# every table without events, or with only events: metafor's NA / 0 answers
for (m in c("OR", "RR", "RD")) add_mh("no_events", c(0, 0), c(20, 15), c(0, 0), c(20, 15), m)
for (m in c("RR", "RD")) add_mh("only_events", c(20, 15), c(0, 0), c(20, 15), c(0, 0), m)
for (nm in c("dat.bcg", "zeros")) {
  res <- if (nm == "dat.bcg") rma.peto(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
         else rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = zeros)
  cells <- if (nm == "dat.bcg") with(dat.bcg, list(tpos, tneg, cpos, cneg))
           else with(zeros, list(ai, n1i - ai, ci, n2i - ci))
  out$peto[[length(out$peto) + 1]] <- list(data = nm, ai = num(cells[[1]]), bi = num(cells[[2]]),
    ci = num(cells[[3]]), di = num(cells[[4]]),
    result = list(estimate = num(res$b), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
                  ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), q = num(res$QE), q_pval = num(res$QEp),
                  i2 = num(res$I2), h2 = num(res$H2)))
}

# ---------------------------------------------------------------- subgroups (separate tau^2 per group)
d <- effects$bcg_RR
for (method in c("REML", "DL")) {
  fits <- lapply(split(seq_len(nrow(d)), d$alloc), function(i) rma(yi, vi, data = d[i, ], method = method, control = tight))
  est <- sapply(fits, function(f) f$b[1]); se <- sapply(fits, function(f) f$se)
  between <- rma(est, sei = se, mods = ~ factor(names(fits)), method = "FE")
  out$subgroups[[length(out$subgroups) + 1]] <- list(data = "bcg_RR", by = "alloc", method = method,
    yi = num(d$yi), vi = num(d$vi), group = as.character(d$alloc),
    groups = lapply(fits, function(f) list(k = f$k, estimate = num(f$b), se = num(f$se), tau2 = num(f$tau2),
                                            i2 = num(f$I2), q = num(f$QE))),
    q_between = num(between$QM), q_between_df = between$QMdf[1], q_between_pval = num(between$QMp))
}

# ---------------------------------------------------------------- batches: leave-one-out and GOSH
res <- rma(yi, vi, data = effects$bcg_RR, method = "REML", control = tight)
l1o <- leave1out(res)
out$leave1out <- list(data = "bcg_RR", method = "REML", yi = num(effects$bcg_RR$yi), vi = num(effects$bcg_RR$vi),
                      estimate = num(l1o$estimate), se = num(l1o$se), tau2 = num(l1o$tau2), i2 = num(l1o$I2),
                      q = num(l1o$Q))
d7 <- effects$bcg_RR[1:7, ]
res7 <- rma(yi, vi, data = d7, method = "REML", control = tight)
g <- gosh(res7, subsets = 1e6, progbar = FALSE)
out$gosh <- list(data = "bcg_RR[1:7]", method = "REML", yi = num(d7$yi), vi = num(d7$vi),
                 incl = lapply(seq_len(ncol(g$incl)), function(j) as.integer(g$incl[, j])),
                 estimate = num(g$res$estimate), tau2 = num(g$res$tau2), i2 = num(g$res$I2), q = num(g$res$QE))

# ---------------------------------------------------------------- likelihoods with more than one maximum
# The (restricted) likelihood in tau^2 can have a local maximum at 0 and another inside, or two inside.
# A seeded search over simulated data sets (k = 20) finds one of each kind; every local maximum is
# located from a grid and the score equation, and metafor gives the likelihood, estimate and SE at
# each (rma with tau2 fixed). The reference answer is the highest; metafor's own fit is kept too.
loglik <- function(y, v, t, reml) sapply(t, function(tt) {
  w <- 1 / (v + tt); mu <- sum(w * y) / sum(w)
  -0.5 * (sum(log(v + tt)) + (if (reml) log(sum(w)) else 0) + sum(w * (y - mu)^2))
})
score <- function(y, v, tt, reml) {
  w <- 1 / (v + tt); mu <- sum(w * y) / sum(w)
  sum(w^2 * (y - mu)^2) - sum(w) + (if (reml) sum(w^2) / sum(w) else 0)
}
maxima <- function(y, v, reml, grid) {
  ll <- loglik(y, v, grid, reml); d <- diff(ll)
  inner <- which(d[-length(d)] > 0 & d[-1] < 0) + 1
  roots <- sapply(inner, function(j) uniroot(function(t) score(y, v, t, reml), c(grid[j - 1], grid[j + 1]),
                                             tol = 1e-15)$root)
  c(if (d[1] < 0) 0, roots)
}
set.seed(20261122)
grid <- c(0, exp(seq(log(1e-5), log(2), length.out = 300)))
kinds <- c("REML higher inside", "REML lower inside", "REML two inside", "ML higher inside")
found <- list()
for (i in 1:50000) {
  v <- rchisq(20, 2) * 0.05
  y <- rnorm(20, 0, sqrt(v + sample(c(0, 0.01, 0.05), 1)))
  for (method in c("REML", "ML")) {
    m <- maxima(y, v, method == "REML", grid)
    if (length(m) < 2) next
    ll <- loglik(y, v, m, method == "REML")
    kind <- if (m[1] > 0) "two inside" else if (which.max(ll) > 1) "higher inside" else "lower inside"
    kind <- paste(method, kind)
    if (kind %in% kinds && is.null(found[[kind]])) found[[kind]] <- list(y = y, v = v, method = method, maxima = m)
  }
  if (all(kinds %in% names(found))) break
}
out$likelihood <- lapply(kinds, function(kind) {
  f <- found[[kind]]
  fits <- lapply(f$maxima, function(t) rma(f$y, f$v, tau2 = t, method = f$method))
  lls <- sapply(fits, function(r) as.numeric(logLik(r)))
  best <- fits[[which.max(lls)]]
  own <- suppressWarnings(rma(f$y, f$v, method = f$method, control = tight))
  list(data = kind, method = f$method, yi = num(f$y), vi = num(f$v), maxima = num(f$maxima), loglik = num(lls),
       tau2 = num(best$tau2), estimate = num(best$b), se = num(best$se),
       metafor_tau2 = num(own$tau2), metafor_loglik = num(logLik(own)))
})

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null"),
           "tests/reference/metafor_reference.json")
cat("wrote tests/reference/metafor_reference.json\n")
