"""The demo's practice loop: case files linked to the demo social worker and the team managers, the
past rounds' audits released, and recorded conversations and responses (see qa_app.demo)."""

import random
from datetime import timedelta

import sqlalchemy as sa

from qa_app.actions.models import Action
from qa_app.audits.models import Audit
from qa_app.auth.models import Role, User, UserRole
from qa_app.cases.models import CaseFile
from qa_app.extensions import db
from qa_app.moderation.models import Moderation, ModerationStatus
from qa_app.practice import services
from qa_app.practice.models import ReleaseReason
from qa_app.rounds.models import AuditRound
from qa_app.working_days import add_working_days

SOCIAL_WORKER = "social.worker@example.org"


def link_people(rng: random.Random, past_round_names: list[str]) -> None:
    """Every case file gets its team's manager (the demo's team managers, by account); the social
    worker gets the past audits' case files that carry their actions, and a few more of their
    own team's, so reflections, feedback and actions show on first run."""
    worker = db.session.scalar(sa.select(User).where(User.email == SOCIAL_WORKER))
    managers = {user.team_id: user for user in db.session.scalars(
        sa.select(User).join(UserRole).where(UserRole.role == Role.AUDITOR, User.email.like("tm.%")))}
    for case in db.session.scalars(sa.select(CaseFile)):
        manager = managers.get(case.team_id)
        if manager is not None:
            case.manager_id, case.team_manager = manager.id, manager.display_name
    past = list(db.session.scalars(
        sa.select(Audit).join(AuditRound, AuditRound.id == Audit.round_id).where(AuditRound.name.in_(past_round_names))
        .order_by(Audit.id)))
    with_actions = {a.audit_id for a in db.session.scalars(sa.select(Action).where(Action.owner_id == worker.id))}
    own_team = [a for a in past if a.case_file.team_id == worker.team_id and a.id not in with_actions]
    chosen = [a for a in past if a.id in with_actions] + own_team[:4]
    for audit in chosen:
        case = audit.case_file
        case.worker_id, case.allocated_worker = worker.id, worker.display_name
        # The social worker's case is managed in their own team.
        if case.team_id != worker.team_id and worker.team_id in managers:
            case.team_id = worker.team_id
            case.manager_id, case.team_manager = managers[worker.team_id].id, managers[worker.team_id].display_name
    db.session.flush()


def release_past_rounds(rng: random.Random, past_round_names: list[str]) -> None:
    """The past rounds are finished: each audit was released when its moderation was completed or,
    not being selected, once the sample was chosen. The social worker's audits have feedback
    conversations and responses, all but the newest one (left for the visitor to respond to)."""
    worker = db.session.scalar(sa.select(User).where(User.email == SOCIAL_WORKER))
    rounds = list(db.session.scalars(sa.select(AuditRound).where(AuditRound.name.in_(past_round_names))))
    for round_ in rounds:   # the latest past round asked its workers to reflect
        round_.reflections_enabled = round_.name == past_round_names[-1]
    for round_ in rounds:
        audits = db.session.scalars(sa.select(Audit).where(Audit.round_id == round_.id).order_by(Audit.id))
        for audit in audits:
            moderation = db.session.scalar(sa.select(Moderation).where(Moderation.audit_id == audit.id))
            if moderation is not None and moderation.status == ModerationStatus.COMPLETED:
                services.release(audit, ReleaseReason.MODERATED, actor=None, when=moderation.completed_at)
            else:
                services.release(audit, ReleaseReason.NOT_SELECTED, actor=None,
                                 when=audit.submitted_at + timedelta(days=5))
    db.session.flush()
    mine = list(db.session.scalars(
        sa.select(Audit).join(CaseFile, CaseFile.id == Audit.case_file_id)
        .where(CaseFile.worker_id == worker.id, Audit.round_id.in_([r.id for r in rounds]))
        .order_by(Audit.submitted_at)))
    for index, audit in enumerate(mine[:-1]):
        released = audit.submitted_at + timedelta(days=5)
        held = add_working_days(released.date(), rng.choice([2, 4, 6, 9]))
        manager = audit.case_file.manager
        services.record_conversation(
            audit, actor=manager, held_on=held, attendees=f"{worker.display_name} and {manager.display_name}",
            method=rng.choice(["in_person", "supervision", "video"]),
            notes="Went through the findings together and agreed the actions.", today=held, expected_version=None)
        services.respond(audit, actor=worker, agreement=["agree", "partly", "agree", "disagree"][index % 4],
                         will_do="Update the plan with dates and record the child's views at every visit.",
                         comments="Synthetic demo response." if index % 2 else "", expected_version=None)
    if mine:
        services.set_done_with_worker(mine[0], True, actor=mine[0].auditor)
    db.session.flush()


def family_feedback(rng: random.Random, past_round_names: list[str]) -> None:
    """Feedback from several kinds of respondent on the latest past round's audits, and one typed in
    from a printed form."""
    from qa_app.feedback.services import save_feedback

    qa = db.session.scalar(sa.select(User).where(User.email == "qa.lead@example.org"))
    round_ = db.session.scalar(sa.select(AuditRound).where(AuditRound.name == past_round_names[-1]))
    audits = list(db.session.scalars(sa.select(Audit).where(Audit.round_id == round_.id).order_by(Audit.id)))
    section = round_.template_version.template.feedback
    if section is None:
        return
    words = ["She listens to me and comes when she says she will.", "I don't always know why they visit.",
             "Things are calmer at home now.", "I wish I saw the same worker each time."]
    for index, (audit, respondent) in enumerate(zip(audits, ["child", "parent", "carer", "child", "parent",
                                                             "foster_carer", "other"])):
        answers = {q.key: rng.choice(["yes", "yes", "partly", "no", "na"]) if q.type == "yes_partly_no"
                   else words[index % len(words)] for q in section.questions}
        save_feedback(None, actor=qa, case_file=audit.case_file, round_=round_, audit=audit, respondent=respondent,
                      method=rng.choice(["phone", "visit", "form", "advocate"]), consent=True,
                      received_on=audit.submitted_at.date(), answers=answers,
                      what_changed="The plan is clearer and the family knows what has to change." if index % 2 else "",
                      today=audit.submitted_at.date())
    spare = audits[-1]
    save_feedback(None, actor=qa, case_file=spare.case_file, round_=round_, audit=None, respondent="adopter",
                  method="form", consent=True, received_on=spare.submitted_at.date(),
                  answers={section.questions[0].key: "yes"}, what_changed="", today=spare.submitted_at.date())
    db.session.flush()


def observation_round(rng: random.Random, days_ago: int = 30) -> None:
    """A past observation round: home visits observed, graded on the same scale and themes."""
    from datetime import datetime, time

    from qa_app.audit_forms.services import current_version
    from qa_app.audits.services import record_submitted
    from qa_app.audits.workflow import AuditStatus
    from qa_app.rounds import services as rounds

    version = current_version("observation-home-visit")
    if version is None:
        return
    qa = db.session.scalar(sa.select(User).where(User.email == "qa.lead@example.org"))
    started = datetime.combine(date_today() - timedelta(days=days_ago), time(9))
    round_ = rounds.record_past_round(name="Observation of practice: home visits, autumn 2026",
                                      template_version=version, started_at=started,
                                      due_date=(started + timedelta(days=21)).date(), seed=rng.randrange(1, 10**6),
                                      created_by_id=qa.id, sample_rule={"observation": "home_visit"})
    db.session.flush()
    auditors = list(db.session.scalars(sa.select(User).where(User.email.like("tm.%")).order_by(User.email)))
    audited = set(db.session.scalars(sa.select(Audit.case_file_id)))
    cases = [c for c in db.session.scalars(sa.select(CaseFile).where(CaseFile.case_type.in_(["CIN", "CP"]))
                                           .order_by(CaseFile.reference)) if c.id not in audited][:6]
    template = version.template
    for index, case in enumerate(cases):
        overall = [2, 3, 2, 4, 3, 1][index]
        auditor = next(a for a in auditors[index % len(auditors):] + auditors if a.team_id != case.team_id)
        answers = {q.key: {"value": (overall if q.limiting else max(1, min(4, overall + rng.choice([-1, 0, 0]))))
                           if q.is_graded else ("yes" if q.type == "yes_partly_no" else "Talked it through."),
                           "evidence": "Seen on the visit." if q.is_graded else ""}
                   for q in template.questions()}
        when = started + timedelta(days=3 + index)
        audit = record_submitted(round_=round_, case_file=case, template_version=version, auditor=auditor,
                                 status=AuditStatus.SUBMITTED, overall_grade=overall,
                                 overall_summary="Synthetic demo observation: no real visit.", immediate_risk=False,
                                 immediate_risk_reason="", submitted_at=when, answers=answers)
        audit.created_at = audit.started_at = started
        db.session.flush()
        services.release(audit, ReleaseReason.NO_MODERATION, actor=None, when=when + timedelta(days=1))
    db.session.flush()


def date_today():
    from datetime import date

    return date.today()


def disputes_and_learning(rng: random.Random, past_round_names: list[str]) -> None:
    """A decided dispute and an open one; a learning brief published for the middle past round
    (discussed by one team) so the latest round's report shows the change since; training needs."""
    from qa_app.disputes.services import decide, raise_dispute
    from qa_app.learning.services import confirm_discussed, draft_brief, publish_brief, tag_training_need

    qa = db.session.scalar(sa.select(User).where(User.email == "qa.lead@example.org"))
    disputed = list(db.session.scalars(
        sa.select(Audit).join(Moderation, Moderation.audit_id == Audit.id)
        .where(Moderation.status == ModerationStatus.COMPLETED, Moderation.overall_grade != Audit.overall_grade)
        .order_by(Audit.id)))
    for index, audit in enumerate(disputed[:2]):
        moderation = db.session.scalar(sa.select(Moderation).where(Moderation.audit_id == audit.id))
        dispute = raise_dispute(audit, actor=audit.auditor, today=moderation.completed_at.date() + timedelta(days=2),
                                window=10, reason="The file shows the risk was reviewed at every core group: "
                                                  "I graded what the record shows.")
        dispute.raised_at = moderation.completed_at + timedelta(days=2)
        if index == 0:
            decide(dispute, actor=qa, decision="uphold_moderator", grade=None, expected_version=None,
                   rationale="The reviews are recorded but do not analyse the risk: the moderator's grade stands.")
    db.session.flush()
    middle = db.session.scalar(sa.select(AuditRound).where(AuditRound.name == past_round_names[-2]))
    brief = draft_brief(middle, actor=qa)
    teams = [u.team_id for u in db.session.scalars(sa.select(User).where(User.email.in_(
        ["tm.north@example.org", "tm.south@example.org", "tm.assessment@example.org"])))]
    recipients = publish_brief(brief, actor=qa, team_ids=teams)
    north = db.session.scalar(sa.select(User).where(User.email == "tm.north@example.org"))
    recipient = next(r for r in recipients if r.team_id == north.team_id)
    confirm_discussed(brief, recipient, actor=north, discussed_on=date_today(), today=date_today(),
                      note="Went through the key messages at the team meeting; agreed to date every plan action.")
    latest = db.session.scalar(sa.select(AuditRound).where(AuditRound.name == past_round_names[-1]))
    needs = ["risk_analysis", "smart_planning", "direct_work", "recording", "contingency"]
    for index, audit in enumerate(db.session.scalars(sa.select(Audit).where(Audit.round_id == latest.id)
                                                     .order_by(Audit.id).limit(6))):
        graded = [q.key for q in audit.template.questions() if q.is_graded]
        tag_training_need(audit, actor=audit.auditor, target=f"q:{graded[index % len(graded)]}",
                          need=needs[index % len(needs)])
    db.session.flush()
