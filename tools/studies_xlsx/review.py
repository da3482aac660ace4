"""The review sheet (what this review asks) and the review's own lists (lists sheet)."""

REVIEW = (
    ("title", "Exosome and related stem-cell-derived, cell-free treatments for hair loss"),
    ("question", "In people with hair loss, do exosome (and related stem-cell-derived, cell-free) treatments increase hair "
                 "count, density or thickness more than placebo or no treatment, are they safe, and do the claims made "
                 "for them in popular articles hold up?"),
    ("population", "People with hair loss; androgenetic alopecia and alopecia areata are kept apart."),
    ("intervention", "Exosomes or extracellular vesicles; apart from them, stem-cell conditioned medium, secretome or cell "
                     "extracts (not exosome preparations)."),
    ("comparator", "Placebo, vehicle, a saline half-scalp or another treatment; change from baseline where there is no "
                   "comparison group."),
    ("outcomes", "Hair count, hair density, hair thickness, hair growth rate, shedding, SALT score, adverse events, "
                 "satisfaction."),
)

#: the review's own allowed values ("sheet.column" -> values), written to the lists sheet
REVIEW_LISTS = {
    ("outcomes", "outcome"): (
        "hair count", "hair density", "hair thickness", "hair growth rate", "hair shedding", "SALT score",
        "adverse events", "satisfaction", "patient-reported improvement", "enrolment", "other",
    ),
    ("studies", "intervention_type"): (
        "exosome/EV", "exosome/EV + plant extract", "conditioned medium/secretome", "cell extract",
        "stem-cell serum (unclear)", "unclear",
    ),
    ("studies", "condition"): (
        "androgenetic alopecia", "alopecia areata", "post-COVID-19 hair loss", "hair loss, unspecified",
        "healthy volunteers", "other",
    ),
}
