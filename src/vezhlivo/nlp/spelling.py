"""Spelling through the hunspell-ru dictionary (pyenchant), checked against pymorphy3 as well.

A word is a mistake only when BOTH hunspell and pymorphy3 reject it; a suggestion is taken from
hunspell and re-ranked: words pymorphy3 knows, at a small edit distance, keeping the first letter.
"""

from __future__ import annotations

import importlib
from functools import cache, lru_cache
from typing import Any

from .morph import is_known, norm

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


def one_edit_words(low: str) -> list[str]:
    """Dictionary words one deletion, transposition, replacement or insertion away from ``low``."""
    splits = [(low[:i], low[i:]) for i in range(len(low) + 1)]
    cands = {a + b[1:] for a, b in splits if b}
    cands |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    cands |= {a + c + b[1:] for a, b in splits if b for c in _RU}
    cands |= {a + c + b for a, b in splits for c in _RU}
    cands.discard(low)
    return sorted(c for c in cands if len(c) > 1 and hunspell_ok(c))


@lru_cache(maxsize=20_000)
def best_suggestion(word: str, max_distance: int = 2) -> str | None:
    """The likeliest correction, in the letter case of ``word``; None when nothing is close.

    Within one edit the dictionary's own candidates are found directly (hunspell's ``suggest`` costs
    ~70 ms a word); its ranking is asked only when several words are one edit away."""
    low = word.lower()
    if max_distance <= 1 and all(ch in _RU for ch in low):
        near = one_edit_words(low)
        if not near:
            return None
        if len(near) == 1:
            return near[0][:1].upper() + near[0][1:] if word[:1].isupper() else near[0]
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
    best = str(cands[0][-1])
    if word[:1].isupper():
        best = best[:1].upper() + best[1:]
    return best
