"""W2's corrections: dictionary words one edit away, ranked by frequency and by how natural the slip is."""

from __future__ import annotations

import pytest

from vezhlivo.nlp import spelling

pytestmark = pytest.mark.skipif(spelling.available() is not None, reason="hunspell-ru is not installed")


@pytest.mark.parametrize(("typo", "max_distance", "fixed"), [
    ("извените", 2, "извините"),
    ("Извените", 2, "Извините"),  # the letter case of the word is kept
    ("приложеном", 2, "приложенном"),
    ("пожалуста", 2, "пожалуйста"),
    ("здраствуйте", 2, "здравствуйте"),
    ("сдесь", 1, "здесь"),  # a frequent word outweighs a changed first letter
    ("гавно", 1, "говно"),  # …but not a merely frequent one («давно»): the first letter stays
    ("кто-нибуть", 2, "кто-нибудь"),  # a hyphenated word as a whole
])
def test_the_likeliest_correction_comes_first(typo: str, max_distance: int, fixed: str) -> None:
    assert spelling.best_suggestion(typo, max_distance) == fixed


def test_nothing_within_the_distance_means_no_suggestion() -> None:
    assert spelling.best_suggestion("ыквфж", 1) is None


def test_two_edit_slips_still_get_a_suggestion() -> None:
    # no dictionary word is one edit from these: hunspell's own suggestions are asked
    for typo, fixed in (("пажалуста", "пожалуйста"), ("извенити", "извините")):
        assert spelling.one_edit_words(typo) == []
        assert spelling.best_suggestion(typo, 2) == fixed
        assert spelling.best_suggestion(typo, 1) is None


def test_frequencies_ship_with_the_package() -> None:
    freq = spelling.frequencies()
    assert len(freq) > 10_000
    assert freq["здесь"] > freq["смесь"]
    assert all("ё" not in w for w in list(freq)[:1000])
