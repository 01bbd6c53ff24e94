"""A person's authenticator app and recovery codes."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.db import Base, utcnow


class TotpCredential(Base):
    """The shared secret of a person's authenticator app. `confirmed_at` is set once they have typed
    a code from it (until then it is an enrolment in progress). `last_step` is the 30-second time
    step of the last code accepted: no code is accepted twice."""

    __tablename__ = "totp_credentials"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)


class RecoveryCode(Base):
    """A single-use recovery code (120 random bits, stored as its SHA-256)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
