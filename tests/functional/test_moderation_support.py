"""Factories for the moderation tests (no tests here): submitted audits, selected and graded moderations.

Everything goes through the real services (save_audit, select_for_moderation, save_grades …), so
the records are what the app itself would make.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from qa_app.extensions import db

EVIDENCE = "Record of the home visit on 3 October."


def complete_answers(template, grade=2, overrides: dict | None = None, evidence: str = EVIDENCE) -> dict:
    """A valid answer for every question; `overrides` maps a graded question's key to its grade."""
    overrides = overrides or {}
    answers = {}
    for question in template.questions():
        value = {
            "grade": overrides.get(question.key, grade), "yes_partly_no": "yes",
            "choice": (question.choices or ("",))[0], "text": "Seen and recorded.", "date": date(2026, 10, 1),
            "number": "12",
        }[question.type]
        answers[question.key] = {"value": value, "evidence": evidence}
    return answers


def submit(audit, *, grade=2, overall=None, overrides=None, risk=False, evidence=EVIDENCE, summary="Summary."):
    """Submit (or resubmit) `audit` as its auditor, with every question answered."""
    from qa_app.audits.services import save_audit

    template = audit.template
    answers = complete_answers(template, grade, overrides, evidence)
    limit = template.scale.worst(
        [a["value"] for k, a in answers.items() if template.question(k).is_graded and template.question(k).limiting])
    if overall is None:
        overall = template.scale.worst([grade, limit])
    save_audit(audit, actor=audit.auditor, answers=answers, overall_grade=overall, overall_summary=summary,
               immediate_risk=risk, immediate_risk_reason="Bruising seen, no strategy discussion." if risk else "",
               expected_version=audit.version, submit=True)
    db.session.commit()
    return audit


def graded_keys(template) -> list[str]:
    return [q.key for q in template.questions() if q.is_graded]


def limiting_keys(template) -> list[str]:
    return [q.key for q in template.questions() if q.is_graded and q.limiting]


def moderate(moderation, moderator, *, grade=2, overall=None, overrides=None, lock=True, rationales=None):
    """Save the moderator's grades (every graded question), locked in unless `lock` is False."""
    from qa_app.moderation.services import save_grades

    template = moderation.audit.template
    grades = {key: (overrides or {}).get(key, grade) for key in graded_keys(template)}
    if overall is None:
        overall = template.scale.worst(list(grades[k] for k in limiting_keys(template)) + [grade])
    save_grades(moderation, actor=moderator, grades=grades, rationales=rationales or {}, overall_grade=overall,
                overall_rationale="", expected_version=moderation.version, lock=lock)
    db.session.commit()
    return moderation


@dataclass
class World:
    qa: object
    auditor: object
    moderator: object
    round: object
    audit: object
    moderation: object


def moderation_world(make_user, make_round, make_audit, *, blind=True, grade=2, overall=None, overrides=None,
                     evidence=EVIDENCE, summary="Summary.", risk=False) -> World:
    """A round (100 % moderated) with one submitted audit, selected and assigned to a moderator."""
    from qa_app.moderation.services import assign, select_for_moderation

    qa = make_user("qa_lead")
    auditor = make_user("auditor", team="North")
    moderator = make_user("moderator", team="South")
    round_ = make_round(actor=qa, moderation_percent=100, blind_moderation=blind)
    audit = make_audit(auditor=auditor, round_=round_)
    submit(audit, grade=grade, overall=overall, overrides=overrides, evidence=evidence, summary=summary, risk=risk)
    (moderation,) = select_for_moderation(round_, actor=qa)
    assign(moderation, moderator, actor=qa)
    db.session.commit()
    return World(qa, auditor, moderator, round_, audit, moderation)


def events(action: str) -> list:
    from qa_app.history.models import Event

    return list(db.session.scalars(sa.select(Event).where(Event.action == action).order_by(Event.id)))
