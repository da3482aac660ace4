"""The risk_of_bias sheet: RoB 2 for trials reported as randomised, ROBINS-I for every other study.

Judgements rest on what was read, mostly abstracts, registry entries and press reports; where
those say nothing the judgement is "no information" and the support says so. The overall
judgement is not typed: exometa computes it with each tool's algorithm.

RoB 2 domains: D1 randomisation process, D2 deviations from intended interventions, D3 missing
outcome data, D4 measurement of the outcome, D5 selection of the reported result.
ROBINS-I domains: D1 confounding, D2 selection of participants, D3 classification of
interventions, D4 deviations from intended interventions, D5 missing data, D6 measurement of
outcomes, D7 selection of the reported result.
"""

from .rows import rob_row
from .studies import URL

ROB2 = ("D1", "D2", "D3", "D4", "D5")
ROBINS = ("D1", "D2", "D3", "D4", "D5", "D6", "D7")

ROBINS_DEFAULT = {
    "D1": ("serious", "One group and no comparison: change over time cannot be told apart from the natural course, "
                      "regression to the mean or other care."),
    "D2": ("no information", "How participants were chosen is not described."),
    "D3": ("low", "Everyone received the same treatment, described in advance."),
    "D4": ("no information", "Adherence and other care during follow-up are not described."),
    "D5": ("no information", "How many were analysed, and how missing data were handled, is not reported."),
    "D6": ("moderate", "Assessors knew that every participant was treated; blinding of image reading to timepoint is not "
                       "described."),
    "D7": ("no information", "No protocol or analysis plan was seen."),
}

CO_TREATED = "Every participant also received {}, which itself treats hair loss, and there is no comparison group: the "\
             "part played by the exosome product cannot be separated."


def _critical(what):
    return ("critical", CO_TREATED.format(what))


NOT_READ = ("no information", "Not described in what was read.")

# study -> (tool, where it was read, location, {domain: (judgement, support)}); unlisted ROBINS-I domains take ROBINS_DEFAULT
JUDGEMENTS = {
    "CM01": ("RoB 2", URL["CM01"], "abstract, registry and press reports", {
        "D1": ("no information", "Randomised, 19 per arm (press report); how the sequence was generated and concealed is not "
                                 "described."),
        "D2": ("no information", "Double-blind with a vehicle; deviations from the intended use and whether everyone "
                                 "randomised was analysed are not described."),
        "D3": ("some concerns", "34 of 38 (89%) completed, 4 dropped out (press report); which arms they left and how missing "
                                "data were handled are not reported."),
        "D4": ("low", "Hair count and diameter by phototrichogram in a double-blind trial; assessors were presumably unaware "
                      "of the arm."),
        "D5": ("some concerns", "The registry entry (NCT02594046) describes the dosing differently (1.2 g per month vs "
                                "twice daily), and the hospital's press release gives other percentages than the abstract; "
                                "no analysis plan was seen."),
    }),
    "EV07": ("RoB 2", URL["EV07"], "abstract and registry", {
        "D1": ("no information", "Randomised to two groups; the method, concealment and the split between arms are not "
                                 "reported."),
        "D2": ("no information", "Double-blind with a saline placebo; deviations and the analysis set are not described."),
        "D3": ("some concerns", "The registry lists 24 participants, the paper 20 randomised; what became of the other four is "
                                "not explained."),
        "D4": ("low", "Hair counts in a double-blind trial with a saline placebo; assessors were presumably unaware of the "
                      "arm."),
        "D5": ("some concerns", "Registered after the trial was completed, so outcomes and analyses were not fixed in "
                                "advance."),
    }),
    "CM02": ("RoB 2", URL["CM02"], "abstract and registry", {
        "D1": ("no information", "Described as randomised; the method and concealment are not in the abstract."),
        "D2": ("some concerns", "Split-scalp: both halves of each scalp received minoxidil and one half the conditioned "
                                "medium, so spill-over between halves cannot be excluded; the abstract says nothing about it."),
        "D3": ("no information", "The number analysed is not reported (37 enrolled per the registry)."),
        "D4": ("low", "TrichoScan measurements in a double-blind trial."),
        "D5": ("some concerns", "Registered retrospectively; the registry calls it a phase 3 parallel trial, unlike the "
                                "split-scalp design reported."),
    }),
    "EV01": ("ROBINS-I", URL["EV01"], "press report of the first author's clinic", {
        "D2": ("no information", "Retrospective: how the 39 were chosen from the clinic's treated patients is not described."),
        "D3": ("low", "Weekly treatment for 12 weeks (press report)."),
        "D7": ("serious", "The numbers are known only from a press release of the first author's clinic; the article's own "
                          "results were not seen."),
    }),
    "EV02": ("ROBINS-I", URL["EV02"], "abstract", {
        "D2": ("no information", "Selection not described; a news summary calls the clinical part retrospective."),
        "D3": ("no information", "The route and schedule are not reported in the abstract."),
        "D7": ("no information", "No numbers in the abstract; no protocol seen."),
    }),
    "EV03": ("ROBINS-I", URL["EV03"], "abstract and registry", {
        "D3": ("low", "Scalp injections of one exosome preparation, made in the authors' laboratory."),
        "D7": ("no information", "Registered (NCT06539273); whether before enrolment, and the analysis plan, were not seen."),
    }),
    "EV04": ("ROBINS-I", URL["EV04"], "abstract", {
        "D1": _critical("microneedling"),
        "D3": ("low", "One commercial product applied after microneedling."),
        "D5": ("no information", "16 enrolled; the number analysed at 12 months is not stated."),
    }),
    "EV05": ("ROBINS-I", URL["EV05"], "preprint abstract", {
        "D3": ("low", "Injections every 14 days for 2 months."),
        "D5": ("no information", "The number analysed at each follow-up is not reported (12 treated)."),
        "D7": ("moderate", "Results at 3 and 6 weeks after treatment only; a registry entry that may be this trial "
                           "(NCT05658094, an inference) describes a different product, enrolment and population."),
    }),
    "EV06": ("ROBINS-I", URL["EV06"], "preprint abstract", {
        "D3": ("moderate", "Participants received autologous or allogeneic exosomes; the abstract does not separate them."),
    }),
    "EV08": ("ROBINS-I", URL["EV08"], "abstract", {
        "D1": _critical("radiofrequency microneedling"),
        "D3": ("low", "Topical exosomes after radiofrequency microneedling, one protocol."),
    }),
    "EV09": ("ROBINS-I", URL["EV09"], "registry entry (aggregator page)", {
        "D1": _critical("radiofrequency microneedling"),
        "D3": ("low", "Four sessions on days 0, 30, 60 and 90 (registry)."),
        "D6": NOT_READ,
        "D7": ("no information", "No results of the study were seen."),
    }),
    "EV10": ("ROBINS-I", URL["EV10"], "conference abstract", {
        "D1": _critical("microneedling"),
        "D2": ("no information", "Retrospective and multicentre; how the 300 were chosen is not described."),
        "D3": ("no information", "Retrospective; the product is not named."),
        "D7": ("serious", "Only day-45 results are given for a schedule that runs to day 105."),
    }),
    "EV11": ("ROBINS-I", URL["EV11"], "case report (manufacturer's copy)", {
        "D1": _critical("daily minoxidil and LED"),
        "D2": ("serious", "A single patient chosen for a case report."),
        "D3": ("low", "Five monthly applications of one product."),
        "D5": ("low", "The one patient is reported."),
        "D6": ("serious", "Regrowth is described in words, without a measurement."),
    }),
    "EV12": ("ROBINS-I", URL["EV12"], "case report", {
        "D1": _critical("minoxidil"),
        "D2": ("serious", "Two patients with refractory disease chosen for a case report."),
        "D3": ("low", "One session of adipose-derived exosomes."),
        "D5": ("low", "Both treated patients are reported."),
    }),
    "EV13": ("ROBINS-I", None, "case report (address not recorded)", {
        "D1": _critical("thulium laser"),
        "D2": ("serious", "A single patient chosen for a case report."),
        "D3": ("low", "Six monthly sessions."),
        "D5": ("low", "The one patient is reported."),
        "D6": ("serious", "Complete regrowth is described in words, without a measurement."),
    }),
    "EV14": ("ROBINS-I", URL["EV14"], "conference abstract", {
        "D1": _critical("low-dose oral minoxidil and finasteride"),
        "D3": NOT_READ,
        "D6": NOT_READ,
    }),
    "CM03": ("ROBINS-I", URL["CM03"], "repository abstract", {
        "D1": ("no information", "Three groups; how participants were allocated is not reported, nor whether the groups "
                                 "were alike at baseline."),
        "D3": ("low", "Secretome, minoxidil or both, given at weeks 0, 4 and 8."),
        "D6": ("moderate", "Single-blind, without saying who was blinded."),
        "D7": ("moderate", "Registered retrospectively (the abstract says so)."),
    }),
    "CM04": ("ROBINS-I", URL["CM04"], "abstract (forum copy)", {
        "D1": ("no information", "The half-side placebo comparison is within patients; how the sides were allocated is not "
                                 "reported."),
        "D3": ("low", "Six intradermal sessions 3-5 weeks apart."),
        "D6": ("no information", "Blinding of the trichogram reading is not described."),
    }),
    "CM05": ("ROBINS-I", URL["CM05"], "abstract", {
        "D1": ("no information", "Placebo-controlled, but randomisation is not stated in what was read; baseline comparability "
                                 "not described."),
        "D3": ("low", "Topical conditioned medium or placebo twice daily for 16 weeks."),
        "D6": ("low", "Double-blind."),
        "D7": ("moderate", "If the Korean J Dermatol 2019 report is the same trial (an inference), the two give different "
                           "density changes."),
    }),
    "CM06": ("ROBINS-I", URL["CM05"], "abstract (second study)", {
        "D1": NOT_READ, "D3": NOT_READ,
        "D5": ("moderate", "43 of 52 completed; how the missing were handled is not described."),
        "D6": NOT_READ,
    }),
    "CM07": ("ROBINS-I", URL["CM07"], "KoreaMed abstract", {
        "D1": ("no information", "Placebo-controlled, but randomisation is not stated in what was read; baseline comparability "
                                 "not described."),
        "D3": ("low", "A hair tonic with conditioned medium or placebo for 16 weeks."),
        "D6": ("low", "Double-blind."),
        "D7": ("moderate", "Only the treated group's values were seen; if Oh 2020 is the same trial (an inference), the two "
                           "reports give different density changes."),
    }),
    "CM08": ("ROBINS-I", URL["CM05-table"], "review table", {
        "D3": ("low", "Monthly injections of conditioned medium."),
        "D6": NOT_READ,
    }),
    "CM09": ("ROBINS-I", None, "abstract (address not recorded)", {
        "D1": ("no information", "Five groups; how they were formed and what the two control groups received were not seen."),
        "D3": ("low", "Tonics of 5%, 7% or 10% secretome, or a control."),
        "D6": NOT_READ,
    }),
}


def risk_of_bias_rows() -> list[dict]:
    rows = []
    for study_id, (tool, url, location, given) in JUDGEMENTS.items():
        domains = ROB2 if tool == "RoB 2" else ROBINS
        unknown = set(given) - set(domains)
        if unknown:
            raise KeyError(f"{study_id}: {tool} has no domain {sorted(unknown)}")
        for d in domains:
            if tool == "RoB 2":
                judgement, support = given[d]
            else:
                judgement, support = given.get(d, ROBINS_DEFAULT[d])
            rows.append(rob_row(study_id=study_id, tool=tool, domain=d, judgement=judgement, support=support,
                                source_url=url, location=location))
    return rows
