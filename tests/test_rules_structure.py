"""Rules about the structure of a contact: one breach, one finding."""

from __future__ import annotations

from vezhlivo.engine import Engine
from vezhlivo.ingest.canonical import parse_conversation
from vezhlivo.rulebook import load_rulebook
from vezhlivo.rules.examples import EXAMPLE_RULEBOOK

ENGINE = Engine(load_rulebook(overrides=EXAMPLE_RULEBOOK))


def test_an_announced_hold_with_events_is_judged_once() -> None:
    conv = parse_conversation({"id": "h", "channel": "chat", "messages": [
        {"role": "client", "text": "Где мой заказ?", "ts": "2026-11-20T10:00:00+03:00"},
        {"role": "operator", "text": "Наталья, Вам удобно подождать минуту, я уточню вопрос?",
         "ts": "2026-11-20T10:00:20+03:00"},
        {"role": "client", "text": "да, подожду", "ts": "2026-11-20T10:00:40+03:00"},
        {"role": "system", "event": "hold_start", "ts": "2026-11-20T10:00:45+03:00"},
        {"role": "system", "event": "hold_end", "ts": "2026-11-20T10:05:45+03:00"},
        {"role": "operator", "text": "Наталья, спасибо за ожидание! Заказ будет завтра до 18:00.",
         "ts": "2026-11-20T10:05:50+03:00"}]})
    s6 = [f for f in ENGINE.check(conv).findings if f.rule == "S6"]
    assert len(s6) == 1 and s6[0].turn == 4  # five minutes on hold: too long, said once
