"""C — complaints and difficult clients (C1–C6)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from difflib import SequenceMatcher

from ..model import Event, Finding, Role
from ..nlp.doc import Doc
from ..nlp.patterns import find_any, find_unless
from ..nlp.times import find_times
from ..signals import (
    ABUSE_WORDS,
    THREAT_PATTERNS,
    abuse_spans,
    abusive_client_turns,
    complaint_turns,
    operator_turns_after,
)
from .base import RuleContext, Skip, check

# Enum members read in loops, bound once: on Python 3.11 reading ``Role.CLIENT`` (a lookup through the
# enum metaclass) costs about ten times a module global.
_CLIENT = Role.CLIENT
_OPERATOR = Role.OPERATOR


def _complaint_window(ctx: RuleContext) -> tuple[int, list[int]]:
    """The first complaint of the client and the operator turns that answer it. In the channels of
    ``feedback_channels`` (a review) the client's first message is feedback to answer even when it praises."""
    extra, feedback = ctx.derived("complaint_lists", lambda: (
        ctx.string_tuple("extra_complaint_patterns"), frozenset(ctx.strings("feedback_channels"))))
    turns = complaint_turns(ctx.ann, extra)
    if ctx.conv.channel in feedback:  # a StrEnum member hashes and compares as its value
        clients = ctx.client_messages()
        turns = [clients[0].index] if clients else turns
    if not turns:
        raise Skip("the client does not complain")
    first = turns[0]
    window = int(ctx.param("window_turns", 3))
    ops = operator_turns_after(ctx.ann, first)
    if window > 0:
        # a turn that puts the client on hold («повисите немножко» before a hold) answers nothing:
        # the window counts the turns that do (it still points at the first turn when none does)
        messages = ctx.conv.messages
        answering = [i for i in ops if i + 1 >= len(messages) or messages[i + 1].event is not Event.HOLD_START]
        ops = (answering or ops)[:window]
    if not ops:
        raise Skip("no operator turn after the complaint")
    return first, ops


def _missing(ctx: RuleContext, key: str, unless_key: str | None = None) -> Iterator[Finding]:
    _, ops = _complaint_window(ctx)
    # tuples built once per rulebook: find_any indexes a list once, known by its identity
    patterns, unless = ctx.string_tuple(key), ctx.string_tuple(unless_key) if unless_key else ()
    if any(find_unless(ctx.doc(i), patterns, unless) for i in ops):
        return
    yield ctx.contact_finding(turn=ops[0])


@check("C1")
def apologise(ctx: RuleContext) -> Iterator[Finding]:
    yield from _missing(ctx, "apology")


@check("C2")
def thank_for_complaint(ctx: RuleContext) -> Iterator[Finding]:
    yield from _missing(ctx, "thanks", "thanks_unless")


@check("C3")
def show_understanding(ctx: RuleContext) -> Iterator[Finding]:
    yield from _missing(ctx, "understanding", "understanding_unless")


def _step_times(doc: Doc, frequency: tuple[str, ...], echoed: str = "") -> bool:
    """A concrete time of a step («сегодня до 18:00», «через час»), not of a frequency («каждые два часа»)
    nor one the client said (``echoed``: their words, lower case): «подарок не должен ломаться через два
    дня» repeats the complaint's «через два дня перестал ездить»."""
    times = [t for t in find_times(doc) if t.concrete and not (
        echoed and doc.text[t.start:t.end].lower() in echoed and not _future_near(doc, t.start))]
    if not times or not frequency:
        return bool(times)
    marks = find_any(doc, frequency)
    return any(not any(m.start < t.start and t.start - m.end <= 3 for m in marks) for t in times)


def _future_near(doc: Doc, at: int) -> bool:
    """The sentence around offset ``at`` has a verb in the future: a step («привезём сегодня до 18:00»)."""
    for sent in doc.sentences:
        if sent.start <= at < sent.end:
            return any("futr" in doc.tokens[i].info.grammemes for i in doc.words(sent))
    return False


@check("C4")
def offer_solution(ctx: RuleContext) -> Iterator[Finding]:
    first, _ = _complaint_window(ctx)
    ops = operator_turns_after(ctx.ann, first)
    offers = ctx.derived("offers", lambda: (*ctx.strings("compensations"), *ctx.strings("solutions")))
    frequency = ctx.string_tuple("frequency")
    echoed = " ".join(m.text.lower() for m in ctx.client_messages() if m.index < ops[0])
    for i in ops:
        doc = ctx.doc(i)
        if offers and find_any(doc, offers):
            return
        if _step_times(doc, frequency, echoed):
            return  # «Заказ будет у Вас сегодня до 18:00»: a concrete step with its time
    abusive = abusive_client_turns(ctx.ann)
    if abusive and abusive[-1] > ops[0] and not any(m.index > abusive[-1] for m in ctx.client_messages()):
        # the operator asked what a solution needs, and the client answered with abuse and left (C5)
        raise Skip("the client turned abusive and left before a solution could be offered")
    yield ctx.contact_finding(turn=ops[0])


@check("C5")
def abusive_client(ctx: RuleContext) -> Iterator[Finding]:
    # once per rulebook: the same tuples for every message (find_any and the Doc memo key on them)
    words = ctx.derived("abuse_words", lambda: (*ABUSE_WORDS, *ctx.strings("extra_abuse_words")))
    threats = ctx.derived("threats", lambda: (*THREAT_PATTERNS, *ctx.strings("extra_threats")))
    # only the first abusive message matters: the later ones need no scan
    first = next((m.index for m in ctx.client_messages() if abuse_spans(ctx.doc(m.index), words, threats)), None)
    if first is None:
        raise Skip("the client is not abusive")
    yield ctx.contact_finding(turn=first)
    # the operator must stay polite: no insult or threat back, no «ты», no retort
    retorts = ctx.string_tuple("retorts")
    for i in operator_turns_after(ctx.ann, first):
        doc = ctx.doc(i)
        spans = [(s, e) for s, e, _ in abuse_spans(doc, words, threats)]
        spans += [(m.start, m.end) for m in find_any(doc, retorts)]
        for s, e in sorted(set(spans)):
            yield ctx.finding(i, s, e, message=str(ctx.param("message_impolite", ctx.spec.message)),
                              suggestion=str(ctx.param("suggestion_impolite", ctx.spec.suggestion or "")))


# --- C6 repeated question answered the same way ----------------------------------------------
_STOP = frozenset((
    "и", "в", "во", "на", "с", "со", "к", "ко", "по", "о", "об", "от", "до", "за", "из", "у", "же", "ли", "не",
    "ни", "а", "но", "да", "то", "что", "как", "это", "этот", "так", "вот", "бы", "я", "мы", "вы", "ты", "он",
    "она", "они", "оно", "мой", "ваш", "наш", "свой", "весь", "еще", "уже", "ну", "вообще", "просто",
    "пожалуйста", "здравствуйте",
))


def _content_lemmas(doc: Doc) -> frozenset[str]:
    """Lemmas of the words that carry meaning, numbers included («почему 690, а не 390?»)."""
    # every message is compared with every other: remembered on the Doc (a pure function of the text)
    toks = doc.tokens
    return doc.remember(("complaints.content_lemmas",), lambda: frozenset(
        [toks[i].lemma for i in doc.words(own=False)]) - _STOP)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


_NON_WORD = re.compile(r"\W+")
_SAME_ANSWER_GATE = 0.5  # content words two answers share at least when one repeats the other


def _squashed(doc: Doc) -> str:
    """The text in lower case, ё as е, every run of non-word characters one space (remembered on the Doc:
    an answer is compared with several)."""
    return doc.remember(("complaints.squashed",), lambda: _NON_WORD.sub(
        " ", doc.text.lower().replace("ё", "е")).strip())


def _same_text(a: Doc, b: Doc, at_least: float) -> bool:
    """``SequenceMatcher(None, a, b).ratio() >= at_least`` of the squashed texts, cheaper: ratio() is
    2·M/(la+lb) with M the matched characters, and M is at most the shorter length and at most the
    characters both have (SequenceMatcher's real_quick_ratio and quick_ratio, the same formula), so most
    pairs of different answers fail before the costly matching."""
    na, nb = _squashed(a), _squashed(b)
    total = len(na) + len(nb)
    if total and 2.0 * min(len(na), len(nb)) / total < at_least:
        return False
    if total and 2.0 * (Counter(na) & Counter(nb)).total() / total < at_least:
        return False
    return SequenceMatcher(None, na, nb).ratio() >= at_least


@check("C6")
def repeated_question_same_answer(ctx: RuleContext) -> Iterator[Finding]:
    conv = ctx.conv
    clients = ctx.client_messages()
    if len(clients) < 2:
        raise Skip("the client speaks once")
    min_overlap = float(ctx.param("min_question_overlap", 0.6))
    min_same = float(ctx.param("min_answer_similarity", 0.8))
    min_words = int(ctx.param("min_question_words", 3))
    markers = ctx.string_tuple("repeat_markers")
    again = ctx.string_tuple("answer_markers")
    min_answer_overlap = float(ctx.param("min_answer_overlap", 0.75))
    min_answer_words = int(ctx.param("min_answer_words", 3))

    def answer_after(turn: int) -> int | None:
        for m in conv.messages[turn + 1:]:
            if m.role is _CLIENT and m.text:
                return None
            if m.role is _OPERATOR and m.text:
                return m.index
        return None

    verbatim = float(ctx.param("verbatim_similarity", 0.9))
    verbatim_words = int(ctx.param("verbatim_words", 4))
    not_answers = ctx.string_tuple("not_answers")

    def same_again(earlier: int, later: int) -> int | None:
        """The operator's answer to ``later`` nearly letter for letter their answer to the client message
        just before it (``earlier``): the client asked again in other words («а если я в другой город
        поеду…» → «то есть в Сочи мне ничего не надо подключать?») and got the same sentence back."""
        a1, a2 = answer_after(earlier), answer_after(later)
        if a1 is None or a2 is None or a1 == a2:
            return None
        d1, d2 = ctx.doc(a1), ctx.doc(a2)
        c1, c2 = _content_lemmas(d1), _content_lemmas(d2)
        # most pairs of answers share few words: the costly comparisons below only for those that do
        if len(c2) < verbatim_words or _overlap(c1, c2) < _SAME_ANSWER_GATE:
            return None
        if len(ctx.doc(later).words()) < min_words:
            return None
        if not_answers and find_any(d2, not_answers):
            return None  # «Минуту, уточняю информацию по заказу» twice is a wait, not an answer
        # or all of it said before, as part of the earlier answer («а вижу да возврат принят деньги поступят…»),
        # or said again as such: «я ж вам говорю только картой курьер наличные не принимает»
        if _squashed(d2) in _squashed(d1) or _same_text(d1, d2, verbatim):
            return a2
        marks = find_any(d2, again) if again else []
        if not marks:
            return None
        said = {d2.tokens[i].lemma for m in marks for i in range(m.first, m.last + 1)}  # «я ж вам говорю»
        return a2 if _overlap(c1, c2 - said) >= min_answer_overlap else None

    done: set[int] = set()
    # every pair of client messages is compared: their lemmas once, not once per pair
    lemmas = [_content_lemmas(ctx.doc(c.index)) for c in clients]
    for k, later in enumerate(clients[1:], start=1):
        dl = ctx.doc(later.index)
        ll = lemmas[k]
        again_verbatim = same_again(clients[k - 1].index, later.index)
        if again_verbatim is not None and again_verbatim not in done:
            done.add(again_verbatim)
            t2 = conv.messages[again_verbatim].text
            yield ctx.finding(again_verbatim, len(t2) - len(t2.lstrip()), len(t2.rstrip()))
            continue
        marked = bool(markers and find_any(dl, markers))
        # nothing new in the client's words since their last message: «так а интернет то» after «а интернет
        # то почему не показывает»
        said_before = bool(ll) and ll <= lemmas[k - 1]
        for j, earlier in enumerate(clients[:k]):
            le = lemmas[j]
            asked_again = marked or (min(len(ll), len(le)) >= min_words and _overlap(ll, le) >= min_overlap)
            if not asked_again and not (said_before and j == k - 1):
                continue
            a1, a2 = answer_after(earlier.index), answer_after(later.index)
            if a1 is None or a2 is None or a2 in done:
                continue
            t2 = conv.messages[a2].text
            d1, d2 = ctx.doc(a1), ctx.doc(a2)
            if len(d2.words()) < min_answer_words:
                continue
            c1, c2 = _content_lemmas(d1), _content_lemmas(d2)
            if not asked_again and min(len(c1), len(c2)) < verbatim_words:
                continue  # «Спасибо» — «Всегда рады помочь!» twice: nothing asked again, no answer repeated
            # the same answer (in meaning or in letters) or one marked as repeated: the cheap tests first
            # (both answers long enough: «Его нет.» shares its one word with any answer that says «нет»)
            if (_overlap(c1, c2) >= min_answer_overlap and min(len(c1), len(c2)) >= min_words) \
                    or (again and find_any(d2, again)) or _same_text(d1, d2, min_same):
                done.add(a2)
                s = len(t2) - len(t2.lstrip())
                e = len(t2.rstrip())
                yield ctx.finding(a2, s, e)
                break
