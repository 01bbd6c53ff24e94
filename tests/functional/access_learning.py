"""The access policy and request scenarios of learning briefs and training needs, for the route ×
role matrix in tests/functional/test_access_matrix.py.

The matrix's "own" relation means: learning.show and learning.document: the published brief went to
the principal's team (every principal is in the team "Matrix staff"); learning.discussed: the
principal manages (audits in) that team; learning.tag: the principal audited the audit. In an
"other" world the brief went to a team nobody is in, and the audit is someone else's.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for

from qa_app.extensions import db
from tests.functional.access_practice import _submitted
from tests.functional.matrix_common import AUDITING, QA_LEAD, ROLES, Call, PerRecord, _date_parts

READERS = frozenset({"qa_lead", "viewer"})
MEMBERS = frozenset(ROLES)

POLICY = {
    "learning.index": {"GET": READERS},
    "learning.draft": {"POST": QA_LEAD},
    "learning.show": {"GET": PerRecord(owner=MEMBERS, any_record=READERS)},
    "learning.document": {"GET": PerRecord(owner=MEMBERS, any_record=READERS)},
    "learning.edit": {"GET": QA_LEAD, "POST": QA_LEAD},
    "learning.publish": {"GET": QA_LEAD, "POST": QA_LEAD},
    "learning.discussed": {"POST": PerRecord(owner=frozenset({"auditor"}), any_record=QA_LEAD)},
    "learning.training_needs": {"GET": READERS},
    "learning.tag": {"GET": PerRecord(owner=AUDITING, any_record=QA_LEAD),
                     "POST": PerRecord(owner=AUDITING, any_record=QA_LEAD)},
}


def extend_world(app, people, world) -> None:
    from qa_app.audit_forms.services import current_version
    from qa_app.audits.models import Audit
    from qa_app.auth.models import Role, User
    from qa_app.db import utcnow
    from qa_app.learning.services import draft_brief, publish_brief
    from qa_app.rounds.sampling import SampleRule
    from qa_app.rounds.services import create_round

    with app.app_context():
        qa = db.session.get(User, people["qa_lead"].id)
        other = db.session.get(User, people["other_auditor"].id)
        owner = db.session.scalar(sa.select(Audit.auditor_id).where(Audit.id == world.audit_id))
        mine = db.session.get(User, owner) if owner != other.id else None
        auditor = mine if mine is not None and mine.has_role(Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD) else other

        def round_with_audit(name):
            round_ = create_round(name=f"{name} {world.tag}", template_version=current_version("cp-cin-case-file"),
                                  due_date=date.today() + timedelta(days=30), rule=SampleRule(size_mode="all"),
                                  seed=1, actor=qa, today=date.today())
            round_.sample_confirmed_at, round_.status = utcnow(), "auditing"
            return round_, _submitted(round_, auditor.id, world.team_id, world.tag)

        published_round, tagged_audit = round_with_audit("Matrix learning")
        draft_round, _ = round_with_audit("Matrix draft brief")
        briefless_round, _ = round_with_audit("Matrix no brief")
        published = draft_brief(published_round, actor=qa)
        publish_brief(published, actor=qa, team_ids=[(mine or other).team_id if mine is not None else world.team_id])
        draft = draft_brief(draft_round, actor=qa)
        db.session.commit()
        world.extra.update(brief_id=published.id, brief_team_id=published.recipients[0].team_id,
                           draft_brief_id=draft.id, draft_brief_version=draft.version,
                           briefless_round_id=briefless_round.id, tagged_audit_id=tagged_audit.id)


SCENARIOS = {
    ("learning.index", "GET"): lambda w, who: Call(url_for("learning.index"), 200),
    ("learning.draft", "POST"): lambda w, who: Call(
        url_for("learning.draft", round_id=w.extra["briefless_round_id"]), 302, r"/learning/briefs/\d+/edit", data={},
        event="learning_brief.drafted"),
    ("learning.show", "GET"): lambda w, who: Call(url_for("learning.show", brief_id=w.extra["brief_id"]), 200),
    ("learning.document", "GET"): lambda w, who: Call(url_for("learning.document", brief_id=w.extra["brief_id"]), 200,
                                                      event="learning_brief.downloaded"),
    ("learning.edit", "GET"): lambda w, who: Call(url_for("learning.edit", brief_id=w.extra["draft_brief_id"]), 200),
    ("learning.edit", "POST"): lambda w, who: Call(
        url_for("learning.edit", brief_id=w.extra["draft_brief_id"]), 302, f"/learning/briefs/{w.extra['draft_brief_id']}",
        data={"version": str(w.extra["draft_brief_version"]), "title": "What we learned", "summary": "Plans improved.",
              "strengths": "- Visits", "areas": "- Plans", "key_messages": "- Date every plan"},
        event="learning_brief.edited"),
    ("learning.publish", "GET"): lambda w, who: Call(url_for("learning.publish", brief_id=w.extra["draft_brief_id"]),
                                                     200),
    ("learning.publish", "POST"): lambda w, who: Call(
        url_for("learning.publish", brief_id=w.extra["draft_brief_id"]), 302,
        f"/learning/briefs/{w.extra['draft_brief_id']}", data={"team_ids": [str(w.team_id)]},
        event="learning_brief.published"),
    ("learning.discussed", "POST"): lambda w, who: Call(
        url_for("learning.discussed", brief_id=w.extra["brief_id"], team_id=w.extra["brief_team_id"]), 302,
        f"/learning/briefs/{w.extra['brief_id']}", data={"discussed_on": _date_parts(date.today()), "note": ""},
        event="learning_brief.discussed"),
    ("learning.training_needs", "GET"): lambda w, who: Call(url_for("learning.training_needs"), 200),
    ("learning.tag", "GET"): lambda w, who: Call(url_for("learning.tag", audit_id=w.extra["tagged_audit_id"]), 200),
    ("learning.tag", "POST"): lambda w, who: Call(
        url_for("learning.tag", audit_id=w.extra["tagged_audit_id"]), 302, f"/audits/{w.extra['tagged_audit_id']}",
        data={"target": "q:plan_smart", "need": "smart_planning"}, event="training_need.tagged"),
}
