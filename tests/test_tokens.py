"""The tokeniser's fast path for plain texts gives exactly razdel's tokens."""

from __future__ import annotations

import random

from razdel import tokenize

from vezhlivo.nlp.doc import _NUMBER_GLUE, _SIMPLE_TEXT, make_doc, split_tokens

PIECES = ["привет", "Ёжик", "да", "Вы", "ok", "Hello", "iOS", "Аndroid", "cтудии", "ё", "Я", "т", " ", "  ", "\n",
          " \n ", ",", ".", "!", "?", "...", "?!", "!!!", ".,", ",.", ",,", "?.", "Т.е", "т.е.",
          "и т.д.", "ул.", "e.g.", "TR0552", "5", "2024", " 12 ", "A1", "х2", "2х"]


def test_plain_texts_split_as_razdel_splits_them() -> None:
    rnd = random.Random(7)
    for _ in range(5_000):
        text = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 12)))
        assert _SIMPLE_TEXT.match(text)
        if _NUMBER_GLUE.search(text):
            continue
        assert split_tokens(text) == [(t.text, t.start, t.stop) for t in tokenize(text)], text


def test_other_texts_go_to_razdel() -> None:
    for text in ("Стоимость 12,80 фунтов.", "Хорошего дня :)", "кто-то звонил", "«Вы должны» — нет",
                 "Прибытие 07:44, 01:44", "цены 100, 200 и 300", "в 13.31."):
        assert not (_SIMPLE_TEXT.match(text) and not _NUMBER_GLUE.search(text))
        assert split_tokens(text) == [(t.text, t.start, t.stop) for t in tokenize(text)]


def test_a_plain_message_keeps_its_offsets() -> None:
    text = "Здравствуйте, Ольга! Заказ в пути...\nСпасибо за ожидание"
    doc = make_doc(text)
    assert [t.text for t in doc.tokens][:4] == ["Здравствуйте", ",", "Ольга", "!"]
    assert all(text[t.start:t.end] == t.text for t in doc.tokens)
    assert "..." in [t.text for t in doc.tokens]
