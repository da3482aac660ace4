# The metafor user's equivalent of `exometa run` for one analysis (benchmarks/bench_run.py):
# read the same workbook, take the same numbers (mean change from baseline in hair density, its
# SD and n), fit the same model (REML, Knapp-Hartung) and draw a forest and a funnel plot in the
# same three formats.  (exometa also draws a forest plot by design, a study table and a report.)
#
#   Rscript benchmarks/bench_run.R studies.xlsx OUTDIR
suppressPackageStartupMessages({library(readxl); library(metafor); library(svglite)})
args <- commandArgs(trailingOnly = TRUE)
dat <- read_excel(args[1], sheet = "outcomes")
dat <- dat[dat$outcome == "hair density" & dat$quantity == "change from baseline" &
           !is.na(dat$mean) & !is.na(dat$sd) & !is.na(dat$n), ]
es <- escalc(measure = "MN", mi = mean, sdi = sd, ni = n, data = dat, slab = study_id)
res <- rma(yi, vi, data = es, method = "REML", test = "knha")
height <- max(6, 2 + 0.25 * res$k)  # inches: grows with the studies, as exometa's does
draw <- function(device, file, plot, h) {  # width and height in inches
  device(file, width = 10, height = h)
  plot()
  invisible(dev.off())
}
for (fmt in c("svg", "png", "pdf")) {
  device <- switch(fmt, svg = svglite, pdf = pdf,
                   png = function(f, width, height) png(f, width, height, units = "in", res = 150))
  draw(device, file.path(args[2], paste0("forest.", fmt)), function() forest(res), height)
  draw(device, file.path(args[2], paste0("funnel.", fmt)), function() funnel(res), 7)
}
cat(sprintf("k = %d, estimate %.4f, tau2 %.4f\n", res$k, res$beta[1], res$tau2))
