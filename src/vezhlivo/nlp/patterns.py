"""Token patterns over lemmas: the small language phrase lists are written in.

A pattern is a sequence of elements separated by spaces, matched against the words of one
sentence (punctuation skipped):

- ``знать``          any form of the lemma «знать» (also the exact form «знать»)
- ``=знаю``          exactly this form (lower case, ё = е)
- ``знать|ведать``   alternatives
- ``@2sg``           a grammatical class (see ``CLASSES``)
- ``?очень``         optional element
- ``...`` / ``...5`` a gap of up to 3 (or 5) words
- ``^`` first / ``$`` last element: anchored at the start / end of the sentence

A misspelt word that the dictionary does not know still matches a lemma when it is one edit away
from one of the lemma's forms (typos must not let an offence through).
"""

from __future__ import annotations

import itertools
import threading
import weakref
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache

from .doc import Doc, Kind, Sentence, Token
from .morph import edit_distance_le1, lexeme_forms, norm

# Enum members as module constants: on Python 3.11 ``Kind.WORD`` goes through ``EnumType.__getattr__``
# (≈ 10 times a global's cost), and the token tests below run on every word tried.
_WORD = Kind.WORD
_NUMBER = Kind.NUMBER


def _gr(*names: str) -> Callable[[Token], bool]:
    wanted = frozenset(names)
    return lambda t: t.kind is _WORD and wanted <= t.info.grammemes


def _second_singular(t: Token) -> bool:
    """«ты», «тебя», «знаешь», «подожди» — second person singular, by the dictionary."""
    if t.kind is not _WORD or not t.info.known:
        return False
    g = t.info.grammemes
    if "2per" in g and "sing" in g:
        return True
    return "impr" in g and "sing" in g and "excl" in g


CLASSES: dict[str, Callable[[Token], bool]] = {
    "2sg": _second_singular,
    "verb": lambda t: t.kind is _WORD and t.info.pos in ("VERB", "INFN"),
    "inf": lambda t: t.kind is _WORD and t.info.pos == "INFN",
    "noun": lambda t: t.kind is _WORD and t.info.pos == "NOUN",
    "adj": lambda t: t.kind is _WORD and t.info.pos in ("ADJF", "ADJS"),
    # a first name; one that is also a common noun («Вера», «Надежда», «Любовь») when capitalised
    "name": lambda t: t.kind is _WORD and ("Name" in t.info.grammemes or (
        "Name" in t.info.all_grammemes and t.text[:1].isupper())),
    # a capitalised surname («Петровой», «Иванову»): any parse of it says Surn
    "surname": lambda t: t.kind is _WORD and "Surn" in t.info.all_grammemes and t.text[:1].isupper(),
    "num": lambda t: t.kind is _NUMBER or (t.kind is _WORD and t.info.pos in ("NUMR",)),
    "any": lambda t: True,
    "past": _gr("past"),
    "impr": _gr("impr"),
    "1per": _gr("1per"),
    "futr": _gr("futr"),
}


@dataclass(frozen=True, slots=True)
class Element:
    lemmas: frozenset[str]
    forms: frozenset[str]
    classes: tuple[str, ...]
    optional: bool = False
    gap: int = 0  # > 0: this element is a gap of up to ``gap`` words

    def matches(self, tok: Token) -> bool:
        # the hottest function of a run: plain tests, no generators
        if tok.norm in self.forms or tok.norm in self.lemmas:
            return True
        if self.lemmas and tok.kind is _WORD:
            info = tok.info
            if not self.lemmas.isdisjoint(info.lemmas):
                return True
            if not info.known and len(tok.norm) >= 4 and typo_of(self.lemmas, tok.norm):
                return True
        for c in self.classes:  # noqa: SIM110 - a generator costs more here, on every token
            if CLASSES[c](tok):
                return True
        return False


def _deletes(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}


@lru_cache(maxsize=20_000)
def _typo_index(lemma: str) -> dict[str, tuple[str, ...]]:
    """Symmetric-delete index of every form of a lemma: a form one edit from a word shares a key."""
    index: dict[str, set[str]] = {}
    for f in lexeme_forms(lemma):
        for key in _deletes(f):
            index.setdefault(key, set()).add(f)
    return {k: tuple(v) for k, v in index.items()}


def _same_start(form: str, lemma: str) -> bool:
    """Could one edit turn an inflected form of ``lemma`` into ``form``? Russian inflects at the end,
    so the start of the word survives one edit in one of these shapes (a cheap gate before the index)."""
    f2, l2 = form[:2], lemma[:2]
    f13, l13 = form[1:3], lemma[1:3]
    if f2 in (l2, l13, l2[::-1]) or f13 in (l13, l2):
        return True
    return form[:1] == lemma[:1] and (form[2:4] == lemma[2:4] or f13 == lemma[2:4] or form[2:4] == l13)


class _StartGate:
    """The lemmas of a list that pass ``_same_start`` with a word, found by a few look-ups of the
    word's first letters instead of testing every lemma (each shape of the test is one table)."""

    def __init__(self, lemmas: Iterable[str]) -> None:
        self.first2: dict[str, set[str]] = {}
        self.mid2: dict[str, set[str]] = {}
        self.swapped2: dict[str, set[str]] = {}
        self.first_third4: dict[tuple[str, str], set[str]] = {}
        self.first_mid2: dict[tuple[str, str], set[str]] = {}
        for lemma in lemmas:
            self.add(lemma)

    def add(self, lemma: str) -> None:
        self.first2.setdefault(lemma[:2], set()).add(lemma)
        self.mid2.setdefault(lemma[1:3], set()).add(lemma)
        self.swapped2.setdefault(lemma[:2][::-1], set()).add(lemma)
        self.first_third4.setdefault((lemma[:1], lemma[2:4]), set()).add(lemma)
        self.first_mid2.setdefault((lemma[:1], lemma[1:3]), set()).add(lemma)

    def near(self, form: str) -> set[str]:
        f2, f13, f0, f24 = form[:2], form[1:3], form[:1], form[2:4]
        out: set[str] = set()
        for table, key in ((self.first2, f2), (self.mid2, f2), (self.swapped2, f2), (self.mid2, f13),
                           (self.first2, f13)):
            out |= table.get(key, set())
        for table2, key2 in ((self.first_third4, (f0, f24)), (self.first_third4, (f0, f13)),
                             (self.first_mid2, (f0, f24))):
            out |= table2.get(key2, set())
        return out


def _one_edit_from_lemma(form: str, keys: set[str], lemma: str) -> bool:
    """``form`` (with its delete keys) is one edit from a form of ``lemma``; one index per lemma, shared
    by every list the lemma is in."""
    index = _typo_index(lemma)
    return any(edit_distance_le1(form, f) for key in keys for f in index.get(key, ()))


@lru_cache(maxsize=200_000)
def typo_of(lemmas: frozenset[str], form: str) -> bool:
    """Is ``form`` (a word the dictionary does not know) one edit away from a form of these lemmas?"""
    near = [lemma for lemma in lemmas if len(lemma) >= 4 and _same_start(form, lemma)]
    if not near:
        return False
    keys = _deletes(form)
    return any(_one_edit_from_lemma(form, keys, lemma) for lemma in near)


@dataclass(frozen=True, slots=True)
class Pattern:
    source: str
    elements: tuple[Element, ...]
    anchor_start: bool = False
    anchor_end: bool = False
    # made from the elements: (lemmas | forms, lemmas, whether a misspelling may reach a lemma) of each
    # element a match cannot do without, and the lemmas/forms the first element needs (None when it is a
    # class, optional or a gap)
    required: tuple[tuple[frozenset[str], frozenset[str], bool], ...] = field(init=False, repr=False, compare=False)
    first_words: frozenset[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "required", tuple(
            (e.lemmas | e.forms, e.lemmas, any(len(lemma) >= 4 for lemma in e.lemmas))
            for e in self.elements if not (e.optional or e.gap or e.classes)))
        first = self.elements[0] if self.elements else None
        object.__setattr__(self, "first_words", None if first is None or first.optional or first.gap or first.classes
                           else first.lemmas | first.forms)

    def can_match(self, doc: Doc, own: bool = True) -> bool:
        """A cheap test on the whole text: every required word is there (or could be a typo of it).

        Not remembered: one or two set tests cost less than a memo's key."""
        vocab, unknown = doc.vocabulary(own)
        return self.has_required(vocab, unknown)

    def has_required(self, vocab: frozenset[str], unknown: tuple[str, ...]) -> bool:
        """``can_match`` on a text's vocabulary (``Doc.vocabulary``)."""
        for words, lemmas, slips in self.required:
            if vocab.isdisjoint(words) and not (slips and unknown and _slip_among(lemmas, unknown)):
                return False
        return True


# On Python 3.11 a function whose local a comprehension or generator uses makes a cell for it on every
# call, even a call that never gets there: the hot functions below loop instead, or call a helper.
def _slip_among(lemmas: frozenset[str], unknown: tuple[str, ...]) -> bool:
    """Is one of the words ``unknown`` to the dictionary a one-edit slip of one of ``lemmas``?"""
    return any(typo_of(lemmas, u) for u in unknown)


class PatternError(ValueError):
    pass


@lru_cache(maxsize=4096)
def compile_pattern(source: str) -> Pattern:
    parts = source.split()
    anchor_start = bool(parts) and parts[0] == "^"
    anchor_end = bool(parts) and parts[-1] == "$"
    parts = [p for p in parts if p not in ("^", "$")]
    if not parts:
        raise PatternError(f"empty pattern: {source!r}")
    elements = []
    for part in parts:
        if part.startswith("..."):
            rest = part[3:]
            elements.append(Element(frozenset(), frozenset(), (), gap=int(rest) if rest else 3))
            continue
        optional = part.startswith("?")
        part = part.lstrip("?")
        lemmas: set[str] = set()
        forms: set[str] = set()
        classes: list[str] = []
        for alt in part.split("|"):
            if alt.startswith("@"):
                if alt[1:] not in CLASSES:
                    raise PatternError(f"unknown class {alt!r} in pattern {source!r}")
                classes.append(alt[1:])
            elif alt.startswith("="):
                forms.add(norm(alt[1:]))
            elif alt:
                lemmas.add(norm(alt))
        elements.append(Element(frozenset(lemmas), frozenset(forms), tuple(classes), optional))
    if elements[0].gap or elements[-1].gap:
        raise PatternError(f"a pattern cannot start or end with a gap: {source!r}")
    return Pattern(source, tuple(elements), anchor_start, anchor_end)


@dataclass(frozen=True, slots=True)
class Match:
    first: int  # token indices, inclusive
    last: int
    start: int  # character offsets
    end: int
    pattern: str


def _match_at(p: Pattern, toks: list[Token], pos: int, el: int, end: int | None = None) -> int | None:
    """Return the index (in ``toks``) of the last matched word, or None; words from ``end`` on (the
    sentence's end; all of ``toks`` when None) are out of reach."""
    if end is None:
        end = len(toks)
    if el == len(p.elements):
        return pos - 1
    e = p.elements[el]
    if e.gap:
        for skip in range(e.gap + 1):
            if pos + skip > end:
                break
            r = _match_at(p, toks, pos + skip, el + 1, end)
            if r is not None:
                return r
        return None
    if pos < end and e.matches(toks[pos]):
        r = _match_at(p, toks, pos + 1, el + 1, end)
        if r is not None:
            return r
    if e.optional:
        return _match_at(p, toks, pos, el + 1, end)
    return None


@dataclass(slots=True, eq=False)
class _Words:
    """A text's (own) words, read once for every pattern searched in it: each word's form and lemmas,
    where the long words the dictionary does not know are (a misspelling may hide there), and where each
    word's sentence ends. Positions index ``toks``."""

    idx: list[int]  # token indices of the words (``Doc.words``), in order
    toks: list[Token]
    forms: list[tuple[str, AbstractSet[str]]]  # (form, lemmas) of each word; a number has no lemmas
    unknown: list[int]
    ends: list[int]  # position -> end (exclusive) of its sentence's words; -1 outside every sentence
    sentence_starts: list[int]  # the first position of each sentence that has words

    @classmethod
    def of(cls, doc: Doc, own: bool) -> _Words:
        idx = doc.words(own=own)
        tokens = doc.tokens
        toks = list(map(tokens.__getitem__, idx))
        forms: list[tuple[str, AbstractSet[str]]] = []
        unknown: list[int] = []
        for pos, t in enumerate(toks):
            n = t.norm
            if t.kind is _WORD:
                info = t.info
                forms.append((n, info.lemmas))
                if not info.known and len(n) >= 4:
                    unknown.append(pos)
            else:
                forms.append((n, _NO_LEMMAS))
        # a sentence's words are one slice of the text's (as ``Doc.words(sent)`` cuts them); a Doc's
        # sentences follow each other without overlapping (``make_doc`` numbers the tokens so), so each
        # position has one sentence
        ends = [-1] * len(toks)
        starts: list[int] = []
        for sent in doc.sentences:
            lo, hi = bisect_left(idx, sent.first), bisect_left(idx, sent.last)
            if lo < hi:
                ends[lo:hi] = [hi] * (hi - lo)
                starts.append(lo)
        return cls(idx, toks, forms, unknown, ends, starts)

    def first_positions(self, p: Pattern, lo: int, hi: int) -> list[int] | None:
        """Where in [lo, hi) ``p``'s first element may match, ascending: one of its words is there, or a
        misspelt word (``Element.matches`` decides, in ``_match_at``); None when it may match anywhere (a
        class, an optional word). A scan: a text is searched for a few patterns, an index would cost more."""
        first = p.first_words
        if first is None:
            return None
        forms = self.forms if lo == 0 and hi == len(self.forms) else self.forms[lo:hi]
        found = _positions_of(first, forms, lo)
        unknown = self.unknown
        if unknown and p.required[0][2]:
            if lo or hi < len(self.forms):
                unknown = unknown[bisect_left(unknown, lo):bisect_left(unknown, hi)]
            if unknown:
                return sorted(set(found).union(unknown))
        return found

    def matches(self, p: Pattern) -> list[Match]:
        """Every match of ``p`` in the text, sentence by sentence, in order."""
        toks, ends = self.toks, self.ends
        starts: Iterable[int]
        if p.anchor_start:
            starts = self.sentence_starts
        else:
            found = self.first_positions(p, 0, len(toks))
            starts = range(len(toks)) if found is None else found
        out: list[Match] = []
        for pos in starts:
            end = ends[pos]
            if end < 0:
                continue
            last = _match_at(p, toks, pos, 0, end)  # None where the first element does not match
            if last is None or last < pos or (p.anchor_end and last != end - 1):
                continue
            out.append(Match(self.idx[pos], self.idx[last], toks[pos].start, toks[last].end, p.source))
        return out

    def matches_in(self, p: Pattern, sent: Sentence) -> list[Match]:
        """Every match of ``p`` in one sentence (a Doc's, or a part of one that a caller cut), in order."""
        idx, toks = self.idx, self.toks
        lo, hi = bisect_left(idx, sent.first), bisect_left(idx, sent.last)
        if lo >= hi:
            return []
        starts: Iterable[int]
        if p.anchor_start:
            starts = (lo,)
        else:
            found = self.first_positions(p, lo, hi)
            starts = range(lo, hi) if found is None else found
        out: list[Match] = []
        for pos in starts:
            last = _match_at(p, toks, pos, 0, hi)
            if last is None or last < pos or (p.anchor_end and last != hi - 1):
                continue
            out.append(Match(idx[pos], idx[last], toks[pos].start, toks[last].end, p.source))
        return out


_NO_LEMMAS: frozenset[str] = frozenset()


def _positions_of(words: frozenset[str], forms: list[tuple[str, AbstractSet[str]]], start: int) -> list[int]:
    """The positions (counted from ``start``) of the forms that are one of ``words`` or have one as a lemma."""
    return [pos for pos, (form, lemmas) in enumerate(forms, start) if form in words or not words.isdisjoint(lemmas)]


class _Text:
    """What the pattern search learns of one text (its own words, or all of them), remembered on its Doc:
    the lists it may reach, and for each list asked about the patterns that may match and their matches.
    Every entry is a function of the text (and the list) alone: threads sharing a Doc may both compute
    one, and either answer is right."""

    __slots__ = ("found", "in_sentence", "possible", "reached", "words")

    def __init__(self) -> None:
        # (registry version, uids of the registered lists the text may reach): see ``_reachable``
        self.reached: tuple[int, AbstractSet[int]] = (-1, frozenset())
        self.possible: dict[int, tuple[Pattern, ...]] = {}  # uid -> the list's patterns that may match
        self.found: dict[int, list[Match]] = {}  # uid -> ``find_any``'s answer
        self.in_sentence: dict[tuple[int, int, int], bool] = {}  # (uid, first, last) -> ``sentence_has``
        self.words: _Words | None = None


_OWN_TEXT: tuple[object, ...] = ("patterns.text", True)  # the Doc memo's keys of a _Text, made once
_ALL_TEXT: tuple[object, ...] = ("patterns.text", False)


def _text(doc: Doc, own: bool) -> _Text:
    key = _OWN_TEXT if own else _ALL_TEXT
    text = doc.memo.get(key)
    if text is None:
        text = doc.memo[key] = _Text()
    return text  # type: ignore[return-value]


def _words(doc: Doc, text: _Text, own: bool) -> _Words:
    words = text.words
    if words is None:
        words = text.words = _Words.of(doc, own)
    return words


def find_in_sentence(doc: Doc, sent: Sentence, pattern: Pattern, *, own: bool = True) -> Iterator[Match]:
    if not pattern.can_match(doc, own):
        return
    yield from _words(doc, _text(doc, own), own).matches_in(pattern, sent)


def find(doc: Doc, pattern: Pattern | str, *, own: bool = True) -> Iterator[Match]:
    """Every match of a pattern in a text, sentence by sentence, in order."""
    p = compile_pattern(pattern) if isinstance(pattern, str) else pattern
    if not p.can_match(doc, own):
        return
    yield from _words(doc, _text(doc, own), own).matches(p)


def find_any(doc: Doc, patterns: Sequence[str], *, own: bool = True) -> list[Match]:
    """Matches of several patterns, overlapping ones merged to the earliest-longest.

    Remembered on the Doc: several rules ask the same lists of the same text (and a live hint asks
    again about the context on every keystroke pause)."""
    return list(_remembered(doc, patterns, own))  # a copy: callers may change their list


def _remembered(doc: Doc, patterns: Sequence[str], own: bool) -> Sequence[Match]:
    """``find_any``'s answer as remembered for the text (callers copy it before handing it out); empty
    at once when the text cannot reach the list (most calls end there)."""
    entry = _BY_IDENTITY.get(id(patterns))
    index = entry[1] if entry is not None and entry[0] is patterns else _index_of(patterns)
    text: _Text | None = doc.memo.get(_OWN_TEXT if own else _ALL_TEXT)  # type: ignore[assignment]
    if text is None:
        text = _text(doc, own)
    version, reach = text.reached  # ``_reach``'s first lines: most lists, most texts end here
    if version != _registry_version:
        reach = _reach(doc, text, own)
    if index.uid not in reach:
        return ()
    found = text.found.get(index.uid)
    if found is None:
        found = _found(doc, text, index, own)
    return found


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class _ListIndex:
    """Which patterns of a list can match a text, found from the text's words rather than by trying all."""

    patterns: tuple[str, ...]
    uid: int  # names the list in a text's answers: cheaper to hash than the list itself
    by_word: dict[str, tuple[int, ...]]
    words: frozenset[str]
    always: tuple[int, ...]  # patterns without a required word (classes, optional words only)
    by_typo_lemma: dict[str, tuple[int, ...]]  # a key lemma a misspelt word may hit -> its patterns
    compiled: tuple[Pattern, ...]  # the patterns, compiled

    def may_reach(self, doc: Doc, own: bool) -> bool:
        """Could any pattern of the list match the text: one of the key words is there, or a slip of one."""
        return self.uid in _reachable(doc, own)


class _Registry:
    """The key words of every list in one inverted index: a text's vocabulary, looked up once, names every
    list it may reach, and asking about one list is then a set membership test (rules ask ≈200 times a
    contact, nearly always to hear «no»). Exact: a list is reached iff one of its key words is in the
    text, or one of its key lemmas is one edit from a word of the text the dictionary does not know."""

    __slots__ = ("always", "by_lemma", "by_word", "gate", "lists", "typo_lemmas", "words")

    def __init__(self) -> None:
        self.by_word: dict[str, set[int]] = {}  # key word (lemma or form) -> uids of the lists it keys
        self.words: frozenset[str] | None = None  # the keys of by_word (made again after a list is added)
        self.always: set[int] = set()  # lists with a pattern that has no key word
        self.by_lemma: dict[str, set[int]] = {}  # key lemma of 4+ letters (a misspelling may reach it) -> uids
        self.gate = _StartGate(())  # over the lemmas of by_lemma
        self.typo_lemmas: dict[str, tuple[str, ...]] = {}  # misspelt word -> lemmas it is a slip of (bounded)
        self.lists = 0

    def add(self, index: _ListIndex) -> None:
        uid = index.uid
        self.words = None
        for w in index.words:
            self.by_word.setdefault(w, set()).add(uid)
        if index.always:
            self.always.add(uid)
        for lemma in index.by_typo_lemma:
            uids = self.by_lemma.get(lemma)
            if uids is None:
                uids = self.by_lemma[lemma] = set()
                self.gate.add(lemma)
                self.typo_lemmas.clear()  # a new lemma: a remembered word may be a slip of it
            uids.add(uid)
        self.lists += 1

    def slip_of(self, word: str) -> tuple[str, ...]:
        """The key lemmas that ``word`` (unknown to the dictionary) is a one-edit slip of."""
        hit = self.typo_lemmas.get(word)
        if hit is None:
            if len(self.typo_lemmas) >= 20_000:
                self.typo_lemmas.clear()
            keys = _deletes(word)
            hit = self.typo_lemmas[word] = tuple(
                lemma for lemma in self.gate.near(word) if _one_edit_from_lemma(word, keys, lemma))
        return hit

    def reach(self, vocab: frozenset[str], unknown: tuple[str, ...]) -> AbstractSet[int]:
        words = self.words
        if words is None:
            words = self.words = frozenset(self.by_word)
        found = set(self.always)
        by_word = self.by_word
        for w in vocab & words:
            found |= by_word[w]
        for u in unknown:
            for lemma in self.slip_of(u):
                found |= self.by_lemma[lemma]
        return found


# The registry is changed (a list registered, or the whole rebuilt) and read under this lock; a Doc's
# reachable set names the version it was computed for, and one of an older version is computed again.
_REGISTRY_LOCK = threading.Lock()
_REGISTRY = _Registry()
_registry_version = 0
# Lists built per call may bring new contents and their indices come and go: when the registry holds many
# more lists than are alive, it is rebuilt from the living ones (a list still in use is alive).
_LIVE: weakref.WeakValueDictionary[int, _ListIndex] = weakref.WeakValueDictionary()
_REGISTRY_LIMIT = 8192


def _register(index: _ListIndex) -> None:
    global _REGISTRY, _registry_version
    with _REGISTRY_LOCK:
        _LIVE[index.uid] = index
        if _REGISTRY.lists >= max(_REGISTRY_LIMIT, 2 * len(_LIVE)):
            fresh = _Registry()
            for live in list(_LIVE.values()):
                fresh.add(live)
            _REGISTRY = fresh
        else:
            _REGISTRY.add(index)
        _registry_version += 1


def _reachable(doc: Doc, own: bool) -> AbstractSet[int]:
    """The uids of the registered lists the text may reach (``may_reach``)."""
    return _reach(doc, _text(doc, own), own)


def _reach(doc: Doc, text: _Text, own: bool) -> AbstractSet[int]:
    """``_reachable``, computed once per text, and again only after lists were registered."""
    version, reach = text.reached
    if version != _registry_version:
        vocab, unknown = doc.vocabulary(own)
        with _REGISTRY_LOCK:
            got = (_registry_version, _REGISTRY.reach(vocab, unknown))
        text.reached = got  # version and set in one tuple: a thread reads both or neither
        reach = got[1]
    return reach


class ListKey:
    """A list of patterns as ``reached_by_any`` names it: its uid, fixed once the list is indexed."""

    __slots__ = ("index", "patterns", "uid")

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = patterns
        # held, not only its uid: a living index keeps its uid through a rebuild of the registry
        self.index = _index_of(patterns)
        self.uid = self.index.uid

    def __reduce__(self) -> tuple[type[ListKey], tuple[Sequence[str]]]:
        # a uid means something in its own process only: another process (a rulebook sent to a Ray
        # worker with what it derived) indexes the list again and gets its own
        return ListKey, (self.patterns,)


def reached_by_any(docs: Iterable[Doc], *, own: bool = True) -> tuple[int, AbstractSet[int], list[AbstractSet[int]]]:
    """(registry version, the uids of the lists that at least one of the texts may reach, and those of
    each text): for a whole contact, one set test then tells a rule that none of its messages can
    match its list — most rules, most contacts — without asking message by message. Stale once the
    version has moved on (``reach_is_current``): a list registered since then is missing from the sets."""
    version = _registry_version
    each = [_reach(doc, _text(doc, own), own) for doc in docs]
    return version, set().union(*each), each


def list_uid(patterns: Sequence[str]) -> int:
    """The uid ``reached_by_any`` names a list by (the list indexed, and registered, when first seen)."""
    return _index_of(patterns).uid


def reach_is_current(version: int) -> bool:
    return version == _registry_version


def _slip_of(word: str) -> tuple[str, ...]:
    """The key lemmas of the registered lists that ``word`` is a one-edit slip of (one bounded cache)."""
    with _REGISTRY_LOCK:
        return _REGISTRY.slip_of(word)


# Words in most sentences: a pattern keyed on one of them would be tried on nearly every text.
_FREQUENT = frozenset({
    "я", "вы", "ты", "мы", "он", "она", "они", "оно", "не", "ни", "это", "этот", "тот", "что", "как", "так",
    "на", "в", "во", "с", "со", "и", "а", "но", "да", "нет", "по", "у", "к", "о", "об", "за", "из", "от",
    "до", "для", "при", "же", "бы", "ли", "то", "быть", "мочь", "весь", "свой", "ваш", "наш", "мой", "твой",
    "уже", "еще", "очень",
})


def _key_element(p: Pattern) -> Element | None:
    """The required element a text is least likely to contain: its words index the pattern.

    Any required element would do (``can_match`` then checks them all); a rare one means fewer
    patterns to try. Ties keep the earliest element."""
    required = [e for e in p.elements if not (e.optional or e.gap or e.classes) and (e.lemmas or e.forms)]
    if not required:
        return None
    return max(required, key=lambda e: (_FREQUENT.isdisjoint(e.lemmas | e.forms), min(map(len, e.lemmas | e.forms))))


_list_ids = itertools.count()
# Lists by identity: rules pass the same list object (a constant, or a rulebook parameter derived
# once) for every message, and hashing a long list on each call cost more than the search it guards.
# An entry keeps its list alive, so an id cannot be reused by another list while it is here; pattern
# lists are never changed in place.
_BY_IDENTITY: dict[int, tuple[Sequence[str], _ListIndex]] = {}


def _index_of(patterns: Sequence[str]) -> _ListIndex:
    entry = _BY_IDENTITY.get(id(patterns))
    if entry is not None and entry[0] is patterns:
        return entry[1]
    index = _list_index(tuple(patterns))
    if len(_BY_IDENTITY) >= 4096:  # lists built per call come and go: stay bounded
        _BY_IDENTITY.clear()
    _BY_IDENTITY[id(patterns)] = (patterns, index)
    return index


@lru_cache(maxsize=4096)
def _list_index(patterns: tuple[str, ...]) -> _ListIndex:
    by_word: dict[str, list[int]] = {}
    always: list[int] = []
    by_lemma: dict[str, list[int]] = {}  # key lemmas long enough for a misspelling to reach them
    for i, source in enumerate(patterns):
        p = compile_pattern(source)
        key = _key_element(p)
        if key is None:
            always.append(i)
            continue
        for w in key.lemmas | key.forms:
            by_word.setdefault(w, []).append(i)
        for lemma in key.lemmas:
            if len(lemma) >= 4:
                by_lemma.setdefault(lemma, []).append(i)
    index = _ListIndex(patterns, next(_list_ids), {w: tuple(v) for w, v in by_word.items()}, frozenset(by_word),
                       tuple(always), {lemma: tuple(v) for lemma, v in by_lemma.items()},
                       tuple(compile_pattern(source) for source in patterns))
    _register(index)
    return index


def _candidates(index: _ListIndex, vocab: frozenset[str], unknown: tuple[str, ...]) -> list[int]:
    """The patterns of a list a text's key words (or slips of them) lead to, in order."""
    found = set(index.always)
    for w in vocab & index.words:
        found.update(index.by_word[w])
    if unknown and index.by_typo_lemma:
        for u in unknown:
            for lemma in _slip_of(u):  # the registry holds every living list's key lemmas, this one's too
                found.update(index.by_typo_lemma.get(lemma, ()))
    return sorted(found)


def _possible_in(doc: Doc, text: _Text, index: _ListIndex, own: bool) -> tuple[Pattern, ...]:
    """The patterns of a list whose every required word is in the text (or a slip of it), in order:
    only they can match. A cheap test, no search; remembered for the text."""
    possible = text.possible.get(index.uid)
    if possible is None:
        if index.uid not in _reach(doc, text, own):
            possible = ()  # most lists, most texts: no key word is there
        else:
            vocab, unknown = doc.vocabulary(own)
            compiled = index.compiled
            found = []
            for i in _candidates(index, vocab, unknown):
                if compiled[i].has_required(vocab, unknown):
                    found.append(compiled[i])
            possible = tuple(found)
        text.possible[index.uid] = possible
    return possible


def _earliest_longest(m: Match) -> tuple[int, int]:
    return m.start, -m.end


def _found(doc: Doc, text: _Text, index: _ListIndex, own: bool) -> list[Match]:
    """``find_any``'s answer, remembered for the text."""
    possible = _possible_in(doc, text, index, own)
    merged: list[Match] = []
    if possible:
        words = _words(doc, text, own)
        found: list[Match] = []
        for p in possible:
            found += words.matches(p)
        found.sort(key=_earliest_longest)
        for m in found:
            if merged and m.start < merged[-1].end:
                continue
            merged.append(m)
    text.found[index.uid] = merged
    return merged


def _find_any(doc: Doc, index: _ListIndex, own: bool) -> list[Match]:
    return _found(doc, _text(doc, own), index, own)


def may_match(doc: Doc, patterns: Sequence[str], *, own: bool = True) -> bool:
    """False when no pattern of the list can match the text (most texts, for most lists)."""
    return bool(_possible_in(doc, _text(doc, own), _index_of(patterns), own))


def possible_patterns(doc: Doc, patterns: Sequence[str], *, own: bool = True) -> tuple[Pattern, ...]:
    """The compiled patterns of the list, in its order, that can match the text (``Pattern.can_match``):
    the others need not be searched, nor compiled and asked one by one."""
    return _possible_in(doc, _text(doc, own), _index_of(patterns), own)


def has_match(doc: Doc, patterns: Sequence[str], *, own: bool = True) -> bool:
    """``bool(find_any(doc, patterns))``, sooner: the first match of any pattern will do."""
    index = _index_of(patterns)
    text = _text(doc, own)
    found = text.found.get(index.uid)
    if found is not None:
        return bool(found)
    possible = _possible_in(doc, text, index, own)
    if not possible:
        return False
    words = _words(doc, text, own)
    for p in possible:  # noqa: SIM110 - any() over a generator would make a cell on every call
        if words.matches(p):
            return True
    return False


def find_unless(doc: Doc, patterns: Sequence[str], unless: Sequence[str] = (), *, own: bool = True) -> list[Match]:
    """Matches of ``patterns`` whose sentence does not also match ``unless`` (the context that excuses them)."""
    found = _remembered(doc, patterns, own)
    if not found:
        return []
    if not unless:
        return list(found)
    return _not_excused(doc, found, unless, own)


def _not_excused(doc: Doc, found: Sequence[Match], unless: Sequence[str], own: bool) -> list[Match]:
    return [m for m in found if not sentence_has(doc, doc.sentence_of(m.first), unless, own=own)]


def sentence_has(doc: Doc, sent: Sentence, patterns: Sequence[str], *, own: bool = True) -> bool:
    entry = _BY_IDENTITY.get(id(patterns))
    index = entry[1] if entry is not None and entry[0] is patterns else _index_of(patterns)
    text = _text(doc, own)
    # only the patterns whose every required word the whole text has can match one of its sentences;
    # most texts have none, and then no sentence needs a search of its own
    possible = _possible_in(doc, text, index, own)
    if not possible:
        return False
    key = (index.uid, sent.first, sent.last)
    hit = text.in_sentence.get(key)
    if hit is None:
        hit = text.in_sentence[key] = _any_in(_words(doc, text, own), possible, sent)
    return hit


def _any_in(words: _Words, possible: tuple[Pattern, ...], sent: Sentence) -> bool:
    return any(words.matches_in(p, sent) for p in possible)
