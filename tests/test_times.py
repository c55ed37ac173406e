"""Time expressions: durations, deadlines and vague words, with offsets and normalised values."""

from __future__ import annotations

from datetime import datetime

import pytest

from vezhlivo.nlp.doc import make_doc
from vezhlivo.nlp.times import find_times

REF = datetime(2026, 11, 20, 11, 0)  # a Friday, in working hours


@pytest.mark.parametrize(
    ("text", "span", "seconds"),
    [
        ("Я перезвоню Вам в течение пяти минут.", "в течение пяти минут", 300),
        ("Перезвоню через час.", "через час", 3600),
        ("напишу через 15 минут", "через 15 минут", 900),
        ("Курьер будет за полчаса", "за полчаса", 1800),
        ("подождите пару минут", "пару минут", 120),
        ("Ответим в течение рабочего дня", "в течение рабочего дня", 86400),
        ("в течение суток", "в течение суток", 86400),
        ("через пятнадцать минут", "через пятнадцать минут", 900),
        ("через полтора часа", "через полтора часа", 5400),
        ("в течение двадцати пяти минут", "в течение двадцати пяти минут", 1500),
        ("в течение 3 рабочих дней", "в течение 3 рабочих дней", 3 * 86400),
        ("доставка 5-10 дней", "5-10 дней", 10 * 86400),
        ("ответ придёт в 15-30 минут", "15-30 минут", 30 * 60),  # a range of a duration, not a clock
        ("Подождите минутку, пожалуйста", "минутку", 60),
        ("В течение 10 минут", "В течение 10 минут", 600),
    ],
)
def test_durations(text: str, span: str, seconds: float) -> None:
    found = find_times(make_doc(text), REF)
    assert [(t.text, t.kind, t.seconds) for t in found] == [(span, "duration", seconds)]
    assert found[0].deadline is not None and (found[0].deadline - REF).total_seconds() == seconds
    assert text[found[0].start:found[0].end] == span


@pytest.mark.parametrize(
    ("text", "span", "deadline"),
    [
        ("Я перезвоню Вам сегодня в два.", "сегодня в два", datetime(2026, 11, 20, 14, 0)),
        ("перезвоню сегодня до 15:00", "сегодня до 15:00", datetime(2026, 11, 20, 15, 0)),
        ("Курьер приедет завтра с 10 до 12", "завтра с 10 до 12", datetime(2026, 11, 21, 12, 0)),
        ("Позвоним в понедельник", "в понедельник", datetime(2026, 11, 23, 23, 59, 59)),
        ("Доставим 25 ноября", "25 ноября", datetime(2026, 11, 25, 23, 59, 59)),
        ("Перезвоню в 14:30", "в 14:30", datetime(2026, 11, 20, 14, 30)),
        ("до конца дня пришлю", "до конца дня", datetime(2026, 11, 20, 23, 59, 59)),
        ("завтра в 10 утра", "завтра в 10 утра", datetime(2026, 11, 21, 10, 0)),
        ("в 2 часа дня", "в 2 часа дня", datetime(2026, 11, 20, 14, 0)),
        ("не позднее 18:00", "не позднее 18:00", datetime(2026, 11, 20, 18, 0)),
        ("с 10:00 до 12:00", "с 10:00 до 12:00", datetime(2026, 11, 20, 12, 0)),
        ("Перезвоню Вам Сегодня В Два", "Сегодня В Два", datetime(2026, 11, 20, 14, 0)),
        ("Поставка будет на следующей неделе", "на следующей неделе", datetime(2026, 11, 29, 23, 59, 59)),
        ("Сделаем к понедельнику", "к понедельнику", datetime(2026, 11, 23, 23, 59, 59)),
        ("Перезвоню во вторник в 11:00", "во вторник в 11:00", datetime(2026, 11, 24, 11, 0)),
        ("привезём завтра с 10:00 до 14:00", "завтра с 10:00 до 14:00", datetime(2026, 11, 21, 14, 0)),
        # a clock as chats write it
        ("Я проверю линию и напишу Вам сюда в 15-30.", "в 15-30", datetime(2026, 11, 20, 15, 30)),
        ("перезвоню до 18-00", "до 18-00", datetime(2026, 11, 20, 18, 0)),
    ],
)
def test_deadlines(text: str, span: str, deadline: datetime) -> None:
    found = find_times(make_doc(text), REF)
    assert [(t.text, t.kind, t.deadline) for t in found] == [(span, "deadline", deadline)]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Мы скоро Вам перезвоним", "скоро"),
        ("Свяжемся с Вами позже", "позже"),
        ("Ответим в ближайшее время", "в ближайшее время"),
        ("как только — так сразу", "как только"),
        ("Курьер приедет на днях", "на днях"),
        ("сообщим чуть позже", "чуть позже"),
        ("в кратчайшие сроки всё исправим", "в кратчайшие сроки"),
    ],
)
def test_vague(text: str, span: str) -> None:
    found = find_times(make_doc(text), REF)
    assert [(t.text, t.kind, t.concrete) for t in found] == [(span, "vague", False)]


def test_relative_offset_is_concrete_without_deadline() -> None:
    (t,) = find_times("Курьер позвонит за час до приезда.", REF)
    assert t.kind == "duration" and t.relative and t.deadline is None and t.concrete


@pytest.mark.parametrize("text", ["в два раза дороже", "заказ на 5 позиций", "номер 20", "Спасибо!",
                                  "выписка о доходах за последние 6 месяцев", "за прошлые 3 дня списаний не было"])
def test_not_times(text: str) -> None:
    assert find_times(text, REF) == []


def test_no_reference_no_deadline() -> None:
    (t,) = find_times("перезвоню сегодня в два")
    assert t.kind == "deadline" and t.deadline is None
