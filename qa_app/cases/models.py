"""Case files: pseudonymised references imported from the case-management system."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.auth.models import Team
from qa_app.db import Base, utcnow


class CaseType(enum.StrEnum):
    EH = "EH"
    CIN = "CIN"
    CP = "CP"
    CLA = "CLA"
    CL = "CL"
    PF = "PF"

    @property
    def label(self) -> str:
        return CASE_TYPE_LABELS[self]


CASE_TYPE_LABELS = {
    CaseType.EH: "Early help",
    CaseType.CIN: "Child in need",
    CaseType.CP: "Child protection",
    CaseType.CLA: "Looked-after child",
    CaseType.CL: "Care leaver",
    CaseType.PF: "Private fostering",
}

_CASE_TYPE_NAMES = {t.value.lower(): t for t in CaseType} | {label.lower(): t for t, label in CASE_TYPE_LABELS.items()} | {
    "looked after child": CaseType.CLA, "child looked after": CaseType.CLA, "cla": CaseType.CLA,
    "lac": CaseType.CLA, "child protection plan": CaseType.CP, "care leavers": CaseType.CL,
}


def parse_case_type(text: str) -> CaseType | None:
    """The case type a case system or a spreadsheet names by code, label or a common alias
    ("CP", "Child protection", "LAC" …), case-insensitively; None when it names none."""
    return _CASE_TYPE_NAMES.get((text or "").strip().lower())


FACTORS = {
    "domestic_abuse": "Domestic abuse",
    "neglect": "Neglect",
    "parental_mental_health": "Parental mental health",
    "substance_misuse": "Substance misuse",
    "exploitation": "Exploitation",
    "missing": "Missing from home or care",
    "physical_abuse": "Physical abuse",
    "sexual_abuse": "Sexual abuse",
    "emotional_abuse": "Emotional abuse",
    "disability": "Disability",
    "young_carer": "Young carer",
    "unaccompanied_asylum_seeking": "Unaccompanied asylum-seeking child",
}


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CaseFile(Base):
    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    case_type: Mapped[str] = mapped_column(sa.String(8), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    allocated_worker: Mapped[str] = mapped_column(sa.String(120), default="")
    date_of_birth: Mapped[date | None] = mapped_column(index=True)
    open_date: Mapped[date | None]
    # From the case list, for themed samples: when the current plan (CP, CIN, care or pathway plan)
    # started, the next child protection conference or review, and when the last plan ended.
    plan_start_date: Mapped[date | None] = mapped_column(index=True)
    next_review_date: Mapped[date | None] = mapped_column(index=True)
    plan_end_date: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(sa.String(8), default=CaseStatus.OPEN, index=True)
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship(lazy="joined")
    factor_rows: Mapped[list["CaseFactor"]] = relationship(
        back_populates="case_file", cascade="all, delete-orphan", lazy="selectin",
        order_by="CaseFactor.factor",
    )

    __table_args__ = (
        sa.CheckConstraint(
            "case_type IN (" + ", ".join(f"'{t.value}'" for t in CaseType) + ")", name="known_case_type"
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name="known_status"),
    )

    @property
    def factors(self) -> list[str]:
        return [row.factor for row in self.factor_rows]

    @property
    def case_type_label(self) -> str:
        return CaseType(self.case_type).label

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class CaseFactor(Base):
    __tablename__ = "case_factors"

    case_file_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case_files.id", ondelete="CASCADE"), primary_key=True
    )
    factor: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)

    case_file: Mapped[CaseFile] = relationship(back_populates="factor_rows")
