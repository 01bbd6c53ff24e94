"""Who may do what: small predicates used by views and templates alike."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from qa_app.auth.models import Role

# Roles that may see any case file (who may see an audit: qa_app.audits.permissions).
CASE_READERS = (Role.QA_LEAD, Role.IRO, Role.MODERATOR)
ROUND_READERS = (Role.QA_LEAD, Role.VIEWER, Role.MODERATOR)


def roles_required(*roles: Role):
    """The view needs a signed-in user holding one of `roles` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_manage_rounds(user) -> bool:
    return user.has_role(Role.QA_LEAD)


def can_view_case(user, case_file) -> bool:
    return user.has_role(*CASE_READERS)
