"""Retention takes the practice loop's words with the audit: the child's own words and what has
changed in the family's feedback, the worker's response, the feedback conversation and a
dispute's reasons are erased when their audit is; the counts the report uses stay, and nothing of
a recent audit is touched."""

from datetime import date, timedelta

import sqlalchemy as sa

from qa_app.audits.models import Audit
from qa_app.db import utcnow
from qa_app.disputes.models import Dispute
from qa_app.disputes.services import raise_dispute
from qa_app.extensions import db
from qa_app.feedback.models import FeedbackRecord
from qa_app.feedback.services import save_feedback
from qa_app.history.chain import verify
from qa_app.history.models import Event
from qa_app.moderation.services import complete
from qa_app.practice import services as practice
from qa_app.practice.models import FeedbackConversation, WorkerResponse
from qa_app.retention.policy import parse_policy
from qa_app.retention.services import ERASED, run_retention
from tests.functional.test_moderation_support import moderate, moderation_world

TODAY = date.today()
WORDS = "She listens to me and comes when she says she will."


def _loop(make_user, make_round, make_audit, make_case):
    w = moderation_world(make_user, make_round, make_audit, grade=2)
    worker, manager = make_user("practitioner", team="North"), make_user("auditor", team="North")
    case = w.audit.case_file
    case.worker_id, case.manager_id = worker.id, manager.id
    moderate(w.moderation, w.moderator, grade=3, overall=3)
    complete(w.moderation, actor=w.moderator, rationales={q.key: "Weaker" for q in w.audit.template.questions()
                                                          if q.is_graded},
             overall_rationale="Plans are not SMART.", expected_version=w.moderation.version)   # releases it
    db.session.flush()
    practice.respond(w.audit, actor=worker, agreement="partly", will_do="Date every plan action",
                     comments="I was off sick in May", expected_version=None)
    practice.record_conversation(w.audit, actor=manager, held_on=TODAY, attendees="Sam Worker and Pat Manager",
                                 method="in_person", notes="Talked about the plan for Amy", today=TODAY,
                                 expected_version=None)
    save_feedback(None, actor=w.qa, case_file=case, round_=w.audit.round, audit=w.audit, respondent="child",
                  method="visit", consent=True, received_on=TODAY, today=TODAY, what_changed="Calmer at home",
                  answers={"fb_listened_to": "yes", "fb_child_words": WORDS})
    raise_dispute(w.audit, actor=w.auditor, reason="The plan was reviewed monthly", today=TODAY, window=10)
    db.session.commit()
    return w


def _words(audit_id):
    db.session.expire_all()
    record = db.session.scalar(sa.select(FeedbackRecord).where(FeedbackRecord.audit_id == audit_id))
    response = db.session.scalar(sa.select(WorkerResponse).where(WorkerResponse.audit_id == audit_id))
    conversation = db.session.scalar(sa.select(FeedbackConversation).where(FeedbackConversation.audit_id == audit_id))
    dispute = db.session.scalar(sa.select(Dispute).where(Dispute.audit_id == audit_id))
    return {"answers": record.answer_map(), "changed": record.what_changed, "respondent": record.respondent,
            "response": (response.agreement, response.will_do, response.comments),
            "conversation": (conversation.attendees, conversation.notes), "dispute": dispute.reason}


def test_the_practice_loops_words_go_with_the_audit(app, make_user, make_round, make_audit, make_case):
    old = _loop(make_user, make_round, make_audit, make_case)
    recent = _loop(make_user, make_round, make_audit, make_case)
    before = _words(recent.audit.id)
    db.session.get(Audit, old.audit.id).submitted_at = utcnow() - timedelta(days=4 * 365)
    db.session.commit()
    done = run_retention(parse_policy(""), TODAY, actor=None)
    db.session.commit()
    assert done["audits"] == [old.audit.id]
    assert _words(old.audit.id) == {
        "answers": {"fb_listened_to": "yes", "fb_child_words": ""}, "changed": "", "respondent": "child",
        "response": ("partly", "", ""), "conversation": (ERASED, ""), "dispute": ERASED}
    assert _words(recent.audit.id) == before and before["answers"]["fb_child_words"] == WORDS
    # The history's copies of the words go too, for the old audit's records only.
    assert _history(old.audit.id) and all(detail == {} for detail in _history(old.audit.id).values())
    recent_history = " ".join(str(detail) for detail in _history(recent.audit.id).values())
    assert WORDS in recent_history and "The plan was reviewed monthly" in recent_history
    assert verify(db.session).ok


def _history(audit_id) -> dict:
    """(table, id, action) → detail of the events about the audit's practice-loop records."""
    ids = {"family_feedback": sa.select(FeedbackRecord.id).where(FeedbackRecord.audit_id == audit_id),
           "worker_responses": sa.select(WorkerResponse.id).where(WorkerResponse.audit_id == audit_id),
           "feedback_conversations": sa.select(FeedbackConversation.id).where(FeedbackConversation.audit_id == audit_id),
           "grade_disputes": sa.select(Dispute.id).where(Dispute.audit_id == audit_id)}
    db.session.expire_all()
    return {(table, e.object_id, e.action): e.detail for table, query in ids.items()
            for e in db.session.scalars(sa.select(Event).where(Event.object_type == table,
                                                               Event.object_id.in_(query)))}
