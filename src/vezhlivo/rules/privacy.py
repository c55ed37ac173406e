"""P — privacy and boundaries (P1–P2)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Finding, Role
from ..nlp.annotate import normalize_phone
from ..nlp.doc import Doc, Kind, Mask, Token
from ..nlp.patterns import Match, find_unless, sentence_has
from .base import RuleContext, check, operator_messages_reaching

# Enum members read in loops, bound once: on Python 3.11 reading ``Kind.WORD`` (a lookup through the
# enum metaclass) costs about ten times a module global.
_WORD = Kind.WORD
_PUNCT = Kind.PUNCT
_PHONE_MASK = Mask.PHONE


def _company_phone(ctx: RuleContext, raw: str) -> bool:
    digits = normalize_phone(raw) or ""
    phones: tuple[str, ...] = ctx.derived("company_phones", lambda: tuple(
        normalize_phone(p) or "-" for p in ctx.param("company_phones", []) or []))
    if any(digits.startswith(p) for p in phones):
        return True
    return any(digits.startswith(prefix) for prefix in (ctx.param("company_prefixes", ["7800"]) or []))


_DIGIT = re.compile(r"\d")


@check("P1")
def employee_phone(ctx: RuleContext) -> Iterator[Finding]:
    """A phone number given next to a courier, driver or master: the employee's personal data."""
    client_phones: set[str | None] | None = None  # parsed when first needed: most contacts give no phone
    employee, unless, number_phrases = ctx.derived("lists", lambda: tuple(
        ctx.string_tuple(k) for k in ("employee", "unless", "number_phrases")))
    # where a number may be dictated in words (a transcript): after a number phrase, which most contacts lack
    may_dictate = {m.index for m in operator_messages_reaching(ctx, number_phrases)}
    for m in ctx.operator_messages():
        if not _DIGIT.search(m.text):
            # no phone mask and no number in digits; a transcript may say one in words
            if m.index in may_dictate:
                yield from _spoken_numbers(ctx, m.index, number_phrases)
            continue
        doc = ctx.doc(m.index)
        for s, e, kind in doc.masks:
            if kind is not _PHONE_MASK or _company_phone(ctx, m.text[s:e]):
                continue
            if client_phones is None:
                client_phones = {normalize_phone(p) for p in ctx.ann.phones_given(Role.CLIENT)}
                client_phones.add(normalize_phone(ctx.conv.client.phone))
                client_phones.discard(None)
            if normalize_phone(m.text[s:e]) in client_phones:
                continue
            tok = next((i for i, t in enumerate(doc.tokens) if t.start >= s), None)
            if tok is None:
                continue
            sent = doc.sentence_of(tok)
            sents = [sent]
            k = doc.sentences.index(sent)
            if k > 0:
                sents.append(doc.sentences[k - 1])
            # the employee may be named in the sentence before («Курьер будет к 18:00. Его номер …»); what
            # makes the number the company's is said next to it (not «Клиника …, здравствуйте!» before)
            if any(sentence_has(doc, x, employee, own=False) for x in sents) and not sentence_has(
                doc, sent, unless, own=False
            ):
                yield ctx.finding(m.index, s, e)
        # a number dictated in words or digits that the mask misses: «его номер 912 345 67 89»
        for match in find_unless(doc, number_phrases):
            tail = m.text[match.end:match.end + 40]
            d = re.match(r"[\s:–—-]*((?:\+?\d[\s()-]*){7,})", tail)
            if d and not doc.masked(match.end, match.end + len(d.group(0))):
                s = match.end + d.start(1)
                e = match.end + d.end(1)
                while e > s and not m.text[e - 1].isdigit():
                    e -= 1
                if not _company_phone(ctx, m.text[s:e]):
                    yield ctx.finding(m.index, s, e)


# Number words as a speech recogniser writes a dictated phone: «восемь девятьсот шестнадцать двести сорок
# один тридцать три ноль пять» is 8 916 241 33 05.
_UNITS = {"ноль": 0, "один": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6,
          "семь": 7, "восемь": 8, "девять": 9}
_TEENS = {"десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
          "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19}
_TENS = {"двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
         "восемьдесят": 80, "девяносто": 90}
_HUNDREDS = {"сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500, "шестьсот": 600,
             "семьсот": 700, "восемьсот": 800, "девятьсот": 900}
_SPOKEN_PHONE_DIGITS = 7  # as many as the digits after a number phrase need


def spoken_digits(words: list[str]) -> tuple[int, str]:
    """How many of ``words`` (normalised) read as one dictated number, and its digits: each group of
    hundreds, tens and units («двести сорок один») gives its own digits, «ноль» a 0, «плюс» nothing."""
    digits: list[str] = []
    k = 0
    while k < len(words):
        w = words[k]
        if w == "плюс" and k == 0:
            k += 1
            continue
        value: int | None = None
        if w in _HUNDREDS:
            value, k = _HUNDREDS[w], k + 1
            if k < len(words) and words[k] in _TEENS:
                value, k = value + _TEENS[words[k]], k + 1
            elif k < len(words) and words[k] in _TENS:
                value, k = value + _TENS[words[k]], k + 1
                if k < len(words) and words[k] in _UNITS and words[k] != "ноль":
                    value, k = value + _UNITS[words[k]], k + 1
            elif k < len(words) and words[k] in _UNITS and words[k] != "ноль":
                value, k = value + _UNITS[words[k]], k + 1
            digits.append(f"{value:03d}")
        elif w in _TEENS:
            digits.append(str(_TEENS[w]))
            k += 1
        elif w in _TENS:
            value, k = _TENS[w], k + 1
            if k < len(words) and words[k] in _UNITS and words[k] != "ноль":
                value, k = value + _UNITS[words[k]], k + 1
            digits.append(str(value))
        elif w in _UNITS:
            digits.append(str(_UNITS[w]))
            k += 1
        else:
            break
    return k, "".join(digits)


def _spoken_numbers(ctx: RuleContext, turn: int, number_phrases: tuple[str, ...]) -> Iterator[Finding]:
    """A phone dictated in words after a number phrase («у него телефон восемь девятьсот …»)."""
    doc = ctx.doc(turn)
    for match in find_unless(doc, number_phrases):
        toks = doc.tokens
        after = [i for i in doc.words(doc.sentence_of(match.first)) if i > match.last][:18]
        # the digits may follow a word or two: «вот его мобильный запишите восемь девятьсот …»
        count, digits, skip = 0, "", 0
        for skip in range(min(3, len(after))):
            count, digits = spoken_digits([toks[i].norm for i in after[skip:skip + 16]])
            if count:
                break
        if len(digits) >= _SPOKEN_PHONE_DIGITS and not _company_phone(ctx, digits):
            yield ctx.finding(turn, toks[after[skip]].start, toks[after[skip + count - 1]].end)


_CLAUSE_BREAK = re.compile(r"[,;:()—–\n]|(?<!\w)-(?!\w)")
_NEGATORS = frozenset({"не", "ни"})
_ABLE = frozenset({"мочь", "смочь", "получиться"})


def _clause(doc: Doc, match: Match) -> list[Token]:
    """The words of the clause of ``match``: its sentence, cut at commas, dashes, colons and brackets."""
    sent = doc.sentence_of(match.first)
    toks = doc.tokens

    def breaks(i: int) -> bool:
        return toks[i].kind is _PUNCT and bool(_CLAUSE_BREAK.search(toks[i].text))

    first, last = match.first, match.last
    while first > sent.first and not breaks(first - 1):
        first -= 1
    while last + 1 < sent.last and not breaks(last + 1):
        last += 1
    return [t for t in toks[first:last + 1] if t.kind is _WORD]


def _refused(words: list[Token], verbs: frozenset[str], bans: frozenset[str]) -> bool:
    """«личные номера мы не передаём», «в мессенджерах мы не консультируем», «личные контакты сотрудникам
    давать нельзя»: the clause refuses the personal channel instead of offering it. A negated order
    («не передавайте никому мой номер») still hands the channel over and is no refusal."""
    for k, t in enumerate(words):
        if t.norm in bans or t.lemma in bans:
            return True
        if t.norm not in _NEGATORS:
            continue
        after = words[k + 1:k + 4]  # «не передаём», «не можем передать», «никому не сообщаем»
        if after and "impr" in after[0].info.grammemes:
            continue
        if any(not verbs.isdisjoint(w.lemmas) for w in after):
            return True
        # the verb first: «Передать личный номер сотрудника я не могу»
        if any(w.lemma in _ABLE for w in after[:2]) and any(
                w.info.pos == "INFN" and not verbs.isdisjoint(w.lemmas) for w in words[:k]):
            return True
    return False


@check("P2")
def personal_channels(ctx: RuleContext) -> Iterator[Finding]:
    plain, with_number, unless, verbs, bans = ctx.derived("lists", lambda: (
        ctx.string_tuple("patterns"), ctx.string_tuple("patterns") + ctx.string_tuple("own_number"),
        ctx.string_tuple("unless"), ctx.word_set("refusal_verbs"), ctx.word_set("refusal_words")))
    for m in operator_messages_reaching(ctx, with_number):  # its words hold every key word of ``plain``
        doc = ctx.doc(m.index)
        pats = with_number if doc.masks and any(k is _PHONE_MASK for _, _, k in doc.masks) else plain
        for match in find_unless(doc, pats, unless):
            if _refused(_clause(doc, match), verbs, bans):
                continue
            yield ctx.match_finding(m.index, match)
