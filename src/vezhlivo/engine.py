"""The one analysis API every front end calls: annotate → rules → score → card."""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC
from functools import cached_property, partial
from typing import Any, cast, overload

from .card import EMPTY_CARD, Card, build_card
from .errors import RecordError
from .model import Channel, Conversation, Finding, Role, Waiver
from .nlp.annotate import Annotated, DocCache, annotate, normalize_phone
from .nlp.doc import Doc, make_doc
from .rulebook import Rulebook, RuleSpec, load_rulebook
from .rules.base import Check, RuleContext, Skip, check_for
from .score import Score, score_contact

# Enum members bound once: on Python 3.11 ``Role.OPERATOR`` goes through the enum metaclass (~20 times a
# global's cost), and the counts below read them for every message.
_SPEAKERS = frozenset({Role.CLIENT, Role.OPERATOR})
_OPERATOR = Role.OPERATOR

RULE_MODULES = (
    "greeting", "address", "questions", "phrases", "style", "solving", "complaints", "ending",
    "outbound", "privacy", "timing",
)


def load_checks() -> None:
    """Import the rule modules so that their checks register themselves."""
    for name in RULE_MODULES:
        try:
            importlib.import_module(f"vezhlivo.rules.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"vezhlivo.rules.{name}":
                raise


@dataclass
class ContactReport:
    conv: Conversation
    findings: list[Finding]
    score: Score
    card: Card
    silent: list[tuple[str, str]] = field(default_factory=list)  # (rule, why it could not judge)
    unused_waivers: list[Waiver] = field(default_factory=list)

    @property
    def turns(self) -> int:
        return sum(1 for m in self.conv.messages if m.role in _SPEAKERS)

    @property
    def operator_turns(self) -> int:
        return sum(1 for m in self.conv.messages if m.role is _OPERATOR)

    @property
    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if not f.waived]

    @cached_property
    def call_metrics(self) -> dict[str, Any] | None:
        """Talk/listen, interruptions, pauses, tempo, holds of a call with timed turns (else None);
        computed once, however many report sections show it."""
        if self.conv.channel is not Channel.PHONE:
            return None
        from .audio.measures import call_metrics

        return call_metrics(self.conv) or None


def client_keys(conv: Conversation) -> list[str]:
    keys = []
    if conv.client.id:
        keys.append("id:" + conv.client.id)
    phone = normalize_phone(conv.client.phone)
    if phone:
        keys.append("tel:" + phone)
    if conv.client.email:
        keys.append("mail:" + conv.client.email.strip().lower())
    return keys


def _sort_key(conv: Conversation) -> float:
    t = conv.start_time
    if t is None:
        return float("inf")
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.timestamp()


# Analysed texts an engine keeps for texts that come again (``DocCache``): ≈ 8 KB each, kept only from
# a text's second sighting, so memory grows only with texts that do repeat (templates, quick replies,
# «Спасибо!») up to ≈ 160 MB. On the bench corpus (97 % of its texts repeat) 20 000 find 87 % of the
# texts of a chat analysed, 5 000 54 %: ≈ 1.5 × the throughput (BENCHMARKS.md, eleventh session).
TEXT_CACHE = 20_000


class Engine:
    def __init__(self, rulebook: Rulebook | None = None, doc_cache: int = TEXT_CACHE) -> None:
        """``doc_cache``: how many analysed texts to keep for texts that come again (0: none)."""
        load_checks()
        self.rulebook = rulebook or load_rulebook()
        self.docs: Callable[[str], Doc] = DocCache(doc_cache) if doc_cache > 0 else make_doc

    def specs_for(self, conv: Conversation) -> list[RuleSpec]:
        return [spec for spec, _ in self._checks_for(conv)]

    def _checks_for(self, conv: Conversation) -> tuple[tuple[RuleSpec, Check | None], ...]:
        """The rules of a channel and direction with their checks, listed once per rulebook."""
        key = ("engine:checks", conv.channel, conv.direction)  # keyed as RuleContext.derived keys: no string built
        found = self.rulebook.derived.get(key)
        if found is None:
            found = self.rulebook.derived[key] = tuple(
                (s, check_for(s)) for s in self.rulebook.rules.values() if s.applies(conv.channel, conv.direction))
        return cast(tuple[tuple[RuleSpec, Check | None], ...], found)

    def check(
        self,
        conv: Conversation,
        history: Iterable[Annotated] = (),
        future: Iterable[Annotated] = (),
        ann: Annotated | None = None,
        with_card: bool = True,
    ) -> ContactReport:
        ann = ann or annotate(conv, self.docs)
        hist = history if isinstance(history, Sequence) else tuple(history)
        fut = future if isinstance(future, Sequence) else tuple(future)
        findings: list[Finding] = []
        silent: list[tuple[str, str]] = []
        applicable: list[RuleSpec] = []
        no_text = not any(m.text.strip() for m in conv.turns)
        ctx: RuleContext | None = None
        for spec, fn in self._checks_for(conv):
            if no_text and spec.needs_text:
                silent.append((spec.code, "no transcript: only timing is judged"))
                continue
            if fn is None:
                silent.append((spec.code, "no check is implemented for this rule"))
                continue
            # one context for the contact, pointed at each rule in turn: a check is run to its end
            # (list() below) before the next starts, and keeps no reference to its context
            if ctx is None:
                ctx = RuleContext(ann=ann, spec=spec, rulebook=self.rulebook, history=hist, future=fut)
            else:
                ctx.spec = spec
            try:
                found = list(fn(ctx))
            except Skip as why:
                silent.append((spec.code, str(why)))
                continue
            applicable.append(spec)
            findings.extend(found)
        findings, unused = _apply_waivers(findings, conv.waivers)
        findings.sort(key=lambda f: (f.turn if f.turn is not None else -1, f.start or 0, f.rule))
        score = score_contact(self.rulebook, applicable, [f for f in findings if not f.waived])
        card = build_card(ann) if with_card else EMPTY_CARD
        return ContactReport(conv, findings, score, card, silent, unused)

    def check_many(self, items: Iterable[Conversation | RecordError]) -> Iterator[ContactReport | RecordError]:
        """Check a run of conversations; contacts of one client are each other's history."""
        convs: list[Conversation] = []
        for item in items:
            if isinstance(item, RecordError):
                yield item
            else:
                convs.append(item)
        anns = {id(c): annotate(c, self.docs) for c in convs}
        keys_of = {id(c): client_keys(c) for c in convs}
        by_client: dict[str, list[Conversation]] = defaultdict(list)
        in_time = sorted(convs, key=_sort_key)  # stable: contacts of the same time keep the input order
        rank = {id(c): i for i, c in enumerate(in_time)}
        for c in in_time:
            for key in keys_of[id(c)]:
                by_client[key].append(c)
        # a client's contacts under a set of keys, merged in time order once per set (when a rule first
        # reads a history), with where each contact stands in them: not a merge or a scan per contact
        merged: dict[tuple[str, ...], tuple[list[Annotated], dict[int, int]]] = {}
        contact_ids: dict[str, set[int]] = {}

        def client_contacts(keys: tuple[str, ...]) -> tuple[list[Annotated], dict[int, int]]:
            if len(keys) > 1:
                # most key sets add nothing to their largest key's contacts (a client's id and the phone of
                # one call): that key's list serves them all, not one list of thousands per key set
                big = max(keys, key=lambda k: len(by_client[k]))
                ids = contact_ids.get(big)
                if ids is None:
                    ids = contact_ids[big] = {id(g) for g in by_client[big]}
                if all(id(g) in ids for k in keys if k != big for g in by_client[k]):
                    keys = (big,)
            found = merged.get(keys)
            if found is None:
                members = {id(g): g for key in keys for g in by_client[key]}
                ordered = sorted(members.values(), key=lambda g: rank[id(g)])
                found = merged[keys] = ([anns[id(g)] for g in ordered], {id(g): i for i, g in enumerate(ordered)})
            return found

        for c in convs:
            keys = tuple(keys_of[id(c)])
            if not keys:
                hist: Sequence[Annotated] = ()
                fut: Sequence[Annotated] = ()
            else:
                hist = Related(partial(_around, client_contacts, keys, id(c), True))
                fut = Related(partial(_around, client_contacts, keys, id(c), False))
            yield self.check(c, hist, fut, ann=anns[id(c)])


def _around(client_contacts: Callable[[tuple[str, ...]], tuple[list[Annotated], dict[int, int]]],
            keys: tuple[str, ...], conv_id: int, earlier: bool) -> list[Annotated]:
    """The client's contacts before (or after) this one: every contact that shares a key with it, in
    time order (the run's order for contacts of the same time, whichever keys they share)."""
    ordered, place = client_contacts(keys)
    pos = place[conv_id]
    return ordered[:pos] if earlier else ordered[pos + 1:]


class Related(Sequence[Annotated]):
    """A client's earlier or later contacts, listed when a rule first reads them: most rules never do,
    and listing them for every contact is quadratic in a client's contacts (a shared or placeholder
    client id can gather thousands)."""

    __slots__ = ("_items", "_make")

    def __init__(self, make: Callable[[], list[Annotated]]) -> None:
        self._make: Callable[[], list[Annotated]] | None = make
        self._items: list[Annotated] | None = None

    def _list(self) -> list[Annotated]:
        if self._items is None:
            assert self._make is not None
            self._items, self._make = self._make(), None
        return self._items

    @overload
    def __getitem__(self, i: int) -> Annotated: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Annotated]: ...

    def __getitem__(self, i: int | slice) -> Annotated | Sequence[Annotated]:
        return self._list()[i]

    def __len__(self) -> int:
        return len(self._list())

    def __iter__(self) -> Iterator[Annotated]:
        return iter(self._list())

    def __repr__(self) -> str:
        return f"Related({self._list()!r})"


def _apply_waivers(findings: list[Finding], waivers: tuple[Waiver, ...]) -> tuple[list[Finding], list[Waiver]]:
    if not waivers:
        return findings, []
    codes = {w.rule for w in waivers}
    used: set[str] = set()
    out = []
    for f in findings:
        if f.rule in codes:
            used.add(f.rule)
            out.append(replace(f, waived=True))
        else:
            out.append(f)
    return out, [w for w in waivers if w.rule not in used]
