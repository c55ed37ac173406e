"""Every replacement phrase the seeds give is the suggestion of its rule (standard.md, «Offer instead»)."""

from __future__ import annotations

import pytest

from vezhlivo.rulebook import load_rulebook

SEED_PHRASES = {
    "F1": "Вам удобно подождать минуту, я уточню вопрос?",
    "F2": "Я сделаю всё возможное, чтобы решить Ваш вопрос.",
    "F3": "Я перезвоню Вам сегодня в два.",
    "F4": "Чтобы я максимально оперативно разрешил Ваш вопрос, Вы можете со своей стороны",
    "F5": "Да, я с Вами согласен, есть такое мнение, и при этом",
    "F6": "Давайте подытожим, чтобы я убедился, что мы обо всём позаботились.",
    "F7": "Такие услуги мы не предоставляем, но можем предложить следующее",
    "F8": "Чем я могу Вам помочь?",
    "F9": "Мне следовало пояснить Вам этот вопрос, моё упущение.",
    "F10": "Кажется, я не до конца понял Ваш запрос, давайте уточним",
    "F11": "мой супервайзер будет рад Вам помочь. Позвольте мне соединить Вас?",
    "F12": "Мы приносим извинения за сложившуюся ситуацию. Не волнуйтесь, мы всё поправим.",
    "F13": "Если Вы не против, «повисите на линии», пока я буду заниматься решением Вашего вопроса.",
    "F14": "Возможно, Вы указали другой телефон/емейл при регистрации. Пока я ищу Ваш аккаунт, расскажите, "
           "пожалуйста, чем я могу Вам помочь.",
    "G1": "Интернет-магазин I Love Me, Елизавета, здравствуйте!",
    "S1": "Разрешите, я уточню ответ и перезвоню Вам в течение пяти минут. Вам так будет удобно?",
    "S2": "Я перезвоню Вам сегодня в два.",
    "C3": "Я понимаю Ваше расстройство.",
    "Q7": "Давайте подытожим, чтобы я убедился",
    "C1": "Мы приносим извинения за сложившуюся ситуацию.",
}


@pytest.mark.parametrize(("code", "phrase"), sorted(SEED_PHRASES.items()))
def test_seed_replacement_is_the_suggestion(code: str, phrase: str) -> None:
    spec = load_rulebook().rules[code]
    assert spec.suggestion and phrase in spec.suggestion, f"{code}: {spec.suggestion!r} lacks {phrase!r}"


def test_every_standard_rule_is_declared() -> None:
    from test_registry import STANDARD_IDS

    codes = set(load_rulebook().rules)
    missing = [c for c in [*STANDARD_IDS, "Q4", "Q5", "Q6"] if c not in codes]
    assert not missing, missing
