"""Audits of case files and their answers."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audits.workflow import AuditStatus, SUBMITTED_STATES
from qa_app.auth.models import User
from qa_app.cases.models import CaseFile
from qa_app.db import Base, utcnow
from qa_app.rounds.models import AuditRound

_submitted_sql = ", ".join(f"'{s}'" for s in sorted(s.value for s in SUBMITTED_STATES))


def new_uid() -> str:
    return uuid.uuid4().hex


class Audit(Base):
    __tablename__ = "audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable across services: the exchange workbook carries it, so an import recognises an audit
    # it already holds whatever the workbook's round is called.
    uid: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_uid)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_rounds.id"), index=True)
    case_file_id: Mapped[int] = mapped_column(sa.ForeignKey("case_files.id"), index=True)
    template_version_id: Mapped[int] = mapped_column(sa.ForeignKey("template_versions.id"))
    auditor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=AuditStatus.NOT_STARTED, index=True)
    overall_grade: Mapped[int | None]
    # The grade that counts: the moderator's once a moderation is completed, else the auditor's.
    # Written by audits.services.set_final_grades at submission and when a moderation completes or
    # is withdrawn; every report, page and export reads it.
    final_grade: Mapped[int | None]
    overall_summary: Mapped[str] = mapped_column(sa.Text, default="")
    immediate_risk: Mapped[bool] = mapped_column(default=False)
    immediate_risk_reason: Mapped[str] = mapped_column(sa.Text, default="")
    sampled_by: Mapped[str] = mapped_column(sa.String(8), default="rule")
    # A follow-up (review) audit names the earlier audit whose findings it re-checks.
    reviews_audit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audits.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None]  # when retention erased its text (qa_app.retention)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    # Optimistic locking: every save bumps it; a save from an older page is refused.
    version: Mapped[int] = mapped_column(default=1)

    round: Mapped[AuditRound] = relationship(lazy="joined")
    case_file: Mapped[CaseFile] = relationship(lazy="joined")
    template_version: Mapped[TemplateVersion] = relationship()
    auditor: Mapped[User | None] = relationship(foreign_keys=[auditor_id])
    reviews_audit: Mapped["Audit | None"] = relationship(remote_side="Audit.id", foreign_keys=[reviews_audit_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="audit", cascade="all, delete-orphan", lazy="selectin"
    )
    versions: Mapped[list["AuditVersion"]] = relationship(
        cascade="all, delete-orphan", order_by="AuditVersion.number"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("round_id", "case_file_id", name="uq_audits_round_case"),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s.value}'" for s in AuditStatus) + ")", name="known_status"
        ),
        sa.CheckConstraint(
            f"status NOT IN ({_submitted_sql}) OR (overall_grade IS NOT NULL AND submitted_at IS NOT NULL)",
            name="submitted_has_grade",
        ),
        sa.CheckConstraint(f"status NOT IN ({_submitted_sql}) OR final_grade IS NOT NULL",
                           name="submitted_has_final_grade"),
        sa.CheckConstraint("NOT immediate_risk OR immediate_risk_reason <> ''", name="risk_has_reason"),
        # rule: the round's sample; hand: added by the QA lead; import: came with a results workbook.
        sa.CheckConstraint("sampled_by IN ('rule', 'hand', 'import')", name="known_sampled_by"),
    )

    @property
    def template(self):
        return self.template_version.template

    def answer_map(self) -> dict[str, "Answer"]:
        return {answer.question_key: answer for answer in self.answers}

    def hidden_questions(self) -> set[str]:
        """Conditional questions the auditor's answers hide (see audit_forms.scales.hidden_questions)."""
        from qa_app.audit_forms.scales import hidden_questions

        values = {a.question_key: a.grade if a.grade is not None else a.value for a in self.answers}
        return hidden_questions(self.template, values)


class Answer(Base):
    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(sa.String(80))
    # A graded answer is kept as the scale value, so reports can aggregate it in SQL.
    grade: Mapped[int | None]
    # The graded answer that counts: the moderator's where a completed moderation graded the
    # question, else the auditor's (see Audit.final_grade). None for questions that are not graded.
    final_grade: Mapped[int | None]
    # Every other answer as text: yes/partly/no/na, a choice, free text, an ISO date or a number.
    value: Mapped[str] = mapped_column(sa.Text, default="")
    evidence: Mapped[str] = mapped_column(sa.Text, default="")

    audit: Mapped[Audit] = relationship(back_populates="answers")

    __table_args__ = (sa.UniqueConstraint("audit_id", "question_key", name="uq_answers_audit_question"),)

    @property
    def is_empty(self) -> bool:
        return self.grade is None and not self.value and not self.evidence


class AuditVersion(Base):
    """A snapshot of an audit each time it is submitted, so corrections can be compared."""

    __tablename__ = "audit_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # {"overall_grade", "overall_summary", "immediate_risk", "immediate_risk_reason",
    #  "answers": {question_key: {"grade", "value", "evidence"}}}
    snapshot: Mapped[dict] = mapped_column(sa.JSON)

    __table_args__ = (sa.UniqueConstraint("audit_id", "number", name="uq_audit_versions_audit_number"),)
