"""Q — questions and listening: pre-phrases (Q1), selling the question (Q2), asking before answering (Q3),
summing up instead of doubting the client (Q7). Q4–Q6 need the recording and live in ``timing``."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar, cast

from ..model import Finding, Message, Role
from ..nlp.doc import Doc, Kind, Sentence, Token
from ..nlp.patterns import Element, Pattern, compile_pattern, find_any, find_unless, sentence_has
from .base import RuleContext, Skip, check, operator_messages_reaching
from .greeting import is_question, sentence_text, unpunctuated

# Enum members read in loops, bound once: on Python 3.11 reading ``Kind.WORD`` (a lookup through the
# enum metaclass) costs about ten times a module global.
_WORD = Kind.WORD
_PUNCT = Kind.PUNCT
_NUMBER = Kind.NUMBER
_CLIENT = Role.CLIENT
_OPERATOR = Role.OPERATOR

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Ask:
    """One operator sentence that asks the client for information."""

    msg: Message
    sent: Sentence
    start: int
    end: int


def clauses(doc: Doc) -> list[Sentence]:
    """Sentences, cut once more after every «?»: hurried chat text glues «какой размер? чтобы…» together."""
    text = doc.text
    if "?" not in text:
        return list(doc.sentences)  # nothing to cut (most texts)
    out: list[Sentence] = []
    toks = doc.tokens
    for sent in doc.sentences:
        # a cut needs a «?» token before the sentence's last token, so wholly before that token's start
        # (a question that ends its sentence has its «?» in the last token: no cut, the usual case)
        if sent.first == sent.last or text.find("?", toks[sent.first].start, toks[sent.last - 1].start) < 0:
            out.append(Sentence(sent.start, sent.end, sent.first, sent.last))  # no token with «?» to cut at
            continue
        first = sent.first
        start = sent.start
        for i in range(sent.first, sent.last):
            tok = doc.tokens[i]
            if tok.kind is _PUNCT and "?" in tok.text and i + 1 < sent.last:
                out.append(Sentence(start, tok.end, first, i + 1))
                first, start = i + 1, doc.tokens[i + 1].start
        out.append(Sentence(start, sent.end, first, sent.last))
    return out


def _after_comma(doc: Doc, sent: Sentence) -> list[int]:
    """Words right after a comma or colon: «уточните, когда…», «подскажите: какой…»."""
    out = []
    for i in range(sent.first + 1, sent.last):
        prev = doc.tokens[i - 1]
        if prev.kind is _PUNCT and prev.text in (",", ":", "—", "-") and doc.tokens[i].kind is _WORD:
            out.append(i)
    return out


@dataclass(frozen=True, slots=True)
class _AskWords:
    """The word lists that tell a clarifying question (the params Q1–Q3 share)."""

    wh: tuple[str, ...]
    wh_after_comma: tuple[str, ...]
    lead_skip: tuple[str, ...]
    ask_verbs: tuple[str, ...]
    requests: tuple[str, ...]
    # derived from the lists above (equal lists, equal values): what each message is tested with
    skip: frozenset[str] = field(compare=False, default=frozenset())
    wh_first: Element | None = field(compare=False, default=None)
    wh_after_comma_first: Element | None = field(compare=False, default=None)
    ask_first: Element | None = field(compare=False, default=None)
    ask_union: Pattern | None = field(compare=False, default=None)  # the pattern ask_first is the element of
    request_first: Pattern | None = field(compare=False, default=None)
    # the same for equal lists, whichever rulebook made them: a text's clauses are remembered under it
    token: int = field(compare=False, default=-1)

    @classmethod
    def of(cls, ctx: RuleContext) -> _AskWords:
        # once per rulebook: the same tuples and elements for every message spare copies and look-ups
        return ctx.derived("ask_words", lambda: cls.build(*(ctx.string_tuple(k) for k in (
            "wh_words", "wh_words_after_comma", "lead_skip", "ask_verbs", "request_verbs"))))

    @classmethod
    def build(cls, wh: tuple[str, ...], wh_after_comma: tuple[str, ...], lead_skip: tuple[str, ...],
              ask_verbs: tuple[str, ...], requests: tuple[str, ...]) -> _AskWords:
        return cls(wh, wh_after_comma, lead_skip, ask_verbs, requests, frozenset(lead_skip), _first_element(wh),
                   _first_element(wh_after_comma), _first_element(ask_verbs),
                   _union_pattern(ask_verbs) if ask_verbs else None, _union_pattern(requests) if requests else None,
                   _lists_token(wh, wh_after_comma, lead_skip, ask_verbs, requests))

    def may_ask(self, doc: Doc) -> bool:
        """Can any word of the text (quoted ones too) match ``ask_first``? False is certain: a text without
        masked words has all its words in its own vocabulary, which ``can_match`` tests (typos included)."""
        return self.ask_union is not None and (bool(doc.masks) or self.ask_union.can_match(doc))


_tokens = itertools.count()


@lru_cache(maxsize=256)
def _lists_token(*lists: tuple[str, ...]) -> int:
    return next(_tokens)


def _embedded_wh(words: _AskWords, doc: Doc, sent: Sentence, may_ask: bool = True) -> bool:
    """A question word after a comma: «…, каков Ваш бюджет?», «уточните, когда…». Words that also start
    relative clauses («который», «что», «как», «кто», «где») count only after a verb of asking (none when
    not ``may_ask``)."""
    after = _after_comma(doc, sent)
    if not after:
        return False
    if _word_in(doc, after, words.wh_after_comma_first):
        return True
    if not may_ask:
        return False
    ask_before = _word_in(doc, doc.words(Sentence(sent.start, doc.tokens[after[-1]].start, sent.first, after[-1])),
                          words.ask_first)
    return ask_before and _word_in(doc, after, words.wh_first)


def _lead_word(doc: Doc, sent: Sentence, skip: frozenset[str]) -> int | None:
    """The first word that carries the clause, skipping «а», «хорошо», «Наталья,», prepositions («В какой
    день…», «С какого числа…») and polite verbs («Подскажите, …»)."""
    words = doc.words(sent)
    for n, i in enumerate(words):
        tok = doc.tokens[i]
        nxt = doc.tokens[i + 1] if i + 1 < len(doc.tokens) else None
        skippable = (
            tok.lemma in skip or tok.norm in skip
            or (tok.kind is _WORD and tok.info.pos == "PREP")
            or (tok.kind is _WORD and "Name" in tok.info.grammemes and tok.info.known)
            or (nxt is not None and nxt.text == "," and n == 0 and tok.kind is _WORD
                and tok.info.pos in ("INTJ", "ADVB", "PRCL", "CONJ"))
        )
        if not skippable:
            return i
        if n >= 4:
            return None
    return None


def _head_skippable(tok: Token, skip: frozenset[str]) -> bool:
    """A word before the point of a request: a name said to the client, «будьте любезны», «пожалуйста»."""
    return tok.kind is _WORD and (tok.lemma in skip or tok.norm in skip
                                      or ("Name" in tok.info.grammemes and tok.info.known))


def _head_position(doc: Doc, idx: list[int], at: int, skip: frozenset[str]) -> int:
    """How many words that carry the clause come before word ``at`` of ``idx``: «Анна, будьте любезны,
    подскажите…» asks with its first such word."""
    return sum(1 for i in idx[:at] if not _head_skippable(doc.tokens[i], skip))


# An asking verb with the data as its object asks for the data: an infinitive after «могли бы», «можно»
# or a second person («подскажете»); a past form («Вы уточнили адрес?») asks about an action.
_OBJECT_POS = frozenset({"NOUN", "ADJF", "NUMR", "PRTF"})
_PURPOSE = frozenset({"чтобы", "чтоб", "дабы"})
_BEFORE_OBJECT = frozenset({"мне", "нам", "пожалуйста", "еще", "также", "у", "вас", "точно", "сейчас"})


def _object_ask(words: _AskWords, doc: Doc, sent: Sentence) -> bool:
    """«Не могли бы Вы уточнить последние 4 цифры карты?», «Могу ли я уточнить Ваше место работы?»"""
    element = words.ask_first
    if element is None:
        return False
    for i in range(sent.first, sent.last):
        tok = doc.tokens[i]
        if tok.kind is not _WORD or tok.info.pos not in ("INFN", "VERB") or not element.matches(tok):
            continue
        g = tok.info.grammemes
        if tok.info.pos == "VERB" and not ("2per" in g and ("futr" in g or "pres" in g)):
            continue
        if i > sent.first and doc.tokens[i - 1].norm in _PURPOSE:
            continue  # «Просто чтобы уточнить поезд из Кембриджа, верно?» checks, it does not ask
        for j in range(i + 1, sent.last):
            nxt = doc.tokens[j]
            if nxt.kind is _WORD and nxt.norm in _BEFORE_OBJECT:
                continue
            if nxt.kind is _NUMBER or (nxt.kind is _WORD and nxt.info.pos in _OBJECT_POS):
                return True
            break
    return False


@lru_cache(maxsize=256)
def _union_pattern(patterns: tuple[str, ...]) -> Pattern:
    """A one-word pattern that matches a word when the first element of any of the patterns does: their
    alternatives joined with «|» (one test per word instead of one per word and pattern)."""
    for p in patterns:
        compile_pattern(p)  # a malformed pattern fails as it would on its own
    return compile_pattern("|".join(next(part for part in p.split() if part not in ("^", "$")).lstrip("?")
                                    for p in patterns))


def _first_element(patterns: tuple[str, ...]) -> Element | None:
    return _union_pattern(patterns).elements[0] if patterns else None


def _word_in(doc: Doc, idx: list[int], element: Element | None) -> bool:
    """Does one of the words match ``element`` (the first elements of a list of patterns, _first_element)?"""
    return element is not None and any(element.matches(doc.tokens[i]) for i in idx)


_PERSON_NAME = frozenset({"Name", "Patr", "Surn"})


def _without_address(doc: Doc, words: list[int]) -> list[int]:
    """The words less a name set off by a comma at either end: «Сергей Николаевич, номер заявки?»."""
    toks = doc.tokens

    def is_name(i: int) -> bool:
        t = toks[i]
        return t.kind is _WORD and t.text[:1].isupper() and not _PERSON_NAME.isdisjoint(t.info.all_grammemes)

    k = 0
    while k < len(words) and is_name(words[k]):
        k += 1
    if 0 < k < len(words) and toks[words[k - 1] + 1].text == ",":
        words = words[k:]
    k = len(words)
    while k > 0 and is_name(words[k - 1]):
        k -= 1
    if 0 < k < len(words) and toks[words[k] - 1].text == ",":
        words = words[:k]
    return words


def _short_noun_question(doc: Doc, sent: Sentence) -> bool:
    words = _without_address(doc, doc.words(sent))
    nouns_only = [i for i in words if doc.tokens[i].norm != "и"]
    # two items asked at once, one word more: «Фамилия и дата рождения?»
    if not 1 <= len(nouns_only) <= (4 if len(nouns_only) < len(words) else 3):
        return False
    words = nouns_only
    toks = [doc.tokens[i] for i in words]
    if any(t.kind is _WORD and t.info.pos not in ("NOUN", "ADJF", "PREP", "NUMR") for t in toks):
        return False
    return any(t.kind is _WORD and t.info.pos == "NOUN" for t in toks)


@dataclass(frozen=True, slots=True)
class _Clause:
    """An operator clause with words, and what makes it ask (before the rule's own exceptions)."""

    msg: Message
    sent: Sentence
    question: bool
    wh: bool  # a question with a question word («Какой номер заказа?») or a bare noun («Номер заказа?»)
    request_at: int | None  # where among its words the first request verb is («Назовите…»)


def _no_entries() -> list[tuple[object, object]]:
    return []


def _once(ctx: RuleContext, name: str, params: object, compute: Callable[[], T]) -> T:
    """``compute()`` once per conversation for equal ``params``: Q1–Q3 share their word lists (YAML anchors),
    and comparing the lists is cheaper than spelling them out in a memo key."""
    entries = ctx.ann.memo(name, _no_entries)
    for known, value in entries:
        if known == params:
            return cast(T, value)
    result = compute()
    entries.append((params, result))
    return result


def _classify_clauses(ctx: RuleContext, words: _AskWords) -> list[_Clause]:
    out: list[_Clause] = []
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        found = _text_clauses(doc, words)
        if not any(c[1] for c in found) and _answered_transcript(ctx, m, doc):
            found = tuple((sent, True, True, None) if _unpunctuated_ask(doc, sent, len(found) == 1) else
                          (sent, question, wh, at) for sent, question, wh, at in found)
        out.extend([_Clause(m, *clause) for clause in found])
    return out


# nouns of set phrases, not of data asked for: «добрый день», «один момент», «до свидания», «удачи»
_NOT_ASKED = frozenset({"день", "вечер", "утро", "ночь", "момент", "минута", "минутка", "минуточка", "секунда",
                        "секундочка", "свидание", "удача", "спасибо", "пожалуйста", "выбор", "вопрос", "праздник"})
_NOUN_PHRASE = frozenset({"NOUN", "ADJF"})  # «номер договора», «ваш адрес»; «заказ у курьера» tells


def _answered_transcript(ctx: RuleContext, m: Message, doc: Doc) -> bool:
    """A turn with no «?», «.» or «!» (speech to text writes none) that the client answers next; not one
    that gives data («контактный номер 0797…»)."""
    after = ctx.conv.messages[m.index + 1:m.index + 2]
    if not after or after[0].role is not _CLIENT or not after[0].text:
        return False
    return unpunctuated(doc.text) and not _DIGIT.search(doc.text)


def _unpunctuated_ask(doc: Doc, sent: Sentence, whole: bool) -> bool:
    """A clause of such a turn that asks: a question word (``_wh_ask``), or, when it is the whole turn, a
    bare noun phrase (``_bare_noun_ask``)."""
    toks = [doc.tokens[i] for i in doc.words(sent)]
    return (whole and len(doc.text) <= 60 and _bare_noun_ask(toks)) or _wh_ask(toks)


_DIGIT = re.compile(r"\d")
_WH_LEMMAS = frozenset({"когда", "какой", "где", "куда", "сколько", "откуда"})


def _wh_ask(toks: list[Token]) -> bool:
    """«адрес у вас какой», «номер заказа какой и …»: the question word ends the turn (or a clause before
    «и»), not after a verb («не знаю когда»); «ольга а заявку вы когда подавали», «где вы покупали»: «вы»
    next to it, a past verb or a 2nd-person one just after, and no verb before it."""
    n = len(toks)
    if n > 25:
        return False
    for k, t in enumerate(toks):
        if t.info.lemma not in _WH_LEMMAS and t.norm not in _WH_LEMMAS:
            continue
        prev = toks[k - 1] if k else None
        last = k == n - 1 or toks[k + 1].norm == "и"
        if last and k >= 1 and (prev is None or prev.info.pos not in ("VERB", "INFN")):
            return True
        near_you = (prev is not None and prev.norm == "вы") or (k + 1 < n and toks[k + 1].norm == "вы")
        verb_after = any(x.info.pos == "VERB" and ("past" in x.info.grammemes or "2per" in x.info.grammemes)
                         for x in toks[k + 1:k + 3])
        if near_you and verb_after and not any(x.info.pos == "VERB" for x in toks[:k]):
            return True
    return False


def _bare_noun_ask(toks: list[Token]) -> bool:
    """«фамилия» — «смирнов», «анатолий номер договора»: a bare noun phrase."""
    while toks and not _PERSON_NAME.isdisjoint(toks[0].info.all_grammemes):
        toks = toks[1:]  # «анатолий номер договора»: the client's name first
    if not 1 <= len(toks) <= 3 or any(not t.info.known or t.info.pos not in _NOUN_PHRASE for t in toks):
        return False
    nouns = [t for t in toks if t.info.pos == "NOUN"]
    return bool(nouns) and "nomn" in nouns[0].info.all_grammemes and not any(
        t.info.lemma in _NOT_ASKED or not _PERSON_NAME.isdisjoint(t.info.all_grammemes) for t in toks)


_TextClause = tuple[Sentence, bool, bool, int | None]  # a _Clause without its message


def _text_clauses(doc: Doc, words: _AskWords) -> tuple[_TextClause, ...]:
    """A pure function of the text and the lists: remembered on the Doc, which a repeated text brings back."""
    return doc.remember(("questions.clauses", words.token), lambda: _classify_text(doc, words))


def _classify_text(doc: Doc, words: _AskWords) -> tuple[_TextClause, ...]:
    union = words.request_first
    # the text's vocabulary tells at once whether any of its (own) words can be a request verb
    may_request = union is not None and union.can_match(doc)
    if not may_request and "?" not in doc.text:
        # no clause asks (is_question needs a «?») and none requests: the sentences, uncut, as
        # ``clauses`` gives them (most texts)
        return tuple([(sent, False, False, None) for sent in doc.sentences])
    skip = words.skip
    requests = union.elements[0] if union is not None else None
    out: list[_TextClause] = []
    may_ask: bool | None = None  # whether a word of the text can be an asking verb; asked when needed
    for sent in clauses(doc):
        question = is_question(doc, sent) and not _tagged(doc, sent)
        if not (question or may_request):
            # asks at most through ``extra_asks``, which needs words: no need to look for them here
            out.append((sent, False, False, None))
            continue
        idx = doc.words(sent)
        if not idx:
            continue
        wh = False
        if question:
            lead = _lead_word(doc, sent, skip)
            if lead is not None and _word_in(doc, [lead], words.wh_first):
                wh = True
            else:
                if may_ask is None:
                    may_ask = words.may_ask(doc)
                wh = _embedded_wh(words, doc, sent, may_ask) or _short_noun_question(doc, sent) or (
                    may_ask and _object_ask(words, doc, sent))
        request_at = None if requests is None or not may_request else next(
            (n for n, i in enumerate(idx) if requests.matches(doc.tokens[i])), None)
        if request_at:
            request_at = _head_position(doc, idx, request_at, skip)
        out.append((sent, question, wh, request_at))
    return tuple(out)


# a tag that asks only for agreement: «…, хранится он там семь дней, норм?» (not «…, верно?», which checks
# what the operator understood: a clarifying question)
_TAGS = frozenset({"норм", "нормально", "хорошо", "ладно", "ок", "окей", "идет", "договорились", "годится",
                   "устроит", "подойдет"})


def _tagged(doc: Doc, sent: Sentence) -> bool:
    """A statement with a one-word tag after a comma: the «?» only checks agreement, it asks for nothing."""
    words = doc.words(sent)
    if len(words) < 3:
        return False
    last = words[-1]
    return doc.tokens[last].norm.replace("ё", "е") in _TAGS and doc.tokens[last - 1].text == ","


def clarifying_asks(ctx: RuleContext, *, with_yes_no: bool = False) -> list[Ask]:
    """Operator sentences that ask the client for information: a wh-question, a bare noun question
    («Номер заказа?»), a request for data («Назовите номер заказа») — and, with ``with_yes_no``, any other
    question. Offers («Могу ли я ещё чем-то помочь?», «Вам удобно?») and name asks are not counted."""
    words, head, not_asks, extra = ctx.derived("asks", lambda: (
        _AskWords.of(ctx), int(ctx.param("head_words", 3)), ctx.string_tuple("not_clarifying"),
        ctx.string_tuple("extra_asks")))
    if not with_yes_no:
        extra = ()
    found = _once(ctx, "question-clauses", words, lambda: _classify_clauses(ctx, words))
    return list(_once(ctx, "clarifying-asks", (words, head, not_asks, extra, with_yes_no),
                      lambda: _clarifying_asks(ctx, found, head, not_asks, extra, with_yes_no)))


def _clarifying_asks(ctx: RuleContext, found: list[_Clause], head: int, not_asks: tuple[str, ...],
                     extra: tuple[str, ...], with_yes_no: bool) -> list[Ask]:
    out: list[Ask] = []
    for c in found:
        doc = ctx.doc(c.msg.index)
        asks = c.wh or (c.request_at is not None and (with_yes_no or c.request_at < head)) or (
            with_yes_no and (c.question or sentence_has(doc, c.sent, extra)))
        if not asks or (sentence_has(doc, c.sent, not_asks) and not _and_data(doc, c.sent)):
            continue
        text = sentence_text(doc, c.sent)
        lead = len(text) - len(text.lstrip())
        out.append(Ask(c.msg, c.sent, c.sent.start + lead, c.sent.start + len(text.rstrip())))
    return out


_NOT_DATA = frozenset({"вопрос", "время", "помощь", "имя", "отчество", "всё", "все"})
_NAME_ASK = frozenset({"обращаться", "звать", "представиться"})


def _and_data(doc: Doc, sent: Sentence) -> bool:
    """«как к вам обращаться и номер заказа»: an ask for the name joined by «и» to an ask for data — the
    data is still asked for."""
    toks = doc.tokens
    words = doc.words(sent)
    if not any(toks[i].info.lemma in _NAME_ASK for i in words):
        return False  # only the name ask: «в какой день и в какое время вы бы хотели…» stays an offer

    def data(n: int) -> bool:  # a noun of data, not after a preposition («спасибо за ожидание и…»)
        t = toks[words[n]]
        return t.info.pos == "NOUN" and t.info.lemma not in _NOT_DATA and _PERSON_NAME.isdisjoint(
            t.info.all_grammemes) and not (n > 0 and toks[words[n - 1]].info.pos == "PREP")

    for k, i in enumerate(words):
        # «…и номер заказа», «адрес у вас какой и как к вам обращаться»
        if toks[i].norm == "и" and any(data(n) for n in [*range(k + 1, min(k + 3, len(words))),
                                                          *range(max(0, k - 4), k)]):
            return True
    return False


@check("Q1")
def pre_phrase(ctx: RuleContext) -> Iterator[Finding]:
    """A clarifying question without a pre-phrase («Не могли бы вы уточнить…») or «пожалуйста»."""
    frames, open_questions = ctx.string_tuple("frames"), ctx.string_tuple("open_questions")
    for ask in clarifying_asks(ctx):
        doc = ctx.doc(ask.msg.index)
        if sentence_has(doc, ask.sent, frames) or sentence_has(doc, ask.sent, open_questions):
            continue
        yield ctx.finding(ask.msg.index, ask.start, ask.end)


def _turn_messages(ctx: RuleContext, m: Message) -> list[Message]:
    """The operator messages of the same turn as ``m`` (no client message in between)."""
    msgs = list(ctx.conv.messages)
    out = [m]
    i = m.index - 1
    while i >= 0 and msgs[i].role is not _CLIENT:
        if msgs[i].role is _OPERATOR and msgs[i].text:
            out.append(msgs[i])
        i -= 1
    i = m.index + 1
    while i < len(msgs) and msgs[i].role is not _CLIENT:
        if msgs[i].role is _OPERATOR and msgs[i].text:
            out.append(msgs[i])
        i += 1
    return out


@check("Q2")
def sell_the_question(ctx: RuleContext) -> Iterator[Finding]:
    """A clarifying question that does not say why it is asked («чтобы…», «это позволит…»)."""
    reasons = ctx.string_tuple("reasons")
    flagged: set[int] = set()
    # open invitations («Что случилось?») and steps of a procedure («отправьте заполненный бланк») need no reason
    no_reason = ctx.derived("no_reason",
                            lambda: ctx.string_tuple("open_questions") + ctx.string_tuple("procedure_steps")
                            + ctx.string_tuple("preference_questions"))
    for ask in clarifying_asks(ctx):
        if ask.msg.index in flagged or sentence_has(ctx.doc(ask.msg.index), ask.sent, no_reason):
            continue
        if any(find_any(ctx.doc(m.index), reasons) for m in _turn_messages(ctx, ask.msg)):
            continue
        flagged.add(ask.msg.index)
        yield ctx.finding(ask.msg.index, ask.start, ask.end)


@check("Q3")
def ask_before_answering(ctx: RuleContext) -> Iterator[Finding]:
    """The client described a problem and the operator answered without a single clarifying question."""
    ops = ctx.operator_messages()
    if len(ops) < int(ctx.param("min_operator_turns", 2)):
        raise Skip("too short a contact to judge whether the operator asked")
    problem, not_a_problem = ctx.string_tuple("problem"), ctx.string_tuple("not_a_problem")
    first_problem: Message | None = None
    for m in ctx.client_messages():
        if m.index > ops[1].index:  # the problem is what the client opened with, not a late «не нужно»
            break
        if find_unless(ctx.doc(m.index), problem, not_a_problem):
            first_problem = m
            break
    if first_problem is None:
        return
    if clarifying_asks(ctx, with_yes_no=True):
        return
    answer = next((m for m in ops if m.index > first_problem.index), None)
    if answer is None:
        return
    yield ctx.contact_finding(turn=answer.index)


@check("Q7")
def sum_up_not_doubt(ctx: RuleContext) -> Iterator[Finding]:
    """The operator doubts the client («Вы точно правильно ввели?», «Не может такого быть») instead of
    summing up. «Вы уверены?» itself is F6."""
    anywhere, in_questions, unless = ctx.derived("lists", lambda: (
        ctx.string_tuple("doubts"), ctx.string_tuple("doubts") + ctx.string_tuple("doubts_in_questions"),
        ctx.string_tuple("unless")))
    more_in_questions = in_questions != anywhere
    for m in operator_messages_reaching(ctx, in_questions):  # it holds ``anywhere`` and more
        doc = ctx.doc(m.index)
        # Matches of the whole text, overlaps merged: sentences do not overlap, so a sentence's share of
        # them is what the sentence alone gives.
        plain = find_any(doc, anywhere)
        if "?" in doc.text:
            questions = [is_question(doc, sent) for sent in doc.sentences]
            asking = find_any(doc, in_questions) if more_in_questions and any(questions) else plain
        else:  # no sentence asks (most texts)
            if not plain:
                continue
            questions = [False] * len(doc.sentences)
            asking = plain
        if not plain and not asking:
            continue
        for sent, question in zip(doc.sentences, questions, strict=True):
            found = asking if question else plain
            inside = [x for x in found if sent.first <= x.first < sent.last]
            if not inside or (unless and sentence_has(doc, sent, unless)):
                continue
            for match in inside:
                yield ctx.match_finding(m.index, match)
