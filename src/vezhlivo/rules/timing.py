"""Q4–Q6: interrupting, the pause before a reply, the tempo of speech — from the start/end of phone turns.

They read only the canonical conversation (turns with ``start``/``end`` in seconds, as recordings,
recognisers' transcripts and hand-written calls give them), so they judge every call the same way;
a call whose turns carry no times leaves them silent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..audio.measures import has_timing, interruptions, is_backchannel, reply_pauses, speech_rates, tempo
from ..model import Finding, Role
from .base import RuleContext, Skip, check


def _say(template: str, **values: Any) -> str:
    """The rule's message with its figures filled in (a company's own message may have none)."""
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


def _need_timing(ctx: RuleContext) -> None:
    if not has_timing(ctx.conv):
        raise Skip("the call's turns carry no start/end times (a recording or a timed transcript gives them)")


def _sec(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def _min_overlap(ctx: RuleContext) -> float:
    q4 = ctx.rulebook.rules.get("Q4")
    return float((q4.params if q4 else {}).get("interruption_min_overlap", 0.3))


@check("Q4")
def no_interrupting(ctx: RuleContext) -> Iterator[Finding]:
    _need_timing(ctx)
    found = interruptions(
        ctx.conv, float(ctx.param("interruption_min_overlap", 0.3)),
        bool(ctx.param("ignore_backchannels", True)), float(ctx.param("backchannel_seconds", 1.0)),
    )
    for it in found:
        yield ctx.contact_finding(message=_say(ctx.spec.message, at=_sec(it.at), overlap=_sec(it.overlap)),
                                  turn=it.turn)


@check("Q5")
def reply_pause(ctx: RuleContext) -> Iterator[Finding]:
    _need_timing(ctx)
    low = float(ctx.param("reply_pause_min", 0.5))
    high = float(ctx.param("reply_pause_max", 4.0))
    overlap = _min_overlap(ctx)
    msgs = ctx.conv.messages
    for rp in reply_pauses(ctx.conv):
        reply = msgs[rp.turn]
        if is_backchannel(reply.text):
            continue
        if -overlap < rp.pause < low and not rp.backchannel:
            text = ctx.param("message_short", ctx.spec.message)
        elif rp.pause > high:
            text = ctx.param("message_long", ctx.spec.message)
        else:
            continue
        yield ctx.contact_finding(message=_say(str(text), pause=_sec(max(0.0, rp.pause)), at=_sec(rp.start),
                                               min=_sec(low), max=_sec(high)), turn=rp.turn)


@check("Q6")
def match_tempo(ctx: RuleContext) -> Iterator[Finding]:
    _need_timing(ctx)
    min_speech = float(ctx.param("tempo_min_speech", 6.0))
    op_rate, cl_rate, source = speech_rates(ctx.conv)
    if op_rate is None or cl_rate is None:
        raise Skip("no words to count syllables in and no recording to estimate the tempo from")
    if source == "transcript":
        op, cl = tempo(ctx.conv, Role.OPERATOR), tempo(ctx.conv, Role.CLIENT)
        if op.seconds < min_speech or cl.seconds < min_speech:
            raise Skip(f"too little speech to judge the tempo (under {min_speech:g} s on a side)")
    ratio = op_rate / cl_rate if cl_rate > 0 else 0.0
    limit = float(ctx.param("tempo_ratio_max", 1.4))
    if ratio > limit or (ratio > 0 and 1 / ratio > limit):
        key = "message_fast" if ratio > 1 else "message_slow"
        text = str(ctx.param(key, ctx.spec.message))
        times = ratio if ratio > 1 else 1 / ratio
        yield ctx.contact_finding(message=_say(text, operator=_sec(op_rate), client=_sec(cl_rate),
                                               times=_sec(times)))
