"""One-off script that rebuilds the shipped ``studies.xlsx`` (second edition, issue 12).

This is not part of exometa. It holds the evidence on exosome therapy for hair loss as
Python rows, so that every edit of the workbook is reviewable and reproducible:

    .venv/bin/python -m tools.studies_xlsx            # writes studies.xlsx
    .venv/bin/python -m tools.studies_xlsx --check    # checks only, writes nothing

Every number in these rows was read in ``../shared/evidence`` (or, for seed claims, in
``../shared/seeds``); ``tests/workbook/test_shipped_provenance.py`` traces each one back.
Rules kept here: numbers as the source gives them (never converted, computed or filled in);
blank = not reported; months are turned into weeks only where the result is a whole number
of weeks (3 months = 13 weeks, 12 months = 52 weeks; 1 year = 52 weeks), otherwise the
source's words are kept in the text columns and the weeks left blank.

Once exometa's own writer writes every sheet of the format, this script can be retired and
the workbook edited by hand.
"""
