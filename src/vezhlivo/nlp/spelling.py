"""Spelling through the hunspell-ru dictionary (pyenchant), checked against pymorphy3 as well.

A word is a mistake only when BOTH hunspell and pymorphy3 reject it; a suggestion is taken from
hunspell and re-ranked: words pymorphy3 knows, at a small edit distance, keeping the first letter.
"""

from __future__ import annotations

import codecs
import gzip
import importlib
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
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


# ---- which strings could be hunspell-ru words at all: a cheap exact pre-test for the one-edit candidates
#
# Proving that none of a word's ~600 one-edit candidates is a dictionary word costs ~9 ms of hunspell
# calls (~15 µs each). Debian's hunspell-ru uses suffix rules only: hunspell accepts a word when it is a
# stem of the .dic file, or a stem less the ``strip`` of one of its suffix rules followed by that rule's
# ``add``. So every word it accepts splits into a *base* (a stem, or a stem less a strip of its rules)
# and an *ending* (some rule's add, or nothing). A candidate with no such split is not a word and is not
# asked about; the few that have one still are, so the answers stay hunspell's own. The bases (~320 000)
# sit in a Bloom filter (2 MB): it may let a non-word through, never stop a word.
#
# Exact only for the features modelled here: an affix file with anything else (prefixes, compounds,
# twofold suffixes, input conversion, custom BREAK…) or any doubt about which files hunspell loaded
# turns the pre-test off, and every candidate is asked about as before.

# directives of an affix file that cannot make hunspell accept a word the model above rejects
_HARMLESS_DIRECTIVES = frozenset({
    "SET", "TRY", "KEY", "WORDCHARS", "REP", "MAP", "PHONE", "NOSUGGEST", "MAXNGRAMSUGS", "ONLYMAXDIFF",
    "MAXDIFF", "NOSPLITSUGS", "SUGSWITHDOTS", "FORBIDDENWORD", "KEEPCASE", "NEEDAFFIX", "LANG", "NAME",
    "VERSION", "HOME", "DESC", "AUTHOR", "SFX",
})
_RU_LETTERS = frozenset(_RU)
# Russian words joined by single hyphens: a hyphen at an end, or two together, hunspell treats otherwise
_HYPHENATED = re.compile(f"[{_RU}]+(?:-[{_RU}]+)+")
_BLOOM_BITS = 1 << 24  # 2 MB, ~50 bits a base, two probes: ~0.15 % of the non-bases pass
# a line of a .dic file: «word/FLAGS», «word», «word<TAB>morphology» (the part before any blank or «/»)
_DIC_LINE = re.compile(r"^[ \t]*([^/\s]+)(?:/(\S*))?", re.M)


def _key(word: str) -> str:
    return word.lower().replace("ё", "е")


@dataclass(frozen=True)
class _DictionaryShape:
    """The bases and endings of the dictionary's words (see above), lower case with ё as е."""

    bits: bytes  # the Bloom filter of the bases, by ``hash``: valid in this process (and its forks) only
    endings: frozenset[str]
    ending_tails: frozenset[str]  # every ending's last letters: a longer end of a word is no ending either
    hyphen_inside: bool  # a base or an ending holds a hyphen (hunspell-ru's do not)

    def could_be_word(self, key: str) -> bool:
        """False only when no accepted word has this key: no base + ending split of it."""
        bits, mask, endings, tails = self.bits, _BLOOM_BITS - 1, self.endings, self.ending_tails
        for cut in range(len(key), 0, -1):  # a base is never empty
            end = key[cut:]
            if end not in tails:
                return False
            if end in endings:
                h = hash(key[:cut])
                i, j = h & mask, (h >> 32) & mask
                if bits[i >> 3] >> (i & 7) & 1 and bits[j >> 3] >> (j & 7) & 1:
                    return True
        return False

    def could_be_hyphenated(self, key: str, could_be_word: Callable[[str], bool] | None = None) -> bool:
        """False only when hunspell rejects «часть-часть»: it accepts such a word when the whole is a
        word of its dictionary («кто-нибудь») or, breaking it at a hyphen (its default BREAK), both
        sides are accepted, each the same way; so the parts must group into words (``could_be_word``,
        or the same test remembered: the candidates of a word repeat its unchanged part)."""
        word = could_be_word or self.could_be_word
        parts = key.split("-")
        if not self.hyphen_inside:
            return all(word(p) for p in parts)  # no base or ending holds a hyphen: each part is a word
        # grouped[k]: the first k parts can be grouped into words
        grouped = [True] + [False] * len(parts)
        for end in range(1, len(parts) + 1):
            grouped[end] = any(grouped[start] and word("-".join(parts[start:end])) for start in range(end))
        return grouped[-1]


def _suffix_rules(aff: str) -> dict[str, set[str]] | None:
    """Each suffix flag's strips, plus the endings under the key ``""``; None when the affix file uses
    a feature the shape does not model."""
    rules: dict[str, set[str]] = {"": {""}}
    for line in aff.splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if parts[0] not in _HARMLESS_DIRECTIVES:
            return None
        if parts[0] != "SFX":
            continue
        if len(parts) < 4 or len(parts[1]) != 1:
            return None  # long flags
        flag, strip, add = parts[1], parts[2], parts[3]
        if flag not in rules:  # a class's first line is its header: «SFX Z Y 4»
            rules[flag] = set()
            continue
        if "/" in add:
            return None  # continuation classes (twofold suffixes)
        rules[flag].add("" if strip == "0" else strip)
        rules[""].add(_key("" if add == "0" else add))
    return rules


def _build_shape(aff: str, dic: str, extra_words: Iterable[str]) -> _DictionaryShape | None:
    rules = _suffix_rules(aff)
    if rules is None:
        return None
    endings = frozenset(rules.pop(""))
    stems_by_flags: dict[str, list[str]] = {}
    for stem, flags in _DIC_LINE.findall(dic.split("\n", 1)[-1]):  # the first line is the count
        stems_by_flags.setdefault(flags, []).append(stem)
    bases: list[str] = list(extra_words)
    for flags, stems in stems_by_flags.items():
        bases += stems
        strips = {s for f in flags for s in rules.get(f, ()) if s}
        for n in {len(s) for s in strips}:  # a stem is cut where it ends in a strip of its flags' rules
            bases += [s[:-n] for s in stems if len(s) > n and s[-n:] in strips]
    text = _key("\n".join(bases))  # one pass over the text: lower() and ё are per letter
    keys = set(text.split("\n"))
    bits = bytearray(_BLOOM_BITS // 8)
    mask = _BLOOM_BITS - 1
    for h in map(hash, keys):
        i, j = h & mask, (h >> 32) & mask
        bits[i >> 3] |= 1 << (i & 7)
        bits[j >> 3] |= 1 << (j & 7)
    tails = frozenset(e[i:] for e in endings for i in range(len(e) + 1))
    return _DictionaryShape(bytes(bits), endings, tails, "-" in text or any("-" in e for e in endings))


def _hunspell_files() -> tuple[Path, Path] | None:
    """The .aff/.dic pair enchant's hunspell provider loads for ``LANG``: the only pair in the folders it
    searches (its user folder, ``$XDG_DATA_DIRS``, ``$DICPATH``, myspell's); None when there are several."""
    config = os.environ.get("ENCHANT_CONFIG_DIR") or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "enchant")
    data_dirs = (os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":")
    folders = [os.path.join(config, "hunspell"), *(os.path.join(d, "hunspell") for d in data_dirs if d),
               *(os.environ.get("DICPATH") or "").split(":"), "/usr/share/hunspell", "/usr/share/myspell",
               "/usr/share/myspell/dicts"]
    found = {os.path.realpath(os.path.join(f, LANG + ".dic")) for f in folders
             if f and os.path.exists(os.path.join(f, LANG + ".dic"))}
    if len(found) != 1:
        return None
    dic = Path(found.pop())
    aff = dic.with_suffix(".aff")
    return (aff, dic) if aff.exists() else None


def _personal_words() -> list[str]:
    """Words of enchant's personal list for ``LANG`` (it accepts them too)."""
    config = os.environ.get("ENCHANT_CONFIG_DIR") or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "enchant")
    try:
        text = Path(config, LANG + ".dic").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return []
    return [w for w in (line.strip() for line in text.splitlines()) if w and not w.startswith("#")]


@cache
def _dictionary_shape() -> _DictionaryShape | None:
    """The shape of the dictionary hunspell uses, or None when it cannot be known for sure."""
    if getattr(getattr(_dict(), "provider", None), "name", None) != "hunspell":
        return None
    files = _hunspell_files()
    if files is None:
        return None
    aff_path, dic_path = files
    try:
        head = aff_path.read_bytes()[:4096].decode("ascii", "replace")
        declared = re.search(r"^SET\s+(\S+)", head, re.M)
        encoding = codecs.lookup(declared.group(1) if declared else "iso8859-1").name
        aff, dic = aff_path.read_bytes().decode(encoding), dic_path.read_bytes().decode(encoding)
        shape = _build_shape(aff, dic, _personal_words())
    except (OSError, LookupError, ValueError):
        return None
    if shape is None:
        return None
    # the same dictionary as hunspell's: a sample of its stems must be words to hunspell
    stems = [m.group(1) for m in map(_DIC_LINE.match, dic.splitlines()[1::251]) if m is not None]
    d = _dict()
    return shape if stems and all(d.check(s) for s in stems) else None


# The shape costs ~0.6 s to build, what it saves in ~70 scans of a word's candidates (~8 ms each): it is
# built after the first 32 scans (a few hundred contacts), so a short run (one file, the tests) never
# pays for it and a long one soon gains.
_SCANS_BEFORE_SHAPE = 32
_scans_without_shape = 0
_shape_lock = threading.Lock()


def build_shape_now() -> None:
    """Build the shape at once (before forking workers for a long run, which all need it)."""
    global _scans_without_shape
    _scans_without_shape = _SCANS_BEFORE_SHAPE
    with _shape_lock:
        _dictionary_shape()


def _possible_words(cands: Iterable[str]) -> list[str]:
    """The candidates that could be hunspell words: all of them but those the dictionary's shape rules
    out (candidates of Russian letters only; see ``_DictionaryShape``)."""
    global _scans_without_shape
    if _scans_without_shape < _SCANS_BEFORE_SHAPE:
        _scans_without_shape += 1
        return list(cands)
    with _shape_lock:  # built once, by one thread
        shape = _dictionary_shape()
    if shape is None:
        return list(cands)
    could_be, letters = shape.could_be_word, _RU_LETTERS
    parts_seen: dict[str, bool] = {}

    def could_be_part(part: str) -> bool:
        seen = parts_seen.get(part)
        if seen is None:
            seen = parts_seen[part] = could_be(part)
        return seen

    out = []
    for c in cands:
        if letters.issuperset(c):
            if could_be(c.replace("ё", "е")):
                out.append(c)
        elif not _HYPHENATED.fullmatch(c) or shape.could_be_hyphenated(c.replace("ё", "е"), could_be_part):
            out.append(c)  # not Russian letters alone, or hyphenated parts that may be words
    return out


def one_edit_words(low: str) -> list[str]:
    """Dictionary words one deletion, transposition, replacement or insertion away from ``low``."""
    return sorted(c for c in _possible_words(_one_edit_strings(low)) if hunspell_ok(c))


def _split_by_morph(cands: Iterable[str]) -> tuple[list[str], list[str]]:
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
    known, rest = _split_by_morph(_possible_words(_one_edit_strings(low)))
    return any(hunspell_ok(c) for c in known) or any(hunspell_ok(c) for c in rest)


def _nearest_one_edit(low: str) -> str | None:
    """``_rank_one_edit(low, one_edit_words(low))`` (None when there is none) without asking hunspell
    about all ~500 candidates: the ranking puts words pymorphy3 knows first, so when one of them is in
    hunspell's dictionary too the others cannot win and are not asked about."""
    known, rest = _split_by_morph(_possible_words(_one_edit_strings(low)))
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


def in_case_of(word: str, suggestion: str) -> str:
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
            return in_case_of(word, nearest)
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
    return in_case_of(word, str(cands[0][-1]))
