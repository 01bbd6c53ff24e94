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
        """The title and version; an observation template says what practice it observes, so a round
        made with it reads as an observation round wherever it is listed."""
        from qa_app.audit_forms.scales import OBSERVES

        template = self.template
        kind = f", observation of practice: {OBSERVES[template.observes].lower()}" if template.is_observation else ""
        return f"{self.title} (version {self.version_label}{kind})"


class TemplateQuestion(Base):
    """A question of a stored template version, as rows, so reports can join and group in SQL."""

    __tablename__ = "template_questions"

    template_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("template_versions.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    position: Mapped[int]
    section_key: Mapped[str] = mapped_column(sa.String(80))
    section_title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    type: Mapped[str] = mapped_column(sa.String(20))
    limiting: Mapped[bool] = mapped_column(default=False)


class QuestionTheme(Base):
    """A theme tag of a question (a question may carry several)."""

    __tablename__ = "question_themes"

    template_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("template_versions.id", ondelete="CASCADE"), primary_key=True
    )
    question_key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    theme: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)


class TemplateGrade(Base):
    """A grade of a template version's scale, with what reports count it as."""

    __tablename__ = "template_grades"

    template_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("template_versions.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(80))
    rank: Mapped[int]  # 0 = best
    good_or_better: Mapped[bool]
    inadequate: Mapped[bool]
