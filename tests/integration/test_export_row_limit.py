"""Excel's row limit: a table longer than a sheet may hold continues on "Answers (2)", "Answers (3)"
…, the About sheet says so, and `results import` reads it all back (with a small sheet limit, set
by EXPORT_SHEET_ROWS, standing in for Excel's 1,048,576)."""

import io
import json

from openpyxl import load_workbook

from qa_app import create_app
from qa_app.exchange.importing import ResultsRejected, import_results
from qa_app.extensions import db
from qa_app.reports.builder import find_round, round_report
from tests.conftest import TEMPLATES_DIR
from tests.integration.test_export_workbook import PAYLOADS, data, export  # noqa: F401


def test_long_tables_continue_on_numbered_sheets_and_import_back(app, data, second_database_url):  # noqa: F811
    first, second, _ = data
    before = {r.name: round_report(r) for r in (first, second)}
    app.config["EXPORT_SHEET_ROWS"] = 4          # the header and three rows a sheet
    workbook_bytes = export()
    workbook = load_workbook(io.BytesIO(workbook_bytes))
    names = workbook.sheetnames
    audits = [n for n in names if n == "Audits" or n.startswith("Audits (")]
    answers = [n for n in names if n == "Answers" or n.startswith("Answers (")]
    assert audits == ["Audits", "Audits (2)", "Audits (3)", "Audits (4)"]      # 10 audits, 3 a sheet
    assert answers == ["Answers"] + [f"Answers ({n})" for n in range(2, len(answers) + 1)]
    assert names.index("Audits (4)") + 1 == names.index("Answers")            # in order, each after its table
    for name in audits + answers:
        sheet = workbook[name]
        assert sheet.max_row <= 4 and sheet.freeze_panes == "A2"
        assert [c.value for c in sheet[1]] == [c.value for c in workbook[name.split(" (")[0]][1]]
    rows = [r for n in answers for r in workbook[n].iter_rows(min_row=2, values_only=True)]
    assert len(rows) == len(PAYLOADS) * 5 and len({(r[0], r[2]) for r in rows}) == len(rows)
    about = {r[0]: r[1] for r in workbook["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Continued sheets"].startswith("Audits continues on Audits (2), Audits (3), Audits (4); "
                                                "Answers continues on Answers (2)")
    assert "at most 4 rows" in about["Continued sheets"]

    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": second_database_url, "TEMPLATES_DIR": str(TEMPLATES_DIR)})
    with other.app_context():
        summary = import_results(workbook_bytes, "split.xlsx", actor=None)
        db.session.commit()
        assert summary.audits == len(PAYLOADS) and summary.actions == 3
        after = {name: round_report(find_round(name)) for name in before}
        db.session.remove()
        db.engine.dispose()
    for name in before:
        before[name].pop("filters"), after[name].pop("filters")
        assert json.dumps(after[name], sort_keys=True, default=str) == json.dumps(before[name], sort_keys=True,
                                                                                  default=str)


def _refused_elsewhere(workbook, database_url) -> list[str]:
    """The problems another copy of the service finds importing this workbook (it must refuse it)."""
    out = io.BytesIO()
    workbook.save(out)
    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "TEMPLATES_DIR": str(TEMPLATES_DIR)})
    with other.app_context():
        try:
            import_results(out.getvalue(), "split.xlsx", actor=None)
        except ResultsRejected as error:
            return error.problems
        finally:
            db.session.rollback()
            db.engine.dispose()
    raise AssertionError("imported a bad workbook")


def test_a_problem_on_a_continuation_sheet_names_that_sheet(app, data, second_database_url):  # noqa: F811
    app.config["EXPORT_SHEET_ROWS"] = 4
    workbook = load_workbook(io.BytesIO(export()))
    workbook["Answers (3)"]["C2"] = "no_such_question"
    versions = {value for row in workbook["Audits"].iter_rows(min_row=2, values_only=True) for value in row}
    problems = _refused_elsewhere(workbook, second_database_url)
    [problem] = problems
    prefix = "Answers (3), row 2, column 'Question key': 'no_such_question' is not a question of cp-cin-case-file version "
    assert problem.startswith(prefix) and problem.removeprefix(prefix) in versions   # the audit's own version


def test_feedback_continues_too_and_a_problem_there_names_its_sheet(app, data, second_database_url):  # noqa: F811
    app.config["EXPORT_SHEET_ROWS"] = 4
    workbook = load_workbook(io.BytesIO(export()))
    assert "Feedback (2)" in workbook.sheetnames            # 7 feedback rows, 3 a sheet
    header = [c.value for c in workbook["Feedback (2)"][1]]
    first_rows = {}   # each record's first row is the one whose Respondent is checked
    for number, row in enumerate(workbook["Feedback (2)"].iter_rows(min_row=2, values_only=True), start=2):
        first_rows.setdefault(row[0], number)
    row = max(first_rows.values())
    workbook["Feedback (2)"].cell(row=row, column=header.index("Respondent") + 1, value="Neighbour")
    problems = _refused_elsewhere(workbook, second_database_url)
    assert len(problems) == 1
    assert problems[0].startswith(f"Feedback (2), row {row}, column 'Respondent': must be one of")
