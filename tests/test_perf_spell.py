"""W2's pre-test of one-edit candidates (the dictionary's shape) never stops a word hunspell accepts."""

from __future__ import annotations

import pytest

from vezhlivo.nlp import spelling

needs_speller = pytest.mark.skipif(spelling.available() is not None, reason="no hunspell-ru")

_AFF = """SET UTF-8
TRY оеа
SFX A Y 2
SFX A   а   ы   а
SFX A   а   ой  а
SFX B Y 1
SFX B   0   ом  .
"""
_DIC = "3\nрука/A\nдом/B\nМосква/A\n"


def _shape() -> spelling._DictionaryShape:
    shape = spelling._build_shape(_AFF, _DIC, ["Ёлка"])
    assert shape is not None
    return shape


def test_every_word_of_the_rules_passes() -> None:
    shape = _shape()
    for word in ("рука", "рукы", "рукой", "дом", "домом", "москва", "москвы", "москвой", "елка"):
        assert shape.could_be_word(word), word


def test_strings_with_no_base_and_ending_are_stopped() -> None:
    shape = _shape()
    for word in ("рупа", "дым", "кот", "столом", "рукаа"):
        assert not shape.could_be_word(word), word
    # a superset: any ending after any base passes, and hunspell is asked about it
    assert shape.could_be_word("домой")


def test_hyphenated_words_pass_when_their_parts_group_into_words() -> None:
    shape = _shape()
    assert shape.could_be_hyphenated("рука-дом")
    assert shape.could_be_hyphenated("домом-москвой-елка")
    assert not shape.could_be_hyphenated("рука-дым")
    assert not shape.could_be_hyphenated("кот-дом")


def test_a_dictionary_word_with_a_hyphen_groups_parts() -> None:
    shape = spelling._build_shape(_AFF, "2\nкто-то\nдом/B\n", [])
    assert shape is not None and shape.hyphen_inside
    assert shape.could_be_hyphenated("кто-то")
    assert shape.could_be_hyphenated("кто-то-домом")
    assert not shape.could_be_hyphenated("кто-домом")
    assert not _shape().hyphen_inside


@pytest.mark.parametrize("line", ["PFX A Y 1", "COMPOUNDFLAG X", "ICONV 1", "BREAK 1", "FLAG long", "AF 2",
                                  "IGNORE ё", "FULLSTRIP"])
def test_an_affix_feature_the_shape_does_not_model_turns_it_off(line: str) -> None:
    assert spelling._build_shape(_AFF + line + "\n", _DIC, []) is None


def test_twofold_suffixes_turn_it_off() -> None:
    assert spelling._build_shape(_AFF + "SFX C Y 1\nSFX C 0 ами/A .\n", _DIC, []) is None


@needs_speller
def test_no_one_edit_word_is_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    shape = spelling._dictionary_shape()
    if shape is None:
        pytest.skip("the dictionary's shape is unknown here: every candidate is asked about")
    words = ["превет", "извените", "реквезиты", "таже", "котто", "левертон", "ахуел", "райс", "сдесь", "гавно",
             "пожалуста", "здраствуйте", "приложеном", "ёлка", "ежик", "кто-нибуть", "мама", "стол", "ыквфж",
             "заказ", "доставка", "оператор", "спосибо", "пачему", "щас", "ихний", "ложить", "координально",
             "куинс-колледж", "даунинг-стрит", "из-за", "кто-нибудь", "северо-запад", "какой-то", "ну-ка"]
    monkeypatch.setattr(spelling, "_scans_without_shape", spelling._SCANS_BEFORE_SHAPE)
    for word in words:
        cands = spelling._one_edit_strings(word)
        possible = set(spelling._possible_words(cands))
        assert {c for c in cands if spelling.hunspell_ok(c)} <= possible, word
        assert len(possible) < len(cands)


@needs_speller
@pytest.mark.parametrize("typo", ["превет", "извените", "сдесь", "гавно", "кто-нибуть", "пажалуста", "ыквфж"])
def test_the_suggestions_are_the_same_with_the_shape(typo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spelling, "_scans_without_shape", 0)
    monkeypatch.setattr(spelling, "_SCANS_BEFORE_SHAPE", 10**9)
    without = (spelling.one_edit_words(typo), spelling._nearest_one_edit(typo), spelling.has_one_edit_word(typo))
    monkeypatch.setattr(spelling, "_SCANS_BEFORE_SHAPE", 0)
    assert (spelling.one_edit_words(typo), spelling._nearest_one_edit(typo),
            spelling.has_one_edit_word(typo)) == without


@pytest.mark.parametrize("text", [
    "Добрый день! Ваш заказ уже в пути.",
    "Извените за ожидание, реквезиты отправил на почту test@example.com",
    "Скачайте приложение Ozon и зайдите в ЛИЧНЫЙ кабинет, там «таже» кнопка",
    "Ёжик, шизотворчество, куинс-колледж и Linux-сервер",
    "",
])
@pytest.mark.parametrize("min_len", [1, 3, 4, 6])
def test_unknown_words_are_those_of_the_plain_scan(text: str, min_len: int) -> None:
    from vezhlivo.nlp.doc import Kind, make_doc
    from vezhlivo.rules import style

    doc = make_doc(text)
    plain = [i for i, t in enumerate(doc.tokens)
             if t.kind is Kind.WORD and t.mask is None and len(t.text) >= min_len and not t.info.known
             and not style._LAT.search(t.text) and not t.text.isupper()]
    assert style._find_unknown_words(doc, min_len) == plain
