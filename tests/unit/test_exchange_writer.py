"""The exchange workbook's writer is a pure function of plain rows: no database, no app."""

import io
from datetime import date, datetime

from openpyxl import load_workbook

from qa_app.exchange.writer import ExchangeData, Sheet, write_workbook

REPORT = {
    "audits": 2, "percent_inadequate": 50.0, "percent_good_or_better": 50.0, "auditor_percent_inadequate": 0.0,
    "auditor_percent_good_or_better": 100.0, "final_grades": {"Good": 1, "Inadequate": 1},
    "auditor_grades": {"Good": 2}, "themes": {"risk_assessment": {"percent_good_or_better": 50.0,
                                                                  "percent_inadequate": 50.0}},
    "trend": [{"round": "Spring", "percent_inadequate": 50.0, "percent_good_or_better": 50.0}],
}


def test_rows_become_sheets_with_inert_text_and_real_dates():
    seen = []
    rows = ([n, f"=SUM({n})", date(2026, 3, n), datetime(2026, 3, n, 9, 30), None] for n in range(1, 3))
    data = ExchangeData(report=REPORT, sheets=[Sheet("Audits", ["ID", "Text", "Day", "At", "Empty"], rows,
                                                     {"Text": 44})],
                        about=[["Format version", "1.0"]])
    out = io.BytesIO()
    write_workbook(out, data, progress=lambda sheet, n: seen.append((sheet, n)))
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    assert workbook.sheetnames == ["Summary", "Audits", "About"]
    audits = workbook["Audits"]
    assert [c.value for c in audits[1]] == ["ID", "Text", "Day", "At", "Empty"]
    first = [c for c in audits[2]]
    # As typed, a text cell, with the quote prefix that keeps it text when edited (no apostrophe shown).
    assert first[0].value == 1 and first[1].value == "=SUM(1)" and first[1].data_type == "s"
    assert first[1].quotePrefix and not first[0].quotePrefix and not audits["A1"].quotePrefix
    assert first[2].value == datetime(2026, 3, 1) and first[2].number_format == "dd/mm/yyyy"
    assert first[3].value == datetime(2026, 3, 1, 9, 30) and first[3].number_format == "dd/mm/yyyy hh:mm"
    assert audits.column_dimensions["B"].width == 44 and audits.freeze_panes == "A2"
    assert audits.auto_filter.ref == "A1:E3"
    assert ("Audits", 2) in seen and ("About", 1) in seen
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Audits completed"] == 2 and summary["% Inadequate (final grade)"] == 50.0
    assert len(workbook["Summary"]._charts) == 2


def test_summary_shows_targets_and_compliance_answers_with_small_numbers_marked():
    report = REPORT | {
        "targets": [{"name": "Inadequate at most 10%", "value": 10.0, "actual": 50.0, "status": "red",
                     "audits": 2, "small_number": True}],
        "compliance": {"child_seen_alone": {
            "question": "=Seen alone?", "type": "yes_partly_no", "answers": 2,
            "options": {"Yes": 1, "Partly": 0, "No": 1, "Not applicable": 0},
            "percent": {"Yes": 50.0, "Partly": 0.0, "No": 50.0, "Not applicable": 0.0}, "median": None}},
    }
    out = io.BytesIO()
    write_workbook(out, ExchangeData(report=report, sheets=[], about=[]))
    summary = load_workbook(io.BytesIO(out.getvalue()))["Summary"]
    rows = [row for row in summary.iter_rows(values_only=True)]
    assert ("Inadequate at most 10%", 10.0, 50.0, "Red", 2, "Fewer than 5 audits") in [r[:6] for r in rows]
    start = [r[0] for r in rows].index("Compliance question")
    assert rows[start + 1][:5] == ("=Seen alone? (fewer than 5 audits)", "Yes", 1, 50.0, 2)
    question = summary.cell(row=start + 2, column=1)
    assert question.data_type == "s" and question.quotePrefix   # inert text, shown as typed
    assert rows[start + 3][1:4] == ("No", 1, 50.0)
