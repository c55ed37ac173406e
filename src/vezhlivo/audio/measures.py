"""Timing measures of a call, from the start/end of its turns (pure Python: no audio libraries).

Everything here reads a canonical phone ``Conversation`` whose client and operator turns carry
``start``/``end`` (seconds from the start of the call) — built from a recording's voice activity, a
recogniser's transcript, or written by hand — so the same numbers come out of every front end:

- interruptions (Q4): the operator starts while the client speaks, overlapping by at least a minimum;
- reply pauses (Q5): from the end of a client's turn to the start of the operator's reply;
- tempo (Q6): syllables per second of speech, per side, and their ratio;
- talk/listen ratio, longest operator monologue, total silence, holds (``call_metrics``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import Conversation, Event, Message, Role

Interval = tuple[float, float]

_VOWELS = re.compile(r"[аеёиоуыэюяaeiouy]", re.IGNORECASE)
_WORD = re.compile(r"[\w-]+", re.UNICODE)
# Short reactions that are listening, not taking the turn («угу» while the client talks).
BACKCHANNELS = frozenset({
    "да", "угу", "ага", "так", "ясно", "понятно", "хорошо", "ну", "м", "мм", "ммм", "хм", "э", "эм", "а",
    "ок", "окей", "конечно", "верно", "поняла", "понял", "слушаю", "вот", "ну да", "да-да", "так-так",
})


def syllables(text: str) -> int:
    """Russian syllables = vowels (a transcript's own count; Latin vowels for brand names)."""
    return len(_VOWELS.findall(text))


def is_backchannel(text: str, max_words: int = 2) -> bool:
    words = [w.casefold().replace("ё", "е") for w in _WORD.findall(text)]
    return 0 < len(words) <= max_words and all(w in BACKCHANNELS for w in words)


def timed_turns(conv: Conversation) -> list[Message]:
    """Client and operator turns that carry start and end, in time order."""
    turns = [m for m in conv.messages
             if m.role in (Role.CLIENT, Role.OPERATOR) and m.start is not None and m.end is not None]
    return sorted(turns, key=lambda m: (m.start or 0.0, m.index))


def has_timing(conv: Conversation) -> bool:
    turns = [m for m in conv.messages if m.role in (Role.CLIENT, Role.OPERATOR)]
    timed = timed_turns(conv)
    return bool(turns) and len(timed) == len(turns)


def union(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[list[float]] = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def total(intervals: Iterable[Interval]) -> float:
    return sum(e - s for s, e in union(intervals))


def intersection(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    ua, ub = union(a), union(b)
    out: list[Interval] = []
    i = j = 0
    while i < len(ua) and j < len(ub):
        s, e = max(ua[i][0], ub[j][0]), min(ua[i][1], ub[j][1])
        if e > s:
            out.append((s, e))
        if ua[i][1] < ub[j][1]:
            i += 1
        else:
            j += 1
    return out


def _span(m: Message) -> Interval:
    return (m.start or 0.0, m.end or 0.0)


@dataclass(frozen=True, slots=True)
class Interruption:
    turn: int  # the operator's turn
    client_turn: int
    at: float  # when the operator started
    overlap: float  # seconds both spoke


@dataclass(frozen=True, slots=True)
class ReplyPause:
    client_turn: int
    turn: int  # the operator's reply
    client_end: float
    start: float
    pause: float  # negative: the operator started before the client finished
    backchannel: bool = False  # the client's turn was only «угу»/«да»: the operator may go straight on


def interruptions(conv: Conversation, min_overlap: float = 0.3, ignore_backchannels: bool = True,
                  backchannel_seconds: float = 1.0) -> list[Interruption]:
    """Operator turns that start while a client turn is under way and overlap it by ``min_overlap``.

    A short reaction of the operator («угу», «да»; or, without text, speech shorter than
    ``backchannel_seconds``) is listening, not an interruption.
    """
    turns = timed_turns(conv)
    clients = [m for m in turns if m.role is Role.CLIENT]
    out: list[Interruption] = []
    for op in turns:
        if op.role is not Role.OPERATOR:
            continue
        s, e = _span(op)
        if ignore_backchannels and (is_backchannel(op.text) or (not op.text.strip() and e - s < backchannel_seconds)):
            continue
        for cl in clients:
            cs, ce = _span(cl)
            if cs < s < ce:
                overlap = min(e, ce) - s
                if overlap >= min_overlap:
                    out.append(Interruption(op.index, cl.index, s, overlap))
                break
    return out


def reply_pauses(conv: Conversation) -> list[ReplyPause]:
    """For each operator turn that answers a client turn: the pause between them.

    The client turn answered is the last client turn that began before the operator's (marked
    ``backchannel`` when it is only «угу»/«да»: then a quick continuation is no cut-in). Pauses that
    hold a hold (between ``hold_start`` and ``hold_end`` events) are left out.
    """
    turns = timed_turns(conv)
    holds = hold_intervals(conv)
    out: list[ReplyPause] = []
    last_client: Message | None = None
    answered: set[int] = set()
    for m in turns:
        if m.role is Role.CLIENT:
            last_client = m
            continue
        if last_client is None or last_client.index in answered:
            continue
        s = m.start or 0.0
        ce = last_client.end or 0.0
        if (last_client.start or 0.0) >= s:
            continue
        answered.add(last_client.index)
        if any(hs < s and he > ce for hs, he in holds):
            continue
        out.append(ReplyPause(last_client.index, m.index, ce, s, s - ce, is_backchannel(last_client.text)))
    return out


def hold_intervals(conv: Conversation) -> list[Interval]:
    """Holds from ``hold_start``/``hold_end`` events that carry ``start`` times."""
    out: list[Interval] = []
    opened: float | None = None
    for m in sorted((m for m in conv.messages if m.event in (Event.HOLD_START, Event.HOLD_END)),
                    key=lambda m: (m.start if m.start is not None else float("inf"), m.index)):
        if m.start is None:
            continue
        if m.event is Event.HOLD_START:
            opened = m.start
        elif opened is not None:
            out.append((opened, m.end if m.end is not None else m.start))
            opened = None
    return out


@dataclass(frozen=True, slots=True)
class Tempo:
    syllables: int
    seconds: float

    @property
    def rate(self) -> float | None:
        return self.syllables / self.seconds if self.seconds > 0 else None


def tempo(conv: Conversation, role: Role) -> Tempo:
    """Syllables of a side's transcript per second of its turns."""
    sylls = 0
    spans: list[Interval] = []
    for m in timed_turns(conv):
        if m.role is role and m.text.strip():
            sylls += syllables(m.text)
            spans.append(_span(m))
    return Tempo(sylls, total(spans))


def monologues(conv: Conversation, max_gap: float = 2.0) -> list[Interval]:
    """Stretches of operator speech during which the client says nothing (gaps under ``max_gap``)."""
    turns = timed_turns(conv)
    client = union(_span(m) for m in turns if m.role is Role.CLIENT and not is_backchannel(m.text))
    out: list[list[float]] = []
    for s, e in union(_span(m) for m in turns if m.role is Role.OPERATOR):
        if out and s - out[-1][1] <= max_gap and not any(cs < s and ce > out[-1][1] for cs, ce in client) \
                and not any(out[-1][1] <= cs < s for cs, _ in client):
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def silences(conv: Conversation, min_seconds: float, duration: float | None = None) -> list[Interval]:
    """Stretches with nobody speaking of at least ``min_seconds`` (within the call, not after its end)."""
    speech = union(_span(m) for m in timed_turns(conv))
    out: list[Interval] = []
    pos = 0.0
    for s, e in speech:
        if s - pos >= min_seconds and pos > 0:
            out.append((pos, s))
        pos = max(pos, e)
    return out


# --- audio extras that the canonical format does not carry ------------------------------------

@dataclass
class AudioFacts:
    """What a recording adds to its conversation: length, and speech rate estimated from the sound."""

    duration: float
    rates: dict[Role, float] = field(default_factory=dict)  # syllables per second from the audio
    vad: str = ""
    transcript: str | None = None  # "file", "asr" or None (timing only)


_FACTS: dict[int, tuple[Conversation, AudioFacts]] = {}


def attach_facts(conv: Conversation, facts: AudioFacts) -> None:
    """Remember what the recording of ``conv`` said (read by Q6 and ``call_metrics``)."""
    _FACTS[id(conv)] = (conv, facts)


def facts_of(conv: Conversation) -> AudioFacts | None:
    entry = _FACTS.get(id(conv))
    return entry[1] if entry is not None and entry[0] is conv else None


def speech_rates(conv: Conversation) -> tuple[float | None, float | None, str]:
    """(operator, client) syllables per second and where they come from: transcript or audio."""
    op, cl = tempo(conv, Role.OPERATOR), tempo(conv, Role.CLIENT)
    if op.syllables and cl.syllables:
        return op.rate, cl.rate, "transcript"
    facts = facts_of(conv)
    if facts is not None and Role.OPERATOR in facts.rates and Role.CLIENT in facts.rates:
        return facts.rates[Role.OPERATOR], facts.rates[Role.CLIENT], "audio"
    return None, None, "none"


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(x, nd)


def call_metrics(conv: Conversation, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Per-call figures for reports: talk/listen, overlaps, pauses, tempo, monologue, silence, holds.

    Empty (``{}``) for a conversation without start/end times on its turns.
    """
    import statistics  # here, not above: the timing rules import this module for every chat

    p = dict(params or {})
    turns = timed_turns(conv)
    if not turns:
        return {}
    facts = facts_of(conv)
    end = max(m.end or 0.0 for m in turns)
    duration = max(end, facts.duration) if facts else end
    op_spans = [_span(m) for m in turns if m.role is Role.OPERATOR]
    cl_spans = [_span(m) for m in turns if m.role is Role.CLIENT]
    op_talk, cl_talk = total(op_spans), total(cl_spans)
    speech = total(op_spans + cl_spans)
    pauses = reply_pauses(conv)
    values = [rp.pause for rp in pauses if rp.pause >= 0 and not rp.backchannel]
    longest_pause = max((rp.pause for rp in pauses if rp.pause >= 0), default=None)
    ints = interruptions(conv, float(p.get("interruption_min_overlap", 0.3)))
    op_rate, cl_rate, tempo_from = speech_rates(conv)
    longest = max((e - s for s, e in monologues(conv)), default=0.0)
    holds = hold_intervals(conv)
    return {
        "duration_seconds": _r(duration),
        "operator_talk_seconds": _r(op_talk),
        "client_talk_seconds": _r(cl_talk),
        "talk_listen_ratio": _r(op_talk / cl_talk) if cl_talk > 0 else None,
        "operator_talk_share": _r(op_talk / speech) if speech > 0 else None,
        "overlap_seconds": _r(sum(e - s for s, e in intersection(op_spans, cl_spans))),
        "interruptions": len(ints),
        "interruption_times": [_r(i.at) for i in ints],
        "reply_pause_mean": _r(statistics.fmean(values)) if values else None,
        "reply_pause_median": _r(statistics.median(values)) if values else None,
        "reply_pause_max": _r(longest_pause),
        "operator_syllables_per_second": _r(op_rate),
        "client_syllables_per_second": _r(cl_rate),
        "tempo_ratio": _r(op_rate / cl_rate) if op_rate and cl_rate else None,
        "tempo_from": tempo_from,
        "longest_operator_monologue_seconds": _r(longest),
        "silence_seconds": _r(max(0.0, duration - speech)),
        "holds": len(holds),
        "hold_seconds": _r(sum(e - s for s, e in holds)),
    }


_SUMMED = ("duration_seconds", "operator_talk_seconds", "client_talk_seconds", "overlap_seconds",
           "interruptions", "silence_seconds", "holds", "hold_seconds")
_AVERAGED = ("talk_listen_ratio", "operator_talk_share", "reply_pause_mean", "operator_syllables_per_second",
             "client_syllables_per_second", "tempo_ratio")


def summarize_metrics(metrics: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Figures of several calls (one operator's, a team's): sums, means of per-call values, maxima."""
    import statistics

    items = [m for m in metrics if m]
    if not items:
        return {}
    out: dict[str, Any] = {"calls": len(items)}
    for key in _SUMMED:
        out[key] = _r(sum(float(m.get(key) or 0) for m in items))
    for key in _AVERAGED:
        vals = [float(m[key]) for m in items if m.get(key) is not None]
        out[key] = _r(statistics.fmean(vals)) if vals else None
    out["longest_operator_monologue_seconds"] = _r(max(float(m.get("longest_operator_monologue_seconds") or 0)
                                                       for m in items))
    return out
