"""The shortcuts the Doc layer takes for speed give exactly what the longer way gives."""

from __future__ import annotations

import random
import sys

from razdel import sentenize
from razdel.segmenters.punct import CLOSE_BRACKETS, QUOTES
from razdel.segmenters.sentenize import RULES as SENTENCE_RULES

from vezhlivo.nlp import segment

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
