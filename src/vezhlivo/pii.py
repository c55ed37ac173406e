"""Masking personal data (P3): phones, e-mails and people's names in every output."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .nlp.doc import _EMAIL, _PHONE
from .nlp.morph import norm, word_info

PHONE_MASK = "[телефон]"
EMAIL_MASK = "[e-mail]"
NAME_MASK = "[имя]"
_WORD = re.compile(r"[А-Яа-яЁё]+")


class Masker:
    """Replaces phones, e-mails and the given names (any case form of them) in a text."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = frozenset(norm(n) for n in names if n)

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        text = _EMAIL.sub(EMAIL_MASK, text)
        text = _PHONE.sub(PHONE_MASK, text)
        if self.names:
            text = _WORD.sub(self._name, text)
        return text

    def _name(self, m: re.Match[str]) -> str:
        w = norm(m.group())
        if w in self.names or word_info(w).lemmas & self.names:
            return NAME_MASK
        return m.group()


def identity(text: str | None) -> str | None:
    return text
