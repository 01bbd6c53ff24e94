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
