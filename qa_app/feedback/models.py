"""Feedback from children and families, and their answers to the template's feedback questions."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audits.models import Audit
from qa_app.auth.models import User
from qa_app.cases.models import CaseFile
from qa_app.db import Base, utcnow
from qa_app.rounds.models import AuditRound


class Respondent(enum.StrEnum):
    CHILD = "child"
    PARENT = "parent"
    CARER = "carer"
    FOSTER_CARER = "foster_carer"
    ADOPTER = "adopter"
    OTHER = "other"

    @property
    def label(self) -> str:
        return RESPONDENT_LABELS[self]


RESPONDENT_LABELS = {
    Respondent.CHILD: "Child or young person", Respondent.PARENT: "Parent", Respondent.CARER: "Carer",
    Respondent.FOSTER_CARER: "Foster carer", Respondent.ADOPTER: "Adopter", Respondent.OTHER: "Someone else",
}


class Method(enum.StrEnum):
    PHONE = "phone"
    VISIT = "visit"
    FORM = "form"
    MEETING = "meeting"
    ADVOCATE = "advocate"

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]


METHOD_LABELS = {
    Method.PHONE: "Phone call", Method.VISIT: "Visit", Method.FORM: "Paper or online form",
    Method.MEETING: "Meeting", Method.ADVOCATE: "Through an advocate",
}


class FeedbackRecord(Base):
    """What one person said: attached to an audit, or collected on its own for a case file in a round."""

    __tablename__ = "family_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(sa.ForeignKey("case_files.id"), index=True)
    audit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_rounds.id"), index=True)
    template_version_id: Mapped[int] = mapped_column(sa.ForeignKey("template_versions.id"))
    respondent: Mapped[str] = mapped_column(sa.String(16), index=True)
    method: Mapped[str] = mapped_column(sa.String(10))
    # Only feedback the person agreed to give is kept: the database refuses any other.
    consent: Mapped[bool] = mapped_column(default=False)
    received_on: Mapped[date] = mapped_column(index=True)
    what_changed: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    case_file: Mapped[CaseFile] = relationship()
    audit: Mapped[Audit | None] = relationship()
    round: Mapped[AuditRound] = relationship()
    template_version: Mapped[TemplateVersion] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    answers: Mapped[list["FeedbackAnswer"]] = relationship(
        back_populates="record", cascade="all, delete-orphan", lazy="selectin", order_by="FeedbackAnswer.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("respondent IN (" + ", ".join(f"'{r.value}'" for r in Respondent) + ")",
                           name="known_respondent"),
        sa.CheckConstraint("method IN (" + ", ".join(f"'{m.value}'" for m in Method) + ")", name="known_method"),
        sa.CheckConstraint("consent", name="consent_given"),
    )

    @property
    def template(self):
        return self.template_version.template

    def answer_map(self) -> dict[str, str]:
        return {answer.question_key: answer.value for answer in self.answers}


class FeedbackAnswer(Base):
    __tablename__ = "family_feedback_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("family_feedback.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(sa.String(80))
    # yes / partly / no / na for a yes_partly_no question; the words as given for a text question.
    value: Mapped[str] = mapped_column(sa.Text)
    # True for a yes/partly/no answer (counted as positive when "yes"); False for the words given.
    scored: Mapped[bool] = mapped_column(default=False)

    record: Mapped[FeedbackRecord] = relationship(back_populates="answers")

    __table_args__ = (sa.UniqueConstraint("record_id", "question_key", name="uq_family_feedback_answers_question"),)
