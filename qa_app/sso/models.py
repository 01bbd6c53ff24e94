"""Which identity-provider account belongs to which local account."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.db import Base, utcnow


class ExternalIdentity(Base):
    """An identity provider's account (its issuer and subject: the provider's own, never-reused id)
    linked to a local account at its first single sign-on, matched then by verified email. Later
    sign-ins are matched by (issuer, subject), so an email moved to another person at the provider
    does not open this account."""

    __tablename__ = "external_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(300))
    subject: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    __table_args__ = (sa.UniqueConstraint("issuer", "subject", name="uq_external_identities_issuer_subject"),
                      sa.UniqueConstraint("issuer", "user_id", name="uq_external_identities_issuer_user"))
