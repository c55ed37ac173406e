"""Q4–Q6 and call metrics on canonical phone conversations with start/end (no audio needed)."""

from __future__ import annotations

from typing import Any

from vezhlivo.audio.measures import call_metrics, monologues, summarize_metrics, union
from vezhlivo.engine import Engine
from vezhlivo.ingest.canonical import parse_conversation
from vezhlivo.rulebook import load_rulebook


def _call(*turns: tuple[str, str, float, float], **extra: Any) -> Any:
    msgs = [{"role": r, "text": t, "start": s, "end": e} if r != "system" else {"role": r, "event": t, "start": s}
            for r, t, s, e in turns]
    return parse_conversation({"id": "c", "channel": "phone", "messages": msgs, **extra})


CALL = _call(
    ("operator", "Интернет-магазин Kid Mir, Елизавета, здравствуйте!", 0.0, 2.5),
    ("client", "Здравствуйте, я заказала коляску неделю назад, а её до сих пор нет.", 3.5, 8.0),
    ("operator", "Назовите номер заказа.", 6.5, 8.5),  # interrupts: 1.5 s at once
    ("client", "Сто двадцать три.", 9.5, 10.5),
    ("operator", "Спасибо, одну минуту.", 10.6, 12.0),  # 0.1 s pause: too short
    ("system", "hold_start", 12.5, 12.5),
    ("system", "hold_end", 40.0, 40.0),
    ("operator", "Спасибо за ожидание! Коляску привезут завтра с десяти до двух. Курьер позвонит за час.", 40.0, 46.0),
    ("client", "Хорошо.", 47.0, 47.5),
    ("operator", "Всего доброго!", 55.0, 56.0),  # 7.5 s of dead air
)


def _codes(conv: Any, overrides: dict[str, Any] | None = None) -> list[tuple[str, int | None]]:
    report = Engine(load_rulebook(overrides=overrides)).check(conv)
    return [(f.rule, f.turn) for f in report.findings if f.rule in ("Q4", "Q5", "Q6")]


def test_q4_q5_findings_point_at_the_operator_turn() -> None:
    assert sorted(_codes(CALL)) == [("Q4", 2), ("Q5", 4), ("Q5", 9)]
    report = Engine(load_rulebook()).check(CALL)
    q4 = next(f for f in report.findings if f.rule == "Q4")
    assert "6,5" in q4.message and "1,5" in q4.message
    assert any("7,5" in f.message for f in report.findings if f.rule == "Q5")


def test_thresholds_come_from_the_rulebook() -> None:
    strict = {"rules": {"Q4": {"params": {"interruption_min_overlap": 2.0}}},
              "thresholds": {"reply_pause_max": 10.0}}
    # Q4 no longer counts 1.5 s at once: it is a reply without a pause (Q5); 7.5 s of dead air is allowed
    assert sorted(_codes(CALL, strict)) == [("Q5", 2), ("Q5", 4)]


def test_without_times_the_rules_stay_silent_and_say_why() -> None:
    conv = parse_conversation({"id": "c", "channel": "phone", "messages": [
        {"role": "client", "text": "Где мой заказ?"}, {"role": "operator", "text": "Назовите номер."}]})
    report = Engine(load_rulebook()).check(conv)
    silent = dict(report.silent)
    assert {"Q4", "Q5", "Q6"} <= set(silent) and "start/end" in silent["Q4"]


def test_q6_needs_enough_speech_and_uses_the_transcript() -> None:
    fast = _call(
        ("client", "Здравствуйте. Я хотел бы узнать, где мой заказ.", 0.0, 4.5),
        ("operator", "Одну секундочку, сейчас я всё проверю по базе, ваш заказ передан в службу доставки сегодня.",
         5.5, 9.0),
        ("client", "Да, номер сто двадцать три, оформлял вчера вечером на сайте.", 10.0, 14.0),
        ("operator", "Курьер привезёт его завтра с десяти до двух, он позвонит вам за час, всего доброго.", 15.0, 18.5),
    )
    assert _codes(fast) == [("Q6", None)]
    m = call_metrics(fast)
    assert m["tempo_from"] == "transcript" and m["tempo_ratio"] > 2


def test_call_metrics() -> None:
    m = call_metrics(CALL)
    assert m["duration_seconds"] == 56.0
    assert m["operator_talk_seconds"] == 2.5 + 2.0 + 1.4 + 6.0 + 1.0
    assert m["client_talk_seconds"] == 4.5 + 1.0 + 0.5
    assert m["overlap_seconds"] == 1.5 and m["interruptions"] == 1 and m["interruption_times"] == [6.5]
    assert m["holds"] == 1 and m["hold_seconds"] == 27.5
    assert m["longest_operator_monologue_seconds"] == 6.0
    assert m["reply_pause_max"] == 7.5
    assert m["silence_seconds"] == round(56.0 - (12.9 + 6.0 - 1.5), 2)
    s = summarize_metrics([m, m])
    assert s["calls"] == 2 and s["interruptions"] == 2 and s["talk_listen_ratio"] == m["talk_listen_ratio"]
    assert call_metrics(parse_conversation({"id": "x", "channel": "chat", "messages": [
        {"role": "client", "text": "Привет"}]})) == {}


def test_interval_helpers() -> None:
    assert union([(3, 4), (0, 1), (0.5, 2)]) == [(0, 2), (3, 4)]
    conv = _call(("operator", "Раз.", 0.0, 2.0), ("operator", "Два.", 3.0, 5.0), ("client", "Да?", 6.0, 7.0),
                 ("operator", "Три.", 7.5, 8.0))
    assert monologues(conv) == [(0.0, 5.0), (7.5, 8.0)]
