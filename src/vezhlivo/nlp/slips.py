"""Spelling slips a dictionary cannot see, because the wrong spelling is a word too.

- «-ться» where «-тся» belongs and back: «Заказ отправиться завтра» (a finite verb written as the
  infinitive), «Заказ должен отправится» (the infinitive written as a finite verb);
- «в течении двух дней» for «в течение», «в продолжении часа» for «в продолжение».

Each is told by the words around it; where they do not settle it, nothing is reported.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .doc import Doc, Kind, Token
from .morph import WordInfo, word_info

_WORD = Kind.WORD
_NUMBER = Kind.NUMBER

# «в течении» → «в течение»: the preposition has the ending «-е» (the noun «течение» in the locative
# has «-и», «в течении реки»); only before a span of time is it surely the preposition
_PREPOSITIONS = {"течении": "течение", "продолжении": "продолжение"}
# a would-be subject that may also be a word taking an infinitive: a verb, a short adjective, a predicative
_GOVERNING_PARSES = frozenset({"VERB", "INFN", "ADJS", "PRED", "PRTS"})


@dataclass(frozen=True, slots=True)
class Slip:
    start: int
    end: int
    suggestion: str


@dataclass(frozen=True, slots=True)
class SlipWords:
    """The words the tests read (a rulebook's W2 parameters)."""

    governors: frozenset[str]  # lemmas after which an infinitive comes: мочь, должный, нужно, начать…
    infinitive_nouns: frozenset[str]  # nouns that take an infinitive: «возможность записаться»
    time_words: frozenset[str]  # lemmas of spans of time: минута, день, неделя, несколько…


def find_slips(doc: Doc, words: SlipWords) -> list[Slip]:
    """The slips of a text, in order (remembered on the Doc for the same words)."""
    return doc.remember(("slips", words), lambda: _find(doc, words))


def _find(doc: Doc, words: SlipWords) -> list[Slip]:
    low = doc.text.lower()
    if "тся" not in low and "ться" not in low and "течени" not in low and "продолжени" not in low:
        return []  # most texts: nothing to look at
    toks = doc.tokens
    out: list[Slip] = []
    for i, t in enumerate(toks):
        if t.kind is not _WORD or t.mask is not None:
            continue
        n = t.norm
        if n.endswith("ться"):
            fixed = n[:-4] + "тся"
            if _finite_written_as_infinitive(doc, i, fixed, words):
                out.append(Slip(t.start, t.end, _like(t.text, fixed)))
        elif n.endswith("тся"):
            inf = _infinitive_of(t)
            if inf is not None and _infinitive_written_as_finite(doc, i, words):
                out.append(Slip(t.start, t.end, _like(t.text, inf)))
        elif n in _PREPOSITIONS and _preposition_of_time(doc, i, words.time_words):
            out.append(Slip(t.start, t.end, _like(t.text, _PREPOSITIONS[n])))
    return out


def _like(original: str, fixed: str) -> str:
    return fixed[:1].upper() + fixed[1:] if original[:1].isupper() else fixed


def _prev_word(doc: Doc, i: int) -> int | None:
    """The word just before ``i`` in the same clause (no punctuation or number between), else None."""
    j = i - 1
    if j >= 0 and doc.tokens[j].kind is _WORD:
        return j
    return None


def _word_before(doc: Doc, i: int) -> int | None:
    """The word just before ``i`` in the same clause, past a «не» («Заказ не отправиться»)."""
    j = _prev_word(doc, i)
    if j is not None and doc.tokens[j].norm == "не":
        j = _prev_word(doc, j)
    return j


def _finite_written_as_infinitive(doc: Doc, i: int, fixed: str, words: SlipWords) -> bool:
    """«Заказ отправиться завтра»: an infinitive right after its would-be subject, with nothing in the
    clause that could govern an infinitive, while the same word less its «ь» is a finite verb."""
    info = doc.tokens[i].info
    if info.pos != "INFN":
        return False
    finite = word_info(fixed)
    if not finite.known or "VERB" not in finite.all_grammemes or "3per" not in finite.all_grammemes:
        return False
    j = _word_before(doc, i)
    if j is None:
        return False
    subject = doc.tokens[j]
    s = subject.info
    if s.pos not in ("NOUN", "NPRO") or not s.known or "nomn" not in s.all_grammemes \
            or s.lemma in words.infinitive_nouns or not s.lemmas.isdisjoint(words.governors) \
            or not s.all_grammemes.isdisjoint(_GOVERNING_PARSES):
        return False  # «рада поделиться»: «рада» is a noun too, but here it takes the infinitive
    if s.pos == "NPRO" and s.lemma not in ("он", "она", "оно", "они"):
        return False  # «это», «что», «всё»… may stand before a governed infinitive
    if not _agrees(s, finite):
        return False
    if j > 0 and doc.tokens[j - 1].kind is _WORD and doc.tokens[j - 1].info.pos == "PREP":
        return False  # «не с кем за руки подержаться»: after a preposition it is no subject
    return not _clause_governs(doc, j, words)


def _agrees(subject: WordInfo, finite: WordInfo) -> bool:
    """The subject's number fits one of the finite verb's parses («заказ отправится», «деньги вернутся»)."""
    sg, pl = "sing" in subject.grammemes, "plur" in subject.grammemes
    every = finite.all_grammemes
    return (sg and "sing" in every) or (pl and "plur" in every) or not (sg or pl)


def _clause_governs(doc: Doc, before: int, words: SlipWords) -> bool:
    """Does the clause up to ``before`` hold anything an infinitive could depend on: a finite verb, a
    predicative, a short adjective («готов», «должен»), a governing word, «чтобы»?"""
    for j in range(before - 1, -1, -1):
        t = doc.tokens[j]
        if t.kind is not _WORD:
            if any(ch in t.text for ch in ".!?;:,—–()\n"):
                return False
            continue
        g = t.info
        if g.lemma in words.governors or t.norm in words.governors:
            return True
        if g.pos in ("VERB", "PRED", "ADJS", "INFN", "PRTS") or t.norm in ("чтобы", "чтоб"):
            return True
    return False


def _infinitive_of(t: Token) -> str | None:
    """The infinitive a reflexive finite form stands for: the same word with «ь» («отправится» →
    «отправиться»), else its lemma («задержится» → «задержаться»)."""
    info = t.info
    if not info.known or "3per" not in info.all_grammemes or "VERB" not in info.all_grammemes:
        return None
    with_sign = t.norm[:-3] + "ться"
    inf = word_info(with_sign)
    if inf.known and inf.pos == "INFN":
        return with_sign
    return info.lemma if info.lemma.endswith("ться") else None


def _infinitive_written_as_finite(doc: Doc, i: int, words: SlipWords) -> bool:
    """«Заказ должен отправится», «может задержится», «будет отправлятся»: a finite verb right after a
    word that takes an infinitive."""
    j = _word_before(doc, i)
    if j is None:
        return False
    gov = doc.tokens[j]
    if gov.norm in ("может", "могут", "мог", "могла", "могло", "могли"):
        return _not_maybe(doc, j)
    if gov.norm in ("будет", "будут", "буду", "будем", "будете", "будешь"):
        return True  # «будет отправлятся»: the future of an imperfective verb
    # not an adverb: «легко поддаётся дрессировке», «удобно располагается» are finite verbs rightly
    return gov.info.lemma in words.governors and gov.info.pos in ("VERB", "ADJS", "PRED")


def _not_maybe(doc: Doc, j: int) -> bool:
    """«может» before a verb is «can» unless it opens the sentence as «maybe» («Может, отправится завтра»
    has a comma; «Может отправится» at the very start is left alone)."""
    k = j - 1
    return k >= 0 and doc.tokens[k].kind is _WORD


def _preposition_of_time(doc: Doc, i: int, time_words: Collection[str]) -> bool:
    """«в течении двух дней»: after «в», before a number or a word of time within two words."""
    j = _prev_word(doc, i)
    if j is None or doc.tokens[j].norm not in ("в", "во"):
        return False
    following: list[Token] = []
    for t in doc.tokens[i + 1:]:
        if t.kind is _NUMBER or t.kind is _WORD:
            following.append(t)
            if len(following) == 3:
                break
        elif not t.text.isspace():
            break
    for t in following:
        if t.kind is _NUMBER or t.info.pos == "NUMR" or t.info.lemma in time_words or t.norm in time_words:
            return True
    return False
