"""Conversation-level signals shared by rules and the contact card."""

from __future__ import annotations

from .model import Role
from .nlp.annotate import Annotated
from .nlp.patterns import find_any

COMPLAINT_PATTERNS = (
    "жалоба",
    "пожаловаться",
    "безобразие",
    "возмутительно|возмущать",
    "до сих пор ...3 не",
    "сколько можно",
    "ужасный|отвратительный",
)


def complaint_turns(ann: Annotated) -> list[int]:
    """Client messages that complain."""
    return [m.index for m in ann.client_messages() if find_any(ann.doc(m.index), list(COMPLAINT_PATTERNS))]


def complaint_resolved(ann: Annotated) -> bool:
    """The client's last message thanks the operator."""
    msgs = ann.client_messages()
    return bool(msgs) and bool(find_any(ann.doc(msgs[-1].index), ["спасибо|благодарить"]))
