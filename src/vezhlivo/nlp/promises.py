"""Promises the operator makes («перезвоню Вам через час») and their deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..model import Role
from .annotate import Annotated
from .patterns import find_any

# First-person promises to come back to the client, and what the company will do.
PROMISE_PATTERNS = (
    "перезвонить|позвонить|написать|сообщить|связаться|ответить|вернуться|отправить|прислать @1per",
    "@1per ...2 перезвонить|позвонить|написать|сообщить|связаться|ответить|вернуться",
    "вы перезвонить|позвонить|написать|связаться",
)


@dataclass(frozen=True, slots=True)
class Promise:
    turn: int
    start: int
    end: int
    text: str
    deadline: datetime | None
    within_seconds: float | None
    concrete: bool


def find_promises(ann: Annotated) -> list[Promise]:
    out: list[Promise] = []
    for m in ann.conv.messages:
        if m.role is not Role.OPERATOR or not m.text:
            continue
        doc = ann.doc(m.index)
        for match in find_any(doc, list(PROMISE_PATTERNS)):
            sent = doc.sentence_of(match.first)
            out.append(Promise(m.index, sent.start, sent.end, m.text[sent.start:sent.end], None, None, False))
    return out
