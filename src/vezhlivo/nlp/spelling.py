"""Spelling through the hunspell-ru dictionary (pyenchant), checked against pymorphy3 as well.

A word is a mistake only when BOTH hunspell and pymorphy3 reject it; a suggestion is taken from
hunspell and re-ranked: words pymorphy3 knows, at a small edit distance, keeping the first letter.
"""

from __future__ import annotations

import gzip
import importlib
import json
import math
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from .morph import analyzer, is_known, norm

LANG = "ru_RU"


class SpellerUnavailable(RuntimeError):
    pass


@cache
def _dict() -> Any:
    try:
        enchant = importlib.import_module("enchant")
    except ImportError as exc:  # the library or libenchant is missing
        raise SpellerUnavailable(f"pyenchant is not available ({exc})") from None
    try:
        return enchant.Dict(LANG)
    except Exception as exc:  # enchant.errors.DictNotFoundError and friends
        raise SpellerUnavailable(f"no {LANG} spelling dictionary (install hunspell-ru): {exc}") from None


def available() -> str | None:
    """None when the speller works, else why not."""
    try:
        _dict()
    except SpellerUnavailable as exc:
        return str(exc)
    return None


@lru_cache(maxsize=100_000)
def hunspell_ok(word: str) -> bool:
    d = _dict()
    if d.check(word):
        return True
    # each variant once: a candidate of one_edit_words is already lower case (hundreds a word)
    low, plain = word.lower(), word.replace("ё", "е")
    return bool((low != word and d.check(low)) or (plain != word and d.check(plain)))


def damerau(a: str, b: str) -> int:
    """Optimal string alignment distance."""
    la, lb = len(a), len(b)
    d = [[0] * (lb + 1) for _ in range(la + 1)]
    for i in range(la + 1):
        d[i][0] = i
    for j in range(lb + 1):
        d[0][j] = j
    for i in range(1, la + 1):
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[la][lb]


def is_misspelt(word: str) -> bool:
    """Both dictionaries reject the (lower-cased) word."""
    low = norm(word)
    return not is_known(low) and not hunspell_ok(word)


_RU = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"


def _one_edit_strings(low: str) -> set[str]:
    """Every string of two letters or more one deletion, transposition, replacement or insertion away."""
    splits = [(low[:i], low[i:]) for i in range(len(low) + 1)]
    cands = {a + b[1:] for a, b in splits if b}
    cands |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    cands |= {a + c + b[1:] for a, b in splits if b for c in _RU}
    cands |= {a + c + b for a, b in splits for c in _RU}
    cands.discard(low)
    return {c for c in cands if len(c) > 1}


def one_edit_words(low: str) -> list[str]:
    """Dictionary words one deletion, transposition, replacement or insertion away from ``low``."""
    return sorted(c for c in _one_edit_strings(low) if hunspell_ok(c))


def _split_by_morph(cands: set[str]) -> tuple[list[str], list[str]]:
    """The candidates pymorphy3 knows (``is_known``), sorted, and the rest: pymorphy3 answers in ~1.5 µs
    where hunspell takes ~15, and the few it knows are the ones the ranking prefers. Asked of the
    analyzer directly: hundreds of one-off strings would only crowd ``is_known``'s cache."""
    knows = analyzer().word_is_known
    known: list[str] = []
    rest: list[str] = []
    for c in cands:
        (known if knows(norm(c)) else rest).append(c)
    known.sort()
    return known, rest


def has_one_edit_word(low: str) -> bool:
    """``bool(one_edit_words(low))``, sooner: the known candidates first, stopping at the first hit."""
    known, rest = _split_by_morph(_one_edit_strings(low))
    return any(hunspell_ok(c) for c in known) or any(hunspell_ok(c) for c in rest)


def _nearest_one_edit(low: str) -> str | None:
    """``_rank_one_edit(low, one_edit_words(low))`` (None when there is none) without asking hunspell
    about all ~500 candidates: the ranking puts words pymorphy3 knows first, so when one of them is in
    hunspell's dictionary too the others cannot win and are not asked about."""
    known, rest = _split_by_morph(_one_edit_strings(low))
    near = [c for c in known if hunspell_ok(c)]
    if not near:
        near = sorted(c for c in rest if hunspell_ok(c))
    return _rank_one_edit(low, near) if near else None


@cache
def frequencies() -> dict[str, int]:
    """How often ~20 000 common Russian words occur (pyspellchecker's list from film subtitles; ё = е).

    Ranks the dictionary's candidates: hunspell's own ranking is poor and its ``suggest`` costs
    50–300 ms a word. Empty when the package is missing (the ranking then falls back to the rest)."""
    try:
        source = resources.files("spellchecker").joinpath("resources/ru.json.gz")
        with source.open("rb") as fh:
            counts: dict[str, int] = json.loads(gzip.decompress(fh.read()))
    except (ModuleNotFoundError, FileNotFoundError, OSError, ValueError):
        return {}
    return {norm(word): int(n) for word, n in counts.items()}


_VOWELS = frozenset("аеёиоуыэюя")


def _edit_cost(word: str, cand: str) -> int:
    """How natural a one-edit slip is in Russian: an unstressed vowel (0), a swap or a doubled
    letter (1), anything else (2)."""
    if len(word) == len(cand):
        diff = [i for i in range(len(word)) if word[i] != cand[i]]
        if len(diff) == 1:
            return 0 if word[diff[0]] in _VOWELS and cand[diff[0]] in _VOWELS else 2
        return 1
    short, long_ = (word, cand) if len(word) < len(cand) else (cand, word)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    doubled = (i > 0 and long_[i - 1] == long_[i]) or (i + 1 < len(long_) and long_[i + 1] == long_[i])
    return 1 if doubled else 2


def _rank_one_edit(low: str, near: list[str]) -> str:
    """The likeliest of the dictionary words one edit from ``low``: known to both dictionaries, then
    frequent, with the same first letter, a natural slip; then alphabetical, so the answer is stable."""
    freq = frequencies()

    def likelihood(c: str) -> float:
        # a changed first letter is rare in a slip; a very frequent word can still outweigh it («сдесь»)
        return math.log1p(freq.get(norm(c), 0)) - 4.0 * (c[:1] != low[:1]) - 0.5 * _edit_cost(low, c)

    return min(near, key=lambda c: (not is_known(norm(c)), -likelihood(c), c))


def _in_case_of(word: str, suggestion: str) -> str:
    return suggestion[:1].upper() + suggestion[1:] if word[:1].isupper() else suggestion


@lru_cache(maxsize=20_000)
def best_suggestion(word: str, max_distance: int = 2) -> str | None:
    """The likeliest correction, in the letter case of ``word``; None when nothing is close.

    Words one edit away are found directly in the dictionary and ranked here (SpellRuEval: 365
    right suggestions of 504 errors, hunspell's ranking 322); hunspell's slow ``suggest`` is asked
    only for two-edit slips. A hyphenated word is corrected part by part."""
    low = word.lower()
    if all(ch in _RU or ch == "-" for ch in low) and not low.startswith("-") and "--" not in low:
        nearest = _nearest_one_edit(low)  # «кто-нибуть» → «кто-нибудь» as a whole
        if nearest is not None:
            return _in_case_of(word, nearest)
        if "-" in low:
            parts = []
            for part in word.split("-"):
                fixed = best_suggestion(part, max_distance) if part and is_misspelt(part) else part
                if fixed is None:
                    return None
                parts.append(fixed)
            return "-".join(parts)
        if max_distance <= 1:
            return None
    cands = []
    for rank, s in enumerate(_dict().suggest(low)):
        s_low = str(s).lower()
        if " " in s_low or ("-" in s_low and "-" not in low):
            continue
        dist = damerau(low.replace("ё", "е"), s_low.replace("ё", "е"))
        if dist > max_distance:
            continue
        known = is_known(norm(s_low))
        cands.append((dist, not known, s_low[:1] != low[:1], rank, s_low))
    if not cands:
        return None
    cands.sort()
    return _in_case_of(word, str(cands[0][-1]))
