"""The studies sheet, continued: every claim of the seed articles, one row each.

A claim is answered either by an analysis (``claim_analysis``: the analysis file that will be
rebuilt under that name) or by the reviewer's assessment with its reason.
"""

from .rows import study
from .studies import AA, AGA, UNSPEC

SEED_FILES = {
    "000": "shared/seeds/000_e3179f4772a6be38.txt",
    "001": "shared/seeds/001_f63b2efb382294c6.txt",
    "002": "shared/seeds/002_aa123191a62dbc30.txt",
    "003": "shared/seeds/003_aca6586504510cef.txt",
    "004": "shared/seeds/004_114c727428073f51.txt",
}

NOT_FOUND_003 = ("Targeted searches found no paper matching this author-year tag, which the article gives without a title "
                 "(audit, section 1).")


def claim(study_id, seed, label, text, *, analysis=None, assessment=None, reason=None, **kw):
    """A seed-claim row: the claim in a short paraphrase, and what answers it."""
    kw.setdefault("design", "unclear")
    kw.setdefault("control_type", "unclear")
    kw.setdefault("intervention_type", "exosome/EV")
    kw.setdefault("condition", UNSPEC)
    kw.setdefault("coi", "not reported")
    kw.setdefault("verification", "unverifiable")
    return study(study_id=study_id, label=f"{label} (seed {seed})", citation=kw.pop("citation", f"Claim in seed article {seed}."),
                 record_type="seed claim", publication_status="marketing claim", seed=seed, claim=text,
                 claim_analysis=analysis, claim_assessment=assessment, claim_assessment_reason=reason,
                 source_url=SEED_FILES[seed], **kw)


SEED_CLAIMS = [
    # --- seed 000 ---
    claim("SEED000-SAGE", "000", "Sage Medical Clinic studies",
          "Studies at Sage Medical Clinic show androgenetic alopecia improving over 12 weeks of exosome treatment.",
          assessment="citation not found",
          reason="No publication, registry entry or data from Sage Medical Clinic was found (audit, section 1); a clinic's "
                 "own observations cannot be checked.",
          condition=AGA, followup_weeks=12,
          verification_evidence="No publication found; clinic and marketing assertions (audit)."),
    claim("SEED000-MORRELL", "000", "Kelly Morrell's observation",
          "Kelly Morrell sees under the microscope that scalp inflammation falls markedly after treatment.",
          assessment="cannot be assessed",
          reason="No publication or data; the person and the method are not identified, and no study found measured scalp "
                 "inflammation.",
          verification_evidence="No identifiable source (audit)."),
    claim("SEED000-PLUM", "000", "Dana Plum's statement",
          "Dana Plum, a professional, says exosomes help hair-loss treatment work in men and women.",
          analysis="controlled_hair_count",
          verification_evidence="No identifiable source for the statement (audit); whether exosomes work is what the "
                                "controlled analyses ask."),
    claim("SEED000-SJLEE", "000", "'Dr Shu Jin Lee's study'",
          "A study by Dr Shu Jin Lee found stem-cell exosome serums helped hair loss after COVID-19 (telogen effluvium).",
          assessment="cannot be assessed",
          reason="The matching publication (EV11: Plast Reconstr Surg Glob Open 2022;10(6), read as a copy on the "
                 "manufacturer's site) is one patient treated with the serum plus daily minoxidil and LED, so no effect of "
                 "the serum can be separated; its authors were not seen and the text seen does not say 'exosome'.",
          intervention_type="stem-cell serum (unclear)", condition="post-COVID-19 hair loss",
          verification_evidence="Content matches a single case report (EV11) hosted by the manufacturer; the attribution to "
                                "Dr Shu Jin Lee is unconfirmed (audit)."),
    claim("SEED000-TEXTURE", "000", "Texture and shedding within weeks",
          "Reports cite better hair texture and less shedding within weeks of treatment.",
          assessment="cannot be assessed",
          reason="No study found measured texture. Shedding is reported only by one uncontrolled preprint (Dehghani 2024: "
                 "hair-loss count 200 at baseline, 80 six weeks after treatment, no SD or n per timepoint); no controlled "
                 "study reports shedding (update-2).",
          verification_evidence="No source given for the reports."),
    claim("SEED000-DENSITY", "000", "Improved hair density",
          "People treated with exosomes report higher hair density as dormant follicles grow new, thicker strands.",
          analysis="controlled_hair_density", verification_evidence="A general claim; no source given."),
    claim("SEED000-AA", "000", "Alopecia areata",
          "The anti-inflammatory effect of exosomes may help alopecia areata by regulating the immune response in the scalp.",
          analysis="alopecia_areata", condition=AA, verification_evidence="A general claim; no source given."),
    # --- seed 001 ---
    claim("SEED001-JID2017", "001", "'2017 J Invest Dermatol' study",
          "A 2017 study in the Journal of Investigative Dermatology found that exosomes from dermal papilla cells boosted "
          "follicle growth in preclinical models.",
          assessment="citation not found",
          reason="No 2017 J Invest Dermatol paper on dermal papilla cell exosomes was found in targeted searches (audit). "
                 "Near matches: Rajendran et al. Sci Rep 2017 (MSC vesicles in mice; DOI 10.1038/s41598-017-15505-3) and "
                 "Kwack et al. Exp Dermatol 2019 (dermal papilla exosomes). Preclinical either way.",
          year=2017, citation="Claim in seed article 001: a 2017 Journal of Investigative Dermatology study of dermal "
                              "papilla cell exosomes (preclinical).",
          verification_evidence="No such paper found; near matches named in the reason."),
    claim("SEED001-SMITH", "001", "'Dr. Jane Smith' quote",
          "'Dr. Jane Smith', a dermatologist, says exosomes signal the body's cells to repair, like a blueprint for "
          "follicles.",
          assessment="not a factual claim",
          reason="A metaphor attributed to a person who could not be identified (the name looks like a placeholder); it "
                 "states no result that could be checked.",
          intervention_type="unclear", verification_evidence="No identifiable person or publication (audit)."),
    claim("SEED001-PILOT", "001", "'2021 pilot', 30 participants",
          "A 2021 pilot of 30 participants with AGA gained 28% in hair count after three exosome sessions six weeks apart.",
          assessment="citation not found",
          reason="No 2021 pilot with 30 participants, three sessions six weeks apart and +28% was found; reviews searching "
                 "to 2022 and 2023 found no such trial (Kost 2022, Gupta 2023). The real 30-patient exosome studies date "
                 "from 2024-25 and used other schedules. The 28% matches Tak 2020's hair count (a cell-extract RCT), a "
                 "possible source (an inference).",
          year=2021, condition=AGA, n_enrolled=30, n_source="seed article 001 (claim)", verification="likely fabricated",
          population="30 people with androgenetic alopecia (as claimed)",
          verification_evidence="No matching study found (audit)."),
    claim("SEED001-ITCH", "001", "Less itching and flaking in the pilot",
          "Participants of the 2021 pilot reported less scalp itching and flaking.",
          assessment="citation not found",
          reason="Part of the 2021 pilot claim, which traces to no publication (see SEED001-PILOT).",
          year=2021, condition=AGA, verification="likely fabricated",
          verification_evidence="The pilot it refers to was not found (audit)."),
    claim("SEED001-NOLIVECELLS", "001", "No live cells, fewer adverse reactions",
          "Because exosomes contain no live cells, adverse reactions are less likely than with other regenerative "
          "treatments.",
          assessment="cannot be assessed",
          reason="No study compared adverse reactions with other regenerative treatments. Queen & Avram 2025 count at least "
                 "10 serious adverse events across dermatological uses of exosomes; in hair studies the only count seen is "
                 "Tak 2020's 7 participants with mild events (press report).",
          verification_evidence="A general claim; no source given."),
    claim("SEED001-3TO6MONTHS", "001", "Improvement within 3-6 months",
          "Many patients see thicker, denser hair within three to six months of treatment.",
          analysis="change_over_time_density", verification_evidence="A general claim; no source given."),
    # --- seed 002 ---
    claim("SEED002-39PATIENTS", "002", "Single clinical study of 39 AGA patients",
          "A single clinical study of 39 AGA patients treated with topical ADSC exosomes found significant gains in hair "
          "density and thickness.",
          analysis="change_over_time_density", design="retrospective case series", control_type="none", condition=AGA,
          n_enrolled=39, n_source="seed article 002 (claim)", year=2022, verification="verified via secondary source",
          verification_evidence="The study is Park 2022 (EV01), described in the Gupta 2023 review; its numbers come only "
                                "from a press release of the first author's clinic (audit; update-2).",
          notes="An uncontrolled retrospective series: it shows change over time in treated people, not an effect."),
    claim("SEED002-NOAE", "002", "No major adverse reactions in the 39-patient study",
          "The 39-patient study had no major adverse reactions.",
          analysis="adverse_events", condition=AGA, year=2022, verification="verified via secondary source",
          verification_evidence="The Gupta 2023 review's abstract says no significant adverse reactions were seen in Park "
                                "2022 (EV01); no adverse-event numbers were seen."),
    claim("SEED002-CALECIM", "002", "Calecim Advanced Hair System",
          "The Calecim Advanced Hair System grows more follicle cells, reduces scalp inflammation and nourishes the scalp.",
          assessment="cannot be assessed",
          reason="Product marketing. The only studies of this product found are one case report with minoxidil and LED "
                 "(EV11) and a 10-patient pilot described in a conference talk (EV17, press report, no numbers); neither "
                 "measured follicle cells, inflammation or nutrition.",
          intervention_type="stem-cell serum (unclear)", verification_evidence="Product claims; no study of them found."),
    # --- seed 003 ---
    claim("SEED003-BYLINE", "003", "Byline",
          "The article was written by Dr. Asi Peretz.",
          assessment="cannot be assessed",
          reason="The evidence gathered holds no check of the author's identity or credentials.",
          intervention_type="unclear", verification_evidence="Not checked."),
    claim("SEED003-UPTODATE", "003", "'Current and up-to-date'",
          "The information is current and up to date with the latest medical research.",
          assessment="contradicted",
          reason="Its newest citation is from 2017 and none of its seven author-year citations could be found; it mentions "
                 "none of the human trials published since 2020 (Tak 2020, Legiawati 2023, Ersan 2024, Amini 2025) nor "
                 "the reviews of 2023-2025 (audit).",
          intervention_type="unclear", verification_evidence="Its citations were checked one by one (SEED003-* rows)."),
    claim("SEED003-YOO2014", "003", "Yoo et al. 2014",
          "Yoo et al. 2014 (J Dermatol): MSC exosomes raised VEGF and FGF-7 and the number of follicles in human scalp "
          "tissue.",
          assessment="citation not found", reason=NOT_FOUND_003, year=2014, verification="likely fabricated",
          citation="'Yoo et al., 2014' (J Dermatol), cited in seed article 003 without title.",
          verification_evidence="No match found (audit)."),
    claim("SEED003-KIM2015", "003", "Kim et al. 2015",
          "Kim et al. 2015 (J Clin Aesthet Dermatol): ADSC exosomes reduced inflammation and promoted hair growth in mice.",
          assessment="citation not found",
          reason=NOT_FOUND_003 + " Mouse work in a clinical aesthetics journal is implausible.",
          year=2015, verification="likely fabricated",
          citation="'Kim et al., 2015' (J Clin Aesthet Dermatol), cited in seed article 003 without title.",
          verification_evidence="No match found (audit)."),
    claim("SEED003-LEE2017", "003", "'Lee et al. 2017' RCT",
          "A randomised, double-blind, placebo-controlled trial of ADSC exosomes in AGA significantly increased hair "
          "density and thickness (Lee et al. 2017).",
          assessment="citation not found",
          reason="No exosome RCT for hair existed by 2017: a 2023 review still found one clinical study, and a 2025 review "
                 "lists two RCTs, both recent. The closest real trial is Tak 2020 (a cell extract, not exosomes; Lee is "
                 "the second author).",
          year=2017, design="RCT, parallel", control_type="placebo", randomised="yes", blinding="double-blind",
          condition=AGA, cell_source="adipose-derived stem cells (as claimed)", verification="likely fabricated",
          citation="'Lee et al., 2017', cited in seed article 003 without title or journal.",
          verification_evidence="No matching trial found (audit)."),
    claim("SEED003-YOO2015", "003", "Yoo et al. 2015",
          "Yoo et al. 2015 (J Dermatol): placental stem-cell exosomes stimulated hair growth and density in mice with "
          "alopecia.",
          assessment="citation not found", reason=NOT_FOUND_003, year=2015, verification="likely fabricated",
          citation="'Yoo et al., 2015' (J Dermatol), cited in seed article 003 without title.",
          verification_evidence="No match found (audit)."),
    claim("SEED003-KIM2016", "003", "Kim et al. 2016",
          "Kim et al. 2016 (J Cosmet Dermatol): umbilical-cord MSC exosomes increased hair density and thickness in a "
          "mouse model of AGA.",
          assessment="citation not found", reason=NOT_FOUND_003, year=2016, condition=AGA, verification="likely fabricated",
          citation="'Kim et al., 2016' (J Cosmet Dermatol), cited in seed article 003 without title.",
          verification_evidence="No match found (audit)."),
    claim("SEED003-CHOI2016", "003", "Choi et al. 2016",
          "Choi et al. 2016 (J Dermatol Sci): placental stem-cell exosomes reduced inflammation and improved healing in a "
          "mouse model of atopic dermatitis.",
          assessment="citation not found",
          reason=NOT_FOUND_003 + " Real atopic-dermatitis exosome papers are by other authors in other journals (e.g. Cho "
                                 "et al. Stem Cell Res Ther 2018; Shin et al. Cells 2020).",
          year=2016, condition="other", verification="likely fabricated",
          citation="'Choi et al., 2016' (J Dermatol Sci), cited in seed article 003 without title.",
          verification_evidence="No match found (audit)."),
    claim("SEED003-PARK2017", "003", "Park et al. 2017",
          "Park et al. 2017 (J Dermatol Sci): MSC exosomes reduced inflammation and improved skin barrier function in a "
          "mouse model of allergic contact dermatitis.",
          assessment="citation not found", reason=NOT_FOUND_003, year=2017, condition="other",
          verification="likely fabricated",
          citation="'Park et al., 2017' (J Dermatol Sci), cited in seed article 003 without title.",
          verification_evidence="No match found (audit)."),
    # --- seed 004 ---
    claim("SEED004-PRP", "004", "More growth factors than the patient's blood",
          "Exosomes carry more growth factors than the patient's own blood, so they are a step beyond platelet-rich "
          "plasma.",
          assessment="cannot be assessed",
          reason="No study found measured growth-factor content against PRP or compared the two in hair loss; the one "
                 "registered trial of exosomes vs PRP (NCT06239207) has no results.",
          verification_evidence="A general claim; no source given."),
    claim("SEED004-GENERAL", "004", "Early studies positive, larger studies needed",
          "Early studies and clinical observations are positive, but larger long-term studies are needed.",
          assessment="supported",
          reason="The reviews agree: most human data are small uncontrolled series, only two RCTs were found up to May 2025 "
                 "(Al Ameer 2025), and efficacy and safety data are called lacking (Kost 2022; Gupta 2023; Queen & Avram "
                 "2025).",
          verification_evidence="No specific study is cited; the statement matches the reviews (audit)."),
]
