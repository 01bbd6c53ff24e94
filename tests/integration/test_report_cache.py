"""The report is computed once per change: stored per filter and day, served while nothing it is
computed from has changed, and recomputed after every transition that changes a figure. The
version that says so lives in the database, so several app servers on one database agree."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from qa_app.extensions import db
from qa_app.moderation import services as moderation
from qa_app.reports.builder import build_report
from qa_app.reports.cache import cached_report, current_version
from qa_app.reports.models import CachedReport
from qa_app.reports.queries import ReportFilter
from tests.conftest import _app_for
from tests.functional.test_moderation_support import graded_keys, moderate, submit

TODAY = date.today()
EVERYTHING = ReportFilter()


@pytest.fixture
def people(make_user):
    return {"qa": make_user("qa_lead"), "auditor": make_user("auditor", team="North"),
            "moderator": make_user("moderator", team="East"),
            "worker": make_user("practitioner", team="North")}


def selected(make_audit, people, *, grade=2):
    audit = submit(make_audit(auditor=people["auditor"]), grade=grade)
    chosen = moderation.add_by_hand(audit, reason="Sample", actor=people["qa"])
    moderation.assign(chosen, people["moderator"], actor=people["qa"])
    db.session.commit()
    return audit, chosen


def fresh() -> dict:
    return build_report(EVERYTHING, today=TODAY)


def served() -> dict:
    report = cached_report(EVERYTHING, today=TODAY)
    db.session.commit()
    return report


def test_a_stored_report_is_served_until_something_changes(app, make_audit, people):
    submit(make_audit(auditor=people["auditor"]), grade=2)
    first = served()
    assert first == fresh() and first["audits"] == 1
    # Served from the store, not recomputed: a marked copy in the store is what comes back.
    stored = db.session.scalar(sa.select(CachedReport))
    stored.payload = {**stored.payload, "audits": -1}
    db.session.commit()
    assert served()["audits"] == -1
    submit(make_audit(auditor=people["auditor"]), grade=4)
    after = served()
    assert after == fresh() and after["audits"] == 2
    # One row per filter and day, the stale ones gone.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CachedReport)) == 1


def _submission(make_audit, people):
    audit = make_audit(auditor=people["auditor"])
    return lambda: submit(audit, grade=4)


def _completion(make_audit, people):
    _audit, chosen = selected(make_audit, people)
    moderate(chosen, people["moderator"], grade=4, overall=4)

    def change():
        moderation.complete(chosen, actor=people["moderator"],
                            rationales={k: "Seen differently." for k in graded_keys(chosen.audit.template)},
                            overall_rationale="Seen differently.", expected_version=chosen.version)
        db.session.commit()
    return change


def _withdrawal(make_audit, people):
    _audit, chosen = selected(make_audit, people)
    moderate(chosen, people["moderator"], grade=4, overall=4)

    def change():
        moderation.withdraw(chosen, reason="Taken out of the sample", actor=people["qa"])
        db.session.commit()
    return change


def _return(make_audit, people):
    _audit, chosen = selected(make_audit, people)
    moderate(chosen, people["moderator"], grade=3, overall=3)

    def change():
        moderation.return_for_correction(chosen, actor=people["moderator"], comments="Add the evidence.",
                                         rationales={}, overall_rationale="", expected_version=chosen.version)
        db.session.commit()
    return change


def _resubmission(make_audit, people):
    audit, chosen = selected(make_audit, people, grade=3)
    moderate(chosen, people["moderator"], grade=3, overall=3)
    moderation.return_for_correction(chosen, actor=people["moderator"], comments="Add the evidence.",
                                     rationales={}, overall_rationale="", expected_version=chosen.version)
    db.session.commit()
    return lambda: submit(audit, grade=1)


def _action(make_audit, people):
    from qa_app.actions.services import create_action

    audit = submit(make_audit(auditor=people["auditor"]), grade=4)

    def change():
        create_action(audit, actor=people["qa"], question_key=graded_keys(audit.template)[0],
                      description="Update the risk assessment", owner_id=people["worker"].id,
                      due_date=TODAY + timedelta(days=14), today=TODAY)
        db.session.commit()
    return change


def _team_renamed(make_audit, people):
    audit = submit(make_audit(auditor=people["auditor"]), grade=2)

    def change():
        audit.case_file.team.name = "Renamed team"
        db.session.commit()
    return change


def _import(make_audit, people):
    import io

    from qa_app.exchange.export import write_exchange_workbook

    audit = submit(make_audit(auditor=people["auditor"]), grade=2)
    out = io.BytesIO()
    write_exchange_workbook(out, filters=EVERYTHING, generated_by="test")
    # Imported back under another round name, as a council's past round would be.
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(out.getvalue()))
    for row in workbook["Audits"].iter_rows(min_row=2):
        row[1].value = "Past round"
    # Without the stable identifiers, as a council's own spreadsheet would be (with them, the
    # import would recognise the audits it already holds and add nothing).
    for sheet in workbook.worksheets:
        header = [cell.value for cell in sheet[1]]
        for column, name in enumerate(header, start=1):
            if isinstance(name, str) and name.endswith("UID"):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                    cell.value = None
    data = io.BytesIO()
    workbook.save(data)
    del audit

    def change():
        from qa_app.exchange.importing import import_results

        import_results(data.getvalue(), "past.xlsx", actor=people["qa"])
        db.session.commit()
    return change


def _target(make_audit, people):
    from qa_app.reports.targets import add_target

    submit(make_audit(auditor=people["auditor"]), grade=4)

    def change():
        add_target(name="Inadequate at most 10%", measure="percent_inadequate", comparison="at_most", value=10,
                   amber_margin=5, actor=people["qa"])
        db.session.commit()
    return change


def _assigned(make_audit, people):
    submit(make_audit(auditor=people["auditor"]), grade=2)
    return lambda: make_audit(auditor=people["auditor"])   # one more to do: the completion figures change


def _due_date_extended(make_audit, people):
    from qa_app.rounds.changes import extend_due_date

    submit(make_audit(auditor=people["auditor"]), grade=2)
    late = make_audit(auditor=people["auditor"])
    late.round.due_date = TODAY - timedelta(days=1)     # overdue until the date moves
    db.session.commit()

    def change():
        extend_due_date(late.round, due_date=TODAY + timedelta(days=30), reason="Staff sickness", actor=people["qa"])
        db.session.commit()
    return change


def _round_cancelled(make_audit, people):
    from qa_app.rounds.changes import cancel_round

    audit = submit(make_audit(auditor=people["auditor"]), grade=2)

    def change():
        cancel_round(audit.round, reason="Started by mistake", actor=people["qa"])
        db.session.commit()
    return change


# Taking an audit out of moderation, or returning it, before the moderation is completed changes
# no figure (the auditor's grades count throughout); the audit's status changes, so the version
# rises all the same, and the report stays right.
FIGURES_UNCHANGED = {"moderation withdrawn", "returned for correction"}
TRANSITIONS = {"submission": _submission, "moderation completed": _completion, "moderation withdrawn": _withdrawal,
               "returned for correction": _return, "resubmitted": _resubmission, "action added": _action,
               "team renamed": _team_renamed, "results imported": _import, "target added": _target,
               "audit assigned": _assigned, "due date extended": _due_date_extended, "round cancelled": _round_cancelled}


@pytest.mark.parametrize("name", TRANSITIONS)
def test_each_transition_that_changes_a_figure_invalidates_the_report(app, make_audit, people, name):
    change = TRANSITIONS[name](make_audit, people)
    before = served()
    version = current_version()
    change()
    assert current_version() > version, f"{name} did not raise the report version"
    after = served()
    assert after == fresh()
    if name not in FIGURES_UNCHANGED:
        assert after != before, f"{name} changed no figure: the test does not test anything"


def test_saving_a_draft_keeps_the_stored_report(app, make_audit, people):
    from qa_app.audits.services import save_audit

    submit(make_audit(auditor=people["auditor"]), grade=2)
    draft = make_audit(auditor=people["auditor"])
    before = served()
    version = current_version()
    save_audit(draft, actor=people["auditor"], answers={}, overall_grade=None, overall_summary="Half done",
               immediate_risk=False, immediate_risk_reason="", expected_version=draft.version, submit=False)
    db.session.commit()
    assert current_version() == version     # nothing the report counts has changed
    assert served() == before == fresh()


def test_removing_an_unstarted_audit_changes_the_completion_figures(app, make_audit, people):
    from qa_app.rounds.services import remove_case

    submit(make_audit(auditor=people["auditor"]), grade=2)
    removed = make_audit(auditor=people["auditor"])
    before = served()
    version = current_version()
    remove_case(removed, reason="Closed before the audit", actor=people["qa"])
    db.session.commit()
    assert current_version() > version
    after = served()
    assert after == fresh() and after["completion"] != before["completion"]


def test_app_servers_sharing_a_database_see_each_others_changes(app, make_audit, people, database_url):
    submit(make_audit(auditor=people["auditor"]), grade=2)
    audit = make_audit(auditor=people["auditor"])
    audit_id = audit.id
    assert served()["audits"] == 1
    other = _app_for(database_url)        # a second app server: its own engine and sessions
    with other.app_context():
        from qa_app.audits.models import Audit

        assert cached_report(EVERYTHING, today=TODAY)["audits"] == 1
        db.session.commit()
        submit(db.session.get(Audit, audit_id), grade=4)
        assert cached_report(EVERYTHING, today=TODAY)["audits"] == 2
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    db.session.expire_all()
    assert served()["audits"] == 2 and served() == fresh()


def test_without_a_version_row_nothing_is_cached(app, make_audit, people):
    from qa_app.reports.models import ReportState

    submit(make_audit(auditor=people["auditor"]), grade=2)
    db.session.execute(sa.delete(ReportState))
    db.session.commit()
    assert served() == fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CachedReport)) == 0
