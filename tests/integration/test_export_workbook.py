"""The exchange workbook: sheets and headers, inert user text, real dates, streaming, round trip."""

import io
import json
import zipfile
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from qa_app import create_app
from qa_app.audits.models import Answer
from qa_app.db import utcnow
from qa_app.exchange.cells import EXCEL_CELL_LIMIT, TRUNCATED_MARK, clean_text, read_text
from qa_app.exchange.importing import ResultsRejected, import_results
from qa_app.exchange.queries import ANSWER_HEADERS, AUDIT_HEADERS
from qa_app.exchange.export import write_exchange_workbook
from qa_app.extensions import db
from qa_app.audits.services import set_final_grades
from qa_app.moderation.services import record_completed
from qa_app.reports.builder import round_report
from qa_app.reports.queries import ReportFilter
from tests.conftest import TEMPLATES_DIR

PAYLOADS = ["=1+1", '=HYPERLINK("http://evil.example","click me")', "+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1",
            "\n=1+1", "\uff1d1+1", "'=1+1"]
FIXED_AUDIT_HEADERS = ["Audit ID", "Round", "Template", "Template version", "Case reference", "Case type", "Team",
                       "Auditor", "Submitted on", "Auditor grade", "Moderator", "Moderated on", "Moderated grade",
                       "Final grade", "Moderation outcome", "Moderator rationale", "Child at immediate risk",
                       "Status"]


@pytest.fixture
def data(app, make_round, make_case, make_user, make_audit):
    """Two rounds; hostile text in every free-text field; one moderated audit."""
    first, second = make_round(), make_round()
    moderator = make_user("moderator", email="mod@example.org")
    auditor = make_user("auditor", team="South", email="aud@example.org")
    audits = []
    for index, payload in enumerate(PAYLOADS):
        round_ = first if index < 6 else second
        audit = make_audit(auditor=auditor, round_=round_, case=make_case(team="North" if index % 2 else "East"),
                           status="submitted", overall_grade=[1, 2, 3, 4][index % 4])
        audit.overall_summary = payload
        audit.answers = [
            Answer(question_key="risk_assessment_quality", grade=[1, 2, 3, 4][index % 4], value="", evidence=payload),
            Answer(question_key="assessment_date", grade=None, value="2026-10-01", evidence=""),
            Answer(question_key="days_since_child_seen", grade=None, value="-12", evidence=""),
            Answer(question_key="current_plan", grade=None, value="Child protection plan", evidence=""),
            Answer(question_key="chronology_up_to_date", grade=None, value="partly", evidence="ctrl\x07char"),
        ]
        set_final_grades(audit, overall=audit.overall_grade)
        audits.append(audit)
    moderated = audits[1]
    moderated.status = "moderated"
    record_completed(moderated, moderator=moderator, overall_grade=4,
                     overall_rationale="=HYPERLINK(\"http://evil.example\")",
                     answers={"risk_assessment_quality": (4, "Risk not analysed")}, selected_because="inadequate",
                     completed_at=utcnow())
    audits[2].answers[0].evidence = "x" * (EXCEL_CELL_LIMIT + 500)
    from qa_app.actions.models import Action

    owner = make_user("practitioner", email="worker@example.org")
    db.session.add_all([
        Action(audit=audits[0], question_key="risk_assessment_quality", description="=Update the risk assessment",
               owner_id=owner.id, due_date=date.today() + timedelta(days=10)),
        Action(audit=audits[7], question_key=None, description="Hold a core group", owner_id=owner.id,
               due_date=date.today() - timedelta(days=3)),
        Action(audit=audits[1], question_key="plan_smart", description="Make the plan SMART", owner_id=owner.id,
               due_date=date.today(), status="verified", done_at=utcnow(), done_note="Done",
               verified_by_id=moderator.id, verified_at=utcnow()),
    ])
    db.session.commit()
    return first, second, audits


def export(filters=ReportFilter()) -> bytes:
    out = io.BytesIO()
    write_exchange_workbook(out, filters=filters, generated_by="test")
    return out.getvalue()


def test_sheets_headers_and_layout(data):
    workbook = load_workbook(io.BytesIO(export()))
    assert workbook.sheetnames == ["Summary", "Audits", "Answers", "Themes", "Moderation", "Actions", "Challenges",
                                   "About"]
    audits = workbook["Audits"]
    headers = [c.value for c in audits[1]]
    assert headers[:18] == FIXED_AUDIT_HEADERS and headers == AUDIT_HEADERS
    assert [c.value for c in workbook["Answers"][1]][:8] == ANSWER_HEADERS[:8]
    for ws in workbook.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref, ws.title
    assert audits.max_row == 1 + len(PAYLOADS)
    assert audits.column_dimensions["P"].width == 50
    about = {row[0].value: row[1].value for row in workbook["About"].iter_rows(min_row=2)}
    assert about["Format version"] == "1.2" and about["Generated by"] == "test"
    assert len(workbook["Summary"]._charts) == 2


def test_dates_are_dates_grades_are_labels_numbers_are_numbers(data):
    workbook = load_workbook(io.BytesIO(export()))
    audits = workbook["Audits"]
    first = {h: c.value for h, c in zip(AUDIT_HEADERS, audits[2])}
    assert isinstance(first["Submitted on"], datetime)
    assert first["Auditor grade"] in ("Outstanding", "Good", "Requires improvement", "Inadequate")
    moderated = {h: c.value for h, c in zip(AUDIT_HEADERS, audits[3])}
    assert (moderated["Moderated grade"], moderated["Final grade"], moderated["Moderation outcome"]) == (
        "Inadequate", "Inadequate", "Moderated worse")
    answers = [{h: c.value for h, c in zip(ANSWER_HEADERS, row)} for row in workbook["Answers"].iter_rows(min_row=2)]
    by_key = {a["Question key"]: a for a in answers if a["Audit ID"] == first["Audit ID"]}
    assert by_key["assessment_date"]["Auditor answer"] == datetime(2026, 10, 1)
    assert by_key["days_since_child_seen"]["Auditor answer"] == -12
    assert by_key["chronology_up_to_date"]["Auditor answer"] == "Partly"
    assert by_key["risk_assessment_quality"]["Themes"] == "risk_assessment"


def test_user_text_is_never_a_formula(data):
    raw = export()
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    workbook = load_workbook(io.BytesIO(raw))
    values = [c.value for row in workbook["Audits"].iter_rows(min_row=2) for c in row
              if isinstance(c.value, str)]
    summaries = [v for v in values if "1+1" in v or "SUM" in v or "HYPERLINK" in v]
    typed = set(PAYLOADS) | {p.strip() for p in PAYLOADS} | {'=HYPERLINK("http://evil.example")'}
    assert summaries and set(summaries) <= typed   # as typed, no apostrophe added
    guarded = [c for row in workbook["Audits"].iter_rows(min_row=2) for c in row
               if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\uff1d"))]
    assert guarded and all(c.data_type == "s" and c.quotePrefix for c in guarded)
    cells = [c for row in workbook["Answers"].iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert not any(c.hyperlink for c in cells)


def test_control_characters_and_long_text_are_cleaned_and_marked(data):
    workbook = load_workbook(io.BytesIO(export()))
    evidence = [row[7].value for row in workbook["Answers"].iter_rows(min_row=2) if row[7].value]
    assert "ctrl\ufffdchar" in evidence
    long = [e for e in evidence if e.endswith(TRUNCATED_MARK)]
    assert len(long) == 1 and len(long[0]) == EXCEL_CELL_LIMIT


@pytest.mark.parametrize("text", PAYLOADS + ["plain", "-12", "'quoted", "''double"])
def test_clean_text_round_trips(text):
    assert read_text(clean_text(text)) == text


@pytest.mark.parametrize(("written", "meant"), [("'=1+1", "=1+1"), ("''double", "'double"), ("'plain", "'plain"),
                                                ("'\uff1d1", "\uff1d1"), ("=1+1", "=1+1")])
def test_workbooks_of_format_1_1_lose_their_guard_apostrophes(written, meant):
    from qa_app.exchange.cells import legacy_guards

    with legacy_guards():
        assert read_text(written) == meant
    assert read_text(written) == written   # format 1.2 and a council's own workbook: as it is


def test_numbers_stay_numbers():
    assert clean_text("-12") == "-12"
    from openpyxl import Workbook

    from qa_app.exchange.cells import cell

    ws = Workbook(write_only=True).create_sheet("x")
    assert cell(ws, -3) == -3 and cell(ws, 2.5) == 2.5
    assert cell(ws, date(2027, 3, 26)).number_format == "dd/mm/yyyy"
    formula_like = cell(ws, "=1+1")
    assert (formula_like.value, formula_like.data_type, formula_like.quotePrefix) == ("=1+1", "s", True)
    assert cell(ws, "plain") == "plain"


def test_summary_figures_match_the_report(data):
    first, _second, _ = data
    workbook = load_workbook(io.BytesIO(export(ReportFilter(round_ids=(first.id,)))))
    summary = {row[0].value: row[1].value for row in workbook["Summary"].iter_rows(min_row=2, max_row=6)}
    report = round_report(first)
    assert summary["Audits completed"] == report["audits"] == 6
    assert summary["% Inadequate (final grade)"] == report["percent_inadequate"]


def test_round_trip_gives_identical_reports(data, second_database_url):
    first, second, _ = data
    before = {r.name: round_report(r) for r in (first, second)}
    workbook = export()
    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": second_database_url, "TEMPLATES_DIR": str(TEMPLATES_DIR)})
    with other.app_context():
        summary = import_results(workbook, "all.xlsx", actor=None)
        db.session.commit()
        assert summary.audits == len(PAYLOADS)
        assert sorted(summary.users_created) == ["aud@example.org", "mod@example.org", "worker@example.org"]
        assert summary.actions == 3
        from qa_app.reports.builder import find_round

        after = {name: round_report(find_round(name)) for name in before}
        from qa_app.audits.models import Answer as OtherAnswer
        import sqlalchemy as sa

        evidence = set(db.session.scalars(sa.select(OtherAnswer.evidence)))
        db.session.remove()
        db.engine.dispose()
    for name in before:
        for key in ("filters",):
            before[name].pop(key), after[name].pop(key)
        assert json.dumps(after[name], sort_keys=True, default=str) == json.dumps(before[name], sort_keys=True,
                                                                                  default=str)
    assert set(PAYLOADS) - {"\t=1+1", "\r=1+1", "\n=1+1"} <= evidence  # stripped whitespace aside, exact


def test_a_workbook_of_format_1_1_is_read_without_its_guard_apostrophes(data, second_database_url):
    from qa_app.exchange.cells import needs_quote_prefix

    workbook = load_workbook(io.BytesIO(export()))
    # As version 1.1 wrote it: a visible apostrophe before formula-like text, and before an apostrophe.
    for name in ("Audits", "Answers", "Actions"):
        for row in workbook[name].iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and (needs_quote_prefix(cell.value) or cell.value.startswith("'")):
                    cell.value, cell.quotePrefix = "'" + cell.value, False
    about = workbook["About"]
    [version] = [row[1] for row in about.iter_rows() if row[0].value == "Format version"]
    version.value = "1.1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": second_database_url, "TEMPLATES_DIR": str(TEMPLATES_DIR)})
    with other.app_context():
        import sqlalchemy as sa

        from qa_app.audits.models import Answer as OtherAnswer

        import_results(buffer.getvalue(), "old.xlsx", actor=None)
        db.session.commit()
        evidence = set(db.session.scalars(sa.select(OtherAnswer.evidence)))
        db.session.remove()
        db.engine.dispose()
    assert set(PAYLOADS) - {"\t=1+1", "\r=1+1", "\n=1+1"} <= evidence
    assert not any(text.startswith("''") for text in evidence)


def test_import_reports_every_problem_and_writes_nothing(data, second_database_url):
    from openpyxl import Workbook

    workbook = load_workbook(io.BytesIO(export()))
    audits, answers = workbook["Audits"], workbook["Answers"]
    audits["J2"] = "Brilliant"                 # not a grade
    audits["C3"] = "no-such-template"
    last = answers.max_row  # an answer of the last audit, whose own row is fine
    answers[f"C{last}"] = "not_a_question"
    answers.append([99999, "s", "plan_smart", "q", "", "Good", "", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": second_database_url, "TEMPLATES_DIR": str(TEMPLATES_DIR)})
    with other.app_context():
        import sqlalchemy as sa

        from qa_app.audits.models import Audit

        with pytest.raises(ResultsRejected) as error:
            import_results(buffer.getvalue(), "bad.xlsx", actor=None)
        db.session.rollback()
        problems = "\n".join(error.value.problems)
        assert "Audits, row 2, column 'Auditor grade'" in problems and "Brilliant" in problems
        assert "Audits, row 3, column 'Template'" in problems
        assert f"Answers, row {last}, column 'Question key'" in problems and "not_a_question" in problems
        assert "'99999' is not an audit of the Audits sheet" in problems
        assert db.session.scalar(sa.select(sa.func.count(Audit.id))) == 0
        db.session.remove()
        db.engine.dispose()
    assert Workbook  # imported to build the hostile copy above


def test_import_refuses_a_workbook_without_the_sheets(app):
    from openpyxl import Workbook

    buffer = io.BytesIO()
    book = Workbook()
    book.active.title = "Something else"
    book.save(buffer)
    with pytest.raises(ResultsRejected) as error:
        import_results(buffer.getvalue(), "x.xlsx", actor=None)
    assert "Audits" in error.value.problems[0]


def test_grades_may_be_values(data, second_database_url):
    workbook = load_workbook(io.BytesIO(export()))
    workbook["Audits"]["J2"] = 3
    buffer = io.BytesIO()
    workbook.save(buffer)
    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": second_database_url, "TEMPLATES_DIR": str(TEMPLATES_DIR)})
    with other.app_context():
        import sqlalchemy as sa

        from qa_app.audits.models import Audit

        import_results(buffer.getvalue(), "values.xlsx", actor=None)
        db.session.commit()
        assert db.session.scalar(sa.select(Audit.overall_grade).order_by(Audit.id).limit(1)) == 3
        db.session.remove()
        db.engine.dispose()
