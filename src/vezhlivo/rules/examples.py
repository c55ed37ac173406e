"""Every rule carries bad and good examples; this turns them into conversations and judges them.

A bad example marks the expected span with ``[[…]]``::

    - text: "Извините, [[я не знаю]], когда приедет курьер."
    - text: "…"                 # optional keys:
      channel: chat            #   channel/direction of the wrapping conversation
      client: "…"              #   the client's message before the operator's text
      suggestion: "…"          #   expected suggestion (default: the rule's)
      fixed: "…"               #   the corrected text, which must be clean
      contact: true            #   a finding about the whole contact is expected
      rulebook: {…}            #   rulebook overrides for this example
    - conversation: {…}        # a small conversation in format v1; ``[[…]]`` marks spans in any message

A good example has the same shape without marks and must raise nothing of the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..ingest.canonical import parse_conversation
from ..model import Channel, Conversation, Finding
from ..rulebook import RuleSpec

MARK = re.compile(r"\[\[(.+?)\]\]", re.S)

# The company and people of the examples: the default test rulebook names them.
EXAMPLE_RULEBOOK: dict[str, Any] = {
    "company": {"name": "Kid Mir", "aliases": ["Интернет-магазин Kid Mir", "Кид Мир"], "domains": ["kidmir.ru"],
                "vocabulary": ["Kid Mir"]},
}
DEFAULT_CLIENT_TEXT = "Здравствуйте! Подскажите, пожалуйста, где мой заказ?"


@dataclass
class Expected:
    conv: Conversation
    spans: set[tuple[int, int, int]] = field(default_factory=set)  # (turn, start, end)
    contact: bool = False
    suggestion: str | None = None
    fixed: Conversation | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


def _strip_marks(text: str, turn: int, spans: set[tuple[int, int, int]]) -> str:
    out = []
    pos = 0
    shift = 0
    for m in MARK.finditer(text):
        out.append(text[pos:m.start()])
        start = m.start() - shift
        out.append(m.group(1))
        spans.add((turn, start, start + len(m.group(1))))
        shift += 4
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _default_channel(spec: RuleSpec) -> Channel:
    for ch in (Channel.CHAT, Channel.EMAIL, Channel.REVIEW, Channel.PHONE):
        if ch in spec.channels:
            return ch
    return Channel.CHAT


def _wrap_text(spec: RuleSpec, ex: Mapping[str, Any], text: str) -> dict[str, Any]:
    channel = Channel(ex.get("channel") or _default_channel(spec))
    client_text = ex.get("client", DEFAULT_CLIENT_TEXT)
    messages: list[dict[str, Any]] = []
    if client_text:
        messages.append({"role": "client", "text": client_text})
    messages.append({"role": "operator", "text": text})
    if channel is Channel.PHONE:
        t = 0.0
        for m in messages:
            m["start"], m["end"] = t, t + 2.0
            t += 3.0
    else:
        for i, m in enumerate(messages):
            m["ts"] = f"2026-11-20T12:00:{10 * i:02d}+03:00"
    return {
        "id": f"example-{spec.code}", "channel": channel.value, "direction": ex.get("direction", "incoming"),
        "company": "Интернет-магазин Kid Mir", "operator": {"id": "op-1", "name": "Елизавета"},
        "client": {"name": "Наталья"}, "started_at": "2026-11-20T12:00:00+03:00", "messages": messages,
    }


def build_example(spec: RuleSpec, ex: Mapping[str, Any]) -> Expected:
    if "conversation" in ex:
        raw = dict(ex["conversation"])
        raw.setdefault("id", f"example-{spec.code}")
        raw.setdefault("channel", _default_channel(spec).value)
    elif "text" in ex:
        raw = _wrap_text(spec, ex, str(ex["text"]))
    else:
        raise ValueError(f"{spec.code}: an example needs 'text' or 'conversation'")
    spans: set[tuple[int, int, int]] = set()
    raw_messages = []
    for i, m in enumerate(raw.get("messages", [])):
        m = dict(m)
        if isinstance(m.get("text"), str):
            m["text"] = _strip_marks(m["text"], i, spans)
        raw_messages.append(m)
    raw["messages"] = raw_messages
    conv = parse_conversation(raw)
    fixed = None
    if ex.get("fixed") and "text" in ex:
        fixed = parse_conversation(_wrap_text(spec, ex, str(ex["fixed"])))
    return Expected(conv=conv, spans=spans, contact=bool(ex.get("contact")), suggestion=ex.get("suggestion"),
                    fixed=fixed, overrides=dict(ex.get("rulebook") or {}))


def span_set(findings: list[Finding], code: str) -> set[tuple[int, int, int]]:
    return {(f.turn, f.start, f.end) for f in findings
            if f.rule == code and f.turn is not None and f.start is not None and f.end is not None}
