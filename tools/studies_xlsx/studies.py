"""The studies sheet: human studies (exosomes first, then conditioned medium and extracts)."""

from .rows import study

# where each record was read (also used by the outcome and risk-of-bias rows)
URL = {
    "EV01": "https://m.mt.co.kr/renew/view.html?no=2022032917575864107&ca=",
    "EV01-review": "http://www.globalauthorid.com/WebPortal/ArticleView?wd=577FFBC7AA1FE84B7DEDAB6D6C800A45184A3215DD205F47",
    "EV02": "https://proxy.weglot.com/wg_31e3b69165a930b5a27173d9b265f5a52/nl/en/pubmed.ncbi.nlm.nih.gov/39155501",
    "EV03": "https://pesquisa.bvsalud.org/ses/resource/pt/mdl-39174804",
    "EV04": "https://m.booksci.cn/literature/143717895.htm",
    "EV05": "https://sciety.org/articles/activity/10.21203/rs.3.rs-5252508/v1",
    "EV06": "https://sciety.org/articles/activity/10.21203/rs.3.rs-6938290/v1",
    "EV07": "https://open.library.ubc.ca/soa/cIRcle/collections/facultyresearchandpublications/52383/items/1.0448771",
    "EV07-registry": "https://meddatax.com/clinical-trials/NCT06930326",
    "EV08": "https://www.rimpacts.com/rd/p.aspx?c=10095514997",
    "EV09": "https://trial.medpath.com/clinical-trial/2013c8f7d90263d9/benev-exosome-hair-growth-study",
    "EV10": "https://www.imcas.com/en/attend/imcas-asia-2025/program/session/56113",
    "EV11": "https://calecimprofessional.com/blogs/research-library/clinical-abstract-covid-19-induced-scalp-alopecia",
    "EV12": "https://pmc.ncbi.nlm.nih.gov/articles/PMC12539994/",
    "EV14": "https://dermatology-conferences.com/program/scientific-program/2026/a-next-generation-regenerative-protocol-for-female-androgenetic-alopecia",
    "CM01": "https://doaj.org/article/13dab8346dc04945a774ef7d4958f445",
    "CM01-press": "https://www.medicaltimes.com/Main/News/NewsView.html?ID=1133802",
    "CM01-press-arm1": "https://doctorsnews.co.kr/news/articleView.html?idxno=134664&sc_word=%EC%84%B1%EA%B8%B0%EB%8A%A5",
    "CM01-press-arm2": "http://www.ysnews.co.kr/news/view.php?idx=83961",
    "CM02": "https://stemcellres.biomedcentral.com/articles/10.1186/s13287-023-03440-2",
    "CM02-registry": "https://meddatax.com/clinical-trials/NCT05296863",
    "CM03": "https://scholar.ui.ac.id/en/publications/hair-regeneration-in-androgenetic-alopecia-using-secretome-of-adi",
    "CM04": "https://www.calvizie.net/forum/threads/possibile.71665/",
    "CM05": "https://www.x-mol.com/paperRedirect/1266085345683873792",
    "CM05-table": "https://pmc.ncbi.nlm.nih.gov/articles/PMC8343397/table/T8",
    "CM07": "https://koreamed.org/SearchBasic.php?RID=2451586",
    "MA01": "https://pubmed.ncbi.nlm.nih.gov/37983981/",
}

AGA, AA, UNSPEC = "androgenetic alopecia", "alopecia areata", "hair loss, unspecified"

EXOSOME_STUDIES = [
    study(study_id="EV01", label="Park 2022",
          citation="Park BS et al. Effects of exosome from adipose-derived stem cell on hair loss: a retrospective analysis of 39 "
                   "patients. J Cosmet Dermatol 2022 (March issue, per the press report). The article's own record was not retrieved.",
          year=2022, record_type="study", design="retrospective case series", control_type="none", randomised="no",
          intervention_type="exosome/EV",
          cell_source="adipose-derived stem cells (title; Gupta 2023 review); the press report says the exosomes come from "
                      "stem-cell culture medium",
          route="topical (Gupta 2023 review); once a week for 12 weeks (press report)",
          condition=UNSPEC,
          population="27 men and 12 women diagnosed with hair loss (press report); the Gupta 2023 review calls them "
                     "androgenetic alopecia patients",
          n_enrolled=39, n_source="press report (MoneyToday, 2022-03-30) and the Gupta 2023 review abstract", n_analysed=39,
          followup_weeks=12, treatment_weeks=12, publication_status="peer-reviewed article",
          funding="Not reported. The press release came from the first author's own clinic (Cellpark Dermatology), and the "
                  "press report names him as CEO of the exosome developer Prostemics.",
          coi="author sells the treatment", verification="verified via secondary source",
          verification_evidence="The Gupta 2023 systematic review (DOI 10.1111/jocd.15869) describes the study: one clinical "
                                "study, 39 patients, topical ADSC exosomes. A press report of the first author's clinic's "
                                "release gives its numbers and the March 2022 issue. No DOI or PMID was seen, so none is entered.",
          source_url=URL["EV01"],
          notes="Every number comes from a press release issued by the first author's clinic; no SDs. Seed 002's "
                "'single clinical study of 39 patients' (see SEED002-39PATIENTS)."),
    study(study_id="EV02", label="Lee 2024",
          citation="Lee et al. Efficacy of adipose stem cell-derived exosomes in hair regeneration based on a preclinical and "
                   "clinical study. Int J Dermatol 2024.",
          year=2024, record_type="study", design="case series", control_type="none", randomised="no",
          intervention_type="exosome/EV", cell_source="adipose tissue stem cells (ASC-exosomes)",
          route="not reported in the abstract", condition=AGA, population="30 people with androgenetic alopecia",
          n_enrolled=30, n_source="PubMed abstract (enrolled and treated over 24 weeks)", followup_weeks=24, treatment_weeks=24,
          pmid="39155501", publication_status="peer-reviewed article", coi="not reported", verification="verified",
          verification_evidence="PubMed record 39155501 read (abstract); a news summary calls the clinical part retrospective.",
          source_url=URL["EV02"],
          notes="Single group; the abstract reports a significant rise in total hair density without numbers."),
    study(study_id="EV03", label="Ersan 2024",
          citation="Ersan M, Ozer E, Akin O, Tasli PN, Sahin F. Aesthetic Plast Surg 2024;48(21):4262-4271.",
          year=2024, record_type="study", design="prospective single-arm", control_type="none", randomised="no",
          blinding="open-label", intervention_type="exosome/EV",
          cell_source="foreskin mesenchymal stem cells (culture with FBS; PEG/dextran isolation per the registry)",
          route="scalp injection", condition=AGA, population="30 men aged 22-65, Norwood-Hamilton III-VI",
          n_enrolled=30, n_source="abstract", doi="10.1007/s00266-024-04332-3", pmid="39174804",
          registry_id="NCT06539273", publication_status="peer-reviewed article",
          funding="Not reported; the exosomes were produced in the authors' university laboratory.",
          coi="not reported", verification="verified", verification_evidence="Abstract and registry record read.",
          source_url=URL["EV03"],
          notes="Density rose in the 4th and 12th weeks after treatment (p < 0.05), and satisfaction in week 12 against "
                "week 4 (p < 0.05); the values and the number analysed were not in the text available. The abstract counts "
                "the weeks after treatment and the schedule was not seen, so follow-up from baseline is unknown "
                "(followup_weeks blank)."),
    study(study_id="EV04", label="Wan 2025",
          citation="Wan J, Kim SB, Cartier H, Garson S, Frank K, Haykal D, Yi KH. A prospective study of exosome therapy for "
                   "androgenetic alopecia. Aesthetic Plast Surg 2025.",
          year=2025, record_type="study", design="prospective single-arm", control_type="none", randomised="no",
          blinding="open-label", intervention_type="exosome/EV",
          cell_source="not stated in the abstract (commercial product ZISHEL XOMAGE)", route="topical after microneedling",
          condition=AGA, population="16 men aged 36-45 with mild to moderate androgenetic alopecia",
          n_enrolled=16, n_source="abstract (16 included; the number analysed is not stated)",
          doi="10.1007/s00266-025-04817-9", publication_status="peer-reviewed article",
          funding="not reported (named commercial product)", coi="not reported", verification="verified",
          verification_evidence="Abstract record read.", source_url=URL["EV04"],
          notes="Assessed 1, 3, 6 and 12 months after the end of treatment. The length of treatment is not in the abstract, "
                "so follow-up from baseline is unknown and followup_weeks is blank. Baseline density given only as a range. "
                "The patient-reported percentages are for the trustworthiness checks to test against n (update-2: 80% "
                "fits no whole number of 16 patients, 87% fits 14)."),
    study(study_id="EV05", label="Dehghani 2024 (preprint)",
          citation="Dehghani L, Rostamirad S, Asilian A, et al. Efficacy of placental-derived MSC exosome therapy in "
                   "androgenetic alopecia. Research Square preprint, 2024 (not peer reviewed).",
          year=2024, record_type="study", design="prospective single-arm", control_type="none", randomised="no",
          intervention_type="exosome/EV", cell_source="placenta-derived mesenchymal stem cells",
          route="scalp injection every 14 days for 2 months", condition=AGA,
          population="12 people with androgenetic alopecia aged 18-60 (preprint)",
          n_enrolled=12, n_source="preprint abstract; the number analysed at each follow-up is not reported",
          doi="10.21203/rs.3.rs-5252508/v1", publication_status="preprint", coi="not reported", verification="verified",
          verification_evidence="Preprint abstract read. It may be registered as NCT05658094 (same investigator and schedule), "
                                "but the match is an inference, so no registry id is entered here (see RT10).",
          inconsistencies="If NCT05658094 is this trial (an inference), the registry contradicts itself and the preprint: "
                          "amniotic MSCs in its summary but placental MSCs in its title; estimated enrolment 20 against 12 "
                          "treated; ages 25-65 against 18-60; and it excludes people with a hereditary history of hair loss, "
                          "which rules out androgenetic alopecia.",
          source_url=URL["EV05"],
          notes="Phase I/II. Follow-ups are 3 and 6 weeks after the intervention, not weeks from baseline; treatment lasted "
                "'2 months', which is not a whole number of weeks, so treatment_weeks is blank (update-2 places the "
                "follow-ups at about weeks 11-14 from baseline, an inference). Thickness in mm as reported. Means without "
                "SDs. The density rise of about 67 hairs/cm² within weeks, most of it between the two follow-ups, is "
                "biologically implausible (update-2)."),
    study(study_id="EV06", label="MSC-exosome pilot (preprint)",
          citation="Authors not seen. MSC-derived exosomes can effectively improve hair count and terminal hair diameter in "
                   "AGA. Research Square preprint (not peer reviewed).",
          record_type="study", design="prospective single-arm", control_type="none", randomised="no",
          intervention_type="exosome/EV", cell_source="autologous or allogeneic stem cells",
          route="intradermal every 4 weeks for 24 weeks", condition=AGA, population="8 men with androgenetic alopecia",
          n_enrolled=8, n_source="preprint abstract", followup_weeks=24, treatment_weeks=24,
          doi="10.21203/rs.3.rs-6938290/v1", publication_status="preprint", coi="not reported", verification="verified",
          verification_evidence="Preprint abstract read.", source_url=URL["EV06"],
          notes="Assessed at weeks 12 and 24; density and diameter rose against baseline (p < 0.05), without values."),
    study(study_id="EV07", label="Amini 2025",
          citation="Amini F, Teh JJ, Tan CK, Tan ESS, Ng ESC. Pilot randomised controlled trial of an exosome-containing "
                   "Ecklonia cava and Thuja orientalis formulation for male alopecia. Life 2025;15(3):500.",
          year=2025, record_type="study", design="RCT, parallel", control_type="placebo", randomised="yes",
          blinding="double-blind", intervention_type="exosome/EV + plant extract",
          cell_source="not stated in the text seen ('10 billion exosomes' with plant extracts)",
          route="intradermal injection, 4 sessions 2 weeks apart", condition=AGA,
          population="20 men with Norwood 2-3 androgenetic alopecia; 55% aged 18-35 (abstract)",
          n_enrolled=20, n_source="abstract (randomised)", registry_enrolment=24, followup_weeks=16,
          doi="10.3390/life15030500", registry_id="NCT06930326", registration="retrospective", completion_date="2023-06",
          publication_status="peer-reviewed article", funding="COSMEDICIAN AP SDN BHD is the sponsor in the registry",
          coi="industry sponsor", verification="verified", verification_evidence="Abstract and registry record read.",
          inconsistencies="The registry contradicts itself: its summary describes 20 men, its enrolment field 24; the paper "
                          "randomised 20. The registry limits age to 18-35; the abstract says 55% were 18-35.",
          source_url=URL["EV07"],
          notes="Registered after the trial was completed (start 2022-11, completion 2023-06). The publisher's page gives 9 "
                "days from submission to acceptance. The split between arms is not reported (update-2 infers 10/10 from W "
                "and Cliff's delta; not entered)."),
    study(study_id="EV08", label="Koumprentziotis 2025",
          citation="Koumprentziotis IA, Kroumpouzos E, Delavar S, Kroumpouzos G. Microneedling radiofrequency followed by "
                   "topical exosome for pattern hair loss: scoping review and prospective study. Clin Dermatol 2025.",
          year=2025, record_type="study", design="prospective single-arm", control_type="none", randomised="no",
          intervention_type="exosome/EV", cell_source="not reported in the abstract",
          route="topical after radiofrequency microneedling", condition=AGA,
          population="pattern hair loss, 16 men and 4 women", n_enrolled=20, n_source="abstract", followup_weeks=39,
          publication_status="peer-reviewed article", coi="not reported", verification="verified",
          verification_evidence="Abstract read; no DOI or PMID seen.", source_url=URL["EV08"],
          notes="Assessed at 3, 6 and 9 months (9 months entered as 39 weeks; median follow-up 10 months). Significant rises "
                "in density and diameter, no numbers."),
    study(study_id="EV09", label="Ablon 2025",
          citation="Ablon 2025. BENEV Exosome Regenerative Complex+ after radiofrequency microneedling; registry NCT06571799. "
                   "The article itself was not seen.",
          year=2025, record_type="study", design="prospective single-arm", control_type="none", randomised="no",
          blinding="open-label", intervention_type="exosome/EV",
          cell_source="adipose stem cells, lyophilised exosomes (registry)",
          route="topical after radiofrequency microneedling on days 0, 30, 60 and 90 (registry)", condition=UNSPEC,
          population="healthy men and women aged 18-65 with self-perceived thinning hair; telogen effluvium excluded "
                     "(registry); not a diagnosed androgenetic alopecia group",
          registry_enrolment=30, pmid="41037530", registry_id="NCT06571799", publication_status="registry entry",
          funding="Sponsor: Ablon Skin Institute Research Center (registry). A secondary source says the author is affiliated "
                  "with the manufacturer (not checked).",
          coi="manufacturer-affiliated author", verification="verified via secondary source",
          verification_evidence="Only the NCT06571799 registry text was read, on a registry aggregator page. The PMID comes "
                                "from a secondary source; the article was never seen. The n of 30 and P < 0.0001 entered "
                                "before were not on the page cited and have been removed.",
          source_url=URL["EV09"],
          notes="Registry target enrolment 30; outcome at day 120 (day 120 is not a whole number of weeks, so "
                "followup_weeks is blank). No result of this study was seen."),
    study(study_id="EV10", label="IMCAS Asia 2025 abstract",
          citation="IMCAS Asia 2025 conference abstract (session 56113): retrospective multicentre series of topical exosomes "
                   "after microneedling.",
          year=2025, record_type="study", design="retrospective case series", control_type="none", randomised="no",
          intervention_type="exosome/EV", cell_source="not reported",
          route="topical after 0.3-0.5 mm microneedling on days 1, 15, 45, 75 and 105", condition=UNSPEC,
          population="not reported", n_enrolled=300, n_source="conference abstract", publication_status="conference abstract",
          coi="not reported", verification="verified",
          verification_evidence="Conference programme abstract read; no authors or full paper.", source_url=URL["EV10"],
          notes="Results given only at day 45 of a schedule that runs to day 105."),
    study(study_id="EV11", label="Calecim case report 2022",
          citation="COVID-19-induced scalp alopecia treated effectively with stem cell serum. Plast Reconstr Surg Glob Open "
                   "2022;10(6) (authors not seen).",
          year=2022, record_type="study", design="case report", control_type="none", randomised="no",
          intervention_type="stem-cell serum (unclear)",
          cell_source="Calecim 'stem cell serum' (exosome content not stated in the text seen)",
          route="topical, 5 monthly applications, with daily minoxidil and LED", condition="post-COVID-19 hair loss",
          population="one 30-year-old man with scalp hair loss after COVID-19", n_enrolled=1,
          n_source="case report copy on the manufacturer's site", publication_status="peer-reviewed article",
          funding="The only copy read is hosted on the manufacturer's website (Calecim).", coi="seller's own material",
          verification="verified via secondary source",
          verification_evidence="The journal issue is known (Plast Reconstr Surg Glob Open 2022;10(6)), but the report was "
                                "read only as a copy on the manufacturer's website; authors not seen.",
          source_url=URL["EV11"],
          notes="Follow-up described as 5 months (not a whole number of weeks). Co-treatments (minoxidil, LED) make any "
                "effect of the serum unattributable. Matches seed 000's 'Dr Shu Jin Lee's study' in content only."),
    study(study_id="EV12", label="Nilforoushzadeh 2025",
          citation="Nilforoushzadeh MA et al. Case Rep Dermatol Med 2025 (PMC12539994): adipose-derived exosomes with minoxidil "
                   "in refractory alopecia areata, two cases.",
          year=2025, record_type="study", design="case report", control_type="none", randomised="no",
          intervention_type="exosome/EV", cell_source="adipose-derived (exosomes)",
          route="one session of exosomes, together with minoxidil", condition=AA,
          population="2 women with refractory alopecia areata", n_enrolled=2, n_source="case report", followup_weeks=13,
          doi="10.1155/crdm/4908438", publication_status="peer-reviewed article", coi="not reported", verification="verified",
          verification_evidence="Case report seen (PMC12539994).", source_url=URL["EV12"],
          notes="SALT scores at baseline and 3 months (entered as 13 weeks), one row per patient. Minoxidil co-treatment."),
    study(study_id="EV13", label="Bento 2025",
          citation="Bento EB, Matos C, Ribeiro Junior HL. Cosmetics 2025;12(3):97: plant (rose stem-cell) exosomes with "
                   "thulium laser in alopecia areata, one case.",
          year=2025, record_type="study", design="case report", control_type="none", randomised="no",
          intervention_type="exosome/EV", cell_source="rose stem cells (plant-derived exosomes)",
          route="6 monthly sessions, with thulium laser", condition=AA, population="1 man with alopecia areata",
          n_enrolled=1, n_source="case report", followup_weeks=26, publication_status="peer-reviewed article",
          coi="not reported", verification="verified", verification_evidence="Case report seen (update-2, section C).",
          notes="Complete regrowth at 6 months (26 weeks), described without numbers. Laser co-treatment. The address where "
                "it was read is not recorded in the evidence."),
    study(study_id="EV14", label="Conference abstract 2026 (female pattern hair loss)",
          citation="Conference abstract, 2026: a next-generation regenerative protocol for female androgenetic alopecia "
                   "(MSC exosomes with low-dose oral minoxidil and finasteride).",
          year=2026, record_type="study", design="unclear", control_type="unclear", intervention_type="exosome/EV",
          cell_source="mesenchymal stem cells", route="with low-dose oral minoxidil and finasteride", condition=AGA,
          population="women with female pattern hair loss (n not seen)", publication_status="conference abstract",
          coi="not reported", verification="verified", verification_evidence="Conference programme abstract read.",
          source_url=URL["EV14"],
          notes="Density +42% and thickness about +12 µm, timepoint and n not seen. Two co-treatments that grow hair "
                "themselves make any effect of the exosomes unattributable."),
    study(study_id="EV15", label="Curr Issues Mol Biol 2025 (avian MSC EVs)",
          citation="Curr Issues Mol Biol 2025;47(7):539 (authors not seen): avian mesenchymal stem cell extracellular "
                   "vesicles, two trials.",
          year=2025, record_type="study", design="unclear", control_type="unclear", intervention_type="exosome/EV",
          cell_source="avian mesenchymal stem cells", condition=UNSPEC, publication_status="peer-reviewed article",
          coi="not reported", verification="verified via secondary source",
          verification_evidence="Not read: known only from a second-hand mention (update-2, section C).",
          notes="Design, population, n and results not seen."),
    study(study_id="EV16", label="Centella EV preprint 2025",
          citation="medRxiv preprint, 2025 (authors not seen): 56-day randomised trial of a Centella asiatica "
                   "extracellular-vesicle essence.",
          year=2025, record_type="study", design="unclear", control_type="unclear", randomised="yes",
          intervention_type="exosome/EV", cell_source="Centella asiatica (plant)", condition="healthy volunteers",
          population="healthy adults", n_enrolled=60,
          n_source="second-hand mention only (update-2, section C); the preprint was not read", followup_weeks=8,
          publication_status="preprint", coi="not reported", verification="verified via secondary source",
          verification_evidence="Not read: known only from a second-hand mention (update-2, section C).",
          notes="Described second-hand as a 56-day (8-week) randomised trial; its comparator and results were not seen."),
    study(study_id="EV17", label="Calecim pilot (2025 conference talk)",
          citation="Conference talk, 2025, on a pilot of the Calecim hair product in 10 patients, reported by a Korean press "
                   "article (kollo.kr).",
          year=2025, record_type="study", design="unclear", control_type="unclear",
          intervention_type="stem-cell serum (unclear)", cell_source="Calecim product (composition not seen)",
          condition=UNSPEC, n_enrolled=10,
          n_source="press report of the talk (kollo.kr); the page address is not recorded in the evidence",
          publication_status="press report", coi="not reported", verification="verified via secondary source",
          verification_evidence="Not read: known only from a press report of the talk (update-2, section B).",
          notes="Related to seed 002's Calecim product claims. No results seen."),
]

CONDITIONED_MEDIUM_STUDIES = [
    study(study_id="CM01", label="Tak 2020",
          citation="Tak YJ, Lee SY, Cho AR, Kim YS. A randomized, double-blind, vehicle-controlled clinical study of hair "
                   "regeneration using adipose-derived stem cell constituent extract in androgenetic alopecia. Stem Cells "
                   "Transl Med 2020;9(8):839-849.",
          year=2020, record_type="study", design="RCT, parallel", control_type="vehicle", randomised="yes",
          blinding="double-blind", intervention_type="cell extract",
          cell_source="allogeneic adipose-derived stem cells (constituent extract, not exosomes)",
          route="topical, twice daily (abstract); the registry describes 1.2 g per month", condition=AGA,
          population="androgenetic alopecia; 38 randomised (29 men); mean age 45.3 among the 34 who completed",
          n_enrolled=38, n_source="abstract (randomised); 34 completed; 19 per arm per the press report",
          registry_enrolment=38, followup_weeks=16, treatment_weeks=16, doi="10.1002/sctm.19-0410", pmid="32420695",
          registry_id="NCT02594046", publication_status="peer-reviewed article",
          funding="The abstract declares no conflicts; the hospital's press release names a collaboration with T-Stem Co., "
                  "whose patented process made the extract.",
          coi="undeclared conflict found elsewhere", verification="verified",
          verification_evidence="Abstract (DOAJ), registry and press reports read; full-text tables not reachable.",
          inconsistencies="Abstract: hair count +28.1% vs +7.1% and diameter +14.2% vs +6.3%; press release: +26% vs +7.1% "
                          "and +14% vs +5.5%. The registry describes 1.2 g per month; the abstract twice-daily application.",
          source_url=URL["CM01"],
          notes="Not an exosome product. Mild adverse events in 7 participants (press report). Its +28% hair count may be "
                "the source of seed 001's '28%' (an inference)."),
    study(study_id="CM02", label="Legiawati 2023",
          citation="Legiawati L, Suseno LS, Sitohang IBS, et al. Adipose-derived stem cell conditioned media with minoxidil "
                   "in male androgenetic alopecia: a randomized double-blind trial. Stem Cell Res Ther 2023.",
          year=2023, record_type="study", design="RCT, split-scalp", control_type="saline half-scalp", randomised="yes",
          blinding="double-blind", intervention_type="conditioned medium/secretome",
          cell_source="adipose-derived stem cells", route="2 mL intradermal, with 5% minoxidil twice daily on both sides",
          condition=AGA, population="men with androgenetic alopecia", n_enrolled=37, n_source="registry (enrolment)",
          registry_enrolment=37, followup_weeks=6, doi="10.1186/s13287-023-03440-2", registry_id="NCT05296863",
          registration="retrospective", completion_date="2021-12", publication_status="peer-reviewed article",
          funding="Collaborators BRIN Indonesia and PT Kimia Farma (registry).", coi="industry sponsor",
          verification="verified", verification_evidence="Abstract and registry record read.",
          inconsistencies="The registry calls it phase 3 with a parallel model; the paper describes a split-scalp design.",
          source_url=URL["CM02"],
          notes="Registry dates: start 2021-10-11, completion 2021-12-03. Concentrated vs non-concentrated medium groups, "
                "each against a saline half-scalp. Count, density and thickness rose on both sides; no significant "
                "difference between groups. Number analysed not seen. Same group and product as CM03."),
    study(study_id="CM03", label="Legiawati (Arch Dermatol Res)",
          citation="Legiawati L et al. Hair regeneration in androgenetic alopecia using the secretome of adipose-derived stem "
                   "cells and minoxidil: three groups. Arch Dermatol Res, article 486 (year not seen).",
          record_type="study", design="unclear", control_type="active comparator", randomised="unclear",
          blinding="single-blind", intervention_type="conditioned medium/secretome", cell_source="adipose-derived stem cells",
          route="given at weeks 0, 4 and 8 (route not stated)", condition=AGA, population="androgenetic alopecia",
          n_enrolled=60, n_source="repository abstract (20 per group)", followup_weeks=12, registry_id="NCT06066827",
          registration="retrospective", publication_status="peer-reviewed article",
          funding="Not reported. Same group and product as Legiawati 2023, whose registry lists PT Kimia Farma as collaborator.",
          coi="not reported", verification="verified",
          verification_evidence="University repository abstract and registry read; DOI not seen.", source_url=URL["CM03"],
          notes="Secretome vs minoxidil vs both; all improved (p < 0.05), the combination most. Allocation method not "
                "stated. The abstract says the trial was registered retrospectively."),
    study(study_id="CM04", label="Fukuoka 2015",
          citation="Fukuoka H, Suga H. Hair regeneration treatment using adipose-derived stem cell conditioned medium: "
                   "follow-up with trichograms. Eplasty 2015.",
          year=2015, record_type="study", design="case series", control_type="placebo", randomised="unclear",
          intervention_type="conditioned medium/secretome", cell_source="adipose-derived stem cells",
          route="intradermal, 6 sessions 3-5 weeks apart", condition=UNSPEC,
          population="22 patients with alopecia (11 men, 11 women); half-side placebo comparison in 10 (8 men, 2 women)",
          n_enrolled=22, n_source="abstract (forum copy)", publication_status="peer-reviewed article",
          funding="Not reported. The authors work at a private clinic (Cherry-Blossom Plastic and Regenerative Surgery, "
                  "Tokyo) that offers the treatment.",
          coi="author sells the treatment", verification="verified",
          verification_evidence="An Eplasty page for the article was found (update-2); the abstract was read as a copy on "
                                "a forum.",
          source_url=URL["CM04"],
          notes="The half-side placebo subset (10) is a within-patient comparison; how the sides were allocated is not "
                "reported. Treated side gained more hairs than the placebo side (significant); no numbers."),
    study(study_id="CM05", label="Oh 2020",
          citation="Oh HA, Kwak J, Kim BJ, et al. Cells 2020;9(6):1344: primed umbilical-cord-blood MSC conditioned medium, "
                   "double-blind placebo-controlled trial.",
          year=2020, record_type="study", design="unclear", control_type="placebo", randomised="unclear",
          blinding="double-blind", intervention_type="conditioned medium/secretome",
          cell_source="primed umbilical-cord-blood mesenchymal stem cells (5% conditioned medium)",
          route="topical, twice daily for 16 weeks", condition=UNSPEC,
          population="16 treated, 14 on placebo (the condition is not stated in what was read)",
          n_source="group sizes only (see the outcomes sheet)", followup_weeks=16, treatment_weeks=16,
          doi="10.3390/cells9061344", publication_status="peer-reviewed article",
          funding="MEDIPOST (industry), Chung-Ang University and Amore Pacific are named; their roles were not recorded.",
          coi="manufacturer-affiliated author", verification="verified",
          verification_evidence="Abstract seen (publisher redirect page); also listed in a review table (PMC8343397).",
          source_url=URL["CM05"],
          notes="Randomisation is not stated in what was read. The placebo group showed no improvement (no number seen). "
                "Probably the same trial as the Korean J Dermatol 2019 report (CM07: same university and corresponding "
                "author, 16 weeks, double-blind placebo; an inference); if so, the two reports disagree on the density "
                "change. The paper's second study is CM06."),
    study(study_id="CM06", label="Oh 2020 (second study)",
          citation="Oh HA, Kwak J, Kim BJ, et al. Cells 2020;9(6):1344: the paper's second study, 24 weeks.",
          year=2020, record_type="study", design="unclear", control_type="unclear", intervention_type="unclear",
          condition=UNSPEC, n_enrolled=52, n_source="abstract (52 patients, 43 completed)", followup_weeks=24,
          doi="10.3390/cells9061344", publication_status="peer-reviewed article",
          funding="As Oh 2020 (CM05).", coi="manufacturer-affiliated author", verification="verified",
          verification_evidence="Mentioned in the abstract of Oh 2020; design and results not seen.", source_url=URL["CM05"],
          notes="NCT03676400 (Medipost NGF-574H, 84 enrolled, completed) may be this study (an inference; see RT11)."),
    study(study_id="CM07", label="Korean J Dermatol 2019",
          citation="Chung-Ang University group (corresponding author Kim BJ). Korean J Dermatol 2019;57(5):251-257: hair tonic "
                   "with umbilical-cord-blood MSC conditioned medium, double-blind placebo-controlled, 16 weeks.",
          year=2019, record_type="study", design="unclear", control_type="placebo", randomised="unclear",
          blinding="double-blind", intervention_type="conditioned medium/secretome",
          cell_source="umbilical-cord-blood mesenchymal stem cells", route="topical hair tonic", condition=UNSPEC,
          population="30 participants (the condition is not stated in what was read)", n_enrolled=30,
          n_source="KoreaMed abstract", followup_weeks=16, publication_status="peer-reviewed article", coi="not reported",
          verification="verified", verification_evidence="KoreaMed abstract read.", source_url=URL["CM07"],
          notes="Randomisation is not stated in what was read. Probably the same trial as Oh 2020 (CM05; an inference); if "
                "so, the two reports disagree on the density change (update-2)."),
    study(study_id="CM08", label="Narita 2020",
          citation="Narita 2020 (journal not seen): adipose-derived stem cell conditioned medium injected monthly, prospective "
                   "observational study.",
          year=2020, record_type="study", design="prospective single-arm", control_type="none", randomised="no",
          intervention_type="conditioned medium/secretome", cell_source="adipose-derived stem cells",
          route="injection, monthly", condition=UNSPEC, population="40 people (21 men, 19 women)", n_enrolled=40,
          n_source="review table (PMC8343397, Table 8)", publication_status="peer-reviewed article", coi="not reported",
          verification="verified via secondary source",
          verification_evidence="Seen only in a table of a review (PMC8343397); the journal was not seen.",
          source_url=URL["CM05-table"],
          notes="Described as prospective observational; 180 days of follow-up (not a whole number of weeks). No results "
                "recorded."),
    study(study_id="CM09", label="Marlina 2026",
          citation="Marlina, Novita N, Andayani R. Int J Appl Pharm 2026;18(1): adipose MSC secretome hair tonic.",
          year=2026, record_type="study", design="unclear", control_type="unclear", intervention_type="conditioned medium/secretome",
          cell_source="adipose-derived mesenchymal stem cells", route="topical tonic (5%, 7% or 10% secretome)",
          condition=UNSPEC, population="20 volunteers in 5 groups (three secretome strengths, two controls)",
          n_enrolled=20, n_source="abstract", followup_weeks=8, doi="10.22159/ijap.2026v18i1.52744",
          publication_status="peer-reviewed article", coi="not reported", verification="verified",
          verification_evidence="Abstract seen (update-2, section C); the address where it was read is not recorded.",
          notes="The 10% tonic did best; no numbers seen. What the two control groups received and how groups were formed "
                "were not seen."),
]
