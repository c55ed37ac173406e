"""Q — questions and listening: pre-phrases (Q1), selling the question (Q2), asking before answering (Q3),
summing up instead of doubting the client (Q7). Q4–Q6 need the recording and live in ``timing``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Finding, Message, Role
from ..nlp.doc import Doc, Kind, Sentence
from ..nlp.patterns import compile_pattern, find_any, find_in_sentence, sentence_has
from .base import RuleContext, Skip, check
from .greeting import is_question, sentence_text


@dataclass(frozen=True, slots=True)
class Ask:
    """One operator sentence that asks the client for information."""

    msg: Message
    sent: Sentence
    start: int
    end: int
    open: bool  # an open invitation («Что случилось?»), not a request for a piece of data


def clauses(doc: Doc) -> list[Sentence]:
    """Sentences, cut once more after every «?»: hurried chat text glues «какой размер? чтобы…» together."""
    out: list[Sentence] = []
    for sent in doc.sentences:
        first = sent.first
        start = sent.start
        for i in range(sent.first, sent.last):
            tok = doc.tokens[i]
            if tok.kind is Kind.PUNCT and "?" in tok.text and i + 1 < sent.last:
                out.append(Sentence(start, tok.end, first, i + 1))
                first, start = i + 1, doc.tokens[i + 1].start
        out.append(Sentence(start, sent.end, first, sent.last))
    return out


def _after_comma(doc: Doc, sent: Sentence) -> list[int]:
    """Words right after a comma or colon: «уточните, когда…», «подскажите: какой…»."""
    out = []
    for i in range(sent.first + 1, sent.last):
        prev = doc.tokens[i - 1]
        if prev.kind is Kind.PUNCT and prev.text in (",", ":", "—", "-") and doc.tokens[i].kind is Kind.WORD:
            out.append(i)
    return out


def _embedded_wh(ctx: RuleContext, doc: Doc, sent: Sentence) -> bool:
    """A question word after a comma: «…, каков Ваш бюджет?», «уточните, когда…». Words that also start
    relative clauses («который», «что», «как», «кто», «где») count only after a verb of asking."""
    after = _after_comma(doc, sent)
    if not after:
        return False
    if _word_in(doc, after, ctx.strings("wh_words_after_comma")):
        return True
    ask_before = _word_in(doc, doc.words(Sentence(sent.start, doc.tokens[after[-1]].start, sent.first, after[-1])),
                          ctx.strings("ask_verbs"))
    return ask_before and _word_in(doc, after, ctx.strings("wh_words"))


def _lead_word(ctx: RuleContext, doc: Doc, sent: Sentence) -> int | None:
    """The first word that carries the clause, skipping «а», «хорошо», «Наталья,», prepositions («В какой
    день…», «С какого числа…») and polite verbs («Подскажите, …»)."""
    skip = set(ctx.strings("lead_skip"))
    words = doc.words(sent)
    for n, i in enumerate(words):
        tok = doc.tokens[i]
        nxt = doc.tokens[i + 1] if i + 1 < len(doc.tokens) else None
        skippable = (
            tok.lemma in skip or tok.norm in skip
            or (tok.kind is Kind.WORD and tok.info.pos == "PREP")
            or (tok.kind is Kind.WORD and "Name" in tok.info.grammemes and tok.info.known)
            or (nxt is not None and nxt.text == "," and n == 0 and tok.kind is Kind.WORD
                and tok.info.pos in ("INTJ", "ADVB", "PRCL", "CONJ"))
        )
        if not skippable:
            return i
        if n >= 4:
            return None
    return None


def _first_words(doc: Doc, sent: Sentence, n: int) -> list[int]:
    return doc.words(sent)[:n]


def _word_in(doc: Doc, idx: list[int], patterns: list[str]) -> bool:
    for i in idx:
        tok = doc.tokens[i]
        for p in patterns:
            if compile_pattern(p).elements[0].matches(tok):
                return True
    return False


def _short_noun_question(doc: Doc, sent: Sentence) -> bool:
    words = doc.words(sent)
    if not 1 <= len(words) <= 3:
        return False
    toks = [doc.tokens[i] for i in words]
    if any(t.kind is Kind.WORD and t.info.pos not in ("NOUN", "ADJF", "PREP", "NUMR") for t in toks):
        return False
    return any(t.kind is Kind.WORD and t.info.pos == "NOUN" for t in toks)


def clarifying_asks(ctx: RuleContext, *, with_yes_no: bool = False) -> list[Ask]:
    """Operator sentences that ask the client for information: a wh-question, a bare noun question
    («Номер заказа?»), a request for data («Назовите номер заказа») — and, with ``with_yes_no``, any other
    question. Offers («Могу ли я ещё чем-то помочь?», «Вам удобно?») and name asks are not counted."""
    wh = ctx.strings("wh_words")
    requests = ctx.strings("request_verbs")
    not_asks = ctx.strings("not_clarifying")
    open_q = ctx.strings("open_questions")
    out: list[Ask] = []
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        for sent in clauses(doc):
            words = doc.words(sent)
            if not words:
                continue
            question = is_question(doc, sent)
            head = _first_words(doc, sent, int(ctx.param("head_words", 3)))
            lead = _lead_word(ctx, doc, sent)
            kind = None
            if question and ((lead is not None and _word_in(doc, [lead], wh)) or _embedded_wh(ctx, doc, sent)):
                kind = "wh"
            elif question and _short_noun_question(doc, sent):
                kind = "noun"
            elif _word_in(doc, words if with_yes_no else head, requests):
                kind = "request"
            elif with_yes_no and (question or sentence_has(doc, sent, ctx.strings("extra_asks"))):
                kind = "yes-no"
            if kind is None or sentence_has(doc, sent, not_asks):
                continue
            text = sentence_text(doc, sent)
            lead = len(text) - len(text.lstrip())
            out.append(Ask(m, sent, sent.start + lead, sent.start + len(text.rstrip()),
                           open=sentence_has(doc, sent, open_q)))
    return out


@check("Q1")
def pre_phrase(ctx: RuleContext) -> Iterator[Finding]:
    """A clarifying question without a pre-phrase («Не могли бы вы уточнить…») or «пожалуйста»."""
    frames = ctx.strings("frames")
    for ask in clarifying_asks(ctx):
        doc = ctx.doc(ask.msg.index)
        if sentence_has(doc, ask.sent, frames):
            continue
        yield ctx.finding(ask.msg.index, ask.start, ask.end)


def _turn_messages(ctx: RuleContext, m: Message) -> list[Message]:
    """The operator messages of the same turn as ``m`` (no client message in between)."""
    msgs = list(ctx.conv.messages)
    out = [m]
    i = m.index - 1
    while i >= 0 and msgs[i].role is not Role.CLIENT:
        if msgs[i].role is Role.OPERATOR and msgs[i].text:
            out.append(msgs[i])
        i -= 1
    i = m.index + 1
    while i < len(msgs) and msgs[i].role is not Role.CLIENT:
        if msgs[i].role is Role.OPERATOR and msgs[i].text:
            out.append(msgs[i])
        i += 1
    return out


@check("Q2")
def sell_the_question(ctx: RuleContext) -> Iterator[Finding]:
    """A clarifying question that does not say why it is asked («чтобы…», «это позволит…»)."""
    reasons = ctx.strings("reasons")
    flagged: set[int] = set()
    for ask in clarifying_asks(ctx):
        if ask.open or ask.msg.index in flagged:
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
    problem = ctx.strings("problem")
    first_problem: Message | None = None
    for m in ctx.client_messages():
        if m.index > ops[1].index:  # the problem is what the client opened with, not a late «не нужно»
            break
        if find_any(ctx.doc(m.index), problem):
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
    anywhere = ctx.strings("doubts")
    in_questions = ctx.strings("doubts_in_questions")
    unless = ctx.strings("unless")
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        for sent in doc.sentences:
            if unless and sentence_has(doc, sent, unless):
                continue
            pats = anywhere + (in_questions if is_question(doc, sent) else [])
            found = [x for p in pats for x in find_in_sentence(doc, sent, compile_pattern(p))]
            found.sort(key=lambda x: (x.start, -x.end))
            last_end = -1
            for match in found:
                if match.start < last_end:
                    continue
                last_end = match.end
                yield ctx.match_finding(m.index, match)
