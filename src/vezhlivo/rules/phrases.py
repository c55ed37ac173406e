"""F — phrases that must not be said: the rules that need more than a phrase list.

The phrase lists themselves live in ``standard/F.yaml`` (``params``); the functions here add the
logic a list cannot express: who is obliged (F4), a bare «нет» without an alternative (F7), counting
apologies (F12), a repeated answer (F15), a deadline that makes «разберёмся» concrete (F3) and the
rudeness lexicon (F21).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher

from ..model import Finding, Message, Role
from ..nlp.doc import Doc, Kind
from ..nlp.patterns import Match, find_any, find_unless, has_match, sentence_has
from ..nlp.toxicity import rude_sentences
from .base import RuleContext, check, operator_messages_reaching, own_words

# Enum members read in loops, bound once: on Python 3.11 reading ``Role.CLIENT`` (a lookup through the
# enum metaclass) costs about ten times a module global.
_CLIENT = Role.CLIENT
_NUMBER = Kind.NUMBER
_WORD = Kind.WORD
_OPERATOR = Role.OPERATOR


@check("F3")
def vague_sorting_out(ctx: RuleContext) -> Iterator[Finding]:
    """«Мы разберёмся» without a deadline anywhere in the same message."""
    patterns, unless, deadline = ctx.derived("lists", lambda: tuple(
        ctx.string_tuple(k) for k in ("patterns", "unless", "deadline")))
    for m in operator_messages_reaching(ctx, patterns):
        doc = ctx.doc(m.index)
        hits = find_unless(doc, patterns, unless)
        if hits and not has_match(doc, deadline):
            for match in hits:
                yield ctx.match_finding(m.index, match)


@check("F4")
def you_must(ctx: RuleContext) -> Iterator[Finding]:
    """«Вы должны/обязаны…»: an order to the client; not a negation, not an expectation."""
    # once per rulebook; ``both`` is one list object, which the searches know by identity
    unless, elided, both, expect, arrive = ctx.derived("lists", lambda: (
        ctx.string_tuple("unless"), ctx.string_tuple("elided_patterns"),
        ctx.string_tuple("patterns") + ctx.string_tuple("elided_patterns"),
        frozenset(ctx.strings("expectation_verbs")), frozenset(ctx.strings("arrival_verbs"))))
    for m in operator_messages_reaching(ctx, both):
        doc = ctx.doc(m.index)
        for match in find_unless(doc, both, unless):
            inside = [doc.tokens[i] for i in range(match.first, match.last + 1)]
            if any(t.norm in ("не", "ни") for t in inside):
                continue  # «Вы не должны ничего доплачивать»: a reassurance
            words = [i for i in doc.words(doc.sentence_of(match.first)) if i > match.last]
            following = [doc.tokens[i] for i in words[:4]]
            if following and following[0].norm in ("не", "ни", "ничего", "никому", "ничем"):
                continue
            inf = next((t for t in following if t.info.pos == "INFN"), None)
            if inf is None and doc.tokens[match.last].info.pos == "INFN":
                inf = doc.tokens[match.last]
            is_elided = match.pattern in elided
            if inf is not None and (inf.lemmas & expect or (is_elided and inf.lemmas & arrive)):
                continue  # «Вы должны были получить письмо», «Должны прийти документы»: an expectation
            if is_elided and not _client_is_obliged(doc, match, words):
                continue
            yield ctx.match_finding(m.index, match)


_OTHER_SUBJECTS = frozenset(("мы", "я", "они", "он", "она", "оно", "вам", "вас", "тебе", "тебя", "нам", "нас",
                             "мне", "меня", "им", "их", "ему", "ей"))


def _client_is_obliged(doc: Doc, match: Match, words: list[int]) -> bool:
    """«Должны были раньше позвонить» with the subject left out: the client is meant only when nothing
    else in the clause can be the one obliged — not «Должны Вам перезвонить» (someone calls you), «Должны
    прийти документы» (a thing), «Должны были позвонить из банка», «Обязаны ли мы…», «Должны быть готовы»."""
    clause = []
    for i in words[:8]:
        t = doc.tokens[i]
        if t.norm in ("и", "но", "а", "что", "чтобы", "если", "когда", "потому", "так"):
            break
        clause.append(t)
    head = [doc.tokens[i] for i in range(match.first, match.last + 1)] + clause
    if any(t.norm in _OTHER_SUBJECTS for t in head):
        return False
    if any(t.norm == "быть" for t in head[:4]):
        return False  # «Должны быть готовы к пятнице»: may be about documents as well as the client
    inf = next((t for t in head if t.info.pos == "INFN"), None)
    if inf is None:
        return False
    after = head[head.index(inf) + 1:]
    for k, t in enumerate(after):
        if t.norm in ("из", "от", "со") or (t.norm == "с" and k + 1 < len(after)
                                               and "gent" in after[k + 1].info.grammemes):
            return False  # «Должны были позвонить из банка»: someone else calls
        if "intr" in inf.info.grammemes and t.info.pos == "NOUN" and "nomn" in t.info.grammemes \
                and "plur" in t.info.grammemes:
            return False  # «Должны были приехать мастера»: the noun after the verb is its subject
    return True


_WORD_RX = re.compile(r"[а-яёa-z]+", re.I)


@check("F7")
def bare_no(ctx: RuleContext) -> Iterator[Finding]:
    """A sentence that is only «нет» (with regret words) and nothing offered instead."""
    bare, alternative, questions, demands = ctx.derived("lists", lambda: (
        frozenset(ctx.strings("bare_words")), ctx.string_tuple("alternative"),
        ctx.string_tuple("reassurance_questions"), ctx.string_tuple("demands")))
    names = ctx.ann.client_names
    last_client: Message | None = None
    messages = ctx.conv.messages
    for pos, m in enumerate(messages):
        if m.role is _CLIENT and m.text:
            last_client = m
            continue
        if m.role is not _OPERATOR or not m.text:
            continue
        doc = ctx.doc(m.index)
        if _NO_WORDS.isdisjoint(doc.vocabulary()[0]):
            continue  # most messages: no «нет» (or «никак», «нельзя») among the words, so no bare one
        for k, sent in enumerate(doc.sentences):
            # the client's name as an address is no content: «Эльвира, нет.»
            idx = [i for i in doc.words(sent) if not _addressed(doc, i, names)]
            words = [doc.tokens[i].norm for i in idx]
            if "нет" in words:
                if not set(words) <= bare and not _echoes(ctx, last_client, doc, idx, bare):
                    continue
            elif _NO_WORDS.isdisjoint(words) or not set(words) <= bare:
                continue  # «Увы, никак.», «К сожалению, нельзя.» alone are as bare as «нет»
            rest = doc.sentences[k + 1:]
            if any(sentence_has(doc, s, alternative) for s in rest) or _offered_next(ctx, messages[pos + 1:],
                                                                                     alternative):
                continue
            if last_client is not None and questions and _asks(ctx.doc(last_client.index), questions) \
                    and not (demands and has_match(ctx.doc(last_client.index), demands)):
                continue  # «Нужно ли что-то доплачивать?» — «Нет.» is the good news
            start, end = doc.tokens[idx[0]].start, doc.tokens[idx[-1]].end
            yield ctx.finding(m.index, start, end)


_NO_WORDS = frozenset({"нет", "никак", "нельзя", "невозможно"})
_ASKED_AHEAD = re.compile(r"[^.!]*\?")  # a «?» before the sentence's next «.» or «!»


def _asks(doc: Doc, words: tuple[str, ...]) -> bool:
    """The client asks with these words: a «?» follows them in their sentence, or «ли» is in it — or
    they are anywhere, when the message has no «?» at all (hurried writing). Not «очень надо» after
    the question «а в субботу никак?»."""
    found = find_any(doc, words)
    if not found or "?" not in doc.text:
        return bool(found)
    for match in found:
        sent = doc.sentence_of(match.first)
        if _ASKED_AHEAD.match(doc.text, match.start, sent.end) or any(
                doc.tokens[i].norm == "ли" for i in doc.words(sent)):
            return True
    return False


def _offered_next(ctx: RuleContext, later: Sequence[Message], alternative: tuple[str, ...]) -> bool:
    """The operator's next messages, before the client writes again, offer something: a chat reply split
    in two («К сожалению, нет.» — «Но могу предложить доставку завтра.»)."""
    for m in later:
        if m.role is _CLIENT and m.text:
            return False
        if m.role is _OPERATOR and m.text and has_match(ctx.doc(m.index), alternative):
            return True
    return False


def _addressed(doc: Doc, i: int, names: frozenset[str]) -> bool:
    """A name (the client's, or any first name) set off by commas: «Эльвира, нет.», «Нет, Эльвира.»"""
    t = doc.tokens[i]
    if t.norm not in names and t.info.lemma not in names and not ("Name" in t.info.grammemes and t.text[:1].isupper()):
        return False
    nxt = doc.tokens[i + 1] if i + 1 < len(doc.tokens) else None
    prev = doc.tokens[i - 1] if i > 0 else None
    return (nxt is None or nxt.kind is not _WORD) and (prev is None or prev.kind is not _WORD)


_MAX_ECHOED = 4
_PERSON_PRONOUNS = frozenset({"он", "она", "они"})
_PERSON_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})


def _echoes(ctx: RuleContext, client: Message | None, doc: Doc, idx: list[int], bare: frozenset[str]) -> bool:
    """Is every word of the short sentence but the bare ones the client's own: «Вы доставляете в
    Казань?» — «Нет, в Казань не доставляем.» refuses as barely as «Нет.», it only repeats the question.
    Not a sentence with a number or thanks in it, nor a longer one: those tell something."""
    if client is None:
        return False
    toks = doc.tokens
    extra = [i for i in idx if toks[i].norm not in bare]
    if len(extra) > _MAX_ECHOED or any(toks[i].norm == "спасибо" for i in extra):
        return False
    if any(toks[i].info.lemma in _PERSON_PRONOUNS or not _PERSON_GRAMMEMES.isdisjoint(toks[i].info.grammemes)
           for i in extra):
        return False  # «Его нет.» about a colleague the client asked for: S7 judges it
    sent = doc.sentence_of(idx[0])
    if any(toks[j].kind is _NUMBER for j in range(sent.first, sent.last)):
        return False
    said = ctx.doc(client.index).vocabulary()[0]
    return all(toks[i].norm in said or toks[i].info.lemma in said for i in extra)


@check("F12")
def apologising_over_and_over(ctx: RuleContext) -> Iterator[Finding]:
    """Too many apologies in one message or in operator turns that follow each other — or in the whole
    contact (params.max_apologies_contact): «Извините» — «Простите» — «Ещё раз простите нас, извините»."""
    patterns = ctx.string_tuple("patterns")
    limit = int(ctx.param("max_apologies", 3))
    contact_limit = int(ctx.param("max_apologies_contact", 0))
    run: list[tuple[int, Match]] = []
    reported = False  # in the current run of operator turns
    found_any = False
    total = 0
    for m in ctx.conv.messages:
        if m.role is _CLIENT and m.text:
            run, reported = [], False
            continue
        if m.role is not _OPERATOR or not m.text:
            continue
        doc = ctx.doc(m.index)
        found = find_unless(doc, patterns)
        run.extend((m.index, match) for match in found)
        before, total = total, total + len(found)
        if contact_limit and not found_any and before < contact_limit <= total:
            nth = found[contact_limit - before - 1]
            found_any = reported = True
            yield ctx.finding(m.index, nth.start, nth.end)
            continue
        if reported or len(run) < limit:
            continue
        reported = found_any = True
        turn, third = run[limit - 1]
        same = [x for t, x in run if t == turn]
        if all(t == turn for t, _ in run):
            yield ctx.finding(turn, same[0].start, same[-1].end)
        else:
            yield ctx.finding(turn, third.start, third.end)


def _lemma_text(doc: Doc) -> tuple[str, ...]:
    """Lemmas of the message's own words, in order (remembered on the Doc: a function of the text)."""
    toks = doc.tokens
    return doc.remember(("phrases.lemma_text",), lambda: tuple([toks[i].info.lemma for i in own_words(doc)]))


_LEMMA_COUNTS = ("phrases.lemma_counts",)  # the Doc memo's key, made once


def _lemma_counts(doc: Doc) -> dict[str, int]:
    counts: dict[str, int] = {}  # a plain dict: a Counter's constructor costs more than the counting
    for lemma in _lemma_text(doc):
        counts[lemma] = counts.get(lemma, 0) + 1
    return counts


class _Said:
    """An operator message that F15 compares with the ones before it. What the comparison needs is
    computed when first needed: most pairs are told apart by their lengths alone."""

    __slots__ = ("_counts", "_matcher", "doc", "size")

    def __init__(self, doc: Doc, size: int) -> None:
        self.doc = doc
        self.size = size  # the number of its own words (of lemmas)
        self._counts: dict[str, int] | None = None
        self._matcher: SequenceMatcher[str] | None = None

    @property
    def counts(self) -> dict[str, int]:
        """How often each lemma comes: a function of the text, remembered on the Doc (read, never changed)."""
        counts = self._counts
        if counts is None:
            counts = self._counts = self.doc.remember(_LEMMA_COUNTS, lambda: _lemma_counts(self.doc))
        return counts

    def repeated_in(self, later: _Said, similarity: float) -> bool:
        """``SequenceMatcher(None, later's lemmas, these lemmas).ratio() >= similarity``, cheaper:
        ratio() is 2·M/(la+lb) with M matched words, and M is at most the shorter length and at most
        the words both have (what real_quick_ratio and quick_ratio count), so most pairs fail early."""
        total = later.size + self.size
        if total and 2.0 * min(later.size, self.size) / total < similarity:
            return False
        mine, theirs = self.counts, later.counts
        common = sum(min(mine[w], theirs[w]) for w in mine.keys() & theirs.keys())
        if total and 2.0 * common / total < similarity:
            return False
        if self._matcher is None:  # indexes these lemmas once for every later message
            self._matcher = SequenceMatcher(None, b=_lemma_text(self.doc))
        self._matcher.set_seq1(_lemma_text(later.doc))
        return self._matcher.ratio() >= similarity


@check("F15")
def repeating_the_answer(ctx: RuleContext) -> Iterator[Finding]:
    """«Я же говорю…», and the same answer sent again after the client spoke."""
    patterns, unless, hold = ctx.derived("lists", lambda: tuple(
        ctx.string_tuple(k) for k in ("patterns", "unless", "repeat_unless")))
    for m in operator_messages_reaching(ctx, patterns):
        for match in find_unless(ctx.doc(m.index), patterns, unless):
            yield ctx.match_finding(m.index, match)
    min_words = int(ctx.param("repeat_min_words", 8))
    similarity = float(ctx.param("repeat_similarity", 0.85))
    earlier: list[_Said] = []
    client_since = False
    for m in ctx.conv.messages:
        if m.role is _CLIENT and m.text:
            client_since = True
            continue
        if m.role is not _OPERATOR or not m.text:
            continue
        doc = ctx.doc(m.index)
        size = len(own_words(doc))
        if size >= min_words:
            said = _Said(doc, size)
            # the comparisons first: they rarely find a repeat, and most fail on the lengths alone
            if client_since and any(e.repeated_in(said, similarity) for e in earlier) \
                    and not has_match(doc, hold):
                text = m.text
                yield ctx.finding(m.index, len(text) - len(text.lstrip()), len(text.rstrip()))
            earlier.append(said)
        client_since = False


@check("F21")
def rudeness(ctx: RuleContext) -> Iterator[Finding]:
    """Obscenity, insults, contempt and sarcasm in the operator's own words (lexicon + toxicity model)."""
    kinds = ctx.derived("kinds", lambda: frozenset(
        ctx.strings("kinds") or ["obscene", "mild", "insult", "contempt", "sarcasm", "toxic"]))
    for m in ctx.operator_messages():
        for start, end, kind, _score in rude_sentences(ctx.doc(m.index)):
            if kind in kinds:
                yield ctx.finding(m.index, start, end)
