"""Practice feedback: when an audit is released to its case's people, who may then read it, who is
told, the worker's response and the feedback conversation."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from qa_app.audits.permissions import can_view_audit
from qa_app.audits.services import save_audit
from qa_app.errors import DomainError, NotPermitted, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.moderation import services as moderation
from qa_app.notifications.models import Notification
from qa_app.practice import services
from qa_app.practice.models import Release, WorkerResponse
from qa_app.practice.permissions import can_read_released
from qa_app.practice.queries import record_of
from tests.functional.test_moderation_support import complete_answers, moderate, submit

TODAY = date.today()


@pytest.fixture
def people(make_user):
    return SimpleNamespace(
        auditor=make_user("auditor", team="South"), worker=make_user("practitioner", team="North"),
        manager=make_user("auditor", team="North"), other_manager=make_user("auditor", team="North"),
        other_worker=make_user("practitioner", team="North"), qa=make_user("qa_lead"),
        moderator=make_user("moderator"), viewer=make_user("viewer"), iro=make_user("iro"))


@pytest.fixture
def audit(make_audit, make_case, people):
    case = make_case(team="North", worker=people.worker, manager=people.manager)
    return submit(make_audit(auditor=people.auditor, case=case), grade=3)


def told(user):
    return db.session.scalars(sa.select(Notification.subject).where(Notification.recipient_id == user.id)).all()


def released(audit):
    db.session.expire_all()
    return db.session.scalar(sa.select(Release).where(Release.audit_id == audit.id))


def test_before_release_only_the_auditor_and_qa_leads_read_the_audit(audit, people):
    readers = {name for name, user in vars(people).items() if can_view_audit(user, audit)}
    assert readers == {"auditor", "qa"}


def test_released_the_worker_and_manager_read_it_and_nobody_else_gains_access(audit, people):
    services.release(audit, services.ReleaseReason.BY_HAND, actor=people.qa)
    db.session.commit()
    readers = {name for name, user in vars(people).items() if can_view_audit(user, audit)}
    assert readers == {"auditor", "qa", "worker", "manager"}
    assert told(people.worker) == told(people.manager) == [
        f"Audit of case file {audit.case_file.reference}: the findings are ready"]
    assert told(people.other_manager) == []
    # The link is the person, not the role: a deactivated worker loses it.
    people.worker.active = False
    db.session.commit()
    assert not can_read_released(people.worker, audit)


def test_a_manager_linked_without_the_auditor_role_gains_nothing(make_audit, make_case, people):
    case = make_case(team="North", worker=people.worker, manager=people.viewer)
    audit = make_audit(auditor=people.auditor, status="submitted", overall_grade=2, case=case)
    services.release(audit, services.ReleaseReason.BY_HAND, actor=people.qa)
    db.session.commit()
    assert not can_view_audit(people.viewer, audit) and told(people.viewer) == []


def test_completing_moderation_releases_and_a_later_completion_tells_them_again(audit, people):
    audit.round.moderation_percent = 100
    db.session.commit()
    moderation.select_for_moderation(audit.round, actor=people.qa)
    db.session.commit()
    assert released(audit) is None   # selected: it waits for its moderation
    record = db.session.scalar(sa.select(moderation.Moderation).where(moderation.Moderation.audit_id == audit.id))
    moderation.assign(record, people.moderator, actor=people.qa)
    db.session.commit()
    moderate(record, people.moderator, grade=3, overall=3)
    moderation.complete(record, actor=people.moderator, rationales={}, overall_rationale="",
                        expected_version=record.version)
    db.session.commit()
    assert released(audit).reason == "moderated"
    assert len(told(people.worker)) == 1


def test_a_selection_run_releases_what_it_did_not_choose(make_audit, make_case, make_round, people):
    round_ = make_round(moderation_percent=0, moderate_inadequate=True)
    chosen = make_audit(auditor=people.auditor, status="submitted", overall_grade=4, round_=round_,
                        case=make_case(team="North", worker=people.worker))
    left = make_audit(auditor=people.auditor, status="submitted", overall_grade=2, round_=round_,
                      case=make_case(team="North", worker=people.worker))
    moderation.select_for_moderation(round_, actor=people.qa)
    db.session.commit()
    assert released(chosen) is None and released(left).reason == "not_selected"
    event = db.session.scalar(sa.select(Event).where(Event.action == "audit.released"))
    assert (event.object_id, event.detail["told"]) == (left.id, [people.worker.email])


def test_withdrawing_from_moderation_releases(audit, people):
    record = moderation.add_by_hand(audit, reason="A second look", actor=people.qa)
    db.session.commit()
    assert released(audit) is None
    moderation.withdraw(record, reason="No moderator free", actor=people.qa)
    db.session.commit()
    assert released(audit).reason == "not_selected"


def test_a_submission_the_round_never_moderates_is_released_at_once(make_audit, make_case, make_round, people):
    round_ = make_round(moderation_percent=0, moderate_inadequate=True, moderate_outstanding=False,
                        moderate_immediate_risk=True)
    audit = make_audit(auditor=people.auditor, round_=round_, case=make_case(team="North", worker=people.worker))
    answers = complete_answers(audit.template, grade=2)
    saved = save_audit(audit, actor=people.auditor, answers=answers, overall_grade=2, overall_summary="Good",
                       immediate_risk=False, immediate_risk_reason="", expected_version=audit.version, submit=True,
                       extensions={"practice": True})
    db.session.commit()
    assert released(audit).reason == "no_moderation"
    assert ("info", f"It has been released to {people.worker.display_name}.") in saved.notices
    assert record_of(audit.id).done_with_worker is not None


def test_only_a_submitted_audit_is_released(make_audit, people):
    draft = make_audit(auditor=people.auditor, status="in_progress")
    with pytest.raises(DomainError):
        services.release(draft, services.ReleaseReason.BY_HAND, actor=people.qa)
    with pytest.raises(NotPermitted):
        services.release_by_hand(draft, actor=people.auditor)


def test_the_worker_responds_once_released_and_every_change_is_in_the_history(audit, people):
    with pytest.raises(NotPermitted):
        services.respond(audit, actor=people.worker, agreement="agree", will_do="x", comments="",
                         expected_version=None)
    services.release(audit, services.ReleaseReason.BY_HAND, actor=people.qa)
    db.session.commit()
    for intruder in (people.other_worker, people.manager, people.auditor, people.qa):
        with pytest.raises(NotPermitted):
            services.respond(audit, actor=intruder, agreement="agree", will_do="x", comments="",
                             expected_version=None)
    with pytest.raises(ValidationFailed) as info:
        services.respond(audit, actor=people.worker, agreement="maybe", will_do=" ", comments="y" * 4001,
                         expected_version=None)
    assert [field for field, _ in info.value.problems] == ["agreement", "will_do", "comments"]
    first = services.respond(audit, actor=people.worker, agreement="partly", will_do="Update the plan.",
                             comments="The visits were recorded late.", expected_version=None)
    db.session.commit()
    with pytest.raises(StaleEdit):
        services.respond(audit, actor=people.worker, agreement="agree", will_do="x", comments="",
                         expected_version=first.version + 1)
    services.respond(audit, actor=people.worker, agreement="agree", will_do="Update the plan.", comments="",
                     expected_version=first.version)
    db.session.commit()
    assert db.session.scalar(sa.select(WorkerResponse.agreement)) == "agree"
    changes = db.session.scalars(sa.select(Event).where(Event.action.like("worker_response.%"))
                                 .order_by(Event.id)).all()
    assert [(e.action, e.actor_id) for e in changes] == [("worker_response.recorded", people.worker.id),
                                                         ("worker_response.changed", people.worker.id)]
    assert changes[1].detail["agreement"] == ["partly", "agree"]


@pytest.mark.parametrize(("who", "allowed"), [("auditor", True), ("manager", True), ("qa", True),
                                              ("worker", False), ("other_manager", False), ("moderator", False)])
def test_who_records_the_feedback_conversation(audit, people, who, allowed):
    services.release(audit, services.ReleaseReason.BY_HAND, actor=people.qa)
    db.session.commit()
    call = lambda: services.record_conversation(  # noqa: E731
        audit, actor=getattr(people, who), held_on=TODAY, attendees="Worker and manager", method="in_person",
        notes="", today=TODAY, expected_version=None)
    if allowed:
        assert call().recorded_by_id == getattr(people, who).id
    else:
        with pytest.raises(NotPermitted):
            call()


def test_the_conversation_date_and_fields_are_checked(audit, people):
    services.release(audit, services.ReleaseReason.BY_HAND, actor=people.qa)
    db.session.commit()
    for held_on, message in ((None, "Enter the date"), (TODAY + timedelta(days=1), "today or in the past"),
                             (TODAY - timedelta(days=30), "before the audit was submitted")):
        with pytest.raises(ValidationFailed) as info:
            services.record_conversation(audit, actor=people.auditor, held_on=held_on, attendees="", method="fax",
                                         notes="", today=TODAY, expected_version=None)
        problems = dict(info.value.problems)
        assert message in problems["held_on"]
        assert problems["attendees"] == "Say who was there" and problems["method"].startswith("Choose how")


def test_the_report_counts_responses_and_conversations(make_audit, make_case, make_round, people):
    from qa_app.reports.builder import round_report
    from qa_app.working_days import add_working_days

    round_ = make_round()
    audits = [submit(make_audit(auditor=people.auditor, round_=round_,
                                case=make_case(team="North", worker=people.worker, manager=people.manager)), grade=2)
              for _ in range(4)]
    for audit in audits[:3]:
        services.release(audit, services.ReleaseReason.BY_HAND, actor=people.qa)
    db.session.flush()
    released_on = db.session.scalar(sa.select(Release.released_at)).date()
    for audit, agreement in zip(audits, ("agree", "disagree")):
        services.respond(audit, actor=people.worker, agreement=agreement, will_do="Act", comments="",
                         expected_version=None)
    # Two conversations: 1 and 3 working days after release (the median is 2).
    for audit, days in zip(audits, (1, 3)):
        held = add_working_days(released_on, days)
        services.record_conversation(audit, actor=people.manager, held_on=held, attendees="Worker", method="phone",
                                     notes="", today=held, expected_version=None)
    services.set_done_with_worker(audits[3], True, actor=people.auditor)
    db.session.commit()
    figures = round_report(round_)["worker_feedback"]
    assert figures == {"released": 3, "responses": {"agree": 1, "partly": 0, "disagree": 1}, "conversations": 2,
                       "percent_with_conversation": 66.7, "median_working_days_to_conversation": 2,
                       "done_with_worker": 1}
