"""IRO challenges and their dispute-resolution stages."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.auth.models import User
from qa_app.cases.models import CaseFile
from qa_app.db import Base, utcnow


class ChallengeStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


CHALLENGE_CATEGORIES = {
    "drift_delay": "Drift or delay",
    "care_plan": "Care plan",
    "contingency_planning": "Contingency planning",
    "placement": "Placement",
    "health": "Health",
    "education": "Education",
    "contact": "Contact",
    "permanence": "Permanence",
    "safety": "Safety",
    "other": "Other",
}


class Challenge(Base):
    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(sa.ForeignKey("case_files.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    raised_on: Mapped[date]
    erased_at: Mapped[datetime | None]  # when retention erased its text (qa_app.retention)
    category: Mapped[str] = mapped_column(sa.String(30), index=True)
    concern: Mapped[str] = mapped_column(sa.Text)
    outcome_sought: Mapped[str] = mapped_column(sa.Text)
    audit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audits.id"))
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)  # the case's team when raised
    status: Mapped[str] = mapped_column(sa.String(10), default=ChallengeStatus.OPEN, index=True)
    current_stage: Mapped[str] = mapped_column(sa.String(30))
    resolved_on: Mapped[date | None] = mapped_column(index=True)
    resolved_stage: Mapped[str | None] = mapped_column(sa.String(30))
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    cafcass_referred: Mapped[bool] = mapped_column(default=False)
    cafcass_referred_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)

    case_file: Mapped[CaseFile] = relationship()
    raised_by: Mapped[User] = relationship()
    stages: Mapped[list["ChallengeStage"]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by="ChallengeStage.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'resolved', 'withdrawn')", name="known_status"),
        sa.CheckConstraint(
            "category IN (" + ", ".join(f"'{c}'" for c in CHALLENGE_CATEGORIES) + ")", name="known_category"
        ),
        sa.CheckConstraint("status <> 'resolved' OR resolved_on IS NOT NULL", name="resolved_has_date"),
        sa.CheckConstraint("NOT cafcass_referred OR cafcass_referred_on IS NOT NULL", name="cafcass_has_date"),
    )


class ChallengeStage(Base):
    """One stage a challenge went through, with its dates and the response."""

    __tablename__ = "challenge_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(30))
    responder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    second_responder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    opened_on: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    responded_at: Mapped[datetime | None]
    response: Mapped[str] = mapped_column(sa.Text, default="")
    closed_on: Mapped[date | None]
    # How the stage ended: "resolved", "escalated", "skipped" (passed over on the way up), "withdrawn".
    closed_because: Mapped[str | None] = mapped_column(sa.String(12))
    skip_reason: Mapped[str] = mapped_column(sa.Text, default="")

    challenge: Mapped[Challenge] = relationship(back_populates="stages")
    responder: Mapped[User | None] = relationship(foreign_keys=[responder_id])
    second_responder: Mapped[User | None] = relationship(foreign_keys=[second_responder_id])
