"""Invitations (emailed single-use links to set a password) and access reviews."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.auth.models import User
from qa_app.db import Base, utcnow


class Invitation(Base):
    """A link emailed to a person to set their password: on being invited, or when an administrator
    sends a new one (a forgotten password). Single use, expires; only the token's SHA-256 is kept.
    Sending a new link cancels the earlier ones."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))        # "invite" or "new_password"
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (sa.CheckConstraint("purpose IN ('invite', 'new_password')", name="known_purpose"),)


class AccessReview(Base):
    """An administrator's check that a person still needs the roles they hold: confirmed, changed,
    or the account deactivated. The roles before and after are kept."""

    __tablename__ = "access_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reviewed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    outcome: Mapped[str] = mapped_column(sa.String(20))
    roles_before: Mapped[list] = mapped_column(sa.JSON, default=list)
    roles_after: Mapped[list] = mapped_column(sa.JSON, default=list)

    __table_args__ = (sa.CheckConstraint("outcome IN ('confirmed', 'changed', 'deactivated')", name="known_outcome"),)
