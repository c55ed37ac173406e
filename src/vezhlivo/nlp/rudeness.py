"""Rudeness in Russian text: obscenity, mild swearing, insults, contempt and sarcasm.

``rude_spans(doc)`` returns ``(start, end, kind)`` character spans of a Doc, kinds:

- ``obscene``  — мат, matched by stem with the prefixes it takes («заебали», «похуй», «пиздец»),
  never as a substring of an innocent word («хлеб», «себе», «застрахуйте», «Херсон», «мудрый»);
- ``mild``     — mild swearing («блин», «чёрт», «фигня», «хрень»): an offence for an operator, not
  abuse from a client;
- ``insult``   — words for a person («дурак», «идиот», «тупой», «не тупите»);
- ``contempt`` — constructions («вам что, трудно…», «читать не умеете?», «сколько можно повторять»);
- ``sarcasm``  — set sarcastic phrases («ага, щас», «спасибо, кэп», «какая неожиданность»).

The word lists are data: ``lexicons/rude.yaml``. Quoted text is skipped (``own=True``), so an
operator quoting the client never counts as the operator's own rudeness.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .doc import Doc, Kind
from .morph import word_info
from .patterns import find_any

KINDS = ("obscene", "mild", "insult", "contempt", "sarcasm")


@dataclass(frozen=True)
class Lexicon:
    obscene: re.Pattern[str]
    obscene_except: frozenset[str]
    mild_forms: frozenset[str]
    mild_patterns: tuple[str, ...]
    insult_lemmas: frozenset[str]
    insult_except: frozenset[str]
    person_only: frozenset[str]  # «тупить»: an insult only as «не тупите», «вы тупите»
    report: frozenset[str]  # «Вы назвали нас идиотами»: reported words
    object_nouns: frozenset[str]  # «тупой нож»: an object, not a person
    contempt: tuple[str, ...]
    sarcasm: tuple[str, ...]
    # what each word form is by itself (``_form_kind``), filled as forms are met: forms repeat a lot
    form_kinds: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)


def _compile(data: dict[str, Any]) -> Lexicon:
    def strs(key: str) -> list[str]:
        return [str(x) for x in data.get(key) or []]

    return Lexicon(
        obscene=re.compile("|".join(f"(?:{r})" for r in strs("obscene"))),
        obscene_except=frozenset(strs("obscene_except")),
        mild_forms=frozenset(strs("mild_forms")),
        mild_patterns=tuple(strs("mild_patterns")),
        insult_lemmas=frozenset(strs("insult_lemmas")),
        insult_except=frozenset(strs("insult_except")),
        person_only=frozenset(strs("person_only_lemmas")),
        report=frozenset(strs("report_lemmas")),
        object_nouns=frozenset(strs("object_nouns")),
        contempt=tuple(strs("contempt")),
        sarcasm=tuple(strs("sarcasm")),
    )


@cache
def lexicon() -> Lexicon:
    text = resources.files("vezhlivo").joinpath("lexicons/rude.yaml").read_text(encoding="utf-8")
    return _compile(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))  # C parser: 9 → 1 ms


_FORM_CACHE_SIZE = 200_000
_UNKNOWN_KIND = "?"  # not a kind: the form is not in ``Lexicon.form_kinds`` yet
# ``Kind.WORD`` bound once: on Python 3.11 it goes through the enum metaclass (~20 times a global's cost),
# and the pass below reads it for every word.
_WORD_KIND = Kind.WORD


def _form_kind(word: str, lex: Lexicon) -> str | None:
    """What a word form is whatever its context: 'obscene', 'mild', 'insult' (when the context
    allows it, see ``_insult_in_context``) or None. A pure function of the form (and the lexicon)."""
    if word in lex.form_kinds:
        return lex.form_kinds[word]
    kind: str | None = None
    if word not in lex.obscene_except and lex.obscene.match(word) is not None:
        kind = "obscene"
    elif word in lex.mild_forms:
        kind = "mild"
    elif _insult_word(word, lex):
        kind = "insult"
    if len(lex.form_kinds) >= _FORM_CACHE_SIZE:
        lex.form_kinds.clear()  # bounded: a long-running service meets ever new typos and names
    lex.form_kinds[word] = kind
    return kind


def _insult_word(word: str, lex: Lexicon) -> bool:
    info = word_info(word)
    if word in lex.insult_except or lex.insult_lemmas.isdisjoint(info.lemmas):
        return False
    # «тупить»: an insult only as «не тупите», «вы тупите»
    return info.lemmas.isdisjoint(lex.person_only) or bool({"impr", "2per"} & info.grammemes)


def _insult_in_context(doc: Doc, words: list[int], k: int, lex: Lexicon) -> bool:
    """An insult-word (``_form_kind``) said of a person and not reported."""
    # «тупой нож», «нож оказался тупой»: a blunt object, not a person
    near = [doc.tokens[words[j]] for j in range(k - 3, k + 4) if j != k and 0 <= j < len(words)]
    if any(t.lemmas & lex.object_nouns for t in near):
        return False
    return not any(doc.tokens[words[j]].lemmas & lex.report for j in range(k))


def rude_spans(doc: Doc, *, own: bool = True, lex: Lexicon | None = None) -> list[tuple[int, int, str]]:
    """Character spans of rude words and constructions in a Doc, in order, not overlapping."""
    if lex is not None:
        return _rude_spans(doc, own, lex)
    # the shipped lexicon: a pure function of the text, asked by F21, C5 and rude_sentences alike
    return list(doc.remember(("rudeness.rude_spans", own), lambda: _rude_spans(doc, own, lexicon())))


def _rude_spans(doc: Doc, own: bool, lex: Lexicon) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    sentences, tokens, known_kinds = doc.sentences, doc.tokens, lex.form_kinds
    # one pass over the text's words: most have no kind, and only an insult needs its sentence's words
    for i in doc.words(own=own):
        tok = tokens[i]
        if tok.kind is not _WORD_KIND:
            continue
        # the remembered kind first, without a call: nearly every form has been met
        kind = known_kinds.get(tok.norm, _UNKNOWN_KIND)
        if kind is _UNKNOWN_KIND:
            kind = _form_kind(tok.norm, lex)
        if kind is None:
            continue
        sent = sentences[tok.sent]
        if not sent.first <= i < sent.last:
            continue  # a trailing token outside every sentence: not searched
        if kind == "insult":
            words = doc.words(sent, own=own)
            if not _insult_in_context(doc, words, words.index(i), lex):
                continue
        found.append((tok.start, tok.end, kind))
    # the lexicon's own tuples: find_any knows a list by its identity, a copy per call is a new list to index
    for patterns, kind in ((lex.mild_patterns, "mild"), (lex.contempt, "contempt"), (lex.sarcasm, "sarcasm")):
        for m in find_any(doc, patterns, own=own):
            found.append((m.start, m.end, kind))
    found.sort(key=lambda x: (x[0], -x[1]))
    merged: list[tuple[int, int, str]] = []
    for span in found:
        if merged and span[0] < merged[-1][1]:
            continue
        merged.append(span)
    return merged


def rude_kinds(doc: Doc, *, own: bool = True) -> set[str]:
    """The kinds of rudeness a Doc contains (empty when it is polite)."""
    return {kind for _, _, kind in rude_spans(doc, own=own)}
