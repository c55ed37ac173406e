"""Our tokeniser and sentence splitter give exactly razdel's tokens and sentences."""

from __future__ import annotations

import random
import re

from razdel import sentenize, tokenize
from razdel.segmenters.sentenize import RULES as SENTENCE_RULES
from razdel.segmenters.sentenize import SPACE_PREFIX
from razdel.segmenters.tokenize import ATOM

from vezhlivo.nlp import segment
from vezhlivo.nlp.doc import _PLAIN_PUNCT, Kind, _token, make_doc, split_tokens

# Characters and pieces that exercise razdel's joining rules: dashes, decimal marks, fractions,
# underscores, emoticons, runs of endings, «other» characters (emoji, accented and Turkish letters,
# zero-width space), whitespace of every width, abbreviations, initials and list bullets.
CHARS = list("аяёЁЖbzKX059 \n\t.,!?…:;-–—_()\"«»'/\\*=<>[]{}#@%&+|~№€😊️\u200bıİ\u212aä\u1c80")
PIECES = ["Привет", "Вы", "спасибо", "ok", "Hello", "дом", "5", "2024", "123", "  ", "   ", "    ", "     ",
          "yahoo", "Yahoo!", ":)", ":-)", ";(((", "...", "?!", "кто-то", "12,5", "Т.е.", "т.д.", "ул.", "1.",
          "А.", "г.", "т. е.", "1)", "а)", "II.", "« Да »", "“Нет”", "(см. выше)", " - ", " — ", "--", "**"]


def _random_text(rnd: random.Random) -> str:
    return "".join(rnd.choice(CHARS) if rnd.random() < 0.7 else rnd.choice(PIECES)
                   for _ in range(rnd.randint(1, 25)))


def _razdel_tokens(text: str) -> list[tuple[str, int, int]]:
    return [(t.text, t.start, t.stop) for t in tokenize(text)]


def _razdel_sentences(text: str) -> list[tuple[int, int]]:
    return [(s.start, s.stop) for s in sentenize(text)]


EXAMPLES = [
    "", " ", "\n\n", "Здравствуйте, Ольга! Заказ в пути...\nСпасибо за ожидание", "Стоимость 12,80 фунтов.",
    "Хорошего дня :)", "кто-то звонил", "кто- то", "кто -то", "a - b", "a, -b", "«Вы должны» — нет",
    "Прибытие 07:44, 01:44", "цены 100, 200 и 300", "в 13.31.", "1. 5", "1 .5", "1..5", "1/2 и 3\\4",
    "a--b", "a---b", ":-)", ":))))", "=)", "!?", "...!", "Спасибо😊😊", "5😊", "café", "Аndroid",
    "yahoo!!", "YAHOO!", "a_b _c d_", "-5", "a\t\t\t\t\t-5", "1     .5", "ᲀᲁ", "Kelvin", "ıİ",
    "Т.е. всё. Ок", "См. п. 3. Далее", "Иванов И. И. ответит", "1) да 2) нет", "Он сказал: «Да.» Потом",
    "Это (да!) Так", "Ждём... - ответил он", "Ок! - нет", "Всё!:) Пока", "Привет.          Пока",
]


def test_examples_split_as_razdel_splits_them() -> None:
    for text in EXAMPLES:
        assert split_tokens(text) == _razdel_tokens(text), text
        assert segment.sentences(text) == _razdel_sentences(text), text


def test_random_texts_split_as_razdel_splits_them() -> None:
    rnd = random.Random(7)
    for _ in range(6_000):
        text = _random_text(rnd)
        assert segment.tokens(text) == _razdel_tokens(text), text
        assert segment.sentences(text) == _razdel_sentences(text), text


def test_character_classes_are_razdels() -> None:
    """The tokeniser spells out the letters that razdel's case-insensitive expression accepts, and
    the sentence splitter reads razdel's whitespace test as str.isspace: both checked on every code point."""
    not_punct = re.compile(segment._NOT_PUNCT)
    other = re.compile(segment._OTHER)
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        atom = ATOM.match(char)
        kind = atom.lastgroup if atom else None
        assert (kind in ("RU", "LAT", "INT", "OTHER")) == bool(not_punct.match(char)), hex(code)
        assert (kind == "OTHER") == bool(other.match(char)), hex(code)
        assert bool(SPACE_PREFIX.match(char)) == char.isspace(), hex(code)


def test_sentence_rules_are_in_the_order_relied_on() -> None:
    assert [rule.name for rule in SENTENCE_RULES[:4]] == [
        "empty_side", "no_space_prefix", "lower_right", "delimiter_right"]


def test_texts_the_expression_does_not_cover_go_to_razdel() -> None:
    for text in ("Yahoo! нашёл", "a\n\n\n\n\n-b", "5      ,5", "a \t\n\r\n\u2003_b"):
        assert segment._uncovered(text)
        assert segment.tokens(text) == _razdel_tokens(text)
    assert not segment._uncovered("a    -b yahoo")


def test_plain_punctuation_shortcut_makes_what_token_makes() -> None:
    for char in _PLAIN_PUNCT:
        made = _token(char, 3, 4)
        assert (made.norm, made.kind) == (char, Kind.PUNCT)


def test_a_plain_message_keeps_its_offsets() -> None:
    text = "Здравствуйте, Ольга! Заказ в пути...\nСпасибо за ожидание"
    doc = make_doc(text)
    assert [t.text for t in doc.tokens][:4] == ["Здравствуйте", ",", "Ольга", "!"]
    assert all(text[t.start:t.end] == t.text for t in doc.tokens)
    assert "..." in [t.text for t in doc.tokens]
    assert [(s.start, s.end) for s in doc.sentences] == _razdel_sentences(text)
    assert [t.sent for t in doc.tokens][-3:] == [2, 2, 2]
