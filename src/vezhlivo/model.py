"""The conversation model: immutable values that every front end and rule share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from enum import StrEnum
from typing import Any

# Pickling (the streaming spill file, worker processes) is by ``__reduce__``: a conversation as plain
# values (``Conversation.__reduce__``), the other classes as their fields. What dataclasses write for
# frozen slots classes (``__getstate__``/``__setstate__``) looks the fields up and sets them one by
# one, in Python, for every object, both ways; a conversation pickled so took ≈ 0.09 ms and as much
# to load, this ≈ 0.03 ms and 0.04 ms. Timestamps are pickled with one ``timezone`` object per
# offset and name, shared: the parser makes one per timestamp, and pickling each costs several times
# what its ``datetime`` costs; a shared one is pickled once per conversation.
_TZ: dict[tuple[Any, ...], tzinfo] = {}


def _shared_tz(t: datetime | None) -> datetime | None:
    """``t`` with an equal ``timezone`` (the same offset and name) shared with other timestamps."""
    if t is None:
        return t
    tz = t.tzinfo
    if type(tz) is not timezone:  # naive, or a zone that pickles by name (zoneinfo)
        return t
    shared = _TZ.setdefault(tz.__getinitargs__(), tz)  # type: ignore[attr-defined]
    if shared is tz:
        return t
    if type(t) is datetime and not t.fold:  # the same clock reading (equal offsets), ≈ 2.5× cheaper
        return t.astimezone(shared)
    return t.replace(tzinfo=shared)


class Channel(StrEnum):
    CHAT = "chat"
    EMAIL = "email"
    REVIEW = "review"
    PHONE = "phone"

    @property
    def written(self) -> bool:
        return self is not _PHONE


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


# Members read by properties called very often (``Message.is_turn``), bound once: on Python 3.11 reading
# ``Role.SYSTEM`` (a lookup through the enum metaclass) costs about ten times a module global.
_PHONE = Channel.PHONE
_SYSTEM = Role.SYSTEM


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Operator:
    id: str | None = None
    name: str | None = None
    team: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.id, self.name, self.team))


@dataclass(frozen=True, slots=True)
class Client:
    id: str | None = None
    name: str | None = None
    patronymic: str | None = None
    phone: str | None = None
    email: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.id, self.name, self.patronymic, self.phone, self.email))


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

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.index, self.role, self.text, _shared_tz(self.ts), self.start, self.end,
                             self.event, self.author))

    @property
    def is_turn(self) -> bool:
        return self.role is not _SYSTEM


@dataclass(frozen=True, slots=True)
class Waiver:
    rule: str
    reason: str = ""
    by: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.rule, self.reason, self.by))


@dataclass(frozen=True, slots=True)
class Source:
    """Where a conversation was read from, for error messages and reports."""

    path: str
    record: int  # 1-based line (JSONL) or record number

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.record))


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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as plain values, messages and all, rebuilt by ``_conversation``: each class and enum
        a pickle names costs a lookup both ways, and each object a call of its ``__reduce__``."""
        if type(self) is not Conversation:  # a subclass: field by field
            return (type(self), tuple(getattr(self, f) for f in self.__dataclass_fields__))
        op, cl, src = self.operator, self.client, self.source
        return (_conversation, (
            self.id, self.channel._value_,
            tuple([(m.index, m.role._value_, m.text, _shared_tz(m.ts), m.start, m.end,
                    None if m.event is None else m.event._value_, m.author) for m in self.messages]),
            self.direction._value_, self.company, (op.id, op.name, op.team),
            (cl.id, cl.name, cl.patronymic, cl.phone, cl.email), _shared_tz(self.started_at), self.ring_seconds,
            None if self.ended_by is None else self.ended_by._value_,
            tuple([(w.rule, w.reason, w.by) for w in self.waivers]),
            None if src is None else (src.path, src.record)))

    @property
    def start_time(self) -> datetime | None:
        """When the contact began: ``started_at``, else the first message's timestamp."""
        if self.started_at:
            return self.started_at
        return next((m.ts for m in self.messages if m.ts), None)

    @property
    def turns(self) -> tuple[Message, ...]:
        return tuple([m for m in self.messages if m.role is not _SYSTEM])  # Message.is_turn, without a call a message

    def by_role(self, role: Role) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.role is role)

    def events(self, event: Event) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.event is event)

    def to_canonical(self) -> dict[str, Any]:
        """The conversation as a canonical v1 object (what ``parse_conversation`` reads back)."""
        from .ingest.canonical import conversation_to_dict

        return conversation_to_dict(self)


_CHANNELS = {m.value: m for m in Channel}
_DIRECTIONS = {m.value: m for m in Direction}
_ROLES = {m.value: m for m in Role}
_EVENTS: dict[str | None, Event | None] = {None: None, **{m.value: m for m in Event}}


def _conversation(id: str, channel: str, messages: tuple[tuple[Any, ...], ...], direction: str, company: str | None,
                  operator: tuple[str | None, ...], client: tuple[str | None, ...], started_at: datetime | None,
                  ring_seconds: float | None, ended_by: str | None, waivers: tuple[tuple[str, str, str | None], ...],
                  source: tuple[str, int] | None) -> Conversation:
    """A conversation back from what ``Conversation.__reduce__`` gives (plain values, enums by value)."""
    roles, events = _ROLES, _EVENTS
    return Conversation(
        id, _CHANNELS[channel],
        tuple([Message(i, roles[r], text, ts, start, end, events[e], author)
               for i, r, text, ts, start, end, e, author in messages]),
        _DIRECTIONS[direction], company, Operator(*operator), Client(*client), started_at, ring_seconds,
        roles[ended_by] if ended_by is not None else None, tuple([Waiver(*w) for w in waivers]),
        Source(*source) if source is not None else None)


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
