"""Who may do what with a challenge: small predicates used by views, services and templates alike.

- An IRO raises a challenge.
- The IRO who raised it, or a QA lead, progresses it: accepts a response, escalates, skips a stage,
  withdraws, flags a Cafcass referral, changes the named responders.
- The responders named at the current stage, or a QA lead, record the response.
- IROs and QA leads read every challenge; anyone named as a responder at any stage reads that one.
  Viewers (senior managers, the improvement board) see the list and the monthly figures, never the
  concern itself, and change nothing: a senior manager who responds at a formal stage needs a role
  that can write (a head of service or director holds the moderator role, for example).
"""

from qa_app.auth.models import Role

RAISERS = (Role.IRO,)
READ_ALL = (Role.IRO, Role.QA_LEAD)
LIST_ALL = (Role.QA_LEAD, Role.VIEWER)
REPORT_READERS = (Role.QA_LEAD, Role.VIEWER, Role.IRO)
# Who may be named as a responder: social workers, team managers, service managers and above.
RESPONDER_ROLES = (Role.PRACTITIONER, Role.AUDITOR, Role.MODERATOR, Role.QA_LEAD)
# Everyone who may see something under "Challenges".
CHALLENGE_USERS = tuple(dict.fromkeys(RAISERS + READ_ALL + LIST_ALL + RESPONDER_ROLES))


def can_raise(user) -> bool:
    return user.has_role(*RAISERS)


def is_named_responder(user, stage) -> bool:
    return stage is not None and user.id is not None and user.id in (stage.responder_id, stage.second_responder_id)


def can_respond(user, challenge) -> bool:
    """The responder(s) named at the current stage (the last one, once closed) while they hold a
    role that may respond, or a QA lead. Whether a response is still possible is the workflow's
    question, not this one."""
    last = challenge.stages[-1] if challenge.stages else None
    return user.has_role(Role.QA_LEAD) or (user.has_role(*RESPONDER_ROLES) and is_named_responder(user, last))


def can_progress(user, challenge) -> bool:
    """The IRO who raised it (while they are still an IRO), or a QA lead."""
    return user.has_role(Role.QA_LEAD) or (challenge.raised_by_id == user.id and user.has_role(Role.IRO))


def can_view(user, challenge) -> bool:
    return user.has_role(*READ_ALL) or any(is_named_responder(user, stage) for stage in challenge.stages)


def current_stage_row(challenge):
    """The stage row still open (None once the challenge is closed)."""
    for stage in reversed(challenge.stages):
        if stage.closed_on is None:
            return stage
    return None
