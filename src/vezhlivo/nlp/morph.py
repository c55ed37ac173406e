"""Morphology through pymorphy3, cached per word form (forms repeat a lot in chats)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import pymorphy3


@cache
def analyzer() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def norm(word: str) -> str:
    return word.lower().replace("ё", "е")


@dataclass(frozen=True, slots=True)
class WordInfo:
    """What the dictionary says about one lower-cased word form."""

    lemmas: frozenset[str]
    lemma: str  # of the most likely parse
    pos: str | None
    grammemes: frozenset[str]  # of the most likely parse
    all_grammemes: frozenset[str]  # of every plausible parse
    known: bool


@lru_cache(maxsize=200_000)
def word_info(form: str) -> WordInfo:
    morph = analyzer()
    parses = morph.parse(form)
    known = morph.word_is_known(form)
    best = parses[0]
    plausible = [p for p in parses if p.score >= 0.05 * best.score] or parses[:1]
    lemmas = frozenset(norm(p.normal_form) for p in plausible) | {form}
    every: set[str] = set()
    for p in plausible:
        every |= set(p.tag.grammemes)
    return WordInfo(
        lemmas=lemmas,
        lemma=norm(best.normal_form),
        # a plain str: pymorphy3's grammeme type compares in Python code, and rules compare it often
        pos=str(best.tag.POS) if best.tag.POS is not None else None,
        grammemes=frozenset(best.tag.grammemes),
        all_grammemes=frozenset(every),
        known=known,
    )


@lru_cache(maxsize=20_000)
def lexeme_forms(lemma: str) -> frozenset[str]:
    """Every form of a lemma, to match a misspelt word against."""
    forms: set[str] = {lemma}
    for p in analyzer().parse(lemma)[:2]:
        if norm(p.normal_form) == lemma:
            forms |= {norm(f.word) for f in p.lexeme}
    return frozenset(forms)


@lru_cache(maxsize=100_000)
def is_known(form: str) -> bool:
    return bool(analyzer().word_is_known(form))


def inflect(word: str, grammemes: set[str]) -> str | None:
    parses = analyzer().parse(word)
    for p in parses:
        f = p.inflect(grammemes)
        if f is not None:
            return str(f.word)
    return None


def edit_distance_le1(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]
