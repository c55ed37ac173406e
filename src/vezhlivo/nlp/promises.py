"""Promises the operator makes («перезвоню Вам через час») and their deadlines.

A promise is a sentence of the operator with a verb of coming back to the client (перезвонить,
связаться, написать, сообщить…) in the future tense, said by the operator or the company («я
перезвоню», «мы свяжемся») or about someone who will act («курьер Вам перезвонит», «с Вами
свяжутся»). «Вы перезвоните?», «перезвонил» (past) and «не перезвоню» are no promises. The
time expressions of the same sentence (see ``times``) make it concrete and give its deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..model import Conversation, Message, Role
from .annotate import Annotated
from .doc import Doc, Kind, Sentence, Token
from .times import TimeExpr, find_times

# Enum members read in loops, bound once: on Python 3.11 reading ``Kind.WORD`` (a lookup through the
# enum metaclass) costs about ten times a module global.
_WORD = Kind.WORD
_NUMBER = Kind.NUMBER
_PUNCT = Kind.PUNCT
_OPERATOR = Role.OPERATOR

PROMISE_VERBS = frozenset({
    "перезвонить", "позвонить", "набрать", "написать", "сообщить", "связаться", "ответить", "вернуться",
    "отправить", "прислать", "выслать", "уведомить", "оповестить", "проинформировать", "отписаться",
    "известить", "созвониться", "дозвониться", "отзвониться",
})
# perfective verbs the dictionary tags imperfective: «водитель сам вам отзвонится» is a future
_PERFECTIVE_READ_AS_PRESENT = frozenset({"отзвониться"})
# «я могу перезвонить», «постараюсь связаться»: a first-person modal with the infinitive
MODALS = frozenset({"мочь", "постараться", "стараться", "обещать", "обязаться"})
# verbs that need the client as addressee («сообщу Вам», «свяжемся с Вами») to be a promise to the client
ADDRESSEE_FREE = frozenset({"перезвонить", "отписаться"})
ADDRESSEE = frozenset({"вы", "вас", "вам", "вами", "клиент"})
# «сообщу», «напишу», «отвечу» of the operator are said to the client unless someone else is named
SELF_EVIDENT = frozenset({"сообщить", "написать", "ответить", "связаться", "отписаться", "уведомить",
                          "проинформировать", "известить"})
CALLBACK_VERBS = frozenset({"перезвонить", "позвонить", "набрать", "созвониться", "дозвониться", "отзвониться"})


@dataclass(frozen=True, slots=True)
class Promise:
    turn: int
    start: int
    end: int
    text: str
    deadline: datetime | None
    within_seconds: float | None
    concrete: bool
    verb: str = ""
    first_person: bool = False
    verb_start: int = 0
    verb_end: int = 0
    times: tuple[TimeExpr, ...] = ()


def message_time(conv: Conversation, m: Message) -> datetime | None:
    """When a message was said: its timestamp, or the call start plus its offset."""
    if m.ts is not None:
        return m.ts
    if conv.started_at is not None and m.start is not None:
        return conv.started_at + timedelta(seconds=m.start)
    return None


def _negated(doc: Doc, words: list[int], pos: int) -> bool:
    return any(doc.tokens[words[k]].norm == "не" for k in range(max(0, pos - 2), pos))


def _other_addressee(doc: Doc, words: list[int], pos: int) -> bool:
    """«напишу им», «сообщу курьеру», «позвоню в ресторан»: the verb is aimed at someone else."""
    for k in range(max(0, pos - 2), min(len(words), pos + 4)):
        if k == pos:
            continue
        t = doc.tokens[words[k]]
        if t.kind is not _WORD or t.norm in ADDRESSEE:
            continue
        g = t.info.grammemes
        if "datv" in g and t.info.pos in ("NPRO", "NOUN") and "anim" in g | {"anim"} and t.norm not in ("мне", "нам"):
            return True
        if k == pos + 1 and t.norm in ("в", "на", "к", "во") and not _time_follows(doc, words, k):
            return True
    return False


# what «в/на/к» after the verb may open instead of a place or a person: a time («ответим в ближайшее
# время», «сообщу к вечеру», «напишу в понедельник», «в 15:00»)
_TIME_WORDS = frozenset({
    "время", "течение", "ближайший", "следующий", "этот", "конец", "начало", "середина", "утро", "день",
    "вечер", "ночь", "обед", "неделя", "месяц", "год", "час", "минута", "понедельник", "вторник", "среда",
    "четверг", "пятница", "суббота", "воскресенье", "выходной", "сегодня", "завтра", "полдень", "срок",
    "пределы", "рамки",
})


def _time_follows(doc: Doc, words: list[int], k: int) -> bool:
    """Does a number or a word of time come within the two tokens after the preposition ``words[k]``?"""
    for nxt in doc.tokens[words[k] + 1:words[k] + 3]:
        if nxt.kind is _NUMBER:
            return True
        if nxt.kind is not _WORD:
            return False
        if nxt.info.lemma in _TIME_WORDS or nxt.norm in _TIME_WORDS:
            return True
    return False


def _promise_verb(doc: Doc, sent: Sentence) -> tuple[int, str, bool] | None:
    """(token index, lemma, said in the first person) of the promise verb of a sentence."""
    words = doc.words(sent)
    toks = doc.tokens
    # what the whole sentence says, found only for a sentence with a verb of coming back (few of them)
    addressed: bool | None = None
    question: bool | None = None
    for pos, i in enumerate(words):
        t = toks[i]
        if t.kind is not _WORD or PROMISE_VERBS.isdisjoint(t.info.lemmas) or _negated(doc, words, pos):
            continue
        g = t.info.grammemes
        lemma = min(t.info.lemmas & PROMISE_VERBS)
        first = "1per" in g or ("INFN" in g and pos > 0 and "1per" in toks[words[pos - 1]].info.grammemes)
        if lemma not in ADDRESSEE_FREE:
            if addressed is None:
                addressed = any(toks[k].norm in ADDRESSEE for k in words)
            if not addressed and not (lemma == "вернуться" and "1per" in g) \
                    and not (first and lemma in SELF_EVIDENT and not _other_addressee(doc, words, pos)):
                continue
        if lemma == "вернуться" and "1per" not in g:
            continue  # «он вернётся в 15:00»: a colleague, not a promise
        future = "futr" in g or (lemma in _PERFECTIVE_READ_AS_PRESENT and "pres" in g)
        if future and "indc" in g and "2per" not in g:
            return i, lemma, "1per" in g
        if question is None:
            question = doc.text[sent.start:sent.end].rstrip().endswith("?")
        if "INFN" in g and not question:
            for k in range(max(0, pos - 3), pos):
                prev = doc.tokens[words[k]]
                if prev.lemmas & MODALS and "1per" in prev.info.grammemes and not _negated(doc, words, k):
                    return i, lemma, True
    return None


_CLAUSE_MARKS = frozenset({",", ":", ";", "—", "–", "-"})


def _clause_mark(tok: Token) -> bool:
    """A comma, colon, semicolon or dash that ends a clause (not one inside a masked phone or URL)."""
    return tok.kind is _PUNCT and tok.text.strip() in _CLAUSE_MARKS and tok.mask is None

_FINITE = frozenset({"indc", "impr"})
_THEN = frozenset({"сразу", "тотчас", "немедленно", "тогда", "затем", "потом"})
_SUBORDINATE = frozenset({"если", "когда", "как", "пока", "после", "лишь", "едва", "раз"})


def _of_another_verb(doc: Doc, sent: Sentence, t: TimeExpr, verb: int) -> bool:
    """A time said before the promise, in a clause (between commas) with a verb of its own: «Сейчас я
    уточняю свободные окна на этой неделе, мы свяжемся с Вами позднее» — the week is the windows', not the
    call's. A time fronted on its own («Через 15 минут, когда склад ответит, я перезвоню») is the promise's."""
    toks = doc.tokens
    if t.start >= toks[verb].start:
        return False
    first = sent.first
    for k in range(sent.first, verb):
        if toks[k].start >= t.start:
            break
        if _clause_mark(toks[k]):
            first = k + 1
    for k in range(first, verb):
        tok = toks[k]
        if _clause_mark(tok) and tok.start >= t.end:
            words = [toks[j] for j in range(first, k) if toks[j].kind is _WORD]
            then = [toks[j].norm for j in range(k + 1, verb) if toks[j].kind is _WORD]
            if not _THEN.isdisjoint(then):
                return False  # «они будут готовы сегодня до 18:00, и я сразу пришлю Вам SMS»: that time's step
            # a condition keeps its time: «Если к 14:00 посылка не приедет, я сама свяжусь со службой»
            return not any(w.norm in _SUBORDINATE for w in words) and any(
                w.info.pos == "VERB" and not _FINITE.isdisjoint(w.info.grammemes) for w in words)
    return False  # no comma between the time and the promise verb: one clause


def find_promises(ann: Annotated) -> list[Promise]:
    """Promises of the operator, found once per conversation (several rules and the card ask)."""
    return ann.memo("promises", lambda: _find_promises(ann))


def _find_promises(ann: Annotated) -> list[Promise]:
    out: list[Promise] = []
    conv = ann.conv
    for m in conv.messages:
        if m.role is not _OPERATOR or not m.text:
            continue
        doc = ann.doc(m.index)
        if PROMISE_VERBS.isdisjoint(doc.vocabulary()[0]):
            continue  # no verb of coming back in the message: most messages, spared the sentence walk
        times: list[TimeExpr] | None = None
        for sent in doc.sentences:
            found = _promise_verb(doc, sent)
            if found is None:
                continue
            i, lemma, first = found
            if times is None:
                times = find_times(doc, message_time(conv, m))
            own = tuple(t for t in times if sent.start <= t.start < sent.end
                        and not _of_another_verb(doc, sent, t, i))
            concrete = [t for t in own if t.concrete]
            deadlines = [t.deadline for t in concrete if t.deadline is not None and not t.relative]
            durations = [t.seconds for t in concrete if t.kind == "duration" and t.seconds and not t.relative]
            start = sent.start
            for t in doc.tokens[sent.first:i]:  # the clause of the verb: after the last comma before it
                if _clause_mark(t):
                    start = t.end
            while start < len(m.text) and m.text[start] == " ":
                start += 1
            end = sent.end
            while end > sent.start and m.text[end - 1] in " .!,;":
                end -= 1
            out.append(Promise(
                turn=m.index, start=start, end=end, text=m.text[start:end],
                deadline=max(deadlines) if deadlines else None,
                within_seconds=max(durations) if durations else None,
                concrete=bool(concrete), verb=lemma, first_person=first,
                verb_start=doc.tokens[i].start, verb_end=doc.tokens[i].end, times=own,
            ))
    return out
