"""F — phrases that must not be said: the rules that need more than a phrase list.

The phrase lists themselves live in ``standard/F.yaml`` (``params``); the functions here add the
logic a list cannot express: who is obliged (F4), a bare «нет» without an alternative (F7), counting
apologies (F12), a repeated answer (F15), a deadline that makes «разберёмся» concrete (F3) and the
rudeness lexicon (F21).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from difflib import SequenceMatcher

from ..model import Finding, Message, Role
from ..nlp.doc import Doc, Kind
from ..nlp.patterns import Match, find_any, find_unless, sentence_has
from ..nlp.toxicity import rude_sentences
from .base import RuleContext, check


def _operator_messages(ctx: RuleContext) -> list[Message]:
    return [m for m in ctx.conv.messages if m.role is Role.OPERATOR and m.text]



def _hits(doc: Doc, patterns: list[str], unless: list[str]) -> list[Match]:
    return find_unless(doc, patterns, unless)


def _message_has(doc: Doc, patterns: list[str]) -> bool:
    return any(sentence_has(doc, s, patterns) for s in doc.sentences)


@check("F3")
def vague_sorting_out(ctx: RuleContext) -> Iterator[Finding]:
    """«Мы разберёмся» without a deadline anywhere in the same message."""
    patterns, unless, deadline = ctx.strings("patterns"), ctx.strings("unless"), ctx.strings("deadline")
    for m in _operator_messages(ctx):
        doc = ctx.doc(m.index)
        hits = _hits(doc, patterns, unless)
        if hits and not _message_has(doc, deadline):
            for match in hits:
                yield ctx.match_finding(m.index, match)


@check("F4")
def you_must(ctx: RuleContext) -> Iterator[Finding]:
    """«Вы должны/обязаны…»: an order to the client; not a negation, not an expectation."""
    patterns, unless = ctx.strings("patterns"), ctx.strings("unless")
    expect = frozenset(ctx.strings("expectation_verbs"))
    for m in _operator_messages(ctx):
        doc = ctx.doc(m.index)
        for match in _hits(doc, patterns, unless):
            inside = [doc.tokens[i] for i in range(match.first, match.last + 1)]
            if any(t.norm in ("не", "ни") for t in inside):
                continue  # «Вы не должны ничего доплачивать»: a reassurance
            words = [i for i in doc.words(doc.sentence_of(match.first)) if i > match.last]
            following = [doc.tokens[i] for i in words[:4]]
            if following and following[0].norm in ("не", "ни", "ничего", "никому", "ничем"):
                continue
            inf = next((t for t in following if t.info.pos == "INFN"), None)
            if inf is not None and inf.lemmas & expect:
                continue  # «Вы должны были получить письмо»: an expectation, not an order
            yield ctx.match_finding(m.index, match)


_WORD_RX = re.compile(r"[а-яёa-z]+", re.I)


@check("F7")
def bare_no(ctx: RuleContext) -> Iterator[Finding]:
    """A sentence that is only «нет» (with regret words) and nothing offered instead."""
    bare = frozenset(ctx.strings("bare_words"))
    alternative = ctx.strings("alternative")
    questions = ctx.strings("reassurance_questions")
    last_client: Message | None = None
    for m in ctx.conv.messages:
        if m.role is Role.CLIENT and m.text:
            last_client = m
            continue
        if m.role is not Role.OPERATOR or not m.text:
            continue
        doc = ctx.doc(m.index)
        for k, sent in enumerate(doc.sentences):
            idx = doc.words(sent)
            words = [doc.tokens[i].norm for i in idx]
            if "нет" not in words or not set(words) <= bare:
                continue
            rest = doc.sentences[k + 1:]
            if any(sentence_has(doc, s, alternative) for s in rest):
                continue
            if last_client is not None and questions and _message_has(ctx.doc(last_client.index), questions):
                continue  # «Нужно ли что-то доплачивать?» — «Нет.» is the good news
            start, end = doc.tokens[idx[0]].start, doc.tokens[idx[-1]].end
            yield ctx.finding(m.index, start, end)


@check("F12")
def apologising_over_and_over(ctx: RuleContext) -> Iterator[Finding]:
    """Too many apologies in one message or in operator turns that follow each other."""
    patterns = ctx.strings("patterns")
    limit = int(ctx.param("max_apologies", 3))
    run: list[tuple[int, Match]] = []
    reported = False
    for m in ctx.conv.messages:
        if m.role is Role.CLIENT and m.text:
            run, reported = [], False
            continue
        if m.role is not Role.OPERATOR or not m.text:
            continue
        doc = ctx.doc(m.index)
        run.extend((m.index, match) for match in find_any(doc, patterns))
        if reported or len(run) < limit:
            continue
        reported = True
        turn, third = run[limit - 1]
        same = [x for t, x in run if t == turn]
        if all(t == turn for t, _ in run):
            yield ctx.finding(turn, same[0].start, same[-1].end)
        else:
            yield ctx.finding(turn, third.start, third.end)


def _lemma_text(doc: Doc) -> list[str]:
    return [doc.tokens[i].lemma for i in doc.words() if doc.tokens[i].kind is Kind.WORD]


@check("F15")
def repeating_the_answer(ctx: RuleContext) -> Iterator[Finding]:
    """«Я же говорю…», and the same answer sent again after the client spoke."""
    patterns, unless = ctx.strings("patterns"), ctx.strings("unless")
    for m in _operator_messages(ctx):
        for match in _hits(ctx.doc(m.index), patterns, unless):
            yield ctx.match_finding(m.index, match)
    min_words = int(ctx.param("repeat_min_words", 8))
    similarity = float(ctx.param("repeat_similarity", 0.85))
    hold = ctx.strings("repeat_unless")
    earlier: list[list[str]] = []
    client_since = False
    for m in ctx.conv.messages:
        if m.role is Role.CLIENT and m.text:
            client_since = True
            continue
        if m.role is not Role.OPERATOR or not m.text:
            continue
        doc = ctx.doc(m.index)
        lemmas = _lemma_text(doc)
        repeated = (len(lemmas) >= min_words and client_since and not _message_has(doc, hold)
                    and any(SequenceMatcher(None, lemmas, e).ratio() >= similarity for e in earlier))
        if repeated:
            text = m.text
            yield ctx.finding(m.index, len(text) - len(text.lstrip()), len(text.rstrip()))
        if len(lemmas) >= min_words:
            earlier.append(lemmas)
        client_since = False


@check("F21")
def rudeness(ctx: RuleContext) -> Iterator[Finding]:
    """Obscenity, insults, contempt and sarcasm in the operator's own words (lexicon + toxicity model)."""
    kinds = frozenset(ctx.strings("kinds") or ["obscene", "mild", "insult", "contempt", "sarcasm", "toxic"])
    for m in _operator_messages(ctx):
        for start, end, kind, _score in rude_sentences(ctx.doc(m.index)):
            if kind in kinds:
                yield ctx.finding(m.index, start, end)
