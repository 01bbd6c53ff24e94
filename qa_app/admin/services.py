"""The administrator's writes. Each takes the acting administrator, records the change in the
history, ends the person's sessions where the change must take effect at once, and flushes."""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from qa_app.admin.models import AccessReview, Invitation
from qa_app.auth import sessions
from qa_app.auth.models import Role, Team, User, UserRole
from qa_app.auth.services import create_user, normalise_email
from qa_app.db import utcnow
from qa_app.errors import NotPermitted, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.notifications.services import queue


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link(path: str) -> str:
    return (current_app.config.get("SERVICE_URL") or "").rstrip("/") + path


def local_passwords() -> bool:
    return bool(current_app.config.get("LOCAL_PASSWORDS", True))


# --- people ------------------------------------------------------------------------------------

def invite(*, email: str, display_name: str, roles: list[Role], team: Team | None, actor: User,
           now: datetime | None = None) -> User:
    """A new account, told by email how to sign in: a single-use link to set a password, or (when
    local passwords are off) to sign in through the organisation's single sign-on."""
    if not display_name.strip():
        raise ValidationFailed([("display_name", "Enter the person's name")])
    held = find_user(email)
    if held is not None and held.imported_from and held.merged_into_id is None:
        raise ValidationFailed([("email", f"An import made an account for {held.email}. If the address is this "
                                          "person's, open that account under People and reactivate it.")])
    user = create_user(email=email, roles=roles, display_name=display_name.strip(), team=team, actor=actor)
    record(actor, "user.invited", user, roles=sorted(r.value for r in roles))
    _send_link(user, purpose="invite", actor=actor, now=now)
    return user


def _send_link(user: User, *, purpose: str, actor: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    db.session.execute(sa.update(Invitation).where(
        Invitation.user_id == user.id, Invitation.used_at.is_(None), Invitation.cancelled_at.is_(None))
        .values(cancelled_at=now))
    service = current_app.config["SERVICE_NAME"]
    if purpose == "invite" and not local_passwords():
        body = (f"Hello {user.display_name},\n\nYou have been given an account on {service}. Sign in with your "
                f"organisation account at:\n\n{link('/sign-in')}\n")
        queue(user, subject=f"Your account on {service}", body=body, object_type="users", object_id=user.id)
        return
    token = secrets.token_urlsafe(32)
    hours = float(current_app.config["INVITATION_HOURS"])
    db.session.add(Invitation(user_id=user.id, token_hash=_hash(token), purpose=purpose, created_by_id=actor.id,
                              created_at=now, expires_at=now + timedelta(hours=hours)))
    url = link(f"/invitation/{token}")
    if purpose == "invite":
        subject = f"Your account on {service}"
        opening = f"You have been given an account on {service}."
    else:
        subject = f"Set a new password for {service}"
        opening = f"Your administrator has sent you a link to set a new password for {service}."
    body = (f"Hello {user.display_name},\n\n{opening} Choose your password here:\n\n{url}\n\n"
            f"The link works once, for {hours:g} hours. If you did not expect this email, tell your "
            "administrator.\n")
    queue(user, subject=subject, body=body, object_type="users", object_id=user.id)


def send_new_password_link(user: User, *, actor: User) -> None:
    if not local_passwords():
        raise NotPermitted("Local passwords are switched off: people sign in through single sign-on.")
    if not user.active:
        raise NotPermitted("Reactivate the account first.")
    _send_link(user, purpose="new_password", actor=actor)
    record(actor, "user.password_link_sent", user)


def update(user: User, *, display_name: str, roles: list[Role], team: Team | None, actor: User) -> bool:
    """Change a person's name, roles and team. Changed roles end their sessions (a new role may need
    two-step verification). ValidationFailed: no roles, no name; NotPermitted: an administrator
    taking away their own admin role. Returns whether anything changed."""
    problems = []
    if not display_name.strip():
        problems.append(("display_name", "Enter the person's name"))
    if not roles:
        problems.append(("roles", "Give the person at least one role"))
    if problems:
        raise ValidationFailed(problems)
    if user.id == actor.id and Role.ADMIN not in roles:
        raise ValidationFailed([("roles", "You cannot take away your own administrator role: "
                                          "ask another administrator")])
    before = {"name": user.display_name, "roles": sorted(r.value for r in user.roles),
              "team": user.team.name if user.team else None}
    after = {"name": display_name.strip(), "roles": sorted(r.value for r in set(roles)),
             "team": team.name if team else None}
    if before == after:
        return False
    user.display_name = after["name"]
    user.team = team
    if before["roles"] != after["roles"]:
        _set_roles(user, roles)
        sessions.end_all(user, "roles_changed")
    record(actor, "user.updated", user, before=before, after=after)
    return True


def _set_roles(user: User, roles: list[Role]) -> None:
    db.session.execute(sa.delete(UserRole).where(UserRole.user_id == user.id))
    db.session.flush()
    db.session.expire(user, ["role_rows"])
    db.session.add_all(UserRole(user_id=user.id, role=Role(r).value) for r in sorted(set(roles)))
    db.session.flush()
    db.session.expire(user, ["role_rows"])


def deactivate(user: User, *, actor: User) -> None:
    if user.id == actor.id:
        raise NotPermitted("You cannot deactivate your own account.")
    if not user.active:
        return
    user.active = False
    sessions.end_all(user, "deactivated")
    record(actor, "user.deactivated", user)


def reactivate(user: User, *, actor: User) -> None:
    """Let the person sign in again. An account an import made becomes the person's own (the
    address is theirs after all): it is no longer waiting to be merged. A merged one stays closed."""
    if user.active:
        return
    if user.merged_into_id is not None:
        raise NotPermitted("This account was merged into another one and stays closed.")
    user.active = True
    if user.imported_from:
        record(actor, "user.activated", user, was_imported_from=user.imported_from)
        user.imported_from = ""
    else:
        record(actor, "user.activated", user)


def reset_two_step(user: User, *, actor: User) -> None:
    """Take away the person's authenticator app and recovery codes (after checking who they are, as
    when they were given the account); their sessions end, and a role that needs two-step
    verification sets it up again at the next sign-in."""
    from qa_app.mfa.services import remove

    remove(user, actor=actor, reason="reset by an administrator")
    sessions.end_all(user, "mfa_reset")


def end_sessions(user: User, *, actor: User) -> int:
    ended = sessions.end_all(user, "ended_by_admin")
    record(actor, "user.sessions_ended", user, count=ended)
    return ended


def end_everyones_sessions(*, actor: User | None) -> int:
    """Sign everyone out (for example after a suspected breach): every open session ends."""
    from qa_app.auth.models import UserSession

    result = db.session.execute(sa.update(UserSession).where(UserSession.ended_at.is_(None))
                                .values(ended_at=utcnow(), end_reason="ended_by_admin"))
    record(actor, "sessions.all_ended", None, count=result.rowcount or 0)
    return result.rowcount or 0


# --- invitations -------------------------------------------------------------------------------

def invitations_waiting(user_ids: list[int] | None = None, *, now: datetime | None = None
                        ) -> dict[int, tuple[str, datetime]]:
    """For people who have never set a password: their latest link, as ("waiting", expires) or
    ("expired", expired at). People with a password, or never sent a link, are left out."""
    now = now or utcnow()
    latest = (sa.select(Invitation.user_id, sa.func.max(Invitation.id).label("id"))
              .where(Invitation.cancelled_at.is_(None)).group_by(Invitation.user_id).subquery())
    query = (sa.select(Invitation.user_id, Invitation.expires_at, Invitation.used_at)
             .join(latest, latest.c.id == Invitation.id).join(User, User.id == Invitation.user_id)
             .where(User.password_hash.is_(None)))
    if user_ids is not None:
        query = query.where(Invitation.user_id.in_(user_ids))
    found = {}
    for user_id, expires_at, used_at in db.session.execute(query):
        if used_at is None:
            found[user_id] = ("waiting", expires_at) if expires_at > now else ("expired", expires_at)
    return found


def open_invitation(token: str, *, now: datetime | None = None) -> Invitation | None:
    """The invitation this token opens, if it is unused, not cancelled and not expired."""
    found = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == _hash(token)))
    now = now or utcnow()
    if found is None or found.used_at or found.cancelled_at or found.expires_at <= now or not found.user.active:
        return None
    return found


def accept(invitation: Invitation, *, password: str, confirm: str) -> User:
    """Set the person's password from the link; the link is used up; their sessions end."""
    from qa_app.auth import passwords
    from qa_app.auth.services import set_password

    user = invitation.user
    if password != confirm:
        raise ValidationFailed([("confirm_password", "The two passwords do not match")])
    problem = passwords.problem(password, user_inputs=(user.email, user.display_name))
    if problem:
        raise ValidationFailed([("password", problem)])
    invitation.used_at = utcnow()
    set_password(user, password, actor=None)
    record(user, "invitation.accepted", user, purpose=invitation.purpose)
    return user


# --- teams -------------------------------------------------------------------------------------

def save_team(team: Team | None, *, name: str, service_area: str, actor: User) -> Team:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed([("name", "Enter the team's name")])
    clash = db.session.scalar(sa.select(Team).where(sa.func.lower(Team.name) == name.lower()))
    if clash is not None and clash is not team:
        raise ValidationFailed([("name", f"There is already a team called {clash.name}")])
    if team is None:
        team = Team(name=name, service_area=service_area.strip())
        db.session.add(team)
        db.session.flush()
        record(actor, "team.created", team, name=name, service_area=team.service_area)
    else:
        before = {"name": team.name, "service_area": team.service_area}
        team.name, team.service_area = name, service_area.strip()
        record(actor, "team.updated", team, before=before, after={"name": name, "service_area": team.service_area})
    return team


# --- the access review ------------------------------------------------------------------------

def review_due_before(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=int(current_app.config["ACCESS_REVIEW_DAYS"]))


def last_reviews() -> dict[int, datetime]:
    return dict(db.session.execute(sa.select(AccessReview.user_id, sa.func.max(AccessReview.reviewed_at))
                                   .group_by(AccessReview.user_id)).all())


def overdue(now: datetime | None = None) -> list[User]:
    """Active accounts whose roles were last reviewed (or, never reviewed, created) before the
    review period: the oldest first."""
    latest = (sa.select(AccessReview.user_id, sa.func.max(AccessReview.reviewed_at).label("at"))
              .group_by(AccessReview.user_id).subquery())
    since = sa.func.coalesce(latest.c.at, User.created_at)
    return list(db.session.scalars(
        sa.select(User).outerjoin(latest, latest.c.user_id == User.id)
        .where(User.active.is_(True), since < review_due_before(now)).order_by(since, User.id)))


def review(user: User, *, keep: list[Role], actor: User) -> AccessReview:
    """Confirm the person's roles, take some away, or (no role kept) deactivate the account."""
    before = sorted(r.value for r in user.roles)
    after = sorted(Role(r).value for r in set(keep))
    if not set(after) <= set(before):
        raise ValidationFailed([("keep", "A review can only confirm or take away roles: edit the account to add one")])
    if user.id == actor.id and "admin" not in after:
        raise ValidationFailed([("keep", "You cannot take away your own administrator role")])
    if not after:
        outcome = "deactivated"
        deactivate(user, actor=actor)
    elif after != before:
        outcome = "changed"
        _set_roles(user, [Role(r) for r in after])
        sessions.end_all(user, "roles_changed")
    else:
        outcome = "confirmed"
    row = AccessReview(user_id=user.id, reviewed_by_id=actor.id, outcome=outcome, roles_before=before,
                       roles_after=after if after else before)
    db.session.add(row)
    record(actor, "user.access_reviewed", user, outcome=outcome, before=before, after=after)
    return row


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


# --- imported accounts -------------------------------------------------------------------------

def imported_accounts() -> list[User]:
    """Accounts a results import made for addresses nobody here had: those still waiting to be
    merged first (oldest first), then those already merged."""
    return list(db.session.scalars(sa.select(User).where(User.imported_from != "")
                                   .order_by(User.merged_into_id.isnot(None), User.created_at, User.id)))


def imported_waiting() -> int:
    """How many imported accounts are not merged yet."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.imported_from != "", User.merged_into_id.is_(None))) or 0


def holdings(user_ids: list[int]) -> dict[int, dict[str, int]]:
    """What each account holds that a merge would move, counted in the database:
    {user id: {"audits": n, "moderations": n, "actions": n}} (actions owned or verified)."""
    from qa_app.exchange.accounts import MOVED

    found: dict[int, dict[str, int]] = {uid: {} for uid in user_ids}
    if not user_ids:
        return found
    for model, column_name in MOVED:
        column = getattr(model, column_name)
        for uid, count in db.session.execute(sa.select(column, sa.func.count()).where(column.in_(user_ids))
                                             .group_by(column)):
            kinds = found[uid]
            kinds[model.__tablename__] = kinds.get(model.__tablename__, 0) + count
    return found


def merge_targets(source: User) -> list[User]:
    """The accounts an imported account may be merged into: people's own accounts (not imported,
    not merged), active ones first."""
    return list(db.session.scalars(sa.select(User).where(
        User.id != source.id, User.imported_from == "", User.merged_into_id.is_(None))
        .order_by(User.active.desc(), User.display_name, User.email)))


def suggested_target(source: User) -> User | None:
    """The person's own account, when exactly one has the imported account's name (an imported
    name that clashed carries its email in brackets: 'A Person (a@old.example)')."""
    name = source.display_name
    if name.endswith(f" ({source.email})"):
        name = name[: -len(f" ({source.email})")]
    matches = [u for u in merge_targets(source) if u.display_name.lower() == name.lower()]
    return matches[0] if len(matches) == 1 else None


def merge(source: User, into: User, *, actor: User) -> dict[str, int]:
    """Merge an imported account into a person's own (exchange.accounts.merge_imported_account):
    a refusal becomes a message on the form, and nothing changes."""
    from qa_app.errors import DomainError
    from qa_app.exchange.accounts import merge_imported_account

    if into.imported_from:
        raise ValidationFailed([("into", f"{into.email} was also made by an import: choose the person's own "
                                         "account")])
    try:
        return merge_imported_account(source, into, actor=actor)
    except ValidationFailed:
        raise
    except DomainError as error:
        raise ValidationFailed([("into", error.message)]) from None
