"""A small toxicity classifier for Russian sentences, combined with the rudeness lexicon (F21, C5).

The model is a logistic regression over hashed binary features of one sentence:

- ``u:`` the lemma of each word (pymorphy3, so «идиотом», «идиоты» share a feature),
- ``b:`` lemma bigrams of neighbouring words,
- ``c:`` character 3–5-grams of ``<form>`` for the words pymorphy3 does not know (obfuscated,
  misspelt and slang forms: «пидир», «х*йня», «дебилоид»); inside a dictionary word an n-gram is
  noise («пребывание» holds «ебы»), so known words are represented by their lemma alone.

Each feature string is hashed with CRC-32 into ``2**bits`` buckets; the score is
``sigmoid(intercept + sum of the weights of the distinct buckets / sqrt(their number))``. It is trained by
``scripts/train_toxicity.py`` on public Russian toxicity data (see ``models/README.md``) and ships as
``models/toxicity.bin`` (float32 weights, zlib) plus ``models/toxicity.json`` (settings, the
threshold, reference scores). Scoring needs nothing beyond the standard library and pymorphy3.

Toxicity is not rudeness toward the client: a rough word about a thing («херня какая-то с
доставкой») is not an insult to anybody. ``rude_sentences`` therefore adds a sentence the lexicon
found nothing in only when the model is confident (the shipped threshold, chosen for precision)
**and** the sentence addresses the other person (``вы``/``ты``/``ваш``, a 2nd-person verb, an
imperative), never in quotes and never reported speech («Вы назвали нас идиотами»).
"""

from __future__ import annotations

import json
import math
import re
import zlib
from array import array
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise
from typing import Any

from .doc import Doc, Kind, Sentence
from .morph import norm, word_info
from .rudeness import rude_spans

# ``Kind.WORD`` bound once: on Python 3.11 it goes through the enum metaclass (~20 times a global's cost),
# and the loops below read it for every word of nearly every sentence.
_WORD_KIND = Kind.WORD
_WORD = re.compile(r"[^\W\d_]+(?:[-*@][^\W\d_]+)*")

ADDRESS_LEMMAS = frozenset({"вы", "ты", "ваш", "твой"})
REPORT_LEMMAS = frozenset({"назвать", "называть", "обозвать", "обзывать", "оскорбление", "оскорблять",
                           "оскорбить", "написать", "писать", "сказать", "говорить", "жаловаться"})


@dataclass(frozen=True)
class Model:
    bits: int
    chars: str
    weights: array[float]
    intercept: float
    threshold: float
    meta: dict[str, Any]


def _bucket(feature: str, mask: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) & mask


def words(text: str) -> list[str]:
    """Lower-cased word forms (ё = е) of a text, as the model sees them."""
    return [norm(w) for w in _WORD.findall(text)]


@lru_cache(maxsize=200_000)
def _lemma(form: str) -> str:
    if "*" in form or "@" in form:
        return form
    return word_info(form).lemma


CHARS = ("all", "unknown", "prefix")  # which words get character n-grams (``Model.chars``)


def _char_grams(form: str, chars: str) -> list[str]:
    """Character 3–5-grams of ``<form>``: of every word (``all``), only of words the dictionary does not
    know (``unknown``: obfuscations, slang, typos), or of those plus the first letters of known words
    (``prefix``). Inside a known word an n-gram is noise: «пребывание» holds «ебы»."""
    padded = f"<{form}>"
    if chars == "all" or "*" in form or "@" in form or not word_info(form).known:
        return ["c:" + padded[i:i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    if chars == "prefix":
        return ["c:" + padded[:n] for n in (3, 4, 5) if n <= len(padded)]
    return []


def _word_feature_strings(form: str, chars: str) -> list[str]:
    return ["u:" + _lemma(form), *_char_grams(form, chars)]


@lru_cache(maxsize=200_000)
def _word_features(form: str, bits: int, chars: str) -> tuple[int, ...]:
    mask = (1 << bits) - 1
    return tuple({_bucket(f, mask) for f in _word_feature_strings(form, chars)})


def feature_strings(text: str, chars: str = "unknown") -> list[str]:
    """The feature strings of a text before hashing (for inspection and tests)."""
    forms = words(text)
    lemmas = [_lemma(f) for f in forms]
    out = [f"b:{a} {b}" for a, b in pairwise(lemmas)]
    for form in forms:
        out += _word_feature_strings(form, chars)
    return out


def features(text: str, bits: int, chars: str = "unknown") -> list[int]:
    """Sorted distinct hashed feature indices of a text (binary features)."""
    mask = (1 << bits) - 1
    forms = words(text)
    idx: set[int] = set()
    for form in forms:
        idx.update(_word_features(form, bits, chars))
    lemmas = [_lemma(f) for f in forms]
    for a, b in pairwise(lemmas):
        idx.add(_bucket(f"b:{a} {b}", mask))
    return sorted(idx)


def load(root: Traversable) -> Model:
    """A model from a folder holding ``toxicity.json`` and ``toxicity.bin``."""
    meta = json.loads(root.joinpath("toxicity.json").read_text(encoding="utf-8"))
    weights = array("f")
    weights.frombytes(zlib.decompress(root.joinpath("toxicity.bin").read_bytes()))
    bits = int(meta["bits"])
    if len(weights) != 1 << bits:
        raise ValueError(f"toxicity.bin holds {len(weights)} weights, expected {1 << bits}")
    return Model(bits=bits, chars=str(meta.get("chars", "all")), weights=weights, intercept=float(meta["intercept"]),
                 threshold=float(meta["threshold"]), meta=meta)


@cache
def model() -> Model:
    """The shipped model (``models/toxicity.json`` + ``models/toxicity.bin`` inside the package)."""
    return load(resources.files("vezhlivo").joinpath("models"))


def decision(text: str, m: Model | None = None) -> float:
    """The logit: intercept + the weights of the text's features, summed in index order.

    Features are binary and the vector is L2-normalised (each present feature counts
    ``1/sqrt(n)``), so a long formal sentence is not toxic by its mere length.
    """
    m = m or model()
    w = m.weights
    idx = features(text, m.bits, m.chars)
    if not idx:
        return m.intercept
    v = 1.0 / math.sqrt(len(idx))
    acc = 0.0
    for j in idx:
        acc += v * w[j]
    return acc + m.intercept


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def toxicity(text: str, m: Model | None = None) -> float:
    """Probability (0–1) that a sentence is toxic. Text without words scores the base rate."""
    if m is None:
        return _shipped_toxicity(text)
    return _sigmoid(decision(text, m))


@lru_cache(maxsize=50_000)
def _shipped_toxicity(text: str) -> float:
    """The shipped model's score, remembered: operators' set sentences come back in every chat."""
    return _sigmoid(decision(text))


def threshold(m: Model | None = None) -> float:
    """The shipped decision threshold, chosen for precision (see ``models/README.md``)."""
    return (m or model()).threshold


def _own_text(doc: Doc, sent: Sentence, own: bool) -> str:
    toks = doc.tokens
    return " ".join([toks[i].text for i in doc.words(sent, own=own) if toks[i].kind is _WORD_KIND])


def _addressing_sentences(doc: Doc, own: bool) -> set[int]:
    """The numbers of the sentences that speak to the other person — a word of them is вы/ты/ваш, a
    2nd-person verb or an imperative — found in one walk over the text's words (not a walk per
    sentence); the words of a sentence already found are not asked about."""
    toks, sentences = doc.tokens, doc.sentences
    found: set[int] = set()
    for i in doc.words(own=own):
        tok = toks[i]
        k = tok.sent
        if k in found or tok.kind is not _WORD_KIND or not _addressing_form(tok.norm):
            continue
        sent = sentences[k]
        if sent.first <= i < sent.last:  # a trailing token after the last sentence belongs to none
            found.add(k)
    return found


@lru_cache(maxsize=100_000)
def _addressing_form(form: str) -> bool:
    """вы/ты/ваш/твой, or a 2nd-person or imperative verb: a property of the word form alone."""
    info = word_info(form)
    if info.lemmas & ADDRESS_LEMMAS:
        return True
    return info.known and info.pos in ("VERB", "INFN") and bool({"2per", "impr"} & info.grammemes)


def _reported(doc: Doc, sent: Sentence, own: bool) -> bool:
    return any(not REPORT_LEMMAS.isdisjoint(doc.tokens[i].lemmas) for i in doc.words(sent, own=own))


def sentence_scores(doc: Doc, *, own: bool = True, m: Model | None = None) -> list[tuple[Sentence, float]]:
    """Each sentence of a Doc with its toxicity (own words only when ``own``: quotes are skipped)."""
    return [(sent, _sentence_score(doc, sent, own, m)) for sent in doc.sentences]


def _sentence_score(doc: Doc, sent: Sentence, own: bool, m: Model | None) -> float:
    text = _own_text(doc, sent, own)
    return toxicity(text, m) if text else 0.0


def rude_sentences(doc: Doc, *, own: bool = True, min_score: float | None = None,
                   lexicon_kinds: frozenset[str] | None = None,
                   m: Model | None = None) -> list[tuple[int, int, str, float]]:
    """Rudeness toward the other person: lexicon spans plus sentences the model is sure of.

    Returns ``(start, end, kind, score)`` in text order. Lexicon spans (``rude_spans``) come with
    their kind and the sentence's score; a sentence with no lexicon span is added as kind ``toxic``
    (its whole own-word span) when its score is at least ``min_score`` (the shipped threshold by
    default), it addresses the person (``_addressing_sentences``) and it is not reported speech. With
    ``own`` (the default) quoted text is neither scored nor matched.
    """
    if min_score is None and lexicon_kinds is None and m is None:
        # the shipped defaults: a pure function of the text, asked by F21 and C5 alike
        return list(doc.remember(("toxicity.rude_sentences", own),
                                 lambda: _rude_sentences(doc, own, threshold(), None, None)))
    return _rude_sentences(doc, own, threshold(m) if min_score is None else min_score, lexicon_kinds, m)


def _rude_sentences(doc: Doc, own: bool, thr: float, lexicon_kinds: frozenset[str] | None,
                    m: Model | None) -> list[tuple[int, int, str, float]]:
    spans = rude_spans(doc, own=own)
    if lexicon_kinds is not None:
        spans = [s for s in spans if s[2] in lexicon_kinds]
    out: list[tuple[int, int, str, float]] = []
    addressing = _addressing_sentences(doc, own)
    for number, sent in enumerate(doc.sentences):
        inside = [s for s in spans if sent.start <= s[0] < sent.end] if spans else spans
        if inside:
            score = _sentence_score(doc, sent, own, m)
            out += [(s, e, k, score) for s, e, k in inside]
            continue
        # the cheapest test first: a sentence that addresses nobody needs no score
        if number not in addressing:
            continue
        score = _sentence_score(doc, sent, own, m)
        if score < thr or _reported(doc, sent, own):
            continue
        idx = [i for i in doc.words(sent, own=own) if doc.tokens[i].kind is _WORD_KIND]
        out.append((doc.tokens[idx[0]].start, doc.tokens[idx[-1]].end, "toxic", score))
    out.sort(key=lambda x: (x[0], -x[1]))
    return out
