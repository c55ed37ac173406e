"""G — opening the contact: the set greeting form, household openers, time of day, the client's name,
speed of the first answer. Also the small helpers the other contact-structure modules share."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import pairwise

from ..model import Channel, Direction, Event, Finding, Message, Role
from ..nlp.annotate import introduced_names
from ..nlp.doc import Doc, Kind, Mask, Sentence, Token
from ..nlp.morph import norm
from ..nlp.patterns import (
    Match,
    Pattern,
    compile_pattern,
    find_in_sentence,
    find_unless,
    has_match,
    may_match,
    sentence_has,
)
from .base import RuleContext, Skip, check, operator_messages_reaching

# Enum members read in loops, bound once: on Python 3.11 reading ``Kind.WORD`` (a lookup through the
# enum metaclass) costs about ten times a module global.
_QUOTE_MASK = Mask.QUOTE
_WORD = Kind.WORD
_CLIENT = Role.CLIENT
_OPERATOR = Role.OPERATOR
_SYSTEM = Role.SYSTEM
_TRANSFER = Event.TRANSFER
_HOLD_START = Event.HOLD_START
_CLOSE = Event.CLOSE

# ----------------------------------------------------------------- shared helpers



def first_operator_turn(ctx: RuleContext) -> list[Message]:
    """The operator's first turn: the first operator message and the ones that follow it before the client
    speaks again (chats often split a greeting over two messages)."""
    out: list[Message] = []
    for m in ctx.conv.messages:
        if m.role is _OPERATOR and m.text:
            out.append(m)
        elif out and (m.role is _CLIENT or m.event is _TRANSFER):
            break
    return out


def sentence_text(doc: Doc, sent: Sentence) -> str:
    return doc.text[sent.start:sent.end]


def is_question(doc: Doc, sent: Sentence) -> bool:
    """A sentence that asks: it ends with «?» (typed chat questions often lack one; we do not guess) that is
    not inside a quotation (a button's name «Забыли пароль?» asks the client nothing)."""
    text = sentence_text(doc, sent).rstrip()
    if "?" not in text[-3:]:
        return False
    if not doc.masks:
        return True
    at = sent.start + text.rindex("?")
    return doc.masked(at, at + 1) is not _QUOTE_MASK


def unpunctuated(text: str) -> bool:
    """No «?», «.» or «!» anywhere: speech to text writes none, so a question there has no «?» either."""
    return "?" not in text and "." not in text and "!" not in text


def first_sentence_span(doc: Doc) -> tuple[int, int]:
    for sent in doc.sentences:
        text = sentence_text(doc, sent)
        if text.strip():
            lead = len(text) - len(text.lstrip())
            return sent.start + lead, sent.start + len(text.rstrip())
    return 0, len(doc.text)


def message_has(ctx: RuleContext, m: Message, patterns: list[str] | tuple[str, ...]) -> bool:
    return bool(patterns) and has_match(ctx.doc(m.index), patterns)


def local_time(ctx: RuleContext, m: Message) -> datetime | None:
    """When a message was said: its own time stamp, else the contact's start (plus the turn's offset in a
    call). A contact lasts minutes, so the start is close enough for the part of the day."""
    if m.ts is not None:
        return m.ts
    if ctx.conv.started_at is not None:
        return ctx.conv.started_at + timedelta(seconds=m.start or 0.0)
    return None


def first_message(ctx: RuleContext) -> Message | None:
    return next((m for m in ctx.conv.messages if m.is_turn), None)


_GENERIC = re.compile(
    r"\b(интернет[- ]?магазин|онлайн[- ]?магазин|магазин|компания|клиника|служба поддержки|ооо|оао|зао|ип|ао|пао)\b",
    re.I,
)
_QUOTES = re.compile(r"[«»\"“”„'`’]")


_NOT_LETTERS = re.compile(r"[\W_]+")


def _squash(text: str) -> str:
    return _NOT_LETTERS.sub("", norm(_QUOTES.sub("", text)))


def company_keys(ctx: RuleContext) -> tuple[str, ...]:
    """The company's names (rulebook, aliases, the conversation's own), squashed, with and without
    generic words such as «Интернет-магазин», so that «интернет-магазина "Kid Mir"» matches «Kid Mir»."""
    return _company_keys(ctx.rulebook.company.names, ctx.conv.company)


@lru_cache(maxsize=1024)
def _company_keys(names: tuple[str, ...], own: str | None) -> tuple[str, ...]:
    """``company_keys`` of the rulebook's names and a conversation's company (the same few pairs every contact)."""
    keys: set[str] = set()
    for name in (*names, own) if own else names:
        keys.update(_name_keys(name))
    return tuple(sorted(keys, key=len))


@lru_cache(maxsize=1024)
def _name_keys(name: str) -> tuple[str, ...]:
    """The squashed keys of one company name (names repeat: the rulebook's in every contact)."""
    keys = (_squash(name), _squash(_GENERIC.sub(" ", norm(name))))
    return tuple(k for k in keys if len(k) >= 3)


@lru_cache(maxsize=16_384)
def mentions_company(text: str, keys: tuple[str, ...]) -> bool:
    """Remembered: an operator's opening is most often the company's set greeting, word for word."""
    squashed = _squash(text)
    for k in keys:  # a loop, not any() over a generator: asked of every contact's opening
        if k in squashed:
            return True
    # a recogniser writes a Latin brand in Cyrillic («кид мир» for Kid Mir): compare letter by letter
    latin = [k for k in keys if _LATIN.search(k)]
    return bool(latin) and any(k in squashed.translate(_TO_LATIN) for k in latin)


_LATIN = re.compile("[a-z]")
_TO_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya",
})


def operator_name(ctx: RuleContext) -> str | None:
    if ctx.conv.operator.name:
        return norm(ctx.conv.operator.name.split()[0])
    op_id = ctx.conv.operator.id
    for op in ctx.rulebook.operators:
        if op_id and op.id == op_id and op.name:
            return norm(op.name.split()[0])
    return None


def says_name(doc: Doc, name: str) -> Match | None:
    if name not in doc.vocabulary()[0]:
        return None  # not among the own words' forms and lemmas, so no token below has it
    for i, t in enumerate(doc.tokens):
        if t.kind is _WORD and t.mask is None and (t.norm == name or name in t.lemmas):
            return Match(i, i, t.start, t.end, name)
    return None


# ----------------------------------------------------------------- G1 / G2


def _greeting(ctx: RuleContext, doc: Doc) -> Match | None:
    found = find_unless(doc, ctx.string_tuple("greetings"))
    return found[0] if found else None


def _missing_parts(ctx: RuleContext, msgs: list[Message], *, client_name: bool) -> tuple[list[str], Match | None]:
    keys = company_keys(ctx)
    if not keys:
        raise Skip("no company name: neither the rulebook nor the conversation names the company")
    name = operator_name(ctx)
    greet: Match | None = None
    greeted = own = client = False
    indices = {m.index for m in msgs}
    greetings, self_intro = ctx.string_tuple("greetings"), ctx.string_tuple("self_intro")
    for m in msgs:
        doc = ctx.doc(m.index)
        if m is msgs[0]:
            greet = _greeting(ctx, doc)  # where the finding points
            greeted = greet is not None
        elif not greeted:  # a later message only has to greet at all
            greeted = has_match(doc, greetings)
        if not own:
            own = says_name(doc, name) is not None if name else has_match(doc, self_intro)
    if client_name and ctx.conv.client.name:
        client = any(nm.turn in indices for nm in ctx.ann.name_mentions(ctx.ann.client_names))
    missing = []
    if not greeted:
        missing.append("приветствия")
    if not mentions_company(" ".join(m.text for m in msgs), keys):
        missing.append("названия компании")
    if not own:
        missing.append("имени оператора")
    if client_name and ctx.conv.client.name and not client:
        missing.append("имени клиента")
    return missing, greet


def greeting_form(ctx: RuleContext) -> str | None:
    """The set form in this company's words: «Интернет-магазин Kid Mir, Елизавета, здравствуйте!»."""
    company = ctx.conv.company or next(iter(ctx.rulebook.company.aliases), None) or ctx.rulebook.company.name
    operator = ctx.conv.operator.name
    if not operator:
        operator = next((o.name for o in ctx.rulebook.operators if o.id and o.id == ctx.conv.operator.id), None)
    if not company or not operator:
        return None
    return f"{company}, {operator.split()[0]}, здравствуйте!"


def _form_finding(ctx: RuleContext, msgs: list[Message], missing: list[str], greet: Match | None,
                  suggestion: str | None = None) -> Finding:
    first = msgs[0]
    doc = ctx.doc(first.index)
    start, end = (greet.start, greet.end) if greet else first_sentence_span(doc)
    what = ", ".join(missing)
    return ctx.finding(first.index, start, end, message=f"{ctx.spec.message} Не хватает: {what}.",
                       suggestion=suggestion)


@check("G1")
def incoming_greeting(ctx: RuleContext) -> Iterator[Finding]:
    """Incoming contact: the first operator turn = greeting + company + the operator's own name."""
    msgs = first_operator_turn(ctx)
    if not msgs:
        raise Skip("the operator never wrote or spoke")
    missing, greet = _missing_parts(ctx, msgs, client_name=False)
    if missing:
        yield _form_finding(ctx, msgs, missing, greet, greeting_form(ctx))


@check("G2")
def outgoing_greeting(ctx: RuleContext) -> Iterator[Finding]:
    """Outgoing call: greeting with the client's name, own name, company, and the purpose of the call."""
    ops = ctx.operator_messages()
    if not ops:
        raise Skip("the operator never spoke")
    opening = _opening(ctx, ops[: int(ctx.param("opening_turns", 2))])
    missing, greet = _missing_parts(ctx, opening, client_name=True)
    if not any(message_has(ctx, m, ctx.string_tuple("purpose")) for m in opening):
        missing.append("цели звонка")
    if missing:
        yield _form_finding(ctx, opening[:1], missing, greet)


def _opening(ctx: RuleContext, turns: list[Message]) -> list[Message]:
    """The operator's opening turns, up to one answering the client's «а кто это?» (what the client had to
    ask for was not said in the opening) or following the client's answer to «удобно ли Вам говорить?»
    (O1's question closes the opening: «…удобно вам сейчас поговорить» — «да» — «отлично, андрей…»)."""
    who = ctx.string_tuple("who_asks")
    asks = ctx.derived("G2:time_asks", lambda: _time_asks(ctx))
    out = turns[:1]
    for prev, m in pairwise(turns):
        between = [c for c in ctx.conv.messages[prev.index + 1:m.index] if c.role is _CLIENT and c.text]
        if who and any(message_has(ctx, c, who) for c in between):
            break
        if between and asks and message_has(ctx, prev, asks):
            break
        out.append(m)
    return out


def _time_asks(ctx: RuleContext) -> tuple[str, ...]:
    o1 = ctx.rulebook.rules.get("O1")
    return tuple(map(str, (o1.params.get("asks") or ()))) if o1 is not None else ()


# ----------------------------------------------------------------- G3


def _anchored(ctx: RuleContext, key: str) -> tuple[Pattern, ...]:
    """The patterns of a list, anchored at the start of the sentence, compiled once per rulebook."""
    return ctx.derived(f"anchored:{key}", lambda: tuple(
        compile_pattern(p if p.startswith("^") else "^ " + p) for p in ctx.strings(key)))


@check("G3")
def household_opener(ctx: RuleContext) -> Iterator[Finding]:
    """«Алло», «Да?», «Слушаю», «Что вам надо?» as the operator's first words."""
    msgs = first_operator_turn(ctx)
    if not msgs:
        return
    m = msgs[0]
    doc = ctx.doc(m.index)
    if not doc.sentences:
        return
    sent = doc.sentences[0]
    before = [x for x in ctx.conv.messages[: m.index] if x.role is _CLIENT and x.text]
    picks_up = not before
    pats = _anchored(ctx, "openers") + (_anchored(ctx, "pickup_openers") if picks_up else ())
    if is_question(doc, sent):
        pats += _anchored(ctx, "bare_question_openers")
    for pat in pats:
        match = next(find_in_sentence(doc, sent, pat), None)
        if match is not None:
            yield ctx.match_finding(m.index, match, suggestion=greeting_form(ctx))
            return


# ----------------------------------------------------------------- G4


def _in_window(hour: int, window: list[int] | tuple[int, int]) -> bool:
    lo, hi = int(window[0]), int(window[1])
    return lo <= hour < hi if lo <= hi else hour >= lo or hour < hi


def _part_of_day(ctx: RuleContext, hour: int) -> str:
    for part, window in ctx.param("hours", {}).items():
        if _in_window(hour, window):
            return str(part)
    return "night"


@check("G4")
def time_of_day(ctx: RuleContext) -> Iterator[Finding]:
    """«Доброе утро» / «Добрый день» / «Добрый вечер» must fit the local time of the message."""
    greetings: dict[str, tuple[str, ...]] = ctx.derived("greetings", lambda: {
        k: tuple(str(p) for p in v) for k, v in ctx.param("greetings", {}).items()})
    every = ctx.derived("every_greeting", lambda: tuple(p for pats in greetings.values() for p in pats))
    accept: dict[str, list[int]] = dict(ctx.param("accept", {}))
    said: list[tuple[Message, Match, str]] = []
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        if not may_match(doc, every):
            continue  # one test for all the parts of the day: most messages greet in none
        for part, pats in greetings.items():
            for match in find_unless(doc, pats):
                said.append((m, match, part))
    if not said:
        return
    names = {"morning": "утро", "day": "день", "evening": "вечер", "night": "ночь"}
    for m, match, part in said:
        when = local_time(ctx, m)
        if when is None:
            raise Skip("no time: the message has no time stamp and the call no start time")
        if part in accept and _in_window(when.hour, accept[part]):
            continue
        now = _part_of_day(ctx, when.hour)
        msg = f"{ctx.spec.message} Сейчас {when:%H:%M} — {names.get(now, now)}."
        better = ctx.param("suggestions", {}).get(now)
        yield ctx.match_finding(m.index, match, message=msg, suggestion=str(better) if better else None)


# ----------------------------------------------------------------- G5


def _tactful(ctx: RuleContext, doc: Doc, sent: Sentence) -> bool:
    if sentence_has(doc, sent, ctx.string_tuple("familiar")):
        return False
    return sentence_has(doc, sent, ctx.string_tuple("polite"))


_INTRO_WORDS = frozenset({"это", "я", "звать", "зовут", "уважение", "имя"})


def _is_name(tok: Token) -> bool:
    return tok.kind is _WORD and tok.mask is None and tok.info.known and "Name" in tok.info.grammemes


def _name_known(ctx: RuleContext, before: int | None) -> bool:
    """Is the client's name known from the text (messages before ``before``, all when None)?"""
    if before is None:
        return bool(ctx.ann.client_names) or _name_known_from_text(ctx)
    return any(introduced_names(ctx.doc(m.index)) for m in ctx.client_messages() if m.index < before) \
        or _name_known_from_text(ctx, before)


def _name_known_from_text(ctx: RuleContext, before: int | None = None) -> bool:
    """The client's name shows up in the text although no self-introduction pattern caught it: the client
    answers with a bare name («Сергей.»), signs a message («С уважением, Ольга»), or the operator calls
    the client by a name that is not the operator's own («Ольга, заказ в пути»)."""
    own = operator_name(ctx)
    for m in ctx.conv.messages:
        if before is not None and m.index >= before:
            break
        if not m.text or m.role is _SYSTEM:
            continue
        doc = ctx.doc(m.index)
        for sent in doc.sentences:
            words = doc.words(sent)
            if not words:
                continue
            toks = [doc.tokens[i] for i in words]
            if m.role is _CLIENT:
                if len(toks) <= 3 and all(_is_name(t) or t.info.pos is None or "Patr" in t.info.grammemes
                                          or "Surn" in t.info.grammemes for t in toks) and _is_name(toks[0]):
                    return True
                if any(_is_name(t) and toks[i - 1].lemma in _INTRO_WORDS for i, t in enumerate(toks) if i > 0):
                    return True
            elif _is_name(toks[0]) and toks[0].lemma != own and toks[0].norm != own:
                j = words[0] + 1
                while j < len(doc.tokens) and "Patr" in doc.tokens[j].info.grammemes:
                    j += 1
                if j < len(doc.tokens) and doc.tokens[j].text in (",", "!"):
                    return True
    return False


def _asks(doc: Doc, sent: Sentence) -> bool:
    """A question («Ваше имя?») or a request («Назовите имя.», «Представьтесь»), not a statement; in a
    transcript, which writes no «?», a sentence led by «кто»/«как» («а кто говорит»)."""
    if is_question(doc, sent) or any("impr" in doc.tokens[i].info.grammemes for i in doc.words(sent)):
        return True
    if not unpunctuated(doc.text):
        return False
    lead = [doc.tokens[i].norm for i in doc.words(sent)[:2]]
    return bool(lead) and (lead[0] in _WH_NAME or (lead[0] == "а" and len(lead) > 1 and lead[1] in _WH_NAME))


_WH_NAME = frozenset({"кто", "как"})


@check("G5")
def ask_the_name(ctx: RuleContext) -> Iterator[Finding]:
    """The client's name is unknown: the operator asks for it, tactfully."""
    if ctx.conv.client.name or not ctx.operator_messages():
        return
    blunt: tuple[Message, Match] | None = None
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        if has_match(doc, ctx.string_tuple("tactful_asks")):
            return
        for match in find_unless(doc, ctx.string_tuple("asks")):
            sent = doc.sentence_of(match.first)
            if not _asks(doc, sent):
                continue  # «Если название канала — это ваше имя, то…»: the name is talked about, not asked
            if _tactful(ctx, doc, sent):
                return
            if blunt is None:
                blunt = (m, match)
    # a name the client gives in answer to a blunt «Представьтесь.» does not excuse the ask
    if _name_known(ctx, before=blunt[0].index if blunt is not None else None):
        return
    if blunt is not None:
        m, match = blunt
        doc = ctx.doc(m.index)
        sent = doc.sentence_of(match.first)
        text = sentence_text(doc, sent)
        lead = len(text) - len(text.lstrip())
        yield ctx.finding(m.index, sent.start + lead, sent.start + len(text.rstrip()),
                          message=ctx.param("blunt_message") or ctx.spec.message)
        return
    yield ctx.contact_finding()


# ----------------------------------------------------------------- G6


def _needs_no_reply(ctx: RuleContext, m: Message, max_words: int, closing: tuple[str, ...]) -> bool:
    """«Спасибо», «ок», «хорошо, жду»: a short closing word of the client that nobody has to answer fast
    (at most ``max_words`` words matching ``closing``: params.no_reply_words and no_reply_needed)."""
    if "?" in m.text:
        return False
    doc = ctx.doc(m.index)
    if len(doc.words(own=False)) > max_words:
        return False
    return has_match(doc, closing)


@check("G6")
def answer_fast(ctx: RuleContext) -> Iterator[Finding]:
    """A call before the 4th ring; a chat's first reply within 30 s, later replies fast too."""
    conv = ctx.conv
    if conv.channel is Channel.PHONE:
        if conv.direction is not Direction.INCOMING:
            raise Skip("an outgoing call: the client, not the operator, picks up")
        if conv.ring_seconds is None:
            raise Skip("no ring_seconds in the call's metadata")
        limit = float(ctx.param("ring_seconds", 15))
        if conv.ring_seconds > limit:
            yield ctx.contact_finding(
                message=f"{ctx.spec.message} Трубку сняли через {conv.ring_seconds:.0f} с (норма — до {limit:.0f} с).")
        return
    first_limit, later_limit, waits, max_words, closing = ctx.derived("settings", lambda: (
        float(ctx.param("first_reply_seconds", 30)), float(ctx.param("reply_seconds", 60)),
        ctx.string_tuple("wait_asked"), int(ctx.param("no_reply_words", 3)), ctx.string_tuple("no_reply_needed")))
    # the operator messages that may say «минуту, уточню» (most contacts: none, and no search below)
    may_ask_to_wait = {m.index for m in operator_messages_reaching(ctx, waits)} if waits else set()
    waiting_since: datetime | None = None
    answered_once = False
    seen_time = False
    asked_to_wait = False  # the operator said «минуту, уточню»: the next answer is not a slow reply
    # the operator's last message, not yet searched for ``waits``: most are followed by another operator
    # message or by nothing, and then nobody needs to know
    unasked: Message | None = None
    for m in conv.messages:
        if m.role is _CLIENT:
            if m.ts is None:
                continue
            seen_time = True
            if waiting_since is None:
                if unasked is not None:
                    asked_to_wait = unasked.index in may_ask_to_wait and has_match(ctx.doc(unasked.index), waits)
                    unasked = None
                if not asked_to_wait and not _needs_no_reply(ctx, m, max_words, closing):
                    waiting_since = m.ts
        elif m.role is _OPERATOR:
            if m.ts is None:
                continue
            seen_time = True
            if waiting_since is not None:
                gap = (m.ts - waiting_since).total_seconds()
                limit = later_limit if answered_once else first_limit
                if gap > limit:
                    yield ctx.contact_finding(
                        turn=m.index,
                        message=f"{ctx.spec.message} Ответ через {gap:.0f} с (норма — до {limit:.0f} с).")
            waiting_since = None
            answered_once = True
            unasked = m
        elif m.event in (_HOLD_START, _TRANSFER, _CLOSE):
            waiting_since = None
            asked_to_wait = False
            unasked = None
            if m.event is _HOLD_START:
                answered_once = True
    if not seen_time:
        raise Skip("the messages carry no time stamps")
