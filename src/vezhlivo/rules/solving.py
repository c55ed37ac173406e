"""S — solving the question and keeping promises (S1–S8)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from ..model import Channel, Conversation, Event, Finding, Message, Role
from ..nlp.annotate import Annotated
from ..nlp.doc import Doc, Kind, Sentence
from ..nlp.patterns import Match, find_any, find_unless, sentence_has
from ..nlp.promises import CALLBACK_VERBS, Promise, find_promises, message_time
from ..nlp.times import find_times
from .base import RuleContext, Skip, check, operator_messages_reaching

# Enum members read in loops, bound once: on Python 3.11 reading ``Kind.WORD`` (a lookup through the
# enum metaclass) costs about ten times a module global.
_PUNCT = Kind.PUNCT
_CLIENT = Role.CLIENT
_OPERATOR = Role.OPERATOR
_SYSTEM = Role.SYSTEM


def _aware(a: datetime, b: datetime) -> tuple[datetime, datetime]:
    """Compare naive with aware times by giving the naive one the other's offset."""
    if (a.tzinfo is None) != (b.tzinfo is None):
        if a.tzinfo is None:
            a = a.replace(tzinfo=b.tzinfo)
        else:
            b = b.replace(tzinfo=a.tzinfo)
    return a, b


def _before_or_at(a: datetime, b: datetime) -> bool:
    x, y = _aware(a, b)
    return x <= y


def _conv_end(conv: Conversation) -> datetime | None:
    last = None
    for m in conv.messages:
        t = message_time(conv, m)
        if t is not None:
            last = t
    return last or conv.start_time


def _message_has(doc: Doc, patterns: tuple[str, ...]) -> bool:
    return bool(patterns) and bool(find_any(doc, patterns))


def _sentences_around(doc: Doc, first: Sentence) -> list[Sentence]:
    i = doc.sentences.index(first)
    return doc.sentences[max(0, i - 1): i + 2]


def _client_before(ann: Annotated, turn: int) -> Message | None:
    for m in reversed(ann.conv.messages[:turn]):
        if m.role is _CLIENT and m.text:
            return m
    return None


def _client_set_time(ctx: RuleContext, client: Message) -> bool:
    """The client named a time in answer to the operator's question: «Вам удобно сейчас говорить?» —
    «Нет, давайте завтра после шести.» (not a time in the client's own story: «Обещали вчера»)."""
    asked = next((m for m in reversed(ctx.conv.messages[:client.index])
                  if m.role is _OPERATOR and m.text), None)
    return asked is not None and "?" in asked.text and any(t.concrete for t in find_times(client.text))


# ---------------------------------------------------------------------------------------------
_GET_BACK = CALLBACK_VERBS | {"связаться"}  # verbs of coming back to the client


_SEND = frozenset({"отправить", "прислать", "выслать"})  # verbs of sending the client something
_ASKED_WHEN = frozenset({"когда", "сколько", "скоро", "срок"})
_RESTATED_WITHIN = 3  # messages: a promise made concrete in the operator's next turn


def _family(verb: str) -> frozenset[str]:
    return _GET_BACK if verb in _GET_BACK else _SEND if verb in _SEND else frozenset({verb})


def _restated(p: Promise, promises: list[Promise]) -> bool:
    """«Перезвоню на этот номер» at the goodbye repeats a concrete promise made earlier in the contact."""
    # «свяжусь с ним и перезвоню Вам через полчасика» is one promise, named by its first verb
    family = _family(p.verb)
    return any(q.turn < p.turn and q.concrete and q.verb in family for q in promises)


def _dated_soon_after(ctx: RuleContext, p: Promise) -> bool:
    """«я пришлю Вам расчёт туда» made concrete in the operator's next turn: a sentence with a verb of the
    same kind and a concrete time («Расчёт отправлю сегодня до 16:00 на почту»)."""
    family = _family(p.verb)
    for m in ctx.conv.messages[p.turn + 1:p.turn + 1 + _RESTATED_WITHIN]:
        if m.role is Role.CLIENT and not _ASKED_WHEN.isdisjoint(ctx.doc(m.index).vocabulary()[0]):
            return False  # the client had to ask «а позже — это когда?»: the promise was vague
        if m.role is not Role.OPERATOR or not m.text:
            continue
        doc = ctx.doc(m.index)
        if family.isdisjoint(doc.vocabulary()[0]):
            continue
        for sent in doc.sentences:
            if _dated(doc, sent) and any(not family.isdisjoint(doc.tokens[i].lemmas) for i in doc.words(sent)):
                return True
    return False


@check("S1")
def come_back_with_permission(ctx: RuleContext) -> Iterator[Finding]:
    """A first-person come-back («я уточню и перезвоню») needs permission, a time frame and a check."""
    ask = ctx.string_tuple("permission")
    come_back = set(ctx.param("come_back_verbs", []))
    promises = find_promises(ctx.ann)
    for p in promises:
        if not p.first_person or p.verb not in come_back:
            continue
        if _restated(p, promises):
            continue
        doc = ctx.doc(p.turn)
        verb_tok = next(i for i, t in enumerate(doc.tokens) if t.start >= p.verb_start)
        if "plur" in doc.tokens[verb_tok].info.grammemes and not _message_has(doc, ctx.string_tuple("defer")):
            continue  # «Мы перезвоним Вам завтра»: the company's schedule, not the operator's pause
        client = _client_before(ctx.ann, p.turn)
        if client is not None and _message_has(ctx.doc(client.index), ctx.string_tuple("client_asked")):
            continue  # the client asked to be called back: permission is given
        if client is not None and p.concrete and _client_set_time(ctx, client):
            continue  # «Когда Вам удобно?» — «Завтра после шести.» — «Перезвоню Вам завтра в 18:30»
        sent = doc.sentence_of(verb_tok)
        near = _sentences_around(doc, sent)
        asked = any(sentence_has(doc, s, ask) for s in near) or any(
            doc.text[s.start:s.end].rstrip().endswith("?") for s in near[1:] or near)
        if doc.text[sent.start:sent.end].rstrip().endswith("?"):
            asked = True
        if asked and p.concrete:
            continue
        yield ctx.finding(p.turn, p.start, p.end)


@check("S2")
def promise_names_time(ctx: RuleContext) -> Iterator[Finding]:
    """Every promise names a concrete time."""
    unless = ctx.string_tuple("unless")
    anchors = ctx.string_tuple("event_anchors")
    steps = ctx.derived("steps", lambda: frozenset(ctx.strings("client_steps")))
    promises = find_promises(ctx.ann)
    for p in promises:
        if p.concrete or _restated(p, promises) or _dated_soon_after(ctx, p):
            continue
        doc = ctx.doc(p.turn)
        verb_tok = next(i for i, t in enumerate(doc.tokens) if t.start >= p.verb_start)
        sent = doc.sentence_of(verb_tok)
        if unless and sentence_has(doc, sent, unless):
            continue
        k = doc.sentences.index(sent)
        if k > 0 and steps and any(
            doc.tokens[i].lemmas & steps and "impr" in doc.tokens[i].info.grammemes
            for i in doc.words(doc.sentences[k - 1])
        ):
            continue
        # «Я вернусь к Вам с ответом, как только…» inside a question to the client is still a promise;
        # a promise whose time is said in the next sentence («Это займёт около 10 минут») is concrete.
        sent_idx = next(k for k, s in enumerate(doc.sentences) if s.start <= p.verb_start < s.end)
        nxt = doc.sentences[sent_idx + 1] if sent_idx + 1 < len(doc.sentences) else None
        if nxt is not None and _dated(doc, nxt):
            continue
        # «Самокат поступит 2 декабря. Я пришлю Вам SMS, как только он появится»: the event is dated just before
        prev = doc.sentences[sent_idx - 1] if sent_idx > 0 else None
        if prev is not None and anchors and sentence_has(doc, sent, anchors) and _dated(doc, prev):
            continue
        yield ctx.finding(p.turn, p.start, p.end)
    yield from _vague_commitments(ctx, promises, unless)
    yield from _vague_answers(ctx, unless)


def _dated(doc: Doc, sent: Sentence) -> bool:
    """The sentence names a concrete time («сегодня до 18:00», «в течение 10 минут»)."""
    return any(t.concrete for t in find_times(doc.text[sent.start:sent.end]))


def _vague_commitments(ctx: RuleContext, promises: list[Promise], unless: tuple[str, ...]) -> Iterator[Finding]:
    """A step promised «в ближайшее время», «как можно скорее», «на днях» with a verb other than coming
    back («Мы решим вопрос в ближайшее время», «Деньги вернутся на днях»)."""
    vague = ctx.string_tuple("vague_commitments")
    if not vague:
        return
    case = ctx.word_set("case_words")
    for m in operator_messages_reaching(ctx, vague):
        doc = ctx.doc(m.index)
        for match in find_unless(doc, vague, unless):
            if any(p.turn == m.index and p.start < match.end and match.start < p.end for p in promises):
                continue  # the promise of coming back is judged above
            sent = doc.sentence_of(match.first)
            if _dated(doc, sent):
                continue  # «в ближайшее время — сегодня до 18:00»
            if "?" in doc.text[match.end:sent.end]:
                continue  # asked, not promised: «…или он Вам понадобится позже?»
            words = [doc.tokens[i] for i in doc.words(sent)]
            # the client's case: said in the first person, to the client, or of the client's money,
            # order, request (not «В ближайшее время в приложении появится новый раздел»)
            if not any(("1per" in t.info.grammemes and "futr" in t.info.grammemes) or t.info.lemma in case
                       or t.norm in case for t in words):
                continue
            yield ctx.finding(m.index, match.start, match.end)


def _vague_answers(ctx: RuleContext, unless: tuple[str, ...]) -> Iterator[Finding]:
    """«Постараемся в ближайшее время», «Как освободятся», «Позже, как узнаю» — a short answer that
    gives the client no time, after the client asked when."""
    when = ctx.string_tuple("when_asked")
    vague = ctx.string_tuple("vague_answers")
    max_words = int(ctx.param("vague_max_words", 7))
    promised = {(p.turn, p.start) for p in find_promises(ctx.ann)}
    previous_client: Message | None = None
    asked: bool | None = None  # did previous_client ask when; None: not searched yet
    for m in ctx.conv.messages:
        if m.role is _CLIENT and m.text:
            previous_client, asked = m, None
            continue
        if m.role is not _OPERATOR or not m.text or previous_client is None:
            continue
        if asked is None:  # once per client message, not once per operator message after it
            asked = bool(when) and bool(find_any(ctx.doc(previous_client.index), when))
        doc = ctx.doc(m.index)
        explicit_somewhere = bool(find_any(doc, vague))
        if not (asked or explicit_somewhere):
            continue  # neither a vague phrase nor a «when?» to answer: the time words do not matter
        times = find_times(doc, None)
        if any(t.concrete for t in times):
            continue  # the message names a time frame («Обычно модерация длится до 24 часов»)
        for sent in doc.sentences:
            if (m.index, sent.start) in promised or any(
                    p_turn == m.index and sent.start <= p_start < sent.end for p_turn, p_start in promised):
                continue
            words = doc.words(sent)
            if not words or len(words) > max_words:
                continue
            explicit = explicit_somewhere and sentence_has(doc, sent, vague)
            if explicit or (asked and any(t.kind == "vague" and sent.start <= t.start < sent.end for t in times)):
                if unless and sentence_has(doc, sent, unless):
                    continue
                yield ctx.finding(m.index, doc.tokens[words[0]].start, doc.tokens[words[-1]].end)


def _follow_up_times(ann: Annotated, after: datetime) -> list[datetime]:
    conv = ann.conv
    out = []
    for m in conv.messages:
        if m.role is _OPERATOR and m.text:
            t = message_time(conv, m)
            if t is not None and not _before_or_at(t, after):
                out.append(t)
    return out


@check("S3")
def promise_kept(ctx: RuleContext) -> Iterator[Finding]:
    """A promised follow-up happens before its deadline: later in this contact or in a later one."""
    promises = [p for p in find_promises(ctx.ann) if p.deadline is not None]
    if not promises:
        raise Skip("no promise with a deadline")
    judged = False
    for p in promises:
        assert p.deadline is not None
        said = message_time(ctx.conv, ctx.conv.messages[p.turn])
        if said is None:
            continue
        deadline = p.deadline + timedelta(seconds=float(ctx.param("grace_seconds", 60)))
        if p.verb not in CALLBACK_VERBS:  # «вернусь к Вам через 5 минут»: this contact may keep it
            same = [t for t in _follow_up_times(ctx.ann, said) if (t - said).total_seconds() >= 1]
            if any(_before_or_at(t, deadline) for t in same):
                judged = True
                continue
        later = [s for s in (a.conv.start_time for a in ctx.future) if s is not None]
        later = [s for s in later if not _before_or_at(s, said)]
        if any(_before_or_at(s, deadline) for s in later):
            judged = True
            continue
        if not later:
            end = _conv_end(ctx.conv)
            if end is None or _before_or_at(end, deadline):
                continue  # the data end before the deadline: cannot judge
        judged = True
        yield ctx.finding(p.turn, p.start, p.end)
    if not judged:
        raise Skip("the data end before the promised deadline")


@check("S4")
def transfers(ctx: RuleContext) -> Iterator[Finding]:
    events = ctx.conv.events(Event.TRANSFER)
    limit = int(ctx.param("max_transfers", 1))
    turns = [e.index for e in events] if events else _announced_transfers(ctx)
    if len(turns) > limit:
        yield ctx.contact_finding(turn=turns[limit])


def _announced_transfers(ctx: RuleContext) -> list[int]:
    """Transfers an export without transfer events shows only in words: the operator announces one
    («Я переключу Вас на коллегу»), and another operator takes over (another author, or a new greeting
    or introduction). Saying it again before anyone takes over is the same transfer."""
    announce, taking_over = ctx.string_tuple("announce"), ctx.string_tuple("taking_over")
    counted: list[int] = []
    announcer: Message | None = None  # of the transfer announced and not yet taken over
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        if announcer is not None and (
                (m.author and announcer.author and m.author != announcer.author) or find_any(doc, taking_over)):
            announcer = None
        if announcer is None and find_any(doc, announce):
            counted.append(m.index)
            announcer = m
    return counted


def _contacts_known(ctx: RuleContext) -> tuple[bool, bool]:
    ann = ctx.ann
    meta = bool(ctx.param("metadata_counts", True))
    phone = bool(meta and ctx.conv.client.phone) or bool(ann.phones_given(Role.CLIENT))
    email = bool(meta and ctx.conv.client.email) or bool(ann.emails_given(Role.CLIENT))
    ask_phone, ask_email = ctx.string_tuple("ask_phone"), ctx.string_tuple("ask_email")
    for m in ann.operator_messages():
        if phone and email:
            break
        doc = ctx.doc(m.index)
        phone = phone or _message_has(doc, ask_phone)
        email = email or _message_has(doc, ask_email)
    return phone, email


@check("S5")
def contacts_taken(ctx: RuleContext) -> Iterator[Finding]:
    ops = ctx.operator_messages()
    if not ops:
        raise Skip("no operator turns")
    if ctx.conv.channel is Channel.PHONE:
        by = ctx.word_set("callback_by")
        callbacks = [p for p in find_promises(ctx.ann)
                     if p.verb in CALLBACK_VERBS and (p.first_person or _promised_for(ctx.doc(p.turn), p, by))]
        if not callbacks:
            raise Skip("no call-back promised")
        phone, _ = _contacts_known(ctx)
        if not phone:
            p = callbacks[0]
            yield ctx.finding(p.turn, p.start, p.end)
        return
    if len(ctx.client_messages()) < int(ctx.param("min_client_turns", 2)):
        raise Skip("too short a chat to ask for contacts")
    phone, email = _contacts_known(ctx)
    need_both = bool(ctx.param("require_both", False))
    missing = not (phone and email) if need_both else not (phone or email)
    if missing:
        yield ctx.contact_finding(turn=ops[-1].index)


def _promised_for(doc: Doc, p: Promise, by: frozenset[str]) -> bool:
    """Is the promise's subject a colleague or department («Бухгалтерия перезвонит Вам»)?"""
    return any(t.is_word and t.info.lemma in by for t in doc.tokens if p.start <= t.start < p.verb_start)


# --- S6 hold etiquette -----------------------------------------------------------------------
def _hold_phrases(ctx: RuleContext, doc: Doc, words: tuple[str, ...]) -> list[Match]:
    """Matches of ``words`` (params.hold_words) that announce a hold."""
    hits = find_any(doc, words)
    if not hits:
        return []
    hold_not = ctx.string_tuple("hold_not")
    out = []
    for h in hits:
        sent = doc.sentence_of(h.first)
        if sentence_has(doc, sent, hold_not):
            continue
        if any(t.concrete and t.kind != "duration" for t in find_times(doc.text[sent.start:sent.end])):
            continue  # «Ожидайте курьера завтра с 10 до 12»
        out.append(h)
    return out


def _asked_to_wait(ctx: RuleContext, doc: Doc, sent: Sentence) -> bool:
    if doc.text[sent.start:sent.end].rstrip().endswith("?"):
        return True
    return sentence_has(doc, sent, ctx.string_tuple("hold_ask"))


def _thanked(ctx: RuleContext, doc: Doc) -> bool:
    return _message_has(doc, ctx.string_tuple("thanks_for_waiting"))


def _declined(ctx: RuleContext, between: Sequence[Message]) -> bool:
    """The client answered the offer of a wait with a no."""
    declines = ctx.string_tuple("client_declines")
    return bool(declines) and any(m.role is _CLIENT and m.text and _message_has(ctx.doc(m.index), declines)
                                  for m in between)


def _next_operator(conv: Conversation, after: int) -> Message | None:
    for m in conv.messages[after + 1:]:
        if m.role is _OPERATOR and m.text:
            return m
    return None


def _seconds_between(conv: Conversation, a: Message, b: Message) -> float | None:
    if a.start is not None and b.start is not None:
        return b.start - (a.end if a.end is not None and a.role is not _SYSTEM else a.start)
    ta, tb = message_time(conv, a), message_time(conv, b)
    if ta is None or tb is None:
        return None
    x, y = _aware(ta, tb)
    return (y - x).total_seconds()


@check("S6")
def hold_etiquette(ctx: RuleContext) -> Iterator[Finding]:
    conv = ctx.conv
    max_hold, min_hold, msg_thanks, sug_thanks, msg_long, hold_words = ctx.derived("settings", lambda: (
        float(ctx.param("max_hold_seconds", 120)), float(ctx.param("min_hold_seconds", 30)),
        str(ctx.param("message_thanks", ctx.spec.message)), str(ctx.param("suggestion_thanks", "Спасибо за ожидание.")),
        str(ctx.param("message_long", ctx.spec.message)), ctx.string_tuple("hold_words")))
    starts = conv.events(Event.HOLD_START)
    ends = conv.events(Event.HOLD_END)
    max_agreed = float(ctx.param("max_agreed_hold_seconds", max_hold))
    seen_hold = False
    # announced by words («Подождите минуту»)
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        hits = _hold_phrases(ctx, doc, hold_words)
        if not hits:
            continue
        seen_hold = True
        nxt = conv.messages[m.index + 1] if m.index + 1 < len(conv.messages) else None
        if nxt is not None and nxt.role is _OPERATOR and nxt.text and _asks_for_hold(ctx, nxt, hold_words):
            continue  # «Секунду.» — «…можете немного повисеть, пока я проверю?»: the wait is asked for next
        client = _client_before(ctx.ann, m.index)
        client_agreed = client is not None and _message_has(ctx.doc(client.index),
                                                            ctx.string_tuple("client_offers_wait"))
        for h in hits[:1]:
            sent = doc.sentence_of(h.first)
            if not client_agreed and not _asked_to_wait(ctx, doc, sent):
                yield ctx.match_finding(m.index, h)
        back = _next_operator(conv, m.index)
        if back is None or any(m.index < e.index < back.index for e in starts):
            continue  # a hold event follows: its length and the thanks are judged from the event below
        if _declined(ctx, conv.messages[m.index + 1:back.index]):
            continue  # «Вам удобно подождать?» — «не, мне щас убегать надо»: no wait followed
        gap = _seconds_between(conv, m, back)
        # a wait the operator asked for and the client accepted («да, жду») may run longer
        agreed = _accepted_wait(ctx, conv.messages[m.index + 1:back.index])
        if gap is not None and gap > (max_agreed if agreed else max_hold):
            yield ctx.contact_finding(turn=back.index, message=msg_long)
        if gap is not None and gap >= min_hold and not _thanked(ctx, ctx.doc(back.index)):
            yield ctx.contact_finding(turn=back.index, message=msg_thanks, suggestion=sug_thanks)
    # hold events
    for s in starts:
        seen_hold = True
        prev = None
        for m in reversed(conv.messages[:s.index]):
            if m.role is _OPERATOR and m.text:
                prev = m
                break
        if prev is None or not (
            _message_has(ctx.doc(prev.index), ctx.string_tuple("hold_ask"))
            or ctx.doc(prev.index).text.rstrip().endswith("?")
            or _hold_phrases(ctx, ctx.doc(prev.index), hold_words)  # already judged above
        ):
            yield ctx.contact_finding(turn=s.index)
        end = next((e for e in ends if e.index > s.index), None)
        if end is None:
            continue
        gap = _seconds_between(conv, s, end)
        if gap is not None and gap > max_hold:
            yield ctx.contact_finding(turn=end.index, message=msg_long)
        back = _next_operator(conv, end.index)
        if back is not None and not _thanked(ctx, ctx.doc(back.index)):
            yield ctx.contact_finding(turn=back.index, message=msg_thanks, suggestion=sug_thanks)
    if not seen_hold:
        raise Skip("no hold in this contact")


def _accepted_wait(ctx: RuleContext, between: Sequence[Message]) -> bool:
    """The client answered the offer of a wait with a yes: «да, жду», «ок», «хорошо» (the caller has
    already ruled out a no, ``_declined``)."""
    accepts = ctx.string_tuple("client_accepts_wait")
    return bool(accepts) and any(m.role is Role.CLIENT and m.text and _message_has(ctx.doc(m.index), accepts)
                                 for m in between)


def _asks_for_hold(ctx: RuleContext, m: Message, hold_words: tuple[str, ...]) -> bool:
    """The operator's message asks the client to wait: a wait phrase in a question or with a request."""
    doc = ctx.doc(m.index)
    return any(_asked_to_wait(ctx, doc, doc.sentence_of(h.first)) for h in _hold_phrases(ctx, doc, hold_words))


# --- S7 absent colleague ---------------------------------------------------------------------
@check("S7")
def absent_colleague(ctx: RuleContext) -> Iterator[Finding]:
    asks_for, absent, person_words, not_a_person = ctx.derived("lists", lambda: tuple(
        ctx.string_tuple(k) for k in ("client_asks_for", "absent", "person_words", "not_a_person")))
    asked_for_person = False
    found_any = False
    ops = ctx.operator_messages()
    for m in ctx.conv.messages:
        if (not asked_for_person and m.role is _CLIENT and m.text
                and _message_has(ctx.doc(m.index), asks_for)):
            asked_for_person = True
        if m.role is not _OPERATOR or not m.text:
            continue
        doc = ctx.doc(m.index)
        hits = find_any(doc, absent)
        if not asked_for_person:
            hits = [h for h in hits if sentence_has(doc, doc.sentence_of(h.first), person_words)]
        hits = [h for h in hits if not sentence_has(doc, doc.sentence_of(h.first), not_a_person)]
        if not hits:
            continue
        found_any = True
        nxt = [o for o in ops if o.index > m.index][:1]
        texts = [doc, *(ctx.doc(o.index) for o in nxt)]
        offer = any(_message_has(d, ctx.string_tuple("offer")) for d in texts)
        when = any(_message_has(d, ctx.string_tuple("when_back")) or any(t.concrete for t in find_times(d))
                   for d in texts)
        reason = any(_message_has(d, ctx.string_tuple("reasons")) for d in texts)
        if offer and (when or reason):
            continue
        yield ctx.match_finding(m.index, hits[0])
        break
    if not found_any:
        raise Skip("no absent colleague")


# --- S8 guarantees ---------------------------------------------------------------------------
_PERCENT_WORDS = frozenset({"100", "сто", "стопроцентно", "стопудово", "стопудов"})


def _percent_hits(doc: Doc, certain: frozenset[str] = frozenset()) -> list[tuple[int, int, int]]:
    """«100%», «на сто процентов», «стопроцентно» used as certainty, not as an amount; after a noun of
    ``certain`` («одобрение 100 %», «шанс 100%») it is certainty too."""
    text = doc.text
    if "%" not in text and "％" not in text and doc.vocabulary()[0].isdisjoint(_PERCENT_WORDS):
        # every form below starts with an unmasked word or number of these (in the vocabulary) or is
        # «100%»: spare the walk over the tokens
        return []
    low = text.lower()
    if "100" not in low and "сто" not in low:
        return []
    out = []
    toks = doc.tokens
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.mask is not None:
            i += 1
            continue
        span: tuple[int, int] | None = None
        nxt = i + 1
        if t.norm == "100" and i + 1 < len(toks) and toks[i + 1].text in ("%", "％"):
            span, nxt = (t.start, toks[i + 1].end), i + 2
        elif t.norm == "100%":
            span = (t.start, t.end)
        elif t.norm in ("сто", "100") and i + 1 < len(toks) and toks[i + 1].lemma == "процент":
            span, nxt = (t.start, toks[i + 1].end), i + 2
        elif t.norm in ("стопроцентно", "стопудово", "стопудов"):
            out.append((t.start, t.end, i))
            i += 1
            continue
        if span is None:
            i += 1
            continue
        # an amount: «100% предоплата», «100 % стоимости», «скидка 100%», «вернём 100%»
        after = next((toks[k] for k in range(nxt, len(toks)) if toks[k].kind is not _PUNCT), None)
        before = next((toks[k] for k in range(i - 1, -1, -1) if toks[k].kind is not _PUNCT), None)
        same_sent = after is not None and after.sent == t.sent
        if same_sent and after is not None and after.is_word and after.info.pos in ("NOUN", "ADJF", "NUMR"):
            i = nxt
            continue
        if before is not None and before.is_word and before.sent == t.sent and before.info.lemma not in certain and (
            before.info.pos in ("NOUN", "ADJF") or (before.info.pos in ("VERB", "INFN")
                                                     and "tran" in before.info.grammemes
                                                     and before.norm != "гарантирую")
        ) and not (same_sent and after is not None and after.info.pos in ("VERB", "ADJS")):
            i = nxt
            continue
        if before is not None and before.norm == "на" and before.sent == t.sent:
            span = (before.start, span[1])
        out.append((span[0], span[1], i))
        i = nxt
    return out


@check("S8")
def guarantees(ctx: RuleContext) -> Iterator[Finding]:
    patterns, unless = ctx.string_tuple("patterns"), ctx.string_tuple("unless")
    certain = ctx.word_set("certainty_nouns")
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        spans: list[tuple[int, int]] = []
        for h in find_any(doc, patterns):
            sent = doc.sentence_of(h.first)
            if sentence_has(doc, sent, unless):
                continue
            spans.append((h.start, h.end))
        for s, e, _ in _percent_hits(doc, certain):
            if not any(a < e and s < b for a, b in spans):
                spans.append((s, e))
        for s, e in sorted(spans):
            yield ctx.finding(m.index, s, e)
