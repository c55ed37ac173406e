"""The check registry and what a check sees.

A rule is declared (code, name, doc, severity, channels, params, examples) in ``standard/*.yaml``;
its logic is a function registered here under the same code, or a generic kind such as
``phrases``. A check yields findings; it never scores and never formats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..model import Conversation, Finding, Message, Role
from ..nlp.annotate import Annotated
from ..nlp.doc import Doc, Kind
from ..nlp.morph import norm
from ..nlp.patterns import (
    ListKey,
    Match,
    find_unless,
    list_uid,
    reach_is_current,
    reached_by_any,
)
from ..rulebook import Rulebook, RuleSpec

Check = Callable[["RuleContext"], Iterable[Finding]]
T = TypeVar("T")

_MISSING = object()
CHECKS: dict[str, Check] = {}
KINDS: dict[str, Check] = {}


def check(code: str) -> Callable[[Check], Check]:
    """Register the logic of the rule ``code``."""

    def deco(fn: Check) -> Check:
        if code in CHECKS:
            raise ValueError(f"check {code} registered twice")
        CHECKS[code] = fn
        return fn

    return deco


def kind(name: str) -> Callable[[Check], Check]:
    def deco(fn: Check) -> Check:
        KINDS[name] = fn
        return fn

    return deco


@dataclass(slots=True)
class RuleContext:
    """One rule applied to one annotated conversation."""

    ann: Annotated
    spec: RuleSpec
    rulebook: Rulebook
    history: Sequence[Annotated] = ()  # earlier contacts of the same client, oldest first
    future: Sequence[Annotated] = ()  # later contacts of the same client, for promise keeping

    @property
    def conv(self) -> Conversation:
        return self.ann.conv

    @property
    def params(self) -> dict[str, Any]:
        return self.spec.params

    def param(self, key: str, default: Any = None) -> Any:
        return self.spec.params.get(key, default)

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """Data this rule derives from the rulebook alone, computed once per rulebook, not per contact."""
        full = (self.spec.code, key)  # a tuple of two strings hashes faster than a formatted key is built
        memo = self.rulebook.derived
        hit = memo.get(full, _MISSING)
        if hit is _MISSING:
            hit = memo[full] = compute()
        return hit  # type: ignore[no-any-return]

    def strings(self, key: str) -> list[str]:
        """A list parameter (phrases, patterns, words) as strings; missing means empty."""
        return [str(p) for p in self.spec.params.get(key) or []]

    def string_tuple(self, key: str) -> tuple[str, ...]:
        """``strings(key)`` as a tuple built once per rulebook: the pattern searches remember their
        results under the tuple, so passing the same one spares a copy on every message."""
        # rules ask on every message: a look-up, without the key string and closure ``derived`` takes
        full = (self.spec.code, "strings", key)
        hit = self.rulebook.derived.get(full)
        if hit is None:
            hit = self.rulebook.derived[full] = tuple(self.strings(key))
        return hit

    def word_set(self, key: str) -> frozenset[str]:
        """A list parameter of words, normalised (lower case, ё = е), built once per rulebook."""
        full = (self.spec.code, "words", key)
        hit = self.rulebook.derived.get(full)
        if hit is None:
            hit = self.rulebook.derived[full] = frozenset([norm(str(w)) for w in self.param(key) or []])
        return hit

    def doc(self, index: int) -> Doc:
        # rules ask ≈200 times a contact, nearly always for a doc already made: one call, not two
        made = self.ann.docs.get(index)
        return made if made is not None else self.ann.doc(index)

    def operator_messages(self) -> list[Message]:
        return self.ann.operator_messages()

    def client_messages(self) -> list[Message]:
        return self.ann.client_messages()

    def first_operator_message(self) -> Message | None:
        ops = self.operator_messages()
        return ops[0] if ops else None

    def finding(
        self,
        turn: int,
        start: int,
        end: int,
        message: str | None = None,
        suggestion: str | None = None,
    ) -> Finding:
        """A finding that points at characters [start, end) of message ``turn``."""
        text = self.conv.messages[turn].text
        return Finding(
            rule=self.spec.code, name=self.spec.name, severity=self.spec.severity,
            message=message or self.spec.message, turn=turn, start=start, end=end,
            quote=text[start:end],
            suggestion=suggestion if suggestion is not None else self.spec.suggestion,
        )

    def match_finding(self, turn: int, match: Match, message: str | None = None,
                      suggestion: str | None = None) -> Finding:
        return self.finding(turn, match.start, match.end, message, suggestion)

    def contact_finding(self, message: str | None = None, suggestion: str | None = None,
                        turn: int | None = None) -> Finding:
        """A finding about the whole contact (something missing), optionally anchored to a turn."""
        return Finding(
            rule=self.spec.code, name=self.spec.name, severity=self.spec.severity,
            message=message or self.spec.message, turn=turn,
            suggestion=suggestion if suggestion is not None else self.spec.suggestion,
        )


_OWN_WORDS: tuple[object, ...] = ("rules.own_words",)  # the Doc memo's key, made once
_WORD = Kind.WORD  # on Python 3.11 ``Kind.WORD`` goes through ``EnumType.__getattr__`` on every read


def own_words(doc: Doc) -> tuple[int, ...]:
    """Indices of the text's own word tokens: no numbers, nothing quoted or masked (remembered on the
    Doc: several rules walk them)."""
    hit = doc.memo.get(_OWN_WORDS)
    if hit is None:
        hit = doc.memo[_OWN_WORDS] = _own_words(doc)
    return hit  # type: ignore[return-value]


def _own_words(doc: Doc) -> tuple[int, ...]:
    toks = doc.tokens
    return tuple([i for i in doc.words() if toks[i].kind is _WORD])


def phrase_findings(ctx: RuleContext, messages: Iterable[Message], patterns: list[str] | tuple[str, ...],
                    unless: list[str] | tuple[str, ...] | None = None) -> Iterator[Finding]:
    """Findings for every match of ``patterns``, unless its sentence also matches ``unless``."""
    pats, excuses = tuple(patterns), tuple(unless or ())
    doc = ctx.ann.doc
    for m in messages:
        for match in find_unless(doc(m.index), pats, excuses):
            yield ctx.match_finding(m.index, match)


_OPERATOR_ONLY = frozenset({Role.OPERATOR})


@kind("phrases")
def phrases_kind(ctx: RuleContext) -> Iterator[Finding]:
    """Generic rule: operator words matching ``params.patterns`` (see nlp.patterns)."""
    plan = ctx.rulebook.derived.get((ctx.spec.code, "phrases"))
    if plan is None:
        plan = _phrases_plan(ctx)
    roles, patterns, unless, key = plan
    if roles == _OPERATOR_ONLY:
        # the usual case: only messages that may reach the list are searched (most contacts: none)
        msgs = _reaching(operator_reach(ctx.ann), key.uid)
        if not msgs:
            return
    else:
        msgs = [m for m in ctx.conv.messages if m.role in roles and m.text]
    yield from phrase_findings(ctx, msgs, patterns, unless)


def _phrases_plan(ctx: RuleContext) -> tuple[frozenset[Role], tuple[str, ...], tuple[str, ...], ListKey]:
    """What a ``phrases`` rule reads from its parameters, once per rulebook."""
    patterns = ctx.string_tuple("patterns")
    plan = (frozenset(Role(r) for r in ctx.param("roles", ["operator"])), patterns, ctx.string_tuple("unless"),
            ListKey(patterns))
    ctx.rulebook.derived[(ctx.spec.code, "phrases")] = plan
    return plan


_OPERATOR_REACH = "rules.operator_reach"


class OperatorReach:
    """The pattern lists the operator's messages may reach (own words): all of them together, and each."""

    __slots__ = ("by_message", "lists", "version")

    def __init__(self, ann: Annotated) -> None:
        ops = ann.operator_messages()
        self.version, self.lists, each = reached_by_any([ann.doc(m.index) for m in ops])
        self.by_message = list(zip(ops, each, strict=True))


def operator_reach(ann: Annotated) -> OperatorReach:
    """``OperatorReach`` of a contact, made once (and again if a list was registered since)."""
    reach: OperatorReach | None = ann.memo_get(_OPERATOR_REACH)
    if reach is None or not reach_is_current(reach.version):  # a run's first contacts register lists
        reach = ann.memo_again(_OPERATOR_REACH, lambda: OperatorReach(ann))
    return reach


def operator_messages_reaching(ctx: RuleContext, patterns: Sequence[str]) -> list[Message]:
    """The operator's messages whose own words may reach ``patterns`` (a key word, or a slip of one):
    only they can match it. For most lists and contacts one set test answers «none»."""
    uid = list_uid(patterns)  # first: indexing a new list moves the registry on, which the reach notices
    return _reaching(operator_reach(ctx.ann), uid)


def _reaching(reach: OperatorReach, uid: int) -> list[Message]:
    if uid not in reach.lists:
        return []
    return [m for m, lists in reach.by_message if uid in lists]


def check_for(spec: RuleSpec) -> Check | None:
    if spec.kind == "code":
        return CHECKS.get(spec.code)
    return KINDS.get(spec.kind)


class Skip(Exception):
    """Raised by a check that lacks what it needs (no timestamps, no names): it stays silent."""
