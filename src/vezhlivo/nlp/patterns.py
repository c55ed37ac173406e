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
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache

from .doc import Doc, Kind, Sentence, Token
from .morph import edit_distance_le1, lexeme_forms, norm


def _gr(*names: str) -> Callable[[Token], bool]:
    wanted = frozenset(names)
    return lambda t: t.kind is Kind.WORD and wanted <= t.info.grammemes


def _second_singular(t: Token) -> bool:
    """«ты», «тебя», «знаешь», «подожди» — second person singular, by the dictionary."""
    if t.kind is not Kind.WORD or not t.info.known:
        return False
    g = t.info.grammemes
    if "2per" in g and "sing" in g:
        return True
    return "impr" in g and "sing" in g and "excl" in g


CLASSES: dict[str, Callable[[Token], bool]] = {
    "2sg": _second_singular,
    "verb": lambda t: t.kind is Kind.WORD and t.info.pos in ("VERB", "INFN"),
    "inf": lambda t: t.kind is Kind.WORD and t.info.pos == "INFN",
    "noun": lambda t: t.kind is Kind.WORD and t.info.pos == "NOUN",
    "adj": lambda t: t.kind is Kind.WORD and t.info.pos in ("ADJF", "ADJS"),
    "name": _gr("Name"),
    "num": lambda t: t.kind is Kind.NUMBER or (t.kind is Kind.WORD and t.info.pos in ("NUMR",)),
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
        if self.lemmas and tok.kind is Kind.WORD:
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
        for words, lemmas, slips in self.required:
            if vocab.isdisjoint(words) and not (slips and unknown and any(typo_of(lemmas, u) for u in unknown)):
                return False
        return True


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


def _match_at(p: Pattern, toks: list[Token], pos: int, el: int) -> int | None:
    """Return the index (in ``toks``) of the last matched word, or None."""
    if el == len(p.elements):
        return pos - 1
    e = p.elements[el]
    if e.gap:
        for skip in range(e.gap + 1):
            if pos + skip > len(toks):
                break
            r = _match_at(p, toks, pos + skip, el + 1)
            if r is not None:
                return r
        return None
    if pos < len(toks) and e.matches(toks[pos]):
        r = _match_at(p, toks, pos + 1, el + 1)
        if r is not None:
            return r
    if e.optional:
        return _match_at(p, toks, pos, el + 1)
    return None


_SentenceWords = tuple[list[int], list[Token], dict[str, list[int]], frozenset[str], tuple[int, ...]]


def _sentence_words(doc: Doc, sent: Sentence, own: bool) -> _SentenceWords:
    """A sentence's words (token indices, tokens) and where each form and lemma of them is, and where the
    long words the dictionary does not know are: a pattern's first element is looked for there only.
    Remembered on the Doc: rules search the same sentence for many patterns."""
    key = ("sentence_words", sent.first, sent.last, own)
    hit = doc.memo.get(key)
    if hit is not None:
        return hit  # type: ignore[return-value]
    idx = doc.words(sent, own=own)
    tokens = doc.tokens
    toks = [tokens[i] for i in idx]
    at: dict[str, list[int]] = {}
    unknown: list[int] = []
    for pos, t in enumerate(toks):
        n = t.norm
        found = at.get(n)
        if found is None:
            at[n] = [pos]
        else:
            found.append(pos)
        if t.kind is Kind.WORD:
            info = t.info
            for lemma in info.lemmas:
                if lemma != n:
                    at.setdefault(lemma, []).append(pos)
            if not info.known and len(n) >= 4:
                unknown.append(pos)
    made: _SentenceWords = (idx, toks, at, frozenset(at), tuple(unknown))
    doc.memo[key] = made
    return made


def find_in_sentence(doc: Doc, sent: Sentence, pattern: Pattern, *, own: bool = True) -> Iterator[Match]:
    if not pattern.can_match(doc, own):
        return
    yield from _find_in_sentence(doc, sent, pattern, own)


def _find_in_sentence(doc: Doc, sent: Sentence, pattern: Pattern, own: bool) -> Iterator[Match]:
    idx, toks, at, words, unknown = _sentence_words(doc, sent, own)
    first = pattern.first_words
    starts: Iterable[int]
    if pattern.anchor_start:
        starts = range(1)
    elif first is None:
        starts = range(len(toks))
    else:
        # the positions where the first element may match: one of its words is there, or a misspelt word
        # (``Element.matches`` decides, in ``_match_at``); other positions it does not match
        hits = first & words
        slips = unknown if unknown and pattern.required[0][2] else ()
        if not hits:
            if not slips:
                return
            starts = slips
        elif len(hits) == 1 and not slips:
            starts = at[next(iter(hits))]
        else:
            starts = sorted({pos for w in hits for pos in at[w]}.union(slips))
    for pos in starts:
        if pos >= len(toks):
            break
        last = _match_at(pattern, toks, pos, 0)  # None where the first element does not match
        if last is None or last < pos:
            continue
        if pattern.anchor_end and last != len(toks) - 1:
            continue
        yield Match(idx[pos], idx[last], toks[pos].start, toks[last].end, pattern.source)


def find(doc: Doc, pattern: Pattern | str, *, own: bool = True) -> Iterator[Match]:
    """Every match of a pattern in a text, sentence by sentence, in order."""
    p = compile_pattern(pattern) if isinstance(pattern, str) else pattern
    if not p.can_match(doc, own):
        return
    for sent in doc.sentences:
        yield from _find_in_sentence(doc, sent, p, own)


def find_any(doc: Doc, patterns: Sequence[str], *, own: bool = True) -> list[Match]:
    """Matches of several patterns, overlapping ones merged to the earliest-longest.

    Remembered on the Doc: several rules ask the same lists of the same text (and a live hint asks
    again about the context on every keystroke pause)."""
    entry = _BY_IDENTITY.get(id(patterns))
    index = entry[1] if entry is not None and entry[0] is patterns else _index_of(patterns)
    reach = doc._reach.get(own)
    if reach is None or reach[0] != _registry_version:
        reach = _reach_now(doc, own)
    if index.uid not in reach[1]:
        return []  # most lists, most texts: no required word is there
    return list(doc.remember(("find_any", index.uid, own), lambda: _find_any(doc, index, own)))


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class _ListIndex:
    """Which patterns of a list can match a text, found from the text's words rather than by trying all."""

    patterns: tuple[str, ...]
    uid: int  # names the list in a Doc's memo: cheaper to hash than the list itself
    by_word: dict[str, tuple[int, ...]]
    words: frozenset[str]
    always: tuple[int, ...]  # patterns without a required word (classes, optional words only)
    by_typo_lemma: dict[str, tuple[int, ...]]  # a key lemma a misspelt word may hit -> its patterns

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
    """The uids of the registered lists the text may reach (``may_reach``), computed once per text (the
    hottest callers, ``find_any`` and ``find_unless``, repeat the first three lines rather than call)."""
    got = doc._reach.get(own)
    if got is None or got[0] != _registry_version:
        got = _reach_now(doc, own)
    return got[1]


def _slip_of(word: str) -> tuple[str, ...]:
    """The key lemmas of the registered lists that ``word`` is a one-edit slip of (one bounded cache)."""
    with _REGISTRY_LOCK:
        return _REGISTRY.slip_of(word)


def _reach_now(doc: Doc, own: bool) -> tuple[int, AbstractSet[int]]:
    vocab, unknown = doc.vocabulary(own)
    with _REGISTRY_LOCK:
        got = (_registry_version, _REGISTRY.reach(vocab, unknown))
    doc._reach[own] = got
    return got


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
                       tuple(always), {lemma: tuple(v) for lemma, v in by_lemma.items()})
    _register(index)
    return index


def _candidates(doc: Doc, index: _ListIndex, own: bool) -> list[int]:
    vocab, unknown = doc.vocabulary(own)
    found = set(index.always)
    for w in vocab & index.words:
        found.update(index.by_word[w])
    if unknown and index.by_typo_lemma:
        for u in unknown:
            for lemma in _slip_of(u):  # the registry holds every living list's key lemmas, this one's too
                found.update(index.by_typo_lemma.get(lemma, ()))
    return sorted(found)


def _find_any(doc: Doc, index: _ListIndex, own: bool) -> list[Match]:
    pats = index.patterns
    found = [m for i in _candidates(doc, index, own) for m in find(doc, pats[i], own=own)]
    found.sort(key=lambda m: (m.start, -m.end))
    merged: list[Match] = []
    for m in found:
        if merged and m.start < merged[-1].end:
            continue
        merged.append(m)
    return merged


def _possible(doc: Doc, index: _ListIndex, own: bool) -> list[int]:
    """The patterns of a list whose every required word is in the text (or a slip of it), in order:
    only they can match. A cheap test, no search."""
    if index.uid not in _reachable(doc, own):
        return []
    pats = index.patterns
    return [i for i in _candidates(doc, index, own) if compile_pattern(pats[i]).can_match(doc, own)]


def may_match(doc: Doc, patterns: Sequence[str], *, own: bool = True) -> bool:
    """False when no pattern of the list can match the text (most texts, for most lists)."""
    return bool(_possible(doc, _index_of(patterns), own))


def has_match(doc: Doc, patterns: Sequence[str], *, own: bool = True) -> bool:
    """``bool(find_any(doc, patterns))``, sooner: the first match of any pattern will do."""
    index = _index_of(patterns)
    return any(next(find(doc, index.patterns[i], own=own), None) is not None for i in _possible(doc, index, own))


def find_unless(doc: Doc, patterns: Sequence[str], unless: Sequence[str] = (), *, own: bool = True) -> list[Match]:
    """Matches of ``patterns`` whose sentence does not also match ``unless`` (the context that excuses them)."""
    entry = _BY_IDENTITY.get(id(patterns))
    index = entry[1] if entry is not None and entry[0] is patterns else _index_of(patterns)
    reach = doc._reach.get(own)
    if reach is None or reach[0] != _registry_version:
        reach = _reach_now(doc, own)
    if index.uid not in reach[1]:
        return []  # ``find_any``'s first lines: most lists, most texts
    found = list(doc.remember(("find_any", index.uid, own), lambda: _find_any(doc, index, own)))
    if not unless or not found:
        return found
    return [m for m in found if not sentence_has(doc, doc.sentence_of(m.first), unless, own=own)]


def sentence_has(doc: Doc, sent: Sentence, patterns: Sequence[str], *, own: bool = True) -> bool:
    entry = _BY_IDENTITY.get(id(patterns))
    index = entry[1] if entry is not None and entry[0] is patterns else _index_of(patterns)
    if index.uid not in _reachable(doc, own):
        return False
    # only the patterns whose every required word the whole text has can match one of its sentences;
    # most texts have none, and then no sentence needs a search of its own
    possible = doc.remember(("possible", index.uid, own), lambda: _possible(doc, index, own))
    if not possible:
        return False
    return doc.remember(("sentence_has", sent.first, sent.last, index.uid, own), lambda: any(
        next(find_in_sentence(doc, sent, compile_pattern(index.patterns[i]), own=own), None) is not None
        for i in possible))
