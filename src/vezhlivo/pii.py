"""Masking personal data (P3): phones, e-mails, card numbers and the client's names, in every output.

Masks keep the length of the text, so offsets of findings stay right and highlighting still works:
digits of a phone become ``*`` but the last two, an e-mail's name keeps its first letter, a name
keeps its first letter («Наталья» → «Н******»). Personal data is never logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .nlp.morph import norm, word_info

EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])([A-Za-z0-9._%+-]*)(@[A-Za-z0-9.-]+\.[A-Za-zа-я]{2,})\b")
PHONE = re.compile(r"(?<![\w+])(?:\+7|8|7)?[\s\-(]*\d{3}[\s\-)]*\d{3}[\s\-]*\d{2}[\s\-]*\d{2}(?!\d)"
                   r"|(?<![\w+])\+\d[\d\s\-()]{8,16}\d(?!\d)")
CARD = re.compile(r"(?<!\d)(?:\d{4}[ \-]?){3}\d{4}(?!\d)")
_WORD = re.compile(r"[А-Яа-яЁёA-Za-z]+")


def _digits(m: re.Match[str]) -> str:
    s = m.group(0)
    total = sum(ch.isdigit() for ch in s)
    out, seen = [], 0
    for ch in s:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - 2 else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_text(text: str | None) -> str | None:
    """Phones, card numbers and e-mail addresses masked, the length kept."""
    if not text:
        return text
    text = EMAIL.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    text = CARD.sub(_digits, text)
    return PHONE.sub(_digits, text)


class Masker:
    """``mask_text`` plus the given names in any case form of them."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = frozenset(norm(w) for n in names if n for w in _WORD.findall(n))

    def __call__(self, text: str | None) -> str | None:
        text = mask_text(text)
        if text and self.names:
            text = _WORD.sub(self._name, text)
        return text

    def _name(self, m: re.Match[str]) -> str:
        w = m.group()
        low = norm(w)
        if low in self.names or word_info(low).lemmas & self.names:
            return w[0] + "*" * (len(w) - 1)
        return w


def identity(text: str | None) -> str | None:
    return text
