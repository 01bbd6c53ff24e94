"""Drafts of audit templates being edited in the browser, before they are published as versions."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.audit_forms.models import TemplateVersion
from qa_app.auth.models import User
from qa_app.db import Base, utcnow


class DraftStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    DISCARDED = "discarded"


class TemplateDraft(Base):
    """A template in the making: `data` has the YAML file's shape (key, title, version, applies_to,
    scale, description, sections → questions), so it is checked by the same schema code, and
    published as an immutable TemplateVersion. A draft may be invalid; publishing needs it valid."""

    __tablename__ = "template_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), index=True)
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("template_versions.id"))
    published_as_id: Mapped[int | None] = mapped_column(sa.ForeignKey("template_versions.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default=DraftStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic locking: two people editing one draft cannot overwrite each other unseen.
    version: Mapped[int] = mapped_column(default=1)

    based_on: Mapped[TemplateVersion | None] = relationship(foreign_keys=[based_on_id])
    published_as: Mapped[TemplateVersion | None] = relationship(foreign_keys=[published_as_id])
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'published', 'discarded')", name="known_status"),
        sa.CheckConstraint("status <> 'published' OR published_as_id IS NOT NULL", name="published_has_version"),
    )
