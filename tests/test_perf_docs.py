"""The shortcuts the Doc layer takes for speed give exactly what the longer way gives."""

from __future__ import annotations

import random
import sys

from razdel import sentenize
from razdel.segmenters.punct import CLOSE_BRACKETS, QUOTES
from razdel.segmenters.sentenize import RULES as SENTENCE_RULES

from vezhlivo.nlp import doc as doc_module
from vezhlivo.nlp import segment
from vezhlivo.nlp.doc import Mask, Sentence, Token, make_doc

# Points in every context razdel's rules after a point look at: abbreviations (single, pair, head),
# initials, list bullets, dashes after the point, upper- and lower-case words, digits.
_POINT_PIECES = ["т.", "е.", "д.", "п.", "г.", "ул.", "см.", "руб.", "млн.", "т. е.", "т.д.", "т. к.", "и т.п.",
                 "А.", "И. И.", "Иванов", "1.", "2)", "а)", "II.", "iv.", "§", "5.", " - ", " — ", "— да",
                 "Да", "нет", "Ок", "ОК", "2024", "К", "X.", "ok", "Mr.", "e.g.", "(", ")", "«", "»", "\n"]


def _point_text(rnd: random.Random) -> str:
    return "".join(rnd.choice(_POINT_PIECES) + rnd.choice(["", " ", "  ", ". ", "."])
                   for _ in range(rnd.randint(1, 12)))


def test_sentence_rules_after_the_four_first_are_the_ones_relied_on() -> None:
    assert [rule.name for rule in SENTENCE_RULES[4:]] == [
        "sokr_left", "inside_pair_sokr", "initials_left", "list_item", "close_quote", "close_bracket", "dash_right"]
    assert "." not in QUOTES and "." not in CLOSE_BRACKETS
    # every rule only ever joins: the module does not even know razdel's other action
    assert not hasattr(sys.modules["razdel.segmenters.sentenize"], "SPLIT")


def test_points_end_sentences_as_razdel_ends_them() -> None:
    rnd = random.Random(11)
    for _ in range(20_000):
        text = _point_text(rnd)
        assert segment.sentences(text) == [(s.start, s.stop) for s in sentenize(text)], text

# Pieces that make_doc splits or numbers in its own ways: emoticons glued to punctuation, emoji runs,
# glued negations, whitespace-only tails, empty sentences, quotes and codes (masks).
_DOC_PIECES = ["Привет", "незнаю", "немогу", ":)", ":))", ";-(", ")))", "😊😊", "😊", "!:)", "?!", "...", ".", "!",
               "«Да.»", "\"нет\"", "№ 12345", "AB-1234", "http://x.ru/a", "a@b.ru", "8 916 123-45-67", "Ок", "\n",
               " ", "  ", "\t", "Т.е.", "1)", "- да", "Вы"]


def _doc_text(rnd: random.Random) -> str:
    return "".join(rnd.choice(_DOC_PIECES) + rnd.choice(["", " ", " ", "\n"]) for _ in range(rnd.randint(0, 14)))


def _numbered_before(text: str, tokens: list[Token]) -> tuple[list[Sentence], list[int]]:
    """The sentences and the tokens' sentence numbers as make_doc gave them before it numbered tokens as
    it made them: each token gets the first sentence that has not ended before it, tails the last one."""
    spans = segment.sentences(text)
    sentences: list[Sentence] = []
    numbers = [0] * len(tokens)
    ti = 0
    for sent_start, sent_stop in spans:
        first = ti
        while ti < len(tokens) and tokens[ti].start < sent_stop:
            numbers[ti] = len(sentences)
            ti += 1
        sentences.append(Sentence(sent_start, sent_stop, first, ti))
    while ti < len(tokens):
        numbers[ti] = len(sentences) - 1
        ti += 1
    return sentences, numbers


def test_tokens_are_numbered_with_their_sentence() -> None:
    rnd = random.Random(5)
    for text in [_doc_text(rnd) for _ in range(8_000)] + [_point_text(rnd) for _ in range(4_000)] + ["", "  "]:
        doc = make_doc(text)
        sentences, numbers = _numbered_before(text, doc.tokens)
        assert doc.sentences == sentences, text
        assert [t.sent for t in doc.tokens] == numbers, text


def _masks_unhinted(text: str) -> list[tuple[int, int, Mask]]:
    """Every mask expression run over the whole text, with no pre-test."""
    spans: list[tuple[int, int, Mask]] = []
    for rx, kind in ((doc_module._EMAIL, Mask.EMAIL), (doc_module._URL, Mask.URL), (doc_module._PHONE, Mask.PHONE),
                     (doc_module._CODE, Mask.CODE), (doc_module._QUOTE, Mask.QUOTE)):
        for m in rx.finditer(text):
            quoted = kind is Mask.QUOTE and m.group()[0] != ">"
            spans.append((m.start() + quoted, m.end() - quoted, kind))
    return spans


_MASK_PIECES = ["8", "+7", "916", "123", "45", "67", "8 (916) 123-45-67", "123-45-67", "+7٩١٦١٢٣٤٥٦٧", "-", "(", ")",
                " ", "12345", "№", "#", "A", "b", "KM-", "АБ-", "٣٤٥", "١٢", "@", "x.ru", "WWW.", "http://", ".COM",
                ".ſu", "«", "»", "\"", "\n>", ">", "да", "2шт"]


def test_mask_pre_tests_skip_only_texts_without_a_match() -> None:
    rnd = random.Random(13)
    for _ in range(30_000):
        text = "".join(rnd.choice(_MASK_PIECES) for _ in range(rnd.randint(0, 16)))
        assert doc_module._find_masks(text) == _masks_unhinted(text), text
