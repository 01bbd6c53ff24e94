"""The access policy and request scenarios of the moderation routes, for the route × role matrix
(tests/functional/test_access_matrix.py merges every access_*.py module by itself).

For the moderation routes, the "own" relation of `PerRecord` means the *moderation* is assigned to
the principal (the matrix's world gives them an audit of their own; the scenario reads that and
makes the principal the moderator of another auditor's audit). For the versions page it keeps its
meaning: the audit is the principal's own.

A scenario makes the records it needs (through the app's services, committed before the request)
only for principals who get past the route's role check: everyone else is refused before any
record is looked up, and nothing is created for them (so the viewer test sees no new rows).
"""

import itertools
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for

from qa_app.extensions import db
from tests.functional.matrix_common import AUDITING, NOBODY, QA_LEAD, Call, PerRecord
from tests.functional.test_moderation_support import graded_keys, moderate, submit

MODERATING = frozenset({"moderator", "qa_lead"})
# Moderate, compare, complete: only the assigned moderator (a QA lead reads, never grades for them).
ASSIGNED_MODERATOR = PerRecord(owner=MODERATING, any_record=NOBODY)

POLICY = {
    "moderation.index": {"GET": MODERATING},
    "moderation.calibration": {"GET": QA_LEAD},
    "moderation.round_page": {"GET": QA_LEAD},
    "moderation.select": {"POST": QA_LEAD},
    "moderation.auto_assign": {"POST": QA_LEAD},
    "moderation.add": {"GET": QA_LEAD, "POST": QA_LEAD},
    "moderation.withdraw": {"GET": QA_LEAD, "POST": QA_LEAD},
    "moderation.assign": {"GET": QA_LEAD, "POST": QA_LEAD},
    "moderation.grade": {"GET": ASSIGNED_MODERATOR, "POST": ASSIGNED_MODERATOR},
    "moderation.compare": {"GET": ASSIGNED_MODERATOR, "POST": ASSIGNED_MODERATOR},
    "moderation.show": {"GET": PerRecord(owner=MODERATING, any_record=QA_LEAD)},
    # The audit's auditor, any QA lead (and its moderator once graded: tested in test_moderation_pages).
    "moderation.versions": {"GET": PerRecord(owner=AUDITING, any_record=QA_LEAD)},
}

_serial = itertools.count(1)


def _user(w, role):
    from qa_app.auth.models import User

    return db.session.get(User, w.people[role].id)


def _is_own(w, who) -> bool:
    from qa_app.audits.models import Audit

    return who in w.people and db.session.scalar(
        sa.select(Audit.auditor_id).where(Audit.id == w.audit_id)) == w.people[who].id


def _submitted_audit(w):
    """A new audit in the world's round, by the world's other auditor, submitted."""
    from qa_app.audits.models import Audit
    from qa_app.cases.models import CaseFile
    from qa_app.rounds.models import AuditRound

    round_ = db.session.get(AuditRound, w.round_id)
    case = CaseFile(reference=f"MXM{w.tag}N{next(_serial)}", case_type="CP", team_id=w.team_id,
                    allocated_worker="Worker A", date_of_birth=date.today() - timedelta(days=7 * 365))
    audit = Audit(round=round_, case_file=case, template_version_id=round_.template_version_id,
                  auditor_id=w.people["other_auditor"].id, status="not_started")
    db.session.add_all([case, audit])
    db.session.commit()
    return submit(audit)


def _moderation(w, who, state: str = "assigned") -> tuple[int, int]:
    """(moderation id, version): another auditor's audit in moderation, in `state` ("assigned",
    "graded"), moderated by `who` when the matrix asks for their own record, else by a moderator
    made for it."""
    from qa_app.auth.models import Role
    from qa_app.auth.services import create_user
    from qa_app.moderation.services import add_by_hand

    audit = _submitted_audit(w)
    moderation = add_by_hand(audit, reason="Access test", actor=_user(w, "qa_lead"))
    if _is_own(w, who):
        moderator = _user(w, who)
    else:
        moderator = create_user(email=f"mx-moderator-{w.tag}-{next(_serial)}@example.org", roles=[Role.MODERATOR])
    db.session.flush()
    moderation.moderator_id = moderator.id
    db.session.commit()
    if state == "graded":
        moderate(moderation, moderator, grade=2)      # the auditor's grades: nothing to explain
    return moderation.id, moderation.version


def _for(who, roles, build, placeholder):
    """Build records only for principals who get past the role check."""
    return build() if who in roles else placeholder


def _grade_data(w, version):
    from qa_app.audit_forms.services import current_version

    template = current_version("cp-cin-case-file").template
    data = {"version": str(version), "action": "grade", "overall_grade": "2", "overall_rationale": ""}
    for key in graded_keys(template):
        data[f"g_{key}"] = "2"
        data[f"r_{key}"] = ""
    return data


def _round_path(w):
    return f"/moderation/rounds/{w.round_id}"


def _add(w, who):
    audit_id = _for(who, QA_LEAD, lambda: _submitted_audit(w).id, 0)
    return Call(url_for("moderation.add", round_id=w.round_id), 302, _round_path(w),
                data={"audit_id": str(audit_id), "reason": "Added by the access test"}, event="moderation.added")


def _withdraw(w, who, method):
    moderation_id, _ = _for(who, QA_LEAD, lambda: _moderation(w, who), (0, 0))
    path = url_for("moderation.withdraw", moderation_id=moderation_id)
    if method == "GET":
        return Call(path, 200)
    return Call(path, 302, _round_path(w), data={"reason": "Withdrawn by the access test"},
                event="moderation.withdrawn")


def _assign(w, who, method):
    moderation_id, _ = _for(who, QA_LEAD, lambda: _moderation(w, who), (0, 0))
    path = url_for("moderation.assign", moderation_id=moderation_id)
    if method == "GET":
        return Call(path, 200)
    return Call(path, 302, _round_path(w), data={"moderator_id": str(w.people["moderator"].id)},
                event="moderation.assigned")


def _grade(w, who, method):
    moderation_id, version = _for(who, MODERATING, lambda: _moderation(w, who), (0, 0))
    path = url_for("moderation.grade", moderation_id=moderation_id)
    if method == "GET":
        return Call(path, 200, event="moderation.viewed")
    return Call(path, 302, f"/moderation/{moderation_id}/compare", data=_grade_data(w, version),
                event="moderation.graded")


def _compare(w, who, method):
    moderation_id, version = _for(who, MODERATING, lambda: _moderation(w, who, "graded"), (0, 0))
    path = url_for("moderation.compare", moderation_id=moderation_id)
    if method == "GET":
        return Call(path, 200, event="moderation.viewed")
    return Call(path, 302, "/moderation/", data={"version": str(version), "action": "complete",
                                                 "overall_rationale": ""}, event="moderation.completed")


def _show(w, who):
    moderation_id, _ = _for(who, MODERATING, lambda: _moderation(w, who, "graded"), (0, 0))
    return Call(url_for("moderation.show", moderation_id=moderation_id), 200, event="moderation.viewed")


SCENARIOS = {
    ("moderation.index", "GET"): lambda w, who: Call(url_for("moderation.index"), 200),
    ("moderation.calibration", "GET"): lambda w, who: Call(url_for("moderation.calibration"), 200,
                                                           event="moderation.calibration_viewed"),
    ("moderation.round_page", "GET"): lambda w, who: Call(url_for("moderation.round_page", round_id=w.round_id),
                                                          200, event="moderation.round_viewed"),
    ("moderation.select", "POST"): lambda w, who: Call(
        url_for("moderation.select", round_id=w.round_id), 302, _round_path(w), data={},
        event="moderation.selection_run"),
    ("moderation.auto_assign", "POST"): lambda w, who: Call(
        url_for("moderation.auto_assign", round_id=w.round_id), 302, _round_path(w), data={},
        event="moderation.auto_assigned"),
    ("moderation.add", "GET"): lambda w, who: Call(url_for("moderation.add", round_id=w.round_id), 200),
    ("moderation.add", "POST"): _add,
    ("moderation.withdraw", "GET"): lambda w, who: _withdraw(w, who, "GET"),
    ("moderation.withdraw", "POST"): lambda w, who: _withdraw(w, who, "POST"),
    ("moderation.assign", "GET"): lambda w, who: _assign(w, who, "GET"),
    ("moderation.assign", "POST"): lambda w, who: _assign(w, who, "POST"),
    ("moderation.grade", "GET"): lambda w, who: _grade(w, who, "GET"),
    ("moderation.grade", "POST"): lambda w, who: _grade(w, who, "POST"),
    ("moderation.compare", "GET"): lambda w, who: _compare(w, who, "GET"),
    ("moderation.compare", "POST"): lambda w, who: _compare(w, who, "POST"),
    ("moderation.show", "GET"): _show,
    ("moderation.versions", "GET"): lambda w, who: Call(
        url_for("moderation.versions", audit_id=w.audit_id), 200, event="audit.versions_viewed"),
}
