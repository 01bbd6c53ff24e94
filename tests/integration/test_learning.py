"""Learning briefs and training needs: drafted from the figures (no case details), edited, published
to teams (who was told, and when), discussed; the next round's change since the brief; the tags and
their counts by theme and team."""

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from docx import Document

from qa_app.actions.services import create_action
from qa_app.errors import DomainError, NotPermitted, ValidationFailed
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.learning import queries, services
from qa_app.learning.document import brief_document
from qa_app.learning.models import BriefRecipient
from qa_app.notifications.models import Notification
from qa_app.reports.builder import round_report
from tests.functional.test_moderation_support import submit

TODAY = date.today()


@pytest.fixture
def round_with_audits(make_user, make_round, make_audit, make_case):
    qa = make_user("qa_lead")
    round_ = make_round(actor=qa)
    auditor = make_user("auditor", team="South")
    cases = [make_case(team="North") for _ in range(3)]
    for case, grade in zip(cases, (2, 3, 4)):
        submit(make_audit(auditor=auditor, round_=round_, case=case), grade=grade)
    return qa, round_, cases


def test_a_draft_is_written_from_the_figures_with_counts_and_no_case_details(round_with_audits):
    qa, round_, cases = round_with_audits
    brief = services.draft_brief(round_, actor=qa)
    db.session.commit()
    text = " ".join([brief.title, brief.summary, brief.strengths, brief.areas, brief.key_messages])
    assert brief.title == f"Learning from {round_.name}"
    assert "3 case files were audited" in brief.summary and "graded answers" in brief.strengths
    assert not any(case.reference in text for case in cases)
    assert services.case_references_in(text) == []
    with pytest.raises(DomainError):
        services.draft_brief(round_, actor=qa)   # one brief per round


def test_editing_refuses_a_case_reference_and_keeps_the_brief(round_with_audits):
    qa, round_, cases = round_with_audits
    brief = services.draft_brief(round_, actor=qa)
    db.session.commit()
    with pytest.raises(ValidationFailed) as info:
        services.edit_brief(brief, actor=qa, values={"title": "", "summary": f"See {cases[0].reference.lower()}.",
                                                     "strengths": "", "areas": "", "key_messages": ""},
                            expected_version=brief.version)
    problems = dict(info.value.problems)
    assert problems["title"] == "Enter the title"
    assert f"Remove the case reference {cases[0].reference}" in problems["summary"]
    db.session.rollback()
    assert "3 case files" in brief.summary


def test_publishing_tells_the_team_managers_and_records_where_it_went(round_with_audits, make_user, make_team):
    qa, round_, _ = round_with_audits
    north_manager = make_user("auditor", team="North")
    make_user("practitioner", team="North")              # not a manager: not emailed
    empty = make_team("Nobody here")
    brief = services.draft_brief(round_, actor=qa)
    with pytest.raises(ValidationFailed):
        services.publish_brief(brief, actor=qa, team_ids=[])
    recipients = services.publish_brief(brief, actor=qa, team_ids=[north_manager.team_id, empty.id])
    db.session.commit()
    told = {r.team.name: r.told for r in recipients}
    assert told == {"North": [north_manager.email], "Nobody here": []}
    assert db.session.scalar(sa.select(Notification.recipient_id)) == north_manager.id
    with pytest.raises(DomainError):
        services.edit_brief(brief, actor=qa, values={"title": "x", "summary": "y"}, expected_version=None)
    recipient = next(r for r in recipients if r.team.name == "North")
    other_manager = make_user("auditor", team="South")
    with pytest.raises(NotPermitted):
        services.confirm_discussed(brief, recipient, actor=other_manager, discussed_on=TODAY, note="", today=TODAY)
    with pytest.raises(ValidationFailed):
        services.confirm_discussed(brief, recipient, actor=north_manager, discussed_on=TODAY + timedelta(days=1),
                                   note="", today=TODAY)
    services.confirm_discussed(brief, recipient, actor=north_manager, discussed_on=TODAY, note="Agreed to act.",
                               today=TODAY)
    db.session.commit()
    assert db.session.scalar(sa.select(BriefRecipient.discussed_by_id).where(BriefRecipient.id == recipient.id)) \
        == north_manager.id
    actions = db.session.scalars(sa.select(Event.action).where(Event.action.like("learning_brief.%"))
                                 .order_by(Event.id)).all()
    assert actions == ["learning_brief.drafted", "learning_brief.published", "learning_brief.discussed"]
    document = Document(io.BytesIO(brief_document(brief, service_name="Case file audit")))
    paragraphs = [p.text for p in document.paragraphs]
    assert brief.title in paragraphs and any("Sent to: Nobody here, North" in p for p in paragraphs)


def test_the_next_rounds_report_shows_each_themes_change_since_the_brief(round_with_audits, make_user, make_round,
                                                                         make_audit, make_case):
    qa, first, _ = round_with_audits
    assert round_report(first)["since_brief"] is None
    brief = services.draft_brief(first, actor=qa)
    services.publish_brief(brief, actor=qa, team_ids=[make_user("auditor", team="North").team_id])
    db.session.commit()
    second = make_round(actor=qa)
    submit(make_audit(auditor=make_user("auditor", team="South"), round_=second, case=make_case()), grade=2)
    report = round_report(second)
    since = report["since_brief"]
    assert since["round"] == first.name and since["brief"] == brief.title
    before = round_report(first)["themes"]["risk_assessment"]["percent_good_or_better"]
    now = report["themes"]["risk_assessment"]["percent_good_or_better"]
    assert since["themes"]["risk_assessment"] == {"before": before, "now": now, "change": round(now - before, 1)}


def test_training_needs_are_tagged_on_questions_and_actions_and_counted(make_user, make_audit, make_case):
    auditor = make_user("auditor", team="South")
    audit = submit(make_audit(auditor=auditor, case=make_case(team="North")), grade=3)
    action = create_action(audit, actor=auditor, question_key="plan_smart", description="Date the plan",
                           owner_id=auditor.id, due_date=TODAY, today=TODAY)
    services.tag_training_need(audit, actor=auditor, target="q:risk_assessment_quality", need="risk_analysis")
    services.tag_training_need(audit, actor=auditor, target=f"a:{action.id}", need="smart_planning")
    db.session.commit()
    with pytest.raises(ValidationFailed) as info:
        services.tag_training_need(audit, actor=auditor, target="q:risk_assessment_quality", need="risk_analysis")
    assert "already tagged" in dict(info.value.problems)["need"]
    with pytest.raises(ValidationFailed) as info:
        services.tag_training_need(audit, actor=auditor, target="q:nope", need="juggling")
    assert set(dict(info.value.problems)) == {"target", "need"}
    with pytest.raises(NotPermitted):
        services.tag_training_need(audit, actor=make_user("practitioner"), target="q:plan_smart", need="recording")
    figures = queries.training_needs()
    assert figures["by_team"] == {"North": {"risk_analysis": 1, "smart_planning": 1}}
    assert figures["by_theme"]["risk_assessment"]["risk_analysis"] == 1
    assert figures["by_theme"]["smart_objectives"]["smart_planning"] == 1   # the action's question's theme
