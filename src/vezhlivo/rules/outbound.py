"""O — outbound calls and sales: ask whether it is convenient to talk (O1), respect three refusals (O2),
honour «не звоните мне» (O3), make the offers the company requires (O4)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..model import Direction, Finding, Role
from ..nlp.annotate import Annotated
from ..nlp.patterns import find_unless, has_match
from .base import RuleContext, Skip, check

# Enum members read in loops, bound once: on Python 3.11 reading ``Role.CLIENT`` (a lookup through the
# enum metaclass) costs about ten times a module global.
_CLIENT = Role.CLIENT
_OPERATOR = Role.OPERATOR


@check("O1")
def convenient_to_talk(ctx: RuleContext) -> Iterator[Finding]:
    """An outgoing call: the operator asks whether the client has time to talk now."""
    if ctx.conv.direction is not Direction.OUTGOING:
        raise Skip("not an outgoing contact")
    ops = ctx.operator_messages()
    if not ops:
        raise Skip("the operator never spoke")
    opening = ops[: int(ctx.param("opening_turns", 2))]
    asks = ctx.string_tuple("asks")
    if any(has_match(ctx.doc(m.index), asks) for m in opening):
        return
    yield ctx.contact_finding(turn=opening[0].index)


def _is_refusal(ctx: RuleContext, ann: Annotated, index: int) -> bool:
    return bool(find_unless(ann.doc(index), ctx.string_tuple("refusals"), ctx.string_tuple("refusal_unless")))


@check("O2")
def three_noes(ctx: RuleContext) -> Iterator[Finding]:
    """After the client's third «нет» the operator closes politely instead of selling on."""
    limit = int(ctx.param("refusals_before_close", 3))
    closing = ctx.string_tuple("closing")
    offers = ctx.string_tuple("offers")
    count = 0
    selling = False  # refusals count once the operator has offered something
    # in an incoming contact the client came with a question of their own: only a refusal of the offer
    # just made counts («нет» to «Вы бы предпочли другой район?» in a search is no refusal of a sale)
    upsell = ctx.conv.direction is not Direction.OUTGOING
    offered_last = False
    reached_at: int | None = None
    for m in ctx.conv.messages:
        if m.role is _OPERATOR and m.text:
            offered_last = has_match(ctx.doc(m.index), offers)
            selling = selling or offered_last
        if selling and m.role is _CLIENT and m.text and (offered_last or not upsell) \
                and _is_refusal(ctx, ctx.ann, m.index):
            count += 1
            if count >= limit and reached_at is None:
                reached_at = m.index
                continue
        if reached_at is not None and m.role is _OPERATOR and m.text:
            if has_match(ctx.doc(m.index), closing):
                return
            yield ctx.contact_finding(turn=m.index)
            return


def _asked_not_to_call(ctx: RuleContext, ann: Annotated) -> bool:
    pats = ctx.string_tuple("do_not_call")
    unless = ctx.string_tuple("do_not_call_unless")
    return any(find_unless(ann.doc(m.index), pats, unless) for m in ann.client_messages())


@check("O3")
def honour_do_not_call(ctx: RuleContext) -> Iterator[Finding]:
    """The client asked not to be called any more, and a later outgoing contact still happened: the request
    is in an earlier contact of the client, or the client reminds of it in this one."""
    if ctx.conv.direction is not Direction.OUTGOING:
        raise Skip("not an outgoing contact")
    ops = ctx.operator_messages()
    anchor = ops[0].index if ops else None
    for earlier in ctx.history:
        if _asked_not_to_call(ctx, earlier):
            when = earlier.conv.started_at or next((m.ts for m in earlier.conv.messages if m.ts), None)
            note = f" (контакт {earlier.conv.id}" + (f", {when:%d.%m.%Y}" if when else "") + ")"
            yield ctx.contact_finding(turn=anchor, message=ctx.spec.message + note)
            return
    reminders = ctx.string_tuple("reminders")
    unless = ctx.string_tuple("do_not_call_unless")
    for m in ctx.client_messages():
        if find_unless(ctx.doc(m.index), reminders, unless):
            yield ctx.contact_finding(turn=anchor, message=str(ctx.param("reminder_message") or ctx.spec.message))
            return
    if not ctx.history:
        raise Skip("no earlier contacts of this client to look for a «не звонить» request")


@check("O4")
def mandatory_offers(ctx: RuleContext) -> Iterator[Finding]:
    """Offers the company requires (params.offers) are made when their occasion comes up."""
    offers: list[Mapping[str, Any]] = [o for o in ctx.param("offers", []) or [] if isinstance(o, Mapping)]
    if not offers:
        raise Skip("the rulebook lists no mandatory offers (params.offers)")
    texts = [m for m in ctx.conv.messages if m.text and m.role in (_CLIENT, _OPERATOR)]
    ops = ctx.operator_messages()
    company = (ctx.conv.company or ctx.rulebook.company.name or "").lower()
    offers = [o for o in offers if not o.get("company") or str(o["company"]).lower() in company]
    if not offers:
        raise Skip("no mandatory offer of this company")
    for offer in offers:
        when = tuple(str(p) for p in offer.get("when") or [])
        # a sentence that cancels or returns the thing is no occasion: «я отказался от заказа автокресла»
        unless = tuple(str(p) for p in offer.get("unless") or [])
        pats = tuple(str(p) for p in offer.get("patterns") or [])
        if not pats:
            continue
        if when and not any(find_unless(ctx.doc(m.index), when, unless) for m in texts):
            continue
        # a product's name is often in quotes («Защита+»): quoted words are the operator's own here
        if any(has_match(ctx.doc(m.index), pats, own=False) for m in ops):
            continue
        name = str(offer.get("name") or pats[0])
        yield ctx.contact_finding(
            message=f"{ctx.spec.message} Не предложено: {name}.",
            suggestion=str(offer["suggestion"]) if offer.get("suggestion") else None,
        )
