"""The contact card (seed 004: «используйте формализованные бланки»), filled from the conversation."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Event, Role
from .nlp.annotate import Annotated
from .nlp.promises import find_promises
from .signals import complaint_resolved, complaint_turns


@dataclass(frozen=True, slots=True)
class PromiseInfo:
    turn: int
    text: str
    deadline: str | None  # ISO time when it can be resolved
    within_seconds: float | None
    concrete: bool


@dataclass(frozen=True, slots=True)
class Card:
    client_name: str | None
    question: str | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    promises: tuple[PromiseInfo, ...]
    transfers: int
    complained: bool
    resolved: bool | None
    extra: dict[str, str] = field(default_factory=dict)


def build_card(ann: Annotated) -> Card:
    conv = ann.conv
    name = conv.client.name
    if not name and ann.client_names:
        name = sorted(ann.client_names)[0].capitalize()
    question = None
    for m in ann.client_messages():
        doc = ann.doc(m.index)
        if len(doc.words()) >= 3:
            question = m.text.strip()
            if len(question) > 200:
                question = question[:197] + "…"
            break
    phones = [*([conv.client.phone] if conv.client.phone else []), *ann.phones_given(Role.CLIENT)]
    emails = [*([conv.client.email] if conv.client.email else []), *ann.emails_given(Role.CLIENT)]
    promises = tuple(
        PromiseInfo(p.turn, p.text, p.deadline.isoformat() if p.deadline else None, p.within_seconds,
                    p.concrete)
        for p in find_promises(ann)
    )
    complained = bool(complaint_turns(ann))
    return Card(
        client_name=name,
        question=question,
        phones=tuple(dict.fromkeys(phones)),
        emails=tuple(dict.fromkeys(emails)),
        promises=promises,
        transfers=len(conv.events(Event.TRANSFER)),
        complained=complained,
        resolved=complaint_resolved(ann) if complained else None,
    )


EMPTY_CARD = Card(None, None, (), (), (), 0, False, None)
