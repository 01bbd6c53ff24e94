"""The access policy and request scenarios of disputes of moderated grades, for the route × role
matrix in tests/functional/test_access_matrix.py.

The matrix's "own" relation means the principal audited the moderated audit: they dispute it
(disputes.new) and read the dispute (disputes.show). Deciding is for any QA lead or moderator who
took no part; the world's audits are moderated by someone who is not a principal, so every
moderator principal is a third person. That the auditor and the moderator never decide is checked
in tests/integration/test_disputes.py.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for

from qa_app.extensions import db
from tests.functional.access_practice import _submitted
from tests.functional.matrix_common import AUDITING, NOBODY, Call, PerRecord

DECIDERS = frozenset({"qa_lead", "moderator"})

POLICY = {
    "disputes.index": {"GET": AUDITING},
    "disputes.new": {"GET": PerRecord(owner=AUDITING, any_record=NOBODY),
                     "POST": PerRecord(owner=AUDITING, any_record=NOBODY)},
    "disputes.show": {"GET": PerRecord(owner=AUDITING, any_record=DECIDERS)},
    "disputes.decide": {"GET": DECIDERS, "POST": DECIDERS},
}


def _moderated(round_, auditor, moderator, team_id, tag):
    from qa_app.db import utcnow
    from qa_app.moderation.services import record_completed

    audit = _submitted(round_, auditor.id, team_id, tag)   # the auditor graded it Requires improvement
    audit.status = "moderated"
    record_completed(audit, moderator=moderator, overall_grade=4, overall_rationale="Risk not analysed.",
                     answers={"plan_smart": (4, "No dates at all.")}, selected_because="percentage",
                     completed_at=utcnow())
    db.session.flush()
    return audit


def extend_world(app, people, world) -> None:
    from qa_app.audit_forms.services import current_version
    from qa_app.audits.models import Audit
    from qa_app.auth.models import Role, User
    from qa_app.auth.services import create_user
    from qa_app.db import utcnow
    from qa_app.disputes.services import raise_dispute
    from qa_app.rounds.sampling import SampleRule
    from qa_app.rounds.services import create_round

    with app.app_context():
        qa = db.session.get(User, people["qa_lead"].id)
        other = db.session.get(User, people["other_auditor"].id)
        owner = db.session.scalar(sa.select(Audit.auditor_id).where(Audit.id == world.audit_id))
        mine = db.session.get(User, owner) if owner != other.id else None
        auditor = mine if mine is not None and mine.has_role(Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD) else other
        moderator = create_user(email=f"mx-moderator-{world.tag}@example.org", roles=[Role.MODERATOR])
        round_ = create_round(name=f"Matrix disputes {world.tag}", template_version=current_version("cp-cin-case-file"),
                              due_date=date.today() + timedelta(days=30), rule=SampleRule(size_mode="all"), seed=1,
                              actor=qa, today=date.today())
        round_.sample_confirmed_at, round_.status = utcnow(), "moderating"
        undisputed = _moderated(round_, auditor, moderator, world.team_id, world.tag)
        disputed = _moderated(round_, auditor, moderator, world.team_id, world.tag)
        dispute = raise_dispute(disputed, actor=auditor, reason="The risk was analysed in the assessment.",
                                today=date.today(), window=10)
        db.session.commit()
        world.extra.update(undisputed_audit_id=undisputed.id, dispute_id=dispute.id, dispute_version=dispute.version,
                           dispute_round_id=round_.id, dispute_auditor_id=auditor.id, dispute_moderator_id=moderator.id)


def _fresh_dispute(w) -> tuple[int, int]:
    """A new open dispute (on a new audit): every allowed principal decides one of their own."""
    from qa_app.auth.models import User
    from qa_app.disputes.services import raise_dispute
    from qa_app.rounds.models import AuditRound

    round_ = db.session.get(AuditRound, w.extra["dispute_round_id"])
    auditor = db.session.get(User, w.extra["dispute_auditor_id"])
    audit = _moderated(round_, auditor, db.session.get(User, w.extra["dispute_moderator_id"]), w.team_id, w.tag)
    dispute = raise_dispute(audit, actor=auditor, reason="Another dispute.", today=date.today(), window=10)
    db.session.commit()
    return dispute.id, dispute.version


def _decide(w, who):
    dispute_id, version = _fresh_dispute(w) if who in DECIDERS else (w.extra["dispute_id"], w.extra["dispute_version"])
    return Call(url_for("disputes.decide", dispute_id=dispute_id), 302, f"/disputes/{dispute_id}",
                data={"version": str(version), "decision": "uphold_moderator",
                      "rationale": "The risk analysis is missing."}, event="dispute.decided")


SCENARIOS = {
    ("disputes.index", "GET"): lambda w, who: Call(url_for("disputes.index"), 200, event="disputes.listed"),
    ("disputes.new", "GET"): lambda w, who: Call(url_for("disputes.new", audit_id=w.extra["undisputed_audit_id"]), 200),
    ("disputes.new", "POST"): lambda w, who: Call(
        url_for("disputes.new", audit_id=w.extra["undisputed_audit_id"]), 302, r"/disputes/\d+",
        data={"reason": "The plan was reviewed on time."}, event="dispute.raised"),
    ("disputes.show", "GET"): lambda w, who: Call(url_for("disputes.show", dispute_id=w.extra["dispute_id"]), 200,
                                                  event="dispute.viewed"),
    ("disputes.decide", "GET"): lambda w, who: Call(url_for("disputes.decide", dispute_id=w.extra["dispute_id"]),
                                                    200, event="dispute.viewed"),
    ("disputes.decide", "POST"): _decide,
}
