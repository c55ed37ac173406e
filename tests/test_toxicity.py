"""The shipped toxicity model (vezhlivo.nlp.toxicity): artefact, scorer, and its use with the lexicon."""

from __future__ import annotations

from importlib import resources

import pytest

from vezhlivo.nlp import toxicity as tox
from vezhlivo.nlp.doc import make_doc


def test_artefact_ships_small_and_loads() -> None:
    root = resources.files("vezhlivo").joinpath("models")
    size = sum(len(root.joinpath(name).read_bytes()) for name in ("toxicity.bin", "toxicity.json"))
    assert size < 3_000_000
    m = tox.model()
    assert len(m.weights) == 1 << m.bits
    assert m.chars in tox.CHARS
    assert 0.5 <= m.threshold < 1.0


def test_scorer_reproduces_training_scores_bit_for_bit() -> None:
    """scripts/train_toxicity.py stores sklearn's decision_function on fixed sentences."""
    reference = tox.model().meta["reference"]
    assert len(reference) >= 5
    for ref in reference:
        assert tox.decision(ref["text"]) == ref["decision"], ref["text"]


@pytest.mark.parametrize("text", [
    "заткнись уже, дебил",
    "Ну ты и дебилоид",
    "Ты вообще дебилоид?",
    "сдохни",
    "вы мрази",
])
def test_clear_toxic_sentences_score_high(text: str) -> None:
    assert tox.toxicity(text) >= tox.threshold()


@pytest.mark.parametrize("text", [
    "Спасибо, что написали! Будем рады помочь.",
    "Подождите, пожалуйста, я уточню информацию.",
    "Приносим извинения за задержку доставки.",
    "Вы можете оформить возврат в личном кабинете.",
    "Хотите, я оформлю для Вас обмен?",
    "Спасибо за ожидание! Курьер приедет с 12:00 до 16:00.",
])
def test_polite_service_sentences_score_low(text: str) -> None:
    assert tox.toxicity(text) < 0.2


def test_the_threshold_keeps_the_known_near_misses_out() -> None:
    # social-media training data makes «вы хотели бы…» look a little toxic: the high threshold is why
    assert tox.toxicity("С какой ночи вы хотели бы начать своё пребывание?") < tox.threshold()


def test_features_are_deterministic_and_sorted() -> None:
    m = tox.model()
    a = tox.features("Ну ты и дебилоид", m.bits, m.chars)
    assert a == sorted(set(a)) == tox.features("ну ТЫ и дебилоид", m.bits, m.chars)
    # inside a dictionary word no character n-grams: «пребывание» holds «ебы» and stays clean
    assert not [f for f in tox.feature_strings("пребывание", "unknown") if f.startswith("c:")]
    assert [f for f in tox.feature_strings("дебилоид", "unknown") if f.startswith("c:")]
    assert tox.toxicity("") < 0.5


def _kinds(text: str) -> list[str]:
    return [k for _, _, k, _ in tox.rude_sentences(make_doc(text))]


def test_model_adds_what_the_lexicon_misses_when_addressed() -> None:
    text = "Добрый день. Ну ты и дебилоид"
    found = tox.rude_sentences(make_doc(text))
    assert [(text[s:e], k) for s, e, k, _ in found] == [("Ну ты и дебилоид", "toxic")]
    assert found[0][3] >= tox.threshold()


def test_lexicon_spans_come_first_and_carry_the_score() -> None:
    assert _kinds("блин, опять сбой") == ["mild"]
    found = tox.rude_sentences(make_doc("Вы там все уроды"))
    assert [k for _, _, k, _ in found] == ["insult"]
    assert 0.0 <= found[0][3] <= 1.0
    assert _kinds("Ну ты и дебилоид") == ["toxic"]
    assert _kinds("блин, опять сбой") == _kinds("Блин, опять сбой")


def test_no_model_finding_about_a_thing_or_a_third_person() -> None:
    # confident, but nobody is addressed: not the model's finding (the lexicon decides alone)
    assert tox.toxicity("эти дебилоиды опять всё сломали") >= tox.threshold()
    assert "toxic" not in _kinds("эти дебилоиды опять всё сломали")
    assert "toxic" not in _kinds("херня какая-то с доставкой")


def test_no_model_finding_in_quotes_or_reported_speech() -> None:
    assert _kinds("Вы написали: «ну ты и дебилоид», мне очень жаль.") == []
    assert "toxic" not in _kinds("Вы назвали меня дебилоидом, но я всё равно помогу.")


def test_polite_operator_messages_give_nothing() -> None:
    for text in ("Наталья, спасибо. Я вижу Ваш заказ: он передан в СДЭК 14 ноября.",
                 "Понимаю Ваше недовольство. Заказ у курьера, он приедет сегодня до 18:00.",
                 "Если приложение тупит, перезапустите его, пожалуйста."):
        assert tox.rude_sentences(make_doc(text)) == []
