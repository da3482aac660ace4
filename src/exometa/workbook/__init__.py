"""The reviewer's workbook: its format, safe reading and checking, writing, and import from RevMan.

Modules, in the order data flows through them:

- ``schema``: sheets, columns, types, allowed values, risk-of-bias tools, review-sheet keys;
- ``safety``: what is refused before parsing (file type, zip bombs, damaged archives, entities);
- ``xlsx`` and ``xlsx_stream``: cells streamed from the archive, with limits on what is really there;
- ``cells``: one cell's value as its column's type, or why not;
- ``vocabulary`` and ``review_sheet``: the lists sheet (the review's own categories) and the review sheet;
- ``fields``, ``checks``, ``outcome_checks``, ``rob_checks``: every problem, by sheet, cell, study and fix;
- ``problems``: the Problem record and its collector;
- ``reader``: ``read_workbook`` -> ``Workbook``;
- ``writer``: ``new_workbook``, ``build``, ``save_atomic`` (atomic writes, backups);
- ``revman``: ``import_revman`` (RevMan 5 ``.rm5`` -> a workbook).
"""
