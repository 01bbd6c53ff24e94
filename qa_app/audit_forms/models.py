"""Stored, immutable versions of the audit templates."""

from datetime import datetime
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.audit_forms.schema import AuditTemplate
from qa_app.db import Base, utcnow


class TemplateVersion(Base):
    """One version of a template, keyed by the hash of its content; never changed once stored."""

    __tablename__ = "template_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), index=True)
    version_label: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    content_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    definition: Mapped[dict] = mapped_column(sa.JSON)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The newest synced version of each key is the one new rounds use.
    current: Mapped[bool] = mapped_column(default=True)

    @cached_property
    def template(self) -> AuditTemplate:
        return AuditTemplate.from_storage_dict(self.definition)

    @property
    def label(self) -> str:
        return f"{self.title} (version {self.version_label})"
