"""Retention erases exactly what is due, in batches, leaving counts and ids in the history, and
nothing that a legal hold protects; the chain still verifies afterwards."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from qa_app.actions.models import Action, Reflection
from qa_app.audits.models import Answer, Audit
from qa_app.challenges.models import Challenge
from qa_app.db import utcnow
from qa_app.escalations.models import Escalation
from qa_app.extensions import db
from qa_app.history.chain import verify
from qa_app.history.models import Event
from qa_app.history.services import record
from qa_app.retention.policy import DEFAULT_DAYS, PolicyError, parse_policy
from qa_app.retention.services import ERASED, place_hold, release_hold, run_retention, what_is_due

LONG_AGO = utcnow() - timedelta(days=4 * 365)
EVIDENCE = "The plan names the child's school and the worries of the teacher"


@pytest.fixture
def world(make_user, make_audit, make_round, make_case):
    """Old and recent audits (one old one on a held case, one in a held round) with actions,
    escalations, challenges and reflections, and history events holding their text."""
    lead, worker = make_user("qa_lead"), make_user("practitioner")
    held_round = make_round(actor=lead)
    audits = {name: make_audit(status="submitted", round_=held_round if name == "old_in_held_round" else None)
              for name in ("old", "recent", "old_on_held_case", "old_in_held_round")}
    for name, audit in audits.items():
        audit.overall_summary = f"Summary of {name}"
        audit.answers.append(Answer(question_key="plan_smart", grade=3, value="", evidence=EVIDENCE))
        action = Action(audit=audit, description=f"Do better ({name})", owner_id=worker.id, due_date=date.today(),
                        status="done", done_at=utcnow(), done_note="Done it")
        escalation = Escalation(audit_id=audit.id, case_file_id=audit.case_file_id, raised_by_id=lead.id,
                                reason=f"Risk in {name}", status="acknowledged", acknowledged_by_id=lead.id,
                                acknowledged_at=utcnow(), action_taken="Visited", due_at=utcnow())
        challenge = Challenge(case_file_id=audit.case_file_id, raised_by_id=lead.id, raised_on=date.today(),
                              category=_category(), concern=f"Drift in {name}", audit_id=audit.id, outcome_sought="A plan",
                              team_id=audit.case_file.team_id, status="resolved", current_stage="informal",
                              resolved_on=date.today(), resolution="Agreed")
        reflection = Reflection(audit_id=audit.id, author_id=worker.id, text=f"My reflection on {name}")
        db.session.add_all([action, escalation, challenge, reflection])
        db.session.flush()
        record(lead, "audit.draft_saved", audit, answers={"plan_smart": {"evidence": EVIDENCE}})
        record(lead, "action.created", action, description=action.description)
    db.session.commit()
    for name, audit in audits.items():
        if name.startswith("old"):
            audit.submitted_at = LONG_AGO
            for action in db.session.scalars(sa.select(Action).where(Action.audit_id == audit.id)):
                action.done_at = LONG_AGO
            for reflection in db.session.scalars(sa.select(Reflection).where(Reflection.audit_id == audit.id)):
                reflection.created_at = LONG_AGO
            for escalation in db.session.scalars(sa.select(Escalation).where(Escalation.audit_id == audit.id)):
                escalation.acknowledged_at = LONG_AGO - timedelta(days=3 * 365)
            for challenge in db.session.scalars(sa.select(Challenge).where(Challenge.case_file_id == audit.case_file_id)):
                challenge.resolved_on = (LONG_AGO - timedelta(days=3 * 365)).date()
    db.session.commit()
    place_hold(actor=lead, reason="Complaint 2026/14", case_reference=audits["old_on_held_case"].case_file.reference)
    place_hold(actor=lead, reason="Serious case review", round_name=held_round.name)
    db.session.commit()
    return {"lead": lead, **{name: audit.id for name, audit in audits.items()}}


def _category():
    from qa_app.challenges.models import CHALLENGE_CATEGORIES

    return next(iter(CHALLENGE_CATEGORIES))


def _state(audit_id: int) -> dict:
    db.session.expire_all()
    audit = db.session.get(Audit, audit_id)
    return {
        "summary": audit.overall_summary, "grade": audit.final_grade, "erased": audit.erased_at is not None,
        "evidence": [a.evidence for a in audit.answers],
        "actions": list(db.session.scalars(sa.select(Action.description).where(Action.audit_id == audit_id))),
        "escalations": list(db.session.scalars(sa.select(Escalation.reason).where(Escalation.audit_id == audit_id))),
        "challenges": list(db.session.scalars(sa.select(Challenge.concern).where(
            Challenge.case_file_id == audit.case_file_id))),
        "reflections": list(db.session.scalars(sa.select(Reflection.text).where(Reflection.audit_id == audit_id))),
        "history": [e.detail for e in db.session.scalars(sa.select(Event).where(
            Event.object_type == "audits", Event.object_id == audit_id, Event.action == "audit.draft_saved"))],
    }


def test_retention_erases_exactly_what_is_due_and_nothing_on_hold(app, world, runner):
    policy = parse_policy("")
    due = {d.kind: d for d in what_is_due(policy, date.today())}
    assert due["audits"].ids == [world["old"]]
    assert (due["actions"].count, due["escalations"].count, due["challenges"].count, due["feedback"].count) == (1, 1, 1, 1)
    assert due["history"].count == 0
    before = {name: _state(world[name]) for name in ("recent", "old_on_held_case", "old_in_held_round")}

    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0 and f"audits: 1 due (kept {DEFAULT_DAYS['audits']} days): {world['old']}" in dry.output
    assert "Dry run: nothing was changed." in dry.output
    assert _state(world["old"])["summary"] == "Summary of old"

    result = runner.invoke(args=["retention", "run", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "audits: erased 1" in result.output and "feedback: erased 1" in result.output

    old = _state(world["old"])
    assert old == {"summary": "", "grade": old["grade"], "erased": True, "evidence": [""], "actions": [ERASED],
                   "escalations": [ERASED], "challenges": [ERASED], "reflections": [], "history": [{}]}
    assert old["grade"] is not None  # the grade stays, so reports still count the audit
    # Nothing recent and nothing held was touched.
    assert {name: _state(world[name]) for name in before} == before
    assert before["old_on_held_case"]["evidence"] == [EVIDENCE] and before["old_in_held_round"]["history"][0]

    erased = list(db.session.scalars(sa.select(Event).where(Event.action == "retention.erased").order_by(Event.id)))
    assert {e.detail["kind"]: (e.detail["count"], e.detail["ids"]) for e in erased}["audits"] == (1, [world["old"]])
    assert all(e.detail["count"] == 1 for e in erased)  # batches of one
    assert verify(db.session).ok


def test_a_released_hold_lets_the_next_run_erase(app, world):
    from qa_app.retention.models import LegalHold

    policy = parse_policy("")
    run_retention(policy, date.today(), actor=world["lead"])
    db.session.commit()
    hold = db.session.scalar(sa.select(LegalHold).where(LegalHold.case_file_id.is_not(None)))
    release_hold(hold, actor=world["lead"], reason="The complaint is closed")
    db.session.commit()
    done = run_retention(policy, date.today(), actor=world["lead"])
    db.session.commit()
    assert done["audits"] == [world["old_on_held_case"]]
    assert _state(world["old_in_held_round"])["summary"] == "Summary of old_in_held_round"
    assert verify(db.session).ok


def test_history_details_are_erased_by_age_but_the_chain_verifies(app, world):
    later = date.today() + timedelta(days=DEFAULT_DAYS["history"] + 1)
    done = run_retention(parse_policy(""), later, actor=None)
    db.session.commit()
    assert done["history"]
    held = _state(world["old_on_held_case"])
    assert held["history"] == [{"answers": {"plan_smart": {"evidence": EVIDENCE}}}]  # the hold protects it
    remaining = [e for e in db.session.scalars(sa.select(Event)) if e.detail and e.id in done["history"]]
    assert remaining == []
    result = verify(db.session)
    assert result.ok and result.erased >= len(done["history"])


@pytest.mark.parametrize("text, message", [
    ("audits=ten", "needs a whole number"), ("letters=100", "not a kind of record"), ("audits=5", "at least 30"),
])
def test_a_bad_policy_is_named(text, message):
    with pytest.raises(PolicyError, match=message):
        parse_policy(text)


def test_the_retention_page_shows_what_is_due_and_places_and_releases_holds(app, world, client, make_user, make_case):
    from tests.conftest import csrf_token, sign_in

    sign_in(client, make_user("admin"))
    page = client.get("/retention/").get_data(as_text=True)
    assert 'id="due-audits"' in page and f">{world['old']}<" in page.replace(" …", "")
    assert "Complaint 2026/14" in page and "Serious case review" in page
    case = make_case("HOLD-ME")
    response = client.post("/retention/holds", data={"csrf_token": csrf_token(client, "/retention/"),
                                                      "case_reference": "hold-me", "round_name": "",
                                                      "reason": "Subject access request"}, follow_redirects=True)
    assert "Legal hold placed on case file HOLD-ME" in response.get_data(as_text=True)
    bad = client.post("/retention/holds", data={"csrf_token": csrf_token(client, "/retention/"),
                                                 "case_reference": "", "round_name": "", "reason": "Because"})
    assert bad.status_code == 400
    assert "Enter a case reference or choose a round" in bad.get_data(as_text=True)
    from qa_app.retention.models import LegalHold

    hold = db.session.scalar(sa.select(LegalHold).where(LegalHold.case_file_id == case.id))
    done = client.post(f"/retention/holds/{hold.id}/release", data={
        "csrf_token": csrf_token(client, "/retention/"), "reason": "Request answered"}, follow_redirects=True)
    assert "Legal hold on case file HOLD-ME released." in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LegalHold, hold.id).release_reason == "Request answered"
