"""The access policy and request scenarios of family and child feedback, for the route × role matrix
in tests/functional/test_access_matrix.py.

The matrix's "own" relation means: the principal audited the audit the feedback is on
(feedback.for_audit records on it; feedback.show reads feedback recorded on it). In an "other"
world the audit is someone else's, so only a QA lead gets in. The case's people read feedback on a
released audit through the audit page itself (tests/functional/test_feedback_pages.py).
"""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for

from qa_app.extensions import db
from tests.functional.access_practice import _submitted
from tests.functional.matrix_common import AUDITING, QA_LEAD, Call, PerRecord, _date_parts

POLICY = {
    "feedback.index": {"GET": QA_LEAD},
    "feedback.blank_form": {"GET": AUDITING},
    "feedback.show": {"GET": PerRecord(owner=AUDITING, any_record=QA_LEAD)},
    "feedback.for_audit": {"GET": PerRecord(owner=AUDITING, any_record=QA_LEAD),
                           "POST": PerRecord(owner=AUDITING, any_record=QA_LEAD)},
    "feedback.for_round": {"GET": QA_LEAD, "POST": QA_LEAD},
}


def extend_world(app, people, world) -> None:
    from qa_app.audit_forms.services import current_version
    from qa_app.audits.models import Audit
    from qa_app.auth.models import Role, User
    from qa_app.db import utcnow
    from qa_app.feedback.services import save_feedback
    from qa_app.rounds.sampling import SampleRule
    from qa_app.rounds.services import create_round

    with app.app_context():
        qa = db.session.get(User, people["qa_lead"].id)
        other = db.session.get(User, people["other_auditor"].id)
        owner = db.session.scalar(sa.select(Audit.auditor_id).where(Audit.id == world.audit_id))
        mine = db.session.get(User, owner) if owner != other.id else None
        auditor = mine if mine is not None and mine.has_role(Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD) else other
        round_ = create_round(name=f"Matrix feedback {world.tag}", template_version=current_version("cp-cin-case-file"),
                              due_date=date.today() + timedelta(days=30), rule=SampleRule(size_mode="all"), seed=1,
                              actor=qa, today=date.today())
        round_.sample_confirmed_at, round_.status = utcnow(), "auditing"
        audit = _submitted(round_, auditor.id, world.team_id, world.tag)
        feedback = save_feedback(None, actor=qa, case_file=audit.case_file, round_=round_, audit=audit,
                                 respondent="parent", method="phone", consent=True, received_on=date.today(),
                                 answers={"fb_listened_to": "yes"}, what_changed="", today=date.today())
        db.session.commit()
        world.extra.update(feedback_audit_id=audit.id, feedback_round_id=round_.id, feedback_id=feedback.id,
                           feedback_reference=audit.case_file.reference)


def _form(w):
    return {"respondent": "child", "method": "visit", "consent": "y", "received_on": _date_parts(date.today()),
            "f_fb_listened_to": "yes", "f_fb_child_words": "My worker listens.", "what_changed": ""}


SCENARIOS = {
    ("feedback.index", "GET"): lambda w, who: Call(url_for("feedback.index"), 200, event="family_feedback.listed"),
    ("feedback.blank_form", "GET"): lambda w, who: Call(url_for("feedback.blank_form", key="cp-cin-case-file"), 200),
    ("feedback.show", "GET"): lambda w, who: Call(url_for("feedback.show", record_id=w.extra["feedback_id"]), 200,
                                                  event="family_feedback.viewed"),
    ("feedback.for_audit", "GET"): lambda w, who: Call(
        url_for("feedback.for_audit", audit_id=w.extra["feedback_audit_id"]), 200),
    ("feedback.for_audit", "POST"): lambda w, who: Call(
        url_for("feedback.for_audit", audit_id=w.extra["feedback_audit_id"]), 302,
        f"/audits/{w.extra['feedback_audit_id']}", data=_form(w), event="family_feedback.recorded"),
    ("feedback.for_round", "GET"): lambda w, who: Call(
        url_for("feedback.for_round", round_id=w.extra["feedback_round_id"]), 200),
    ("feedback.for_round", "POST"): lambda w, who: Call(
        url_for("feedback.for_round", round_id=w.extra["feedback_round_id"]), 302, r"/feedback/\d+",
        data={**_form(w), "reference": w.extra["feedback_reference"], "round_id": str(w.extra["feedback_round_id"])},
        event="family_feedback.recorded"),
}
