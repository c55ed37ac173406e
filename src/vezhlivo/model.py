"""The conversation model: immutable values that every front end and rule share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    CHAT = "chat"
    EMAIL = "email"
    REVIEW = "review"
    PHONE = "phone"

    @property
    def written(self) -> bool:
        return self is not Channel.PHONE


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class Role(StrEnum):
    CLIENT = "client"
    OPERATOR = "operator"
    SYSTEM = "system"


class Event(StrEnum):
    TRANSFER = "transfer"
    HOLD_START = "hold_start"
    HOLD_END = "hold_end"
    CLOSE = "close"
    HANGUP = "hangup"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Operator:
    id: str | None = None
    name: str | None = None
    team: str | None = None


@dataclass(frozen=True, slots=True)
class Client:
    id: str | None = None
    name: str | None = None
    patronymic: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """One turn of a conversation, or a system event (then ``text`` is empty)."""

    index: int
    role: Role
    text: str = ""
    ts: datetime | None = None
    start: float | None = None  # seconds from the start of a call
    end: float | None = None
    event: Event | None = None
    author: str | None = None

    @property
    def is_turn(self) -> bool:
        return self.role is not Role.SYSTEM


@dataclass(frozen=True, slots=True)
class Waiver:
    rule: str
    reason: str = ""
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a conversation was read from, for error messages and reports."""

    path: str
    record: int  # 1-based line (JSONL) or record number


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    channel: Channel
    messages: tuple[Message, ...]
    direction: Direction = Direction.INCOMING
    company: str | None = None
    operator: Operator = field(default_factory=Operator)
    client: Client = field(default_factory=Client)
    started_at: datetime | None = None
    ring_seconds: float | None = None
    ended_by: Role | None = None
    waivers: tuple[Waiver, ...] = ()
    source: Source | None = None

    @property
    def start_time(self) -> datetime | None:
        """When the contact began: ``started_at``, else the first message's timestamp."""
        if self.started_at:
            return self.started_at
        return next((m.ts for m in self.messages if m.ts), None)

    @property
    def turns(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.is_turn)

    def by_role(self, role: Role) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.role is role)

    def events(self, event: Event) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.event is event)

    def to_canonical(self) -> dict[str, Any]:
        """The conversation as a canonical v1 object (what ``parse_conversation`` reads back)."""
        from .ingest.canonical import conversation_to_dict

        return conversation_to_dict(self)


@dataclass(frozen=True, slots=True)
class Finding:
    """One breach of a rule; ``turn``/``start``/``end`` point into the original text."""

    rule: str
    message: str
    turn: int | None = None
    start: int | None = None
    end: int | None = None
    quote: str | None = None
    suggestion: str | None = None
    severity: Severity = Severity.WARNING
    name: str = ""
    waived: bool = False
