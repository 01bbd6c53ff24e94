"""A person's changes to their own account."""

from qa_app.auth import passwords, sessions
from qa_app.auth.models import User, UserSession
from qa_app.auth.services import set_password, verify_password
from qa_app.errors import NotPermitted, ValidationFailed
from qa_app.history.services import record


def change_password(user: User, *, current: str, new: str) -> None:
    """The user's own password change. ValidationFailed when the current password is wrong or the new
    one breaks the rule (qa_app.auth.passwords); their other sessions end."""
    if not user.password_hash:
        raise NotPermitted("Your account signs in through your organisation, so it has no password here.")
    if not verify_password(user, current):
        raise ValidationFailed([("current_password", "Your current password is not correct")])
    if new == current:
        raise ValidationFailed([("new_password", "The new password must be different from the current one")])
    problem = passwords.problem(new, user_inputs=(user.email, user.display_name))
    if problem:
        raise ValidationFailed([("new_password", problem)])
    set_password(user, new, actor=user)


def end_session(user: User, record_: UserSession) -> None:
    """End one of the user's own sessions (from another one)."""
    if record_.user_id != user.id:
        raise NotPermitted("That is not one of your sessions.")
    sessions.end(record_, "ended_by_user")
    record(user, "session.ended_by_user", user, session=record_.id)


def end_other_sessions(user: User) -> int:
    ended = sessions.end_all(user, "ended_by_user", keep=user.current_session)
    record(user, "session.others_ended", user, count=ended)
    return ended
