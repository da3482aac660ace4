"""The studies sheet, continued: reviews and registered trials without results."""

from .rows import study
from .studies import UNSPEC, URL

REVIEWS = [
    study(study_id="MA01", label="Chien 2024 (meta-analysis)",
          citation="Chien WY, Huang HM, Kang YN, Chen KH, Chen C. J Plast Reconstr Aesthet Surg 2024;88:182-192 (meta-analysis "
                   "of stem-cell conditioned medium; PROSPERO CRD42023410249).",
          year=2024, record_type="review", design="meta-analysis", control_type="unclear",
          intervention_type="conditioned medium/secretome", condition=UNSPEC, n_enrolled=221,
          n_source="abstract (8 pooled trials)", doi="10.1016/j.bjps.2023.10.060", pmid="37983981",
          publication_status="peer-reviewed article", coi="not reported", verification="verified",
          verification_evidence="Abstract read.", source_url=URL["MA01"],
          notes="The only meta-analysis found, and of conditioned medium, not exosomes: 10 trials, 8 pooled, 3 of them RCTs. "
                "The abstract does not say whether its mean differences compare arms or are changes from baseline, and 5 "
                "of the 8 pooled trials are not RCTs. Two printed p-values do not fit their CIs (thickness; RCT-only "
                "density), as the trustworthiness checks can recompute. Never pooled with the studies."),
    study(study_id="RV01", label="Gupta 2023 (systematic review)",
          citation="Gupta AK, Wang T, Rapaport JA. J Cosmet Dermatol 2023 (systematic review of exosomes for hair loss; the "
                   "title is not recorded in the evidence).",
          year=2023, record_type="review", design="unclear", control_type="unclear", intervention_type="exosome/EV",
          condition=UNSPEC, doi="10.1111/jocd.15869", pmid="37381168", publication_status="peer-reviewed article",
          funding="Affiliations Mediprobe Research Inc. and Rapaport Hair Institute; no conflict statement seen.",
          coi="not reported", verification="verified",
          verification_evidence="Abstract read on a secondary site; the PMID was seen only there.",
          source_url=URL["EV01-review"],
          notes="PRISMA search to January 2023: 16 studies, 15 preclinical and 1 clinical (39 patients, Park 2022). No "
                "pooling. Design column: a systematic review without pooling (the design list has no such value)."),
    study(study_id="RV02", label="Kost 2022 (review)",
          citation="Kost Y, Muskat A, Mhaimeed N, Nazarian RS, Kobets K. Literature review, 2022 (title, journal and DOI not "
                   "confirmed).",
          year=2022, record_type="review", design="unclear", control_type="unclear", intervention_type="exosome/EV",
          condition=UNSPEC, publication_status="peer-reviewed article", coi="not reported",
          verification="verified via secondary source",
          verification_evidence="Read in the audit's search; the journal and DOI could not be confirmed.",
          notes="Search to February 2022: 47 studies; no hair-loss trials in trial registries; efficacy and safety data "
                "judged lacking. No pooling."),
    study(study_id="RV03", label="Queen & Avram 2025 (review)",
          citation="Queen D, Avram MR. Dermatol Surg 2025;51(4):409-415 (review of human uses of exosomes in dermatology).",
          year=2025, record_type="review", design="unclear", control_type="unclear", intervention_type="exosome/EV",
          condition=UNSPEC, doi="10.1097/DSS.0000000000004480", pmid="39447204",
          publication_status="peer-reviewed article", coi="not reported", verification="verified",
          verification_evidence="Abstract read (the address is not recorded in the evidence).",
          notes="48 studies of human use; 9 alopecia studies with 125 patients. Side effects were rare, but at least 10 "
                "serious adverse events were reported across dermatological uses. No pooling."),
    study(study_id="RV04", label="Al Ameer 2025 (systematic review)",
          citation="Al Ameer MA et al. Clin Cosmet Investig Dermatol 2025 (systematic review of exosome studies in hair loss).",
          year=2025, record_type="review", design="unclear", control_type="unclear", intervention_type="exosome/EV",
          condition=UNSPEC, doi="10.2147/CCID.S543451", publication_status="peer-reviewed article", coi="not reported",
          verification="verified", verification_evidence="Abstract read (the address is not recorded in the evidence).",
          notes="Search to 10 May 2025: 11 studies (2 RCTs, 3 retrospective, 3 prospective single-arm, 1 case series, 2 case "
                "reports), risk of bias by OCEBM, RoB 2 and ROBINS-I. Density changes ranged from 9.5 to 35 hairs/cm² and "
                "thickness gains up to 13.01 µm. No pooled estimate seen."),
    study(study_id="RV05", label="Bulgaru-Iliescu 2026 (review)",
          citation="Bulgaru-Iliescu AI et al. Int J Mol Sci 2026;27(1):21 (review on alopecia areata).",
          year=2026, record_type="review", design="unclear", control_type="unclear", intervention_type="exosome/EV",
          condition="alopecia areata", doi="10.3390/ijms27010021", publication_status="peer-reviewed article",
          coi="not reported", verification="verified", verification_evidence="Record seen (update-2, section C).",
          notes="Search to 2 October 2025. Does not pool exosome studies."),
    study(study_id="RV06", label="Med Sci 2026 (narrative review)",
          citation="Narrative review (authors not recorded). Med Sci 2026;14(1):5.",
          year=2026, record_type="review", design="unclear", control_type="unclear", intervention_type="exosome/EV",
          condition=UNSPEC, publication_status="peer-reviewed article", coi="not reported", verification="verified",
          verification_evidence="Record seen (update-2, section C).", notes="Narrative review; does not pool exosome studies."),
    study(study_id="RV07", label="Behrangi 2026 (review)",
          citation="Behrangi 2026 (PMC13191867), a review of extracellular-vesicle therapy for hair loss.",
          year=2026, record_type="review", design="unclear", control_type="unclear", intervention_type="exosome/EV",
          condition=UNSPEC, publication_status="peer-reviewed article", coi="not reported",
          verification="verified via secondary source",
          verification_evidence="Seen only through a secondary aggregator page; not verified.",
          notes="The aggregator quotes it as counting 3 studies with 89 patients and hair-count increases of 28%; which "
                "studies these are is not known. The 28% echoes seed 001's claim."),
    study(study_id="RV08", label="Poddar 2025 (review)",
          citation="Poddar 2025 (PMC12305264), a review of exosomes.", year=2025, record_type="review", design="unclear",
          control_type="unclear", intervention_type="exosome/EV", condition=UNSPEC,
          publication_status="peer-reviewed article", coi="not reported", verification="verified via secondary source",
          verification_evidence="Seen only through a secondary aggregator page; not verified.",
          notes="Counts 3 clinical studies among 27."),
]


def _registered(study_id, registry_id, what, **kw):
    return study(study_id=study_id, label=f"{registry_id} (registered)", citation=f"Registered trial {registry_id}: {what}.",
                 record_type="registered trial", registry_id=registry_id, publication_status="registry entry",
                 coi=kw.pop("coi", "not reported"), verification="verified",
                 verification_evidence=kw.pop("verification_evidence", "Registry entry seen; no results seen."),
                 condition=kw.pop("condition", UNSPEC), **kw)


UNKNOWN = dict(design="unclear", control_type="unclear", intervention_type="unclear",
               notes="Listed in the audit among registered trials of exosome-type treatments for hair loss; no details "
                     "recorded.")

REGISTERED_TRIALS = [
    _registered("RT01", "NCT06697080", "umbilical-cord MSC exosomes, monthly vs twice-monthly", design="unclear",
                control_type="active comparator", intervention_type="exosome/EV",
                cell_source="umbilical-cord mesenchymal stem cells", registry_enrolment=50),
    _registered("RT02", "NCT06932393", "exosome dose escalation vs saline", design="unclear", control_type="placebo",
                intervention_type="exosome/EV", registry_enrolment=18),
    _registered("RT03", "IRCT 73171", "Wharton's-jelly secretome vs saline in women", design="unclear",
                control_type="placebo", intervention_type="conditioned medium/secretome",
                cell_source="Wharton's jelly (umbilical cord) mesenchymal stem cells", population="women"),
    _registered("RT04", "IRCT20200127046282N24", "Wharton's-jelly conditioned medium with platelet-rich plasma",
                design="unclear", control_type="unclear", intervention_type="conditioned medium/secretome",
                cell_source="Wharton's jelly (umbilical cord) mesenchymal stem cells"),
    _registered("RT05", "NCT06239207", "exosomes vs platelet-rich plasma", design="unclear",
                control_type="active comparator", intervention_type="exosome/EV"),
    _registered("RT06", "NCT07248410", "split-scalp laser with or without umbilical-cord MSC exosomes vs placebo",
                design="unclear", control_type="placebo", intervention_type="exosome/EV",
                cell_source="umbilical-cord mesenchymal stem cells"),
    _registered("RT07", "NCT07373054", "details not recorded", **UNKNOWN),
    _registered("RT08", "NCT06999408", "details not recorded", **UNKNOWN),
    _registered("RT09", "IRCT 76960", "details not recorded", **UNKNOWN),
    _registered("RT10", "NCT05658094", "placental (title) or amniotic (summary) MSC exosomes, injected every 14 days for "
                "2 months", design="unclear", control_type="unclear", intervention_type="exosome/EV",
                cell_source="placental (title) or amniotic (summary) mesenchymal stem cells",
                population="ages 25-65; people with a hereditary history of hair loss excluded", registry_enrolment=20,
                notes="Estimated enrolment 20. May be the registration of Dehghani 2024 (EV05: same investigator and "
                      "schedule; an inference); if so it contradicts the preprint (see EV05's inconsistencies)."),
    _registered("RT11", "NCT03676400", "Medipost NGF-574H", design="unclear", control_type="unclear",
                intervention_type="unclear", registry_enrolment=84, registry_status="completed",
                verification_evidence="Registry entry seen (84 enrolled, completed); results not seen.",
                notes="May be the 52-patient second study of Oh 2020 (CM06; an inference)."),
]
