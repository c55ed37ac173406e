"""razdel's tokens and sentences, computed faster but identically (the tests compare them with razdel).

razdel splits a text into atoms (a run of Russian letters, of Latin letters, of digits, one punctuation
mark, one other character) and joins neighbouring atoms by rules that look at two atoms on each side.
Written out, the rules are a regular language, which one regular expression matches in a single pass
instead of razdel's per-atom rule objects. Sentences keep razdel's own decision rules; only the
bookkeeping around them (generators, split objects, substring search) is done directly.
"""

from __future__ import annotations

import re

from razdel import tokenize
from razdel.rule import JOIN
from razdel.segmenters.punct import CLOSE_BRACKETS, DASHES, ENDINGS, GENERIC_QUOTES, QUOTES
from razdel.segmenters.sentenize import (
    BULLET_BOUNDS,
    BULLET_SIZE,
    DELIMITERS,
    FIRST_TOKEN,
    HEAD_PAIR_SOKRS,
    HEAD_SOKRS,
    INITIALS,
    LAST_TOKEN,
    PAIR_SOKR,
    PAIR_SOKRS,
    SMILE_PREFIX,
    SOKRS,
    TOKEN,
    WORD,
    SentSplit,
    SentSplitter,
    is_bullet,
    is_lower_alpha,
    is_sokr,
)
from razdel.segmenters.sentenize import RULES as SENTENCE_RULES
from razdel.segmenters.tokenize import PUNCTS

# Atom classes exactly as razdel's case-insensitive ATOM expression sees them: case folding adds a few
# rare letters (old Cyrillic forms, the Kelvin sign, Turkish i), spelled out here because a
# case-insensitive expression is much slower. The tests check every code point.
_P = re.escape(PUNCTS)
_RU = "а-яёА-ЯЁ\u1c80-\u1c86"
_LAT = "a-zA-Z\u0130\u0131\u017f\u212a"
_NOT_PUNCT = rf"[^\s{_P}]"
_OTHER = rf"[^\s{_P}{_RU}{_LAT}\d]"
_LETTERS = rf"(?:[{_RU}]+|[{_LAT}]+)"
# Letters and other characters stick together when one of the two is «other» (razdel's rule `other`).
_GROUP = rf"(?:{_LETTERS}|{_OTHER})(?:{_OTHER}|(?<={_OTHER}){_LETTERS})*"
_PART = rf"(?:\d+|{_GROUP})"
# A token is an optional leading joiner, a part, more parts each after a joiner, and an optional trailing
# joiner. Dashes and underscores join any parts (razdel's rules `dash` and `underscore`), decimal marks
# and slashes only digits (rules `float` and `fraction`).
_DASH = "[" + re.escape(DASHES) + "_]"
_DECIMAL = r"[.,/\\]"
# A dash or decimal mark with whitespace on one side still joins the atom on its other side when the
# atom across the whitespace qualifies too («кто- то», «100, 200»). Python's look-behind has a fixed
# width, so up to _LEAD_SPACES whitespace characters are looked through; texts with more go to razdel.
_LEAD_SPACES = 4
_SPACE = r"\s"
_AFTER_WORD = "(?:" + "|".join(f"(?<={_NOT_PUNCT}{_SPACE * n})" for n in range(1, _LEAD_SPACES + 1)) + ")"
_AFTER_DIGIT = "(?:" + "|".join(f"(?<=\\d{_SPACE * n})" for n in range(1, _LEAD_SPACES + 1)) + ")"
_LEAD = rf"(?:{_AFTER_WORD}{_DASH}(?={_NOT_PUNCT})|{_AFTER_DIGIT}{_DECIMAL}(?=\d))"
_LINK = rf"(?:{_DASH}{_PART}|(?<=\d){_DECIMAL}\d+)"
_TRAIL = rf"(?:{_DASH}(?=\s+{_NOT_PUNCT})|(?<=\d){_DECIMAL}(?=\s+\d))"
# Punctuation marks join each other only as emoticons («:)», not «:-)»: razdel grows them one mark at a
# time and «:-» is no emoticon), runs of sentence endings («?!», «...»), of hyphens and of asterisks.
_PUNCT_TOKEN = rf"[=:;][()]{{1,3}}|[{re.escape(ENDINGS)}]+|-+|\*+|[{_P}]"
_JOINER = "(?=[" + re.escape(DASHES) + r"_.,/\\])"  # cheap test before the look-arounds
# Most tokens are a Russian word that nothing joins (no dash or «other» character follows): matched first.
_PLAIN_WORD = rf"[{_RU}]++(?!{_DASH}|{_OTHER})"
# Each match is the whitespace before a token and the token: offsets follow from the lengths, cheaper
# than asking every match for them.
_SPACED_TOKEN = re.compile(
    rf"(\s*+)({_PLAIN_WORD}|(?:{_JOINER}{_LEAD})?{_PART}(?:{_JOINER}{_LINK})*(?:{_JOINER}{_TRAIL})?|{_PUNCT_TOKEN})"
)
# What the expression does not cover: razdel's «yahoo!» exception and a dash or decimal mark after
# more whitespace than the look-behind sees (looked for from the mark: a scan for one character is fast).
_YAHOO = re.compile("yahoo", re.I)
_FAR_LEAD = re.compile(rf"[{re.escape(DASHES)}_.,/\\](?<=\s{{{_LEAD_SPACES + 1}}}.)")


def _uncovered(text: str) -> bool:
    return ("!" in text and _YAHOO.search(text) is not None) or _FAR_LEAD.search(text) is not None


def tokens(text: str) -> list[tuple[str, int, int]]:
    """razdel's tokens of ``text`` as (text, start, end)."""
    if not _uncovered(text):
        out = []
        end = 0
        for space, token in _SPACED_TOKEN.findall(text):
            start = end + len(space)
            end = start + len(token)
            out.append((token, start, end))
        # every non-space character starts a token, so the matches follow each other without gaps
        if end == len(text.rstrip()):
            return out
    return [(sub.text, sub.start, sub.stop) for sub in tokenize(text)]


_SENTENCE_END = SentSplitter().re
_WINDOW = SentSplitter().window
# razdel's first four rules (empty_side, no_space_prefix, lower_right, delimiter_right) only ever join
# and need no split object: _joins applies them itself, then razdel's remaining rules in their order.
_LATER_RULES = tuple(rule.function for rule in SENTENCE_RULES[4:])


def _only_dash_right_applies(delimiter: str) -> bool:
    """Whether of the remaining rules only dash_right can decide after this delimiter: the others
    look for an abbreviation's point, a list bullet, a closing quote or bracket."""
    return (delimiter != "." and delimiter not in BULLET_BOUNDS and delimiter not in QUOTES
            and delimiter not in CLOSE_BRACKETS)


_DASH_RIGHT_ONLY = {d: _only_dash_right_applies(d) for d in DELIMITERS}


def _joins(text: str, buffer_start: int, start: int, stop: int) -> bool:
    """razdel's decision whether the sentence goes on across the delimiter text[start:stop]."""
    right = text[stop:stop + _WINDOW]
    if not right[:1].isspace():  # no_space_prefix (str.isspace is SPACE_PREFIX's \s, the tests check)
        return True
    first = FIRST_TOKEN.match(right)
    left = text[max(0, start - _WINDOW):start]
    if first is None or not left or left.isspace():  # empty_side: LAST_TOKEN finds no token in space
        return True
    right_token = first.group(1)
    if is_lower_alpha(right_token):
        return True
    if right_token not in GENERIC_QUOTES and (right_token in DELIMITERS or SMILE_PREFIX.match(right)):
        return True
    delimiter = text[start:stop]
    dash_right_only = _DASH_RIGHT_ONLY.get(delimiter)
    if dash_right_only is None:  # an emoticon
        dash_right_only = _only_dash_right_applies(delimiter)
    if dash_right_only:
        return _dash_right(right, right_token)
    if delimiter == ".":  # most of the texts that get this far
        return _joins_after_point(text, buffer_start, start, left, right_token) or _dash_right(right, right_token)
    split = SentSplit(left, delimiter, right)
    split.buffer = text[buffer_start:start]
    for rule in _LATER_RULES:
        action = rule(split)
        if action:
            return bool(action == JOIN)
    return False


def _dash_right(right: str, right_token: str) -> bool:
    """razdel's rule dash_right: a dash and a lower-case word go on the sentence."""
    if right_token not in DASHES:
        return False
    word = WORD.search(right)
    return word is not None and is_lower_alpha(word.group(1))


def _joins_after_point(text: str, buffer_start: int, start: int, left: str, right_token: str) -> bool:
    """razdel's rules sokr_left, inside_pair_sokr, initials_left and list_item after a point, without
    razdel's split object: a point after an abbreviation, an initial or a list bullet does not end a
    sentence. razdel's later rules only ever join, so their order does not matter; close_quote and
    close_bracket never decide after a point and dash_right is the caller's (the tests check)."""
    left_token = LAST_TOKEN.search(left).group(1)  # the caller saw that left is not all space
    left_lower = left_token.lower()
    pair = PAIR_SOKR.search(left)
    pair_sokr = (pair.group(1).lower(), pair.group(2).lower()) if pair is not None else None
    if pair_sokr in HEAD_PAIR_SOKRS:
        return True
    if pair_sokr in PAIR_SOKRS:  # sokr_left decides on the pair alone
        if is_sokr(right_token):
            return True
    elif left_lower in HEAD_SOKRS or (left_lower in SOKRS and is_sokr(right_token)):
        return True
    if (left_lower, right_token.lower()) in PAIR_SOKRS:  # inside_pair_sokr
        return True
    if (left_token.isupper() and len(left_token) == 1) or left_lower in INITIALS:  # initials_left
        return True
    buffer = text[buffer_start:start]  # list_item
    return len(buffer) <= BULLET_SIZE and all(is_bullet(token) for token in TOKEN.findall(buffer))


def sentences(text: str) -> list[tuple[int, int]]:
    """razdel's sentences of ``text`` as (start, stop)."""
    ends: list[int] = []
    buffer_start = 0
    for m in _SENTENCE_END.finditer(text):
        if not _joins(text, buffer_start, m.start(), m.end()):
            buffer_start = m.end()
            ends.append(buffer_start)
    if not ends:  # half of all messages
        stripped = text.strip()
        start = len(text) - len(text.lstrip()) if stripped else 0
        return [(start, start + len(stripped))]
    ends.append(len(text))
    out: list[tuple[int, int]] = []
    offset = start = 0
    for stop in ends:
        chunk = text[start:stop]
        stripped = chunk.strip()
        if stripped:
            # razdel finds the stripped chunk from the previous end on: only whitespace lies before it
            offset = start + len(chunk) - len(chunk.lstrip())
            out.append((offset, offset + len(stripped)))
            offset += len(stripped)
        else:
            out.append((offset, offset))
        start = stop
    return out
