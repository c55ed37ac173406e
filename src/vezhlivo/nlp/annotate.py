"""The annotation layer over a conversation: a Doc per message, names, contacts given."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, TypeVar

import phonenumbers

from ..model import Conversation, Message, Role
from .doc import Doc, Kind, Mask, make_doc
from .morph import norm
from .patterns import find, possible_patterns

# «Меня зовут Игорь», «Это Наталья», «Моё имя Ольга», «С Вами говорит Анна»
_SELF_INTRO = (
    "меня звать @name",
    "меня звать @noun",  # a name that is also a common noun, lower-case in a transcript: «меня зовут роман»
    "мой имя @name",
    "^ это @name",
    "с вы говорить @name",
    "вы беспокоить @name",
    "на связь @name",
    "вас приветствовать @name",
    "вы приветствовать @name",
    # a call's transcript has no punctuation to start a sentence: «добрый вечер это Аделина», «доброе утро
    # Бронислава Кузнецова у меня…»
    "=здравствуйте|=алло|добрый ?день|утро|вечер это @name",
    "=здравствуйте|=алло|добрый ?день|утро|вечер @name @surname",
    # the surname first, lower-case in a transcript: «здравствуйте это лебедева анна викторовна»
    "=здравствуйте|=алло|добрый ?день|утро|вечер это @any @name",
    "^ это @any @name",
    "^ ?=здравствуйте|=привет|=алло|добрый ?день|утро|вечер я @name $",
)

T = TypeVar("T")
_MISSING = object()

# Enum members bound once: on Python 3.11 ``Role.OPERATOR`` goes through the enum metaclass (~20 times a
# global's cost), and every rule lists the speakers' messages, the name search walks every token.
_OPERATOR = Role.OPERATOR
_CLIENT = Role.CLIENT
_WORD = Kind.WORD
_PUNCT = Kind.PUNCT
_EMOJI = Kind.EMOJI
_ROLES = tuple(Role)  # iterating the enum itself runs Python code in the metaclass

_PHONE_DIGITS = re.compile(r"\D")


@lru_cache(maxsize=65_536)  # ≈ 20 µs a parse; a client's phone comes back with each of their contacts
def normalize_phone(value: str | None) -> str | None:
    """E.164 digits of a phone («8 (916) 123-45-67» → 79161234567), to link contacts of one client."""
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, "RU")
        if phonenumbers.is_possible_number(number):
            return f"{number.country_code}{number.national_number}"
    except phonenumbers.NumberParseException:
        pass
    digits = _PHONE_DIGITS.sub("", value)
    if len(digits) == 11 and digits[0] in "78":
        digits = "7" + digits[1:]
    elif len(digits) == 10:
        digits = "7" + digits
    return digits or None


@dataclass(slots=True)
class NameMention:
    turn: int
    start: int
    end: int
    text: str
    lemma: str
    vocative: bool  # said to the person («Наталья, …», «…, Наталья!»), not about them


class DocCache:
    """Docs by text, the least recently used dropped first; a text is kept from its second sighting on.

    A Doc — tokens, morphology and the pattern results remembered on it — is a function of its
    text alone, and texts repeat across contacts: operators' templates and quick replies, clients'
    «Спасибо!», «Да», «Здравствуйте», a chat's context on every keystroke pause of a live hint.
    Most other texts come once. Kept at their first sighting, they would push out the texts that do
    repeat, and each would be freed long after its contact, when its objects have left the CPU's
    caches (≈ 10 µs a Doc, a fifth of making one). So the cache remembers only the hashes of
    texts seen once, and keeps a text's Doc when the text comes again. Bounded, so memory stays
    flat however long the run; safe to share between the service's threads (one lock)."""

    def __init__(self, maxsize: int = 5_000) -> None:
        self.maxsize = maxsize
        self._docs: dict[str, Doc] = {}  # in order of use, the least recent first
        self._seen_once: set[int] = set()  # hashes of texts seen and not kept; a clash only keeps a Doc
        self._seen_limit = 4 * maxsize
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __call__(self, text: str) -> Doc:
        docs = self._docs
        with self._lock:
            doc = docs.pop(text, None)
            if doc is not None:
                docs[text] = doc  # now the most recent
                self.hits += 1
                return doc
            self.misses += 1
            seen = self._seen_once
            key = hash(text)
            again = key in seen
            if again:
                seen.discard(key)
            else:
                if len(seen) >= self._seen_limit:
                    seen.clear()
                seen.add(key)
        doc = make_doc(text)  # outside the lock: the service's other threads go on meanwhile
        if again:
            with self._lock:
                if text not in docs:
                    if len(docs) >= self.maxsize:
                        del docs[next(iter(docs))]
                    docs[text] = doc
        return doc

    def __len__(self) -> int:
        return len(self._docs)


cached_doc = DocCache(8192)  # for texts checked outside an engine's run (practice answers and turns)


@dataclass
class Annotated:
    """A conversation with its annotations; rules read it, never the raw dicts."""

    conv: Conversation
    docs: dict[int, Doc] = field(default_factory=dict)
    doc_factory: Callable[[str], Doc] = make_doc
    _memo: dict[str, Any] = field(default_factory=dict)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Compute a conversation-level signal once, however many rules ask for it."""
        # no typing.cast: a call, and this is asked ≈ 30 times a contact
        hit = self._memo.get(key, _MISSING)
        if hit is _MISSING:
            hit = self._memo[key] = compute()
        return hit  # type: ignore[no-any-return]

    def memo_get(self, key: str) -> Any:
        """What ``memo`` remembered under ``key``, or None."""
        return self._memo.get(key)

    def memo_again(self, key: str, compute: Callable[[], T]) -> T:
        """``memo`` computed anew (what was remembered has gone stale)."""
        value = self._memo[key] = compute()
        return value

    def doc(self, index: int) -> Doc:
        d = self.docs.get(index)
        if d is None:
            d = self.doc_factory(self.conv.messages[index].text)
            self.docs[index] = d
        return d

    def operator_messages(self) -> list[Message]:
        return list(self._by_role[_OPERATOR])  # a copy: callers may change their list

    def client_messages(self) -> list[Message]:
        return list(self._by_role[_CLIENT])

    @cached_property
    def _by_role(self) -> dict[Role, tuple[Message, ...]]:
        """Messages with text by speaker, once: every rule asks."""
        return {role: tuple(m for m in self.conv.messages if m.role is role and m.text) for role in _ROLES}

    @cached_property
    def client_names(self) -> frozenset[str]:
        """Lemmas of the client's first name(s): metadata, then a self-introduction."""
        names: set[str] = set()
        if self.conv.client.name:
            names.add(norm(self.conv.client.name.split()[0]))
        for m in self.client_messages():
            names |= introduced_names(self.doc(m.index))
        return frozenset(names)

    @cached_property
    def operator_names(self) -> frozenset[str]:
        names: set[str] = set()
        if self.conv.operator.name:
            names.add(norm(self.conv.operator.name.split()[0]))
        for m in self.operator_messages()[:2]:
            names |= introduced_names(self.doc(m.index))
        return frozenset(names)

    def name_mentions(self, names: frozenset[str], role: Role = Role.OPERATOR) -> list[NameMention]:
        """Where the speakers of ``role`` call someone by one of ``names`` (any case of it)."""
        out = []
        for m in self.conv.messages:
            if m.role is not role or not m.text:
                continue
            doc = self.doc(m.index)
            for i, t in enumerate(doc.tokens):
                if t.kind is _WORD and t.mask is None and (t.lemmas & names or t.norm in names):
                    out.append(NameMention(m.index, t.start, t.end, t.text, t.lemma, _is_vocative(doc, i)))
        return out

    def emails_given(self, role: Role = Role.CLIENT) -> list[str]:
        return self._masked(role, Mask.EMAIL)

    def phones_given(self, role: Role = Role.CLIENT) -> list[str]:
        return self._masked(role, Mask.PHONE)

    def _masked(self, role: Role, kind: Mask) -> list[str]:
        """What the Doc recognised as an e-mail or a phone in the messages of ``role``."""
        return [m.text[s:e] for m in self.conv.messages if m.role is role and m.text
                for s, e, k in self.doc(m.index).masks if k is kind]


def _is_vocative(doc: Doc, i: int) -> bool:
    """A name set off by punctuation or the sentence's edges: «Наталья, добрый день!», «Спасибо, Наталья!»."""
    toks = doc.tokens
    sent = doc.sentence_of(i)
    j = i + 1
    while j < sent.last and toks[j].kind is _WORD and "Patr" in toks[j].info.grammemes:
        j += 1  # «Ольга Викторовна, …»
    before = i == sent.first or toks[i - 1].kind is _PUNCT
    after = j >= sent.last or toks[j].kind in (_PUNCT, _EMOJI)
    return before and after


_NO_NAMES: frozenset[str] = frozenset()
_INTRODUCED = ("annotate.introduced_names",)  # the Doc memo's key, made once


def introduced_names(doc: Doc) -> frozenset[str]:
    """Lemmas of the names a speaker introduces themself by («Меня зовут Анна»): a pure function of
    the text, remembered on the Doc (both sides' names are asked of every contact)."""
    return doc.remember(_INTRODUCED, lambda: _introduced_names(doc))


def _introduced_names(doc: Doc) -> frozenset[str]:
    possible = possible_patterns(doc, _SELF_INTRO)
    if not possible:
        return _NO_NAMES  # nearly every message: none of the phrases' words is there
    out: set[str] = set()
    for p in possible:  # the phrases whose words the text has, in the list's order
        for match in find(doc, p):
            last = match.last
            if p.source.endswith("@surname"):
                last -= 1  # the first name, not the surname after it
            out.add(doc.tokens[last].lemma)
    return frozenset(out)


def annotate(conv: Conversation, doc_factory: Callable[[str], Doc] = make_doc) -> Annotated:
    return Annotated(conv, doc_factory=doc_factory)
