"""Numbers dictated in words, as a speech recogniser writes them (P1 in call transcripts)."""

from __future__ import annotations

import pytest

from vezhlivo.rules.privacy import spoken_digits


@pytest.mark.parametrize(("words", "count", "digits"), [
    ("восемь девятьсот шестнадцать двести сорок один тридцать три ноль пять он подскажет", 10, "89162413305"),
    ("плюс семь девятьсот двенадцать триста сорок пять шестьдесят семь восемьдесят девять", 11, "79123456789"),
    ("сто два", 2, "102"),
    ("двести десять", 2, "210"),
    ("сорок ноль", 2, "400"),  # «ноль» after tens is a digit of its own
    ("ноль ноль семь", 3, "007"),
    ("рабочий номер", 0, ""),
    ("два раза", 1, "2"),
])
def test_dictated_numbers_read_as_their_digits(words: str, count: int, digits: str) -> None:
    assert spoken_digits(words.split()) == (count, digits)
