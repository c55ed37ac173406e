"""Spelling slips that are words themselves (W2): «-ться»/«-тся», «в течении» — told by context."""

from __future__ import annotations

import pytest

from vezhlivo.nlp.doc import make_doc
from vezhlivo.nlp.morph import norm
from vezhlivo.nlp.slips import SlipWords, find_slips
from vezhlivo.rulebook import load_rulebook


@pytest.fixture(scope="module")
def words() -> SlipWords:
    params = load_rulebook().rules["W2"].params
    return SlipWords(*(frozenset(norm(w) for w in params[k])
                       for k in ("infinitive_governors", "infinitive_nouns", "time_words")))


@pytest.mark.parametrize(("text", "word", "fixed"), [
    ("Заказ отправиться завтра.", "отправиться", "отправится"),
    ("Деньги вернуться на карту.", "вернуться", "вернутся"),
    ("Он не появиться до вечера.", "появиться", "появится"),
    ("Заказ должен отправится сегодня.", "отправится", "отправиться"),
    ("Посылка может задержится на день.", "задержится", "задержаться"),
    ("Заказ будет находится на складе.", "находится", "находиться"),
    ("Курьер постарается дозвонится до Вас.", "дозвонится", "дозвониться"),
    ("Вам нужно обратится в отделение.", "обратится", "обратиться"),
    ("Мы вернём деньги в течении трёх рабочих дней.", "течении", "течение"),
    ("Оплата пройдёт в течении 10 минут.", "течении", "течение"),
    ("Ответ придёт в продолжении часа.", "продолжении", "продолжение"),
    ("Куда Беларусь катиться, непонятно.", "катиться", "катится"),  # real text (RUSSE detox)
])
def test_slips_are_found_with_the_right_word(words: SlipWords, text: str, word: str, fixed: str) -> None:
    slips = find_slips(make_doc(text), words)
    assert [(text[s.start:s.end], s.suggestion) for s in slips] == [(word, fixed)]


@pytest.mark.parametrize("text", [
    "Заказ отправится завтра, деньги вернутся на карту.",
    "Вам нужно отправиться в отделение.",
    "Есть возможность записаться на завтра. Возможность записаться есть.",
    "Приятно познакомиться! Лучше всего обратиться в чат. Просьба не беспокоиться.",
    "В течении реки много порогов.",
    "Главная задача — разобраться в ситуации. Это поможет быстрее разобраться.",
    "Может, отправится завтра.",
    "Курьер обязан вернуться с деньгами. Он решил вернуться.",
    "Чтобы заказ отправился, оплатите его.",
    "Мы будем рады помочь Вам определиться. Просим клиентов не волноваться.",
    "Время ожидания может увеличиться. Вы можете записаться онлайн.",
    "Где находится пункт выдачи? Заказ находится на складе.",
    "Клиент хочет вернуться к тарифу. Оператор должен представиться.",
    # false alarms found on real text, kept as good examples
    "Спасибо, рада поделиться.",  # «рада» is also a noun (the council)
    "Мне не с кем вот так за руки подержаться.",  # after a preposition: no subject
    "Собака легко поддается дрессировке.",  # an adverb before a finite verb
    "Модем легко переделывается в другой.",
    "Последнее дело глумиться над беззащитными!",  # a noun that takes an infinitive
])
def test_right_text_has_no_slips(words: SlipWords, text: str) -> None:
    assert find_slips(make_doc(text), words) == []
