"""Users, their roles and teams."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.db import Base, utcnow


class Role(enum.StrEnum):
    AUDITOR = "auditor"
    MODERATOR = "moderator"
    QA_LEAD = "qa_lead"
    IRO = "iro"
    PRACTITIONER = "practitioner"
    VIEWER = "viewer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.AUDITOR: "Auditor",
    Role.MODERATOR: "Moderator",
    Role.QA_LEAD: "QA lead",
    Role.IRO: "Independent reviewing officer",
    Role.PRACTITIONER: "Practitioner",
    Role.VIEWER: "Viewer",
    Role.ADMIN: "Administrator",
}


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    service_area: Mapped[str] = mapped_column(sa.String(120), default="")

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    # Who overdue audits are escalated to (see programme.reminders); none: the QA leads.
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # An account made by a results import for an auditor, moderator or action owner the service
    # did not know (the file it came from); merged later into the person's real account.
    imported_from: Mapped[str] = mapped_column(sa.String(200), default="")
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    team: Mapped[Team | None] = relationship()
    manager: Mapped["User | None"] = relationship(remote_side="User.id", foreign_keys=[manager_id])
    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    # The server-side session this request belongs to (qa_app.auth.sessions): set at sign-in and
    # by the loader, never stored on the user.
    session_key = None        # str
    current_session = None    # UserSession

    def get_id(self) -> str:  # Flask-Login keeps this in the cookie: the session's key, not a password
        return f"{self.id}:{self.session_key}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")

    __table_args__ = (
        sa.CheckConstraint(
            "role IN (" + ", ".join(f"'{r.value}'" for r in Role) + ")", name="known_role"
        ),
    )


class UserSession(Base):
    """A signed-in session, held on the server so it can end: the cookie carries only a random key,
    stored here as its SHA-256. Idle and absolute limits: qa_app.auth.sessions."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(sa.String(40), default="")
    method: Mapped[str] = mapped_column(sa.String(40), default="password")   # how the user proved who they are
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    address: Mapped[str] = mapped_column(sa.String(64), default="")

    user: Mapped[User] = relationship()

    __table_args__ = (sa.Index("ix_user_sessions_open", "user_id", "ended_at"),)


class SignInThrottle(Base):
    """Failed sign-in attempts counted per account, and per client address at a far higher threshold,
    held in the database so every worker and server sees the same count (qa_app.auth.throttle).
    Keys: "account:<user id>", "account:?<bucket>" (emails that match no account: a bucket number
    shared by many emails, never the email), "address:<client address>"."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    blocked_until: Mapped[datetime | None]
