"""Annotated text: tokens and sentences as views over the original string (offsets never drift)."""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from . import segment
from .morph import WordInfo, is_known, norm, word_info

T = TypeVar("T")
_MISSING = object()
_EMPTY_WORDS: frozenset[str] = frozenset()


class Kind(StrEnum):
    WORD = "word"
    NUMBER = "number"
    PUNCT = "punct"
    EMOJI = "emoji"
    OTHER = "other"


class Mask(StrEnum):
    """Why a token is not the operator's own words (quotes) or not language (addresses, numbers)."""

    QUOTE = "quote"
    URL = "url"
    EMAIL = "email"
    PHONE = "phone"
    CODE = "code"  # order numbers, tracking codes, promo codes


# Enum members bound once: on Python 3.11 ``Kind.WORD`` goes through the enum metaclass (~20 times a
# global's cost), and the loops and properties below run for every token of every message.
_WORD_KIND = Kind.WORD
_NUMBER_KIND = Kind.NUMBER
_PUNCT_KIND = Kind.PUNCT
_EMOJI_KIND = Kind.EMOJI
_OTHER_KIND = Kind.OTHER
_QUOTE_MASK = Mask.QUOTE


@dataclass(slots=True)
class Token:
    text: str
    start: int
    end: int
    norm: str
    kind: Kind
    sent: int = 0
    mask: Mask | None = None
    # What the dictionary says of the word: make_doc fills it in for most words from its cache of pieces,
    # other tokens look it up on first use. A property, not a ``__getattr__`` fallback: a class with
    # ``__getattr__`` pays a Python-level hook on every attribute read (≈ 7 000 a contact), not only this one.
    _info: WordInfo | None = field(default=None, repr=False, compare=False)

    @property
    def info(self) -> WordInfo:
        info = self._info
        if info is None:
            info = self._info = word_info(self.norm)
        return info

    @property
    def is_word(self) -> bool:
        return self.kind is _WORD_KIND

    @property
    def lemmas(self) -> frozenset[str]:
        return self.info.lemmas if self.kind is _WORD_KIND else frozenset({self.norm})

    @property
    def lemma(self) -> str:
        return self.info.lemma if self.kind is _WORD_KIND else self.norm


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    first: int  # token indices [first, last)
    last: int


_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:ru|рф|com|net|org|su|io|info|рус)(?:/\S*)?\b", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?:\+7|\b8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}\b|\b\d{3}-\d{2}-\d{2}\b")
# Order numbers, tracking and promo codes: «№ 458812», «#A-17», «KM-90412», «AB12345», «SALE2024», 5+ digits.
# Digits glued to Russian words («15мин», «2шт») are units, not codes.
_CODE = re.compile(
    r"(?:№|#)\s*[\w-]*\d[\w-]*"
    r"|\b(?=[\w-]*[A-Za-z])(?=[\w-]*\d)[A-Za-z\d][A-Za-z\d-]{3,}\b"
    r"|\b[А-ЯЁ]{1,4}-\d{3,}\b"
    r"|\b\d{5,}\b"
)
# Quotes: «…», “…”, „…“ and straight "…"; an e-mail's quoted lines start with '>'.
_QUOTE = re.compile(r"«[^«»]{0,400}»|“[^“”]{0,400}”|„[^„“]{0,400}“|\"[^\"\n]{0,400}\"|^>.*$", re.M)
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]|[:;]-?[()DPрР]{1,3}(?!\\w)|\\){2,}"
)
_WORD = re.compile(r"[A-Za-zА-Яа-яЁё]+(?:-[A-Za-zА-Яа-яЁё]+)*$")

# Short forms glued to «не» by hurried typists: «незнаю» → «не» + «знаю».
_NE_PREFIX = "не"


@dataclass(slots=True)
class Doc:
    text: str
    tokens: list[Token]
    sentences: list[Sentence]
    masks: list[tuple[int, int, Mask]] = field(default_factory=list)
    _words: dict[tuple[int, int, bool], list[int]] = field(default_factory=dict)
    _vocab: dict[bool, tuple[frozenset[str], tuple[str, ...]]] = field(default_factory=dict)
    memo: dict[tuple[object, ...], object] = field(default_factory=dict)  # results of pure functions of the text

    def words(self, sent: Sentence | None = None, *, own: bool = True) -> list[int]:
        """Indices of word and number tokens (of one sentence), skipping masked ones when ``own``."""
        if sent is None:
            every = self._words.get((-1, -1, own))
            return every if every is not None else self._every_word(own)
        key = (sent.first, sent.last, own)
        cached = self._words.get(key)
        if cached is None:
            every = self._words.get((-1, -1, own))
            if every is None:
                every = self._every_word(own)
            # the text's list is in order: a sentence's words are one slice of it
            cached = self._words[key] = every[bisect_left(every, sent.first):bisect_left(every, sent.last)]
        return cached

    def _every_word(self, own: bool) -> list[int]:
        """Both lists of the text's words at once: they are one list when no word is masked (most texts)."""
        tokens = self.tokens
        every = [i for i, t in enumerate(tokens) if t.kind is _WORD_KIND or t.kind is _NUMBER_KIND]
        mine = [i for i in every if tokens[i].mask is None] if self.masks else every
        self._words[(-1, -1, False)] = every
        self._words[(-1, -1, True)] = mine
        return mine if own else every

    def vocabulary(self, own: bool = True) -> tuple[frozenset[str], tuple[str, ...]]:
        """Every lemma and form of the (own) words, and the long words the dictionary does not know
        (which may be misspellings of a pattern's word)."""
        cached = self._vocab.get(own)
        if cached is None:
            words = self.words(own=own)
            if len(words) == len(self.words(own=not own)):  # no word is masked: one vocabulary for both
                cached = self._vocab[True] = self._vocab[False] = self._vocabulary_of(words)
            else:
                cached = self._vocab[own] = self._vocabulary_of(words)
        return cached

    def _vocabulary_of(self, words: list[int]) -> tuple[frozenset[str], tuple[str, ...]]:
        tokens = self.tokens
        numbers: set[str] = set()
        lemma_sets: list[frozenset[str]] = []
        unknown: set[str] = set()
        for i in words:
            t = tokens[i]
            if t.kind is _WORD_KIND:
                info = t.info
                lemma_sets.append(info.lemmas)  # they hold the form itself too (``word_info``)
                if not info.known and len(t.norm) >= 4:
                    unknown.add(t.norm)
            else:
                numbers.add(t.norm)
        # a frozenset's union is a frozenset: no set built and then copied
        return _EMPTY_WORDS.union(numbers, *lemma_sets), tuple(sorted(unknown))

    def remember(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per text: several rules (and every keystroke pause of a live hint) ask the
        same question of the same message. Only for results that depend on the text alone."""
        hit = self.memo.get(key, _MISSING)
        if hit is _MISSING:
            hit = self.memo[key] = compute()
        return hit  # type: ignore[return-value]

    def span_text(self, start: int, end: int) -> str:
        return self.text[start:end]

    def sentence_of(self, token_index: int) -> Sentence:
        return self.sentences[self.tokens[token_index].sent]

    def masked(self, start: int, end: int) -> Mask | None:
        for s, e, kind in self.masks:
            if s < end and start < e:
                return kind
        return None


_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
# One-character tokens that are punctuation whatever follows (none of them starts an emoticon alone).
_PLAIN_PUNCT = frozenset(",.!?;:-—–()[]\"'«»„“”…/*&%+=<>|\\")


def _classify(text: str) -> Kind:
    if text in _PLAIN_PUNCT:
        return _PUNCT_KIND
    if _WORD.match(text):
        return _WORD_KIND
    if text.isdigit() or _NUMBER.fullmatch(text):
        return _NUMBER_KIND
    if _EMOJI.fullmatch(text) or all(_EMOJI.match(ch) for ch in text):
        return _EMOJI_KIND
    if all(not ch.isalnum() for ch in text):
        return _PUNCT_KIND
    return _OTHER_KIND


# What a match of each mask expression cannot lack (keep them in step with the expressions above): the
# expressions are slow and most messages lack these, so they skip the scan. Codes need a digit, phones
# three in a row.
_DIGIT = re.compile(r"\d")
_DIGITS_3 = re.compile(r"\d{3}")
_URL_HINT = re.compile(r"://|www\.|\.(?:ru|рф|com|net|org|su|io|info|рус)", re.I)
_CODE_HINT = re.compile(r"[№#A-Za-z]|-\d|\d{5}")
_QUOTE_HINT = re.compile('[«“„">]')


def _find_masks(text: str) -> list[tuple[int, int, Mask]]:
    """Masked spans: e-mails, then addresses, phones, codes and quotes, each in text order."""
    spans: list[tuple[int, int, Mask]] = []
    if "@" in text:
        spans += [(m.start(), m.end(), Mask.EMAIL) for m in _EMAIL.finditer(text)]
    if _URL_HINT.search(text) is not None:
        spans += [(m.start(), m.end(), Mask.URL) for m in _URL.finditer(text)]
    digit = _DIGIT.search(text)
    if digit is not None:
        if _DIGITS_3.search(text, digit.start()) is not None:
            spans += [(m.start(), m.end(), Mask.PHONE) for m in _PHONE.finditer(text)]
        if _CODE_HINT.search(text) is not None:
            spans += [(m.start(), m.end(), Mask.CODE) for m in _CODE.finditer(text)]
    if _QUOTE_HINT.search(text) is not None:
        for m in _QUOTE.finditer(text):
            if m.group().startswith(("«", "“", "„", '"')):
                spans.append((m.start() + 1, m.end() - 1, Mask.QUOTE))
            else:
                spans.append((m.start(), m.end(), Mask.QUOTE))
    return spans


def _split_glued_negation(tok_text: str, start: int) -> list[tuple[str, int, int]] | None:
    low = norm(tok_text)
    if len(low) > 4 and low.startswith(_NE_PREFIX) and not is_known(low):
        rest = low[2:]
        if is_known(rest) and word_info(rest).pos in ("VERB", "INFN", "PRED", "ADVB"):
            return [(tok_text[:2], start, start + 2), (tok_text[2:], start + 2, start + len(tok_text))]
    return None


def split_tokens(text: str) -> list[tuple[str, int, int]]:
    """razdel's tokens of ``text`` as (text, start, end)."""
    return segment.tokens(text)


# Word tokens' normal forms and dictionary entries by their text ("" for a token that is no word): the
# same few thousand words make up most messages, and a look-up is cheaper than matching _WORD,
# lower-casing and asking the dictionary's cache. Cleared when it grows too big.
_WORD_PIECES: dict[str, tuple[str, WordInfo]] = {}
_WORD_PIECES_LIMIT = 50_000
# What a piece that is no word maps to: its entry is never read.
_NOT_A_WORD: tuple[str, WordInfo] = ("", WordInfo(frozenset(), "", None, frozenset(), frozenset(), known=False))


def _piece_entry(piece: str) -> tuple[str, WordInfo]:
    if _WORD.match(piece) is None:
        return _NOT_A_WORD
    low = norm(piece)
    return low, word_info(low)

_PAST_END = sys.maxsize  # where the sentence after the last one ends
# A character every _EMOJI match contains: most messages have none and skip the full scan.
_EMOJI_HINT = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d:;)]")


def make_doc(text: str) -> Doc:
    masks = _find_masks(text)
    tokens: list[Token] = []
    add = tokens.append
    emoji_spans = [(m.start(), m.end()) for m in _EMOJI.finditer(text)] if _EMOJI_HINT.search(text) else None
    known_pieces = _WORD_PIECES
    if len(known_pieces) > _WORD_PIECES_LIMIT:
        known_pieces.clear()
    # Each token is numbered with the first sentence that has not ended before it (the last sentence for
    # whitespace-only tails), as it is made. A token holds no whitespace and a sentence ends before
    # whitespace or at the text's end, so no sentence ends inside a token: the pieces a token is split
    # into below share its number.
    spans = segment.sentences(text)
    last_sentence = len(spans) - 1
    sent = 0
    stop = spans[0][1]
    ends: list[int] = []  # per sentence, how many tokens start before its end
    # The text's words and vocabulary gathered on the way (``Doc.words``, ``Doc.vocabulary``), when no
    # word is masked (most texts: own words are then all words); a rare token path gives up on them.
    gather = not masks
    every: list[int] = []
    lemma_sets: list[frozenset[str]] = []
    numbers: set[str] = set()
    unknown: set[str] = set()
    for piece, start, end in segment.tokens(text):
        if start >= stop:
            while start >= stop:
                ends.append(len(tokens))
                sent += 1
                stop = spans[sent][1] if sent <= last_sentence else _PAST_END
            sent = min(sent, last_sentence)  # the loop ends at once for the next tokens of a tail
        entry = known_pieces.get(piece)
        if entry is None:
            entry = known_pieces[piece] = _piece_entry(piece)
        low = entry[0]
        if not low:
            # razdel glues emoticons such as ":)" to punctuation; keep emoji as separate tokens
            inside_emoji = [(s, e) for s, e in emoji_spans if start <= s and e <= end] if emoji_spans else None
            if inside_emoji:
                gather = False
                pos = start
                for s, e in inside_emoji:
                    if s > pos:
                        add(_token(text[pos:s], pos, s, sent))
                    add(Token(text[s:e], s, e, text[s:e], _EMOJI_KIND, sent))
                    pos = e
                if pos < end:
                    add(_token(text[pos:end], pos, end, sent))
            elif piece in _PLAIN_PUNCT:  # what _token would make, without classifying and lower-casing
                add(Token(piece, start, end, piece, _PUNCT_KIND, sent))
            else:
                tok = _token(piece, start, end, sent)  # never a word: _WORD did not match the piece
                if tok.kind is _NUMBER_KIND:
                    every.append(len(tokens))
                    numbers.add(tok.norm)
                add(tok)
            continue
        split = _split_glued_negation(piece, start) if len(low) > 4 and low.startswith(_NE_PREFIX) else None
        if split:
            gather = False
            tokens.extend(_token(t, s, e, sent) for t, s, e in split)
        else:
            info = entry[1]
            if gather:
                every.append(len(tokens))
                lemma_sets.append(info.lemmas)  # as ``_vocabulary_of`` gathers them
                if not info.known and len(low) >= 4:
                    unknown.add(low)
            add(Token(piece, start, end, low, _WORD_KIND, sent, None, info))
    while len(ends) <= last_sentence:
        ends.append(len(tokens))
    sentences = [Sentence(sent_start, sent_stop, ends[k - 1] if k else 0, ends[k])
                 for k, (sent_start, sent_stop) in enumerate(spans)]
    for tok in tokens if masks else ():
        for s, e, kind in masks:
            if (s <= tok.start and tok.end <= e) or (kind is not _QUOTE_MASK and s < tok.end and tok.start < e):
                tok.mask = kind
                break
    doc = Doc(text=text, tokens=tokens, sentences=sentences, masks=masks)
    if gather:
        doc._words[(-1, -1, False)] = doc._words[(-1, -1, True)] = every
        doc._vocab[True] = doc._vocab[False] = (_EMPTY_WORDS.union(numbers, *lemma_sets), tuple(sorted(unknown)))
    return doc


def _token(text: str, start: int, end: int, sent: int = 0) -> Token:
    return Token(text, start, end, norm(text), _classify(text), sent)
