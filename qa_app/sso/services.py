"""Matching a provider's account to a local one. Accounts are never made here: the administrator
invites people first, and single sign-on only lets in an account that already exists."""

from dataclasses import dataclass

import sqlalchemy as sa

from qa_app.auth.models import User
from qa_app.auth.services import normalise_email
from qa_app.db import utcnow
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.sso.models import ExternalIdentity


@dataclass(frozen=True)
class Refused:
    reason: str        # for the history
    message: str       # for the person


NO_ACCOUNT = Refused("no matching account", "There is no account for you here. Ask your administrator to invite you.")


def match(claims: dict, *, issuer: str, email_claim: str, require_verified: bool,
          allowed_domains: tuple[str, ...] = ()) -> User | Refused:
    """The active local account for these verified ID-token claims, linking it at the first sign-in."""
    subject = str(claims.get("sub") or "")
    if not subject:
        return Refused("no subject", "Single sign-on did not say who you are. Try again.")
    linked = db.session.scalar(sa.select(ExternalIdentity).where(
        ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject))
    if linked is not None:
        user = db.session.get(User, linked.user_id)
        if user is None or not user.active:
            return NO_ACCOUNT
        linked.last_used_at = utcnow()
        return user
    email = normalise_email(str(claims.get(email_claim) or ""))
    if not email or "@" not in email:
        return Refused("no email", "Your organisation's account has no email address we can use.")
    if require_verified and claims.get("email_verified") is not True:
        return Refused("email not verified", "Your organisation has not confirmed your email address.")
    if allowed_domains and email.rsplit("@", 1)[1] not in allowed_domains:
        return NO_ACCOUNT
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active:
        return NO_ACCOUNT
    other = db.session.scalar(sa.select(ExternalIdentity).where(
        ExternalIdentity.issuer == issuer, ExternalIdentity.user_id == user.id))
    if other is not None:
        # This account is already someone else's at the provider: the email has moved to another person.
        return Refused("email linked to another provider account",
                       "Your organisation account does not match the one this account signs in with. "
                       "Ask your administrator.")
    db.session.add(ExternalIdentity(issuer=issuer, subject=subject, user_id=user.id, last_used_at=utcnow()))
    record(user, "user.single_sign_on_linked", user, issuer=issuer)
    return user
