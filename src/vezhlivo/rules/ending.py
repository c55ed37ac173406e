"""E — ending the contact: the client hangs up first (E1), no silent hang-up or chat close (E2)."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Event, Finding, Message, Role
from ..nlp.patterns import has_match
from ..signals import abusive_client_turns
from .base import RuleContext, Skip, check

# Enum members read in loops, bound once: on Python 3.11 reading ``Role.CLIENT`` (a lookup through the
# enum metaclass) costs about ten times a module global.
_OPERATOR = Role.OPERATOR
_SYSTEM = Role.SYSTEM


def _last_event(ctx: RuleContext) -> Event | None:
    events = [m.event for m in ctx.conv.messages if m.role is _SYSTEM and m.event]
    return events[-1] if events else None


@check("E1")
def client_hangs_up_first(ctx: RuleContext) -> Iterator[Finding]:
    """A call that the operator ended: the client should hang up first (incoming and outgoing alike)."""
    conv = ctx.conv
    if conv.ended_by is None:
        raise Skip("the call's metadata does not say who ended it (ended_by)")
    if _last_event(ctx) is Event.TRANSFER:
        raise Skip("the call was transferred: the operator handed it over")
    abuse = ctx.string_tuple("abusive_client")
    if (abuse and any(has_match(ctx.doc(m.index), abuse) for m in ctx.client_messages())) \
            or abusive_client_turns(ctx.ann):  # what C5 sees too: insults, threats, «Да пошли вы!»
        raise Skip("the client was abusive: the operator may end such a call (C5)")
    if conv.ended_by is Role.OPERATOR:
        ops = ctx.operator_messages()
        yield ctx.contact_finding(turn=ops[-1].index if ops else None)


def _closing_only(ctx: RuleContext, msgs: list[Message]) -> bool:
    """The client's last words only close the contact («Спасибо», «До свидания», «ок»)."""
    closing = ctx.string_tuple("client_closing")
    limit = int(ctx.param("client_closing_words", 4))
    for m in msgs:
        doc = ctx.doc(m.index)
        if "?" in m.text:
            return False
        if has_match(doc, closing):
            continue
        if len(doc.words(own=False)) > limit:
            return False
    return True


@check("E2")
def say_goodbye(ctx: RuleContext) -> Iterator[Finding]:
    """The contact ends without the operator's goodbye, or with a silent close after the client spoke."""
    turns = [m for m in ctx.conv.messages if m.is_turn and m.text]
    last_at = next((k for k in range(len(turns) - 1, -1, -1) if turns[k].role is _OPERATOR), None)
    if last_at is None:
        raise Skip("the operator never wrote or spoke")
    if _last_event(ctx) is Event.TRANSFER and ctx.conv.messages[-1].event is Event.TRANSFER:
        raise Skip("the contact ends with a transfer to a colleague")
    farewells = ctx.string_tuple("farewells")
    last_op = turns[last_at]
    after = [m for m in turns if m.index > last_op.index]  # the client's words after the operator's last
    # the operator's closing turn: the last operator messages, back to the previous client message
    closing_turn: list[Message] = []
    for m in reversed(turns[: last_at + 1]):
        if m.role is not _OPERATOR:
            break
        closing_turn.append(m)
    said_bye = any(has_match(ctx.doc(m.index), farewells) for m in closing_turn)
    closed = not after or _closing_only(ctx, after)  # nothing but goodbyes after the operator's last words
    if not closed and ctx.conv.ended_by is Role.CLIENT:
        raise Skip("the client hung up in the middle of the talk: no goodbye could be said")
    if after and closed and not said_bye and ctx.conv.ended_by is Role.CLIENT and any(
            has_match(ctx.doc(m.index), ctx.string_tuple("thanks")) for m in closing_turn):
        # the operator was closing («спасибо, перезвоню через пятнадцать минут»), the client said «хорошо,
        # до свидания» and hung up: no turn was left to say it back (not so after a sales push, «Нет, до свидания»)
        raise Skip("the client said goodbye and hung up as the operator was closing")
    if said_bye and closed:
        return
    if said_bye:
        msg = ctx.param("unanswered_message") or ctx.spec.message
        yield ctx.contact_finding(turn=last_op.index, message=str(msg))
        return
    yield ctx.contact_finding(turn=last_op.index)
