# The metafor user's equivalent of `exometa run` for one analysis (benchmarks/bench_run.py), the
# shipped analysis analyses/change_over_time_density.toml: read the same workbook, take the same
# numbers (mean change from baseline in hair density in treated people, the same studies), fit the
# same model (REML, Knapp-Hartung), run leave-one-out and influence diagnostics, write the study
# table, and draw a forest plot, a funnel plot, a leave-one-out forest plot and metafor's influence
# plot in the same three formats (PDFs with their fonts embedded, as journals require and exometa
# does). (exometa also draws the risk-of-bias figures and writes a Summary
# of Findings and the report in four formats; exometa draws no funnel plot below 10 studies.)
#
# Each study's change: a reported mean change with its SD, or the difference of the baseline and
# last follow-up means, with the SD of change from the p-value against baseline (paired t, taking
# the bound of "p < x") or, without one, the largest SD of change in the analysis (the analysis
# file's `borrow = "largest"`); n is the number analysed, else the number enrolled.
#
#   Rscript benchmarks/bench_run.R studies.xlsx OUTDIR
suppressPackageStartupMessages({library(readxl); library(metafor); library(svglite)})
args <- commandArgs(trailingOnly = TRUE)
st <- read_excel(args[1], sheet = "studies")
oc <- read_excel(args[1], sheet = "outcomes")
st <- st[st$record_type == "study" & st$condition %in% c("androgenetic alopecia", "hair loss, unspecified") &
         st$study_id != "CM07", ]
oc <- oc[oc$study_id %in% st$study_id & oc$outcome == "hair density" &
         oc$arm %in% c("single group", "treatment"), ]
oc$n <- ifelse(is.na(oc$n), st$n_enrolled[match(oc$study_id, st$study_id)], oc$n)
oc$when <- ifelse(is.na(oc$timepoint_weeks), oc$weeks_after_treatment, oc$timepoint_weeks)
change <- oc[oc$quantity == "change from baseline" & !is.na(oc$mean) & !is.na(oc$n), ]
change <- data.frame(study = change$study_id, mi = change$mean, sdi = change$sd, ni = change$n)
values <- oc[oc$quantity == "value" & !is.na(oc$mean) & !is.na(oc$when), ]
for (id in setdiff(unique(values$study_id), change$study)) {
  v <- values[values$study_id == id, ]
  if (!any(v$when == 0) || nrow(v) < 2) next
  base <- v[v$when == 0, ][1, ]
  last <- v[which.max(v$when), ]
  md <- last$mean - base$mean
  sdi <- if (!is.na(last$p_value)) abs(md) * sqrt(last$n) / qt(1 - last$p_value / 2, last$n - 1) else NA
  change <- rbind(change, data.frame(study = id, mi = md, sdi = sdi, ni = last$n))
}
change$sdi[is.na(change$sdi)] <- max(change$sdi, na.rm = TRUE)
es <- escalc(measure = "MN", mi = mi, sdi = sdi, ni = ni, data = change, slab = study)
res <- rma(yi, vi, data = es, method = "REML", test = "knha")
l1o <- leave1out(res)
inf <- influence(res)
write.csv(data.frame(es), file.path(args[2], "studies.csv"), row.names = FALSE)
height <- max(6, 2 + 0.25 * res$k)  # inches: grows with the studies, as exometa's does
draw <- function(device, file, plot, h) {  # width and height in inches
  device(file, width = 10, height = h)
  plot()
  invisible(dev.off())
}
for (fmt in c("svg", "png", "pdf")) {
  device <- switch(fmt, svg = svglite, pdf = cairo_pdf,  # cairo_pdf embeds its fonts, as exometa's PDFs do (pdf() does not)
                   png = function(f, width, height) png(f, width, height, units = "in", res = 150))
  draw(device, file.path(args[2], paste0("forest.", fmt)), function() forest(res), height)
  draw(device, file.path(args[2], paste0("funnel.", fmt)), function() funnel(res), 7)
  draw(device, file.path(args[2], paste0("leave1out.", fmt)), function()
    forest(l1o$estimate, ci.lb = l1o$ci.lb, ci.ub = l1o$ci.ub, slab = l1o$slab, refline = coef(res)), height)
  draw(device, file.path(args[2], paste0("influence.", fmt)), function() plot(inf), 8)
}
cat(sprintf("k = %d, estimate %.4f, tau2 %.4f\n", res$k, res$beta[1], res$tau2))
