# Reference p-values for exometa's trustworthiness checks, computed with R's own
# distribution functions (as statcheck's compute_p does). Run from the repository root:
#   Rscript tests/evidence/make_trust_reference.R
# Writes tests/evidence/trust_reference.json at full precision.
library(jsonlite)

two <- function(p) 2 * p
cases <- list(
  list(type = "t", value = 2.20, df = 28, df2 = NA, p = two(pt(-2.20, 28))),
  list(type = "t", value = -3.1, df = 7, df2 = NA, p = two(pt(-3.1, 7))),
  list(type = "z", value = 2.20, df = NA, df2 = NA, p = two(pnorm(-2.20))),
  list(type = "z", value = -2.42, df = NA, df2 = NA, p = two(pnorm(-2.42))),
  list(type = "F", value = 2.20, df = 2, df2 = 28, p = pf(2.20, 2, 28, lower.tail = FALSE)),
  list(type = "F", value = 9.7, df = 1, df2 = 40, p = pf(9.7, 1, 40, lower.tail = FALSE)),
  list(type = "chi2", value = 22.20, df = 28, df2 = NA, p = pchisq(22.20, 28, lower.tail = FALSE)),
  list(type = "chi2", value = 3.84, df = 1, df2 = NA, p = pchisq(3.84, 1, lower.tail = FALSE)),
  list(type = "r", value = 0.22, df = 28, df2 = NA, p = two(pt(-0.22 / sqrt((1 - 0.22^2) / 28), 28)))
)

# two-sample t-tests from summary data, by R's t.test on data built to have those summaries
make <- function(m, s, n) { z <- scale(seq_len(n))[, 1]; m + s * z }
x <- make(12, 4, 20); y <- make(8, 5, 15)
student <- t.test(x, y, var.equal = TRUE)
welch <- t.test(x, y, var.equal = FALSE)
one <- t.test(make(5, 10, 25))

out <- list(
  statistics = cases,
  two_sample = list(m1 = 12, sd1 = 4, n1 = 20, m2 = 8, sd2 = 5, n2 = 15,
                    student_p = student$p.value, welch_p = welch$p.value, welch_df = unname(welch$parameter)),
  one_sample = list(m = 5, sd = 10, n = 25, p = one$p.value),
  r_version = R.version.string
)
write_json(out, "tests/evidence/trust_reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
