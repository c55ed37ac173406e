"""Tables of the store. Changed only through migrations (store/migrations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    operator_id: Mapped[str | None] = mapped_column(String(100), index=True)
    operator_name: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    day: Mapped[str | None] = mapped_column(String(10), index=True)  # YYYY-MM-DD, local to the contact
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # canonical v1
    score: Mapped[float] = mapped_column(Float, index=True)
    auto_score: Mapped[float] = mapped_column(Float)  # before upheld disputes
    sections: Mapped[list[Any]] = mapped_column(JSON)
    applicable: Mapped[list[str]] = mapped_column(JSON)  # rule codes judged, to re-score after disputes
    card: Mapped[dict[str, Any]] = mapped_column(JSON)
    rulebook_version: Mapped[str] = mapped_column(String(100))
    analysed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    findings: Mapped[list[FindingRow]] = relationship(back_populates="contact", cascade="all, delete-orphan",
                                                      order_by="FindingRow.id")
    keys: Mapped[list[ClientKey]] = relationship(back_populates="contact", cascade="all, delete-orphan")


class ClientKey(Base):
    """How contacts of one client are linked: client id, normalised phone, e-mail."""

    __tablename__ = "client_keys"
    __table_args__ = (UniqueConstraint("contact_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    contact: Mapped[Contact] = relationship(back_populates="keys")


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(10))
    turn: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    quote: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    suggestion: Mapped[str | None] = mapped_column(Text)
    waived: Mapped[bool] = mapped_column(Boolean, default=False)
    overturned: Mapped[bool] = mapped_column(Boolean, default=False)  # an upheld dispute
    contact: Mapped[Contact] = relationship(back_populates="findings")
    disputes: Mapped[list[Dispute]] = relationship(back_populates="finding", cascade="all, delete-orphan")


class Dispute(Base):
    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(20), index=True)
    author: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | upheld | rejected
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finding: Mapped[FindingRow] = relationship(back_populates="disputes")


class ManualScore(Base):
    """A supervisor's score of a contact on the same checklist (calibration)."""

    __tablename__ = "manual_scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    failed_rules: Mapped[list[str]] = mapped_column(JSON)  # rules the person says were broken
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))  # operator | supervisor | admin
    operator_id: Mapped[str | None] = mapped_column(String(100))  # an operator's own contacts
    team: Mapped[str | None] = mapped_column(String(100))  # a supervisor's team


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RulebookVersion(Base):
    __tablename__ = "rulebook_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(100), unique=True)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


Index("ix_contacts_operator_day", Contact.operator_id, Contact.day)


class PracticeRun(Base):
    """An operator's rehearsal of a scenario (vezhlivo.practice), kept to follow progress over time."""

    __tablename__ = "practice_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    operator_id: Mapped[str | None] = mapped_column(String(100), index=True)
    team: Mapped[str | None] = mapped_column(String(100), index=True)
    scenario_id: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    card: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PracticeAssignment(Base):
    """A scenario a supervisor asks an operator to rehearse."""

    __tablename__ = "practice_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[str] = mapped_column(String(100), index=True)
    scenario_id: Mapped[str] = mapped_column(String(100))
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
