"""P — privacy and boundaries (P1–P2)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Finding, Role
from ..nlp.annotate import normalize_phone
from ..nlp.doc import Mask
from ..nlp.patterns import find_any, find_unless, sentence_has
from .base import RuleContext, check


def _company_phone(ctx: RuleContext, raw: str) -> bool:
    digits = normalize_phone(raw) or ""
    if any(digits.startswith(normalize_phone(p) or "-") or digits == normalize_phone(p)
           for p in ctx.param("company_phones", []) or []):
        return True
    return any(digits.startswith(prefix) for prefix in (ctx.param("company_prefixes", ["7800"]) or []))


@check("P1")
def employee_phone(ctx: RuleContext) -> Iterator[Finding]:
    """A phone number given next to a courier, driver or master: the employee's personal data."""
    client_phones = {normalize_phone(p) for p in ctx.ann.phones_given(Role.CLIENT)}
    client_phones.add(normalize_phone(ctx.conv.client.phone))
    client_phones.discard(None)
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        for s, e, kind in doc.masks:
            if kind is not Mask.PHONE or _company_phone(ctx, m.text[s:e]) or \
                    normalize_phone(m.text[s:e]) in client_phones:
                continue
            tok = next((i for i, t in enumerate(doc.tokens) if t.start >= s), None)
            if tok is None:
                continue
            sent = doc.sentence_of(tok)
            sents = [sent]
            k = doc.sentences.index(sent)
            if k > 0:
                sents.append(doc.sentences[k - 1])
            if any(sentence_has(doc, x, ctx.strings("employee"), own=False) for x in sents) and not any(
                sentence_has(doc, x, ctx.strings("unless"), own=False) for x in sents
            ):
                yield ctx.finding(m.index, s, e)
        # a number dictated in words or digits that the mask misses: «его номер 912 345 67 89»
        for match in find_any(doc, ctx.strings("number_phrases")):
            tail = m.text[match.end:match.end + 40]
            d = re.match(r"[\s:–—-]*((?:\+?\d[\s()-]*){7,})", tail)
            if d and not doc.masked(match.end, match.end + len(d.group(0))):
                s = match.end + d.start(1)
                e = match.end + d.end(1)
                while e > s and not m.text[e - 1].isdigit():
                    e -= 1
                if not _company_phone(ctx, m.text[s:e]):
                    yield ctx.finding(m.index, s, e)


@check("P2")
def personal_channels(ctx: RuleContext) -> Iterator[Finding]:
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        pats = ctx.strings("patterns")
        if any(k is Mask.PHONE for _, _, k in doc.masks):
            pats += ctx.strings("own_number")
        for match in find_unless(doc, pats, ctx.strings("unless")):
            yield ctx.match_finding(m.index, match)
