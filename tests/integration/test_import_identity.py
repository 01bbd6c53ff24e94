"""Importing results recognises what it already holds (stable identifiers in the workbook), never
duplicates audits, moderations or actions, matches people by email only, keeps imported accounts
apart from real ones until they are merged, and reports each problem's cause once."""

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from qa_app import create_app
from qa_app.actions.models import Action
from qa_app.audits.models import Audit
from qa_app.auth.models import User
from qa_app.errors import DomainError
from qa_app.exchange.accounts import merge_imported_account
from qa_app.exchange.importing import ResultsRejected, import_results
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.moderation.models import Moderation
from qa_app.reports.queries import ReportFilter
from tests.conftest import TEMPLATES_DIR
from tests.integration.test_export_workbook import data, export  # noqa: F401


def edited(workbook_bytes: bytes, change) -> bytes:
    workbook = load_workbook(io.BytesIO(workbook_bytes))
    change(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def column(sheet, header: str) -> int:
    return [c.value for c in sheet[1]].index(header) + 1


def rename_rounds(workbook):
    sheet = workbook["Audits"]
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, column(sheet, "Round")).value = "Renamed in the spreadsheet"


def counts():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Audit, Moderation, Action))


def test_a_renamed_round_duplicates_nothing(data):  # noqa: F811
    before = counts()
    with pytest.raises(ResultsRejected) as error:
        import_results(edited(export(), rename_rounds), "renamed.xlsx", actor=None)
    assert "Nothing to import" in error.value.problems[0] and "already here" in error.value.problems[0]
    db.session.rollback()
    assert counts() == before
    # The worker still sees each action once.
    owner = db.session.scalar(sa.select(User).where(User.email == "worker@example.org"))
    descriptions = db.session.scalars(sa.select(Action.description).where(Action.owner_id == owner.id)).all()
    assert len(descriptions) == len(set(descriptions)) == 3


def test_only_what_is_new_is_added(data, make_user):  # noqa: F811
    _first, _second, audits = data

    def add_a_new_action(workbook):
        rename_rounds(workbook)
        actions = workbook["Actions"]
        actions.append([None, audits[0].id, audits[0].case_file.reference, "plan_smart", "A new action",
                        "worker@example.org", "01/01/2027", "Open", "No", None, "", "", None, "", ""])

    before = counts()
    summary = import_results(edited(export(), add_a_new_action), "more.xlsx", actor=None)
    db.session.commit()
    assert (summary.audits, summary.audits_held, summary.actions, summary.actions_held) == (0, len(audits), 1, 3)
    assert counts() == (before[0], before[1], before[2] + 1)
    assert "already here and left as they are" in summary.lines()[1]


def test_between_two_services_a_second_import_adds_nothing(data, second_database_url):  # noqa: F811
    workbook = export()
    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": second_database_url, "TEMPLATES_DIR": str(TEMPLATES_DIR)})
    with other.app_context():
        first = import_results(workbook, "all.xlsx", actor=None)
        db.session.commit()
        after_first = counts()
        uids = set(db.session.scalars(sa.select(Audit.uid)))
        with pytest.raises(ResultsRejected) as error:
            import_results(edited(workbook, rename_rounds), "again.xlsx", actor=None)
        assert "Nothing to import" in error.value.problems[0]
        db.session.rollback()
        assert counts() == after_first and first.audits == len(uids)
        db.session.remove()
        db.engine.dispose()
    # The audits keep their identity across the two services.
    assert uids == set(db.session.scalars(sa.select(Audit.uid)))


def test_without_identifiers_the_round_and_case_rule_still_refuses_a_second_copy(data):  # noqa: F811
    def drop_uids(workbook):
        for sheet, header in (("Audits", "Audit UID"), ("Actions", "Action UID")):
            workbook[sheet].delete_cols(column(workbook[sheet], header))

    before = counts()
    with pytest.raises(ResultsRejected) as error:
        import_results(edited(export(), drop_uids), "old-format.xlsx", actor=None)
    assert "already has an audit in round" in error.value.problems[0]
    db.session.rollback()
    assert counts() == before


def test_unknown_people_get_an_imported_account_that_never_shares_a_name(data, second_database_url):  # noqa: F811
    workbook = export()
    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": second_database_url, "TEMPLATES_DIR": str(TEMPLATES_DIR)})
    with other.app_context():
        from qa_app.auth.models import Role
        from qa_app.auth.services import create_user

        # Someone here already has the auditor's display name, with another email address.
        auditor_name = load_workbook(io.BytesIO(workbook))["Audits"]["U2"].value
        create_user(email="real.person@example.org", roles=[Role.AUDITOR], display_name=auditor_name)
        summary = import_results(workbook, "all.xlsx", actor=None)
        db.session.commit()
        imported = db.session.scalar(sa.select(User).where(User.email == "aud@example.org"))
        assert imported.imported_from == "all.xlsx" and not imported.active
        assert imported.display_name == f"{auditor_name} (aud@example.org)"
        names = db.session.scalars(sa.select(User.display_name)).all()
        assert len(names) == len(set(n.lower() for n in names))
        assert "aud@example.org" in summary.users_created and "users merge" in summary.lines()[-1]
        db.session.remove()
        db.engine.dispose()


def test_an_imported_account_is_merged_into_the_persons_own(data, make_user, second_database_url, runner):  # noqa: F811
    workbook = export()
    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": second_database_url, "TEMPLATES_DIR": str(TEMPLATES_DIR)})
    with other.app_context():
        from qa_app.auth.models import Role
        from qa_app.auth.services import create_user

        import_results(workbook, "all.xlsx", actor=None)
        real = create_user(email="a.person@council.example", roles=[Role.AUDITOR], display_name="A Person")
        db.session.commit()
        imported = db.session.scalar(sa.select(User).where(User.email == "aud@example.org"))
        held = db.session.scalar(sa.select(sa.func.count()).where(Audit.auditor_id == imported.id))
        assert held == 10
        result = other.test_cli_runner().invoke(args=["users", "merge", "--from", "aud@example.org",
                                                      "--into", "a.person@council.example"])
        assert result.exit_code == 0 and "Merged aud@example.org into a.person@council.example: 10 audits" \
            in result.output
        db.session.expire_all()
        assert db.session.scalar(sa.select(sa.func.count()).where(Audit.auditor_id == imported.id)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).where(Audit.auditor_id == real.id)) == 10
        assert imported.merged_into_id == real.id and not imported.active
        merged = db.session.scalar(sa.select(Event).where(Event.action == "user.merged"))
        assert merged.object_id == imported.id and merged.detail["into"] == "a.person@council.example"
        # A real account is never merged away; nor twice.
        with pytest.raises(DomainError, match="was not made by an import"):
            merge_imported_account(real, imported, actor=None)
        with pytest.raises(DomainError, match="already been merged"):
            merge_imported_account(imported, real, actor=None)
        db.session.remove()
        db.engine.dispose()


def test_each_cause_is_reported_once_with_every_row_it_affects(data):  # noqa: F811
    def break_it(workbook):
        audits, answers = workbook["Audits"], workbook["Answers"]
        audits.cell(2, column(audits, "Auditor grade")).value = "Brillant"          # one bad audit row
        grade = column(answers, "Auditor answer")
        key = column(answers, "Question key")
        for row in range(2, answers.max_row + 1):                                  # one misspelt grade, many rows
            if answers.cell(row, key).value == "risk_assessment_quality" and row % 2:
                answers.cell(row, grade).value = "Requires improvment"

    with pytest.raises(ResultsRejected) as error:
        import_results(edited(export(), break_it), "bad.xlsx", actor=None)
    problems = error.value.problems
    misspelt = [p for p in problems if "Requires improvment" in p]
    assert len(misspelt) == 1 and misspelt[0].startswith("Answers, rows ")
    assert [p for p in problems if p.startswith("Audits, row 2, column 'Auditor grade'")]
    not_checked = [p for p in problems if "not checked" in p]
    assert [p.split(",")[0] for p in not_checked] == ["Answers", "Actions"]       # once per sheet
    assert all("Audits row 2" in p for p in not_checked)
    assert len(problems) == 4


def test_an_imported_round_says_so(data, client, make_user, second_database_url):  # noqa: F811
    from tests.conftest import sign_in

    _first, second, _audits = data
    second.name = "Moved round"
    db.session.commit()

    def fresh(workbook):
        rename_rounds(workbook)
        sheet = workbook["Audits"]
        for row in range(2, sheet.max_row + 1):      # as if from another service
            sheet.cell(row, column(sheet, "Audit UID")).value = f"{row:032x}"
            sheet.cell(row, column(sheet, "Case reference")).value = f"NEW-{row}"
            sheet.cell(row, column(sheet, "Case type")).value = "CP"
        workbook.remove(workbook["Actions"])

    import_results(edited(export(ReportFilter(round_ids=(second.id,))), fresh), "from-another-council.xlsx",
                   actor=None)
    db.session.commit()
    from qa_app.rounds.models import AuditRound

    imported = db.session.scalar(sa.select(AuditRound).where(AuditRound.name == "Renamed in the spreadsheet"))
    sign_in(client, make_user("qa_lead"))
    page = client.get(f"/rounds/{imported.id}").get_data(as_text=True)
    assert "Imported from the results workbook from-another-council.xlsx" in page
    assert "Sampling seed" not in page and "(added by hand)" not in page and "(imported)" in page
