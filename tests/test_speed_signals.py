"""Shortcuts of the costly rules give the answers of the long way round."""

from __future__ import annotations

import pytest

from vezhlivo import signals
from vezhlivo.nlp import spelling
from vezhlivo.nlp.doc import make_doc

needs_speller = pytest.mark.skipif(spelling.available() is not None, reason="no hunspell-ru")


@needs_speller
@pytest.mark.parametrize("typo", ["превет", "извените", "реквезиты", "таже", "котто", "левертон", "ахуел", "райс"])
def test_nearest_one_edit_is_the_ranked_one_edit_word(typo: str) -> None:
    near = spelling.one_edit_words(typo)
    assert spelling._nearest_one_edit(typo) == (spelling._rank_one_edit(typo, near) if near else None)
    assert spelling.has_one_edit_word(typo) == bool(near)


@pytest.mark.parametrize("text", [
    "Добрый день, чем могу помочь?",
    "Вы идиоты, верните деньги!",
    "Это просто пиздец какой-то",
    "Заебали уже со своей доставкой",
    "Ресторан Лох Файн закрыт",
    "Я вас засужу",
])
def test_abuse_word_pretest_skips_only_clean_texts(text: str) -> None:
    doc = make_doc(text)
    words = signals._abusive_words(doc, signals._lexicon(signals.ABUSE_WORDS))
    spans = signals.abuse_spans(doc, use_detector=False)
    assert [s for s in spans if s[2] != "threat"] == sorted(words)
