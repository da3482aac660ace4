# Reference values for the figure tests (tests/plots/), computed with R's metafor.
#
# Run from the repository root:   Rscript tests/plots/make_reference.R
# Writes tests/plots/plots_reference.json at full double precision. The Python tests read it and
# never need R. What the forest and funnel plots show as numbers -- study estimates and CIs,
# weights (inverse variance, Mantel-Haenszel, Peto), pooled estimates, CIs and prediction
# intervals at another level -- is checked against these.
#
# Data: metafor's dat.bcg (Colditz et al. 1994; also src/exometa/data/dat_bcg.csv) and
# dat.normand1999 (Normand 1999, length of hospital stay, means and SDs per arm).

suppressMessages(library(metafor))
library(jsonlite)

num <- function(x) { x <- as.numeric(x); x[is.infinite(x)] <- NA; x }
pooled <- function(res, level = 95) {
  p <- predict(res, level = level)
  r <- list(estimate = num(p$pred), ci_lb = num(p$ci.lb), ci_ub = num(p$ci.ub), weights = num(weights(res)),
            k = res$k, level = level)
  if (!is.null(p$pi.lb)) { r$pi_lb <- num(p$pi.lb); r$pi_ub <- num(p$pi.ub) }
  r
}
out <- list(metafor_version = as.character(packageVersion("metafor")))

# ------------------------------------------------------------------ dat.bcg, log risk ratios
bcg <- dat.bcg
es <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
out$bcg <- list(author = bcg$author, year = bcg$year, alloc = bcg$alloc, tpos = bcg$tpos, tneg = bcg$tneg,
                cpos = bcg$cpos, cneg = bcg$cneg, yi = num(es$yi), vi = num(es$vi))
sei <- sqrt(es$vi)
out$bcg$ci_lb_95 <- num(es$yi - qnorm(0.975) * sei)
out$bcg$ci_ub_95 <- num(es$yi + qnorm(0.975) * sei)
out$bcg$ci_lb_90 <- num(es$yi - qnorm(0.95) * sei)
out$bcg$ci_ub_90 <- num(es$yi + qnorm(0.95) * sei)

reml <- rma(yi, vi, data = es, method = "REML")
out$reml <- pooled(reml)
out$reml_90 <- pooled(reml, level = 90)
knha <- rma(yi, vi, data = es, method = "REML", test = "knha")
out$knha <- pooled(knha)
out$knha_80 <- pooled(knha, level = 80)

# subgroups by allocation: each fitted on its own (REML), the overall fit's weights
out$by_alloc <- lapply(split(es, es$alloc), function(d) pooled(rma(yi, vi, data = d, method = "REML")))

# Mantel-Haenszel and Peto, with the weights metafor reports (weights.rma.mh, weights.rma.peto)
for (m in c("RR", "OR", "RD")) {
  out[[paste0("mh_", m)]] <- pooled(rma.mh(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg, measure = m))
}
out$peto <- pooled(rma.peto(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg))

# ------------------------------------------------------------------ dat.normand1999, mean differences
nm <- dat.normand1999
md <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = nm)
out$normand <- list(source = nm$source, m1i = nm$m1i, sd1i = nm$sd1i, n1i = nm$n1i, m2i = nm$m2i, sd2i = nm$sd2i,
                    n2i = nm$n2i, yi = num(md$yi), vi = num(md$vi))
out$normand_dl <- pooled(rma(yi, vi, data = md, method = "DL"))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), "tests/plots/plots_reference.json")
