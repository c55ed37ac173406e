"""Time expressions in Russian support talk, found with offsets and normalised.

Three kinds:

- ``duration``: «в течение пяти минут», «через час», «за полчаса», «пару минут», «в течение рабочего
  дня» — ``seconds`` is the length; with a reference time ``deadline`` = reference + seconds.
  «за час до приезда» is a duration ``relative`` to an event: concrete, but it gives no deadline.
- ``deadline``: «сегодня в два» (14:00 when said in working hours), «сегодня до 15:00», «завтра с 10
  до 12» (the end of the window), «в понедельник», «20 ноября», «в 14:30», «до конца дня».
- ``vague``: «скоро», «позже», «в ближайшее время», «как только…», «на днях».

The parser works on the lower-cased text (ё = е, same length, so offsets stay those of the original)
with alternations of every inflected form of the number and unit words, taken from the dictionary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache, lru_cache

from .doc import Doc
from .morph import lexeme_forms

# before a bare duration: «за последние 6 месяцев» is a period behind, not the time of a step
_PAST_PERIOD = re.compile(r"(?:последни[ехй]|прошлы[ехй]|минувши[ехй])\s+$")


@dataclass(frozen=True, slots=True)
class TimeExpr:
    start: int
    end: int
    text: str
    kind: str  # duration | deadline | vague
    seconds: float | None = None
    deadline: datetime | None = None
    relative: bool = False  # «за час до приезда»: an offset from an event, not from now

    @property
    def concrete(self) -> bool:
        return self.kind != "vague"


# --- vocabulary -------------------------------------------------------------------------------

_UNITS_WORDS: dict[int, tuple[str, ...]] = {
    0: ("ноль",), 1: ("один",), 2: ("два",), 3: ("три",), 4: ("четыре",), 5: ("пять",), 6: ("шесть",),
    7: ("семь",), 8: ("восемь",), 9: ("девять",),
}
_TEENS_WORDS: dict[int, tuple[str, ...]] = {
    10: ("десять",), 11: ("одиннадцать",), 12: ("двенадцать",), 13: ("тринадцать",), 14: ("четырнадцать",),
    15: ("пятнадцать",), 16: ("шестнадцать",), 17: ("семнадцать",), 18: ("восемнадцать",),
    19: ("девятнадцать",),
}
_TENS_WORDS: dict[int, tuple[str, ...]] = {
    20: ("двадцать",), 30: ("тридцать",), 40: ("сорок",), 50: ("пятьдесят",),
}
_OTHER_NUMS: dict[float, tuple[str, ...]] = {1.5: ("полтора",), 2: ("пара",), 3: ("несколько",)}

_UNITS: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {
    # key: (seconds, lemmas, extra forms/abbreviations)
    "sec": (1, ("секунда", "секундочка", "секундка"), ("сек",)),
    "min": (60, ("минута", "минутка", "минуточка"), ("мин",)),
    "hour": (3600, ("час", "часик", "часок"), ("ч",)),
    "half": (1800, ("полчаса",), ("полчасика", "пол часа", "пол-часа", "половину часа", "половины часа")),
    "day": (86400, ("день", "сутки", "денёк"), ("дн",)),
    "week": (7 * 86400, ("неделя", "неделька"), ()),
    "month": (30 * 86400, ("месяц",), ()),
}

_MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
           "ноябрь", "декабрь")
_WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
_ORDINAL_DAYS = {
    "первое": 1, "второе": 2, "третье": 3, "четвертое": 4, "пятое": 5, "шестое": 6, "седьмое": 7, "восьмое": 8,
    "девятое": 9, "десятое": 10,
}

# Where the working day lies: a bare «в два» said at work means 14:00.
WORKDAY_START_HOUR = 8


def _forms(*lemmas: str) -> list[str]:
    out: set[str] = set()
    for lemma in lemmas:
        out |= lexeme_forms(lemma.replace("ё", "е"))
        out.add(lemma.replace("ё", "е"))
    return sorted(out, key=len, reverse=True)


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


@cache
def _number_words() -> dict[str, float]:
    table: dict[str, float] = {}
    for group in (_UNITS_WORDS, _TEENS_WORDS, _TENS_WORDS, _OTHER_NUMS):
        for value, lemmas in group.items():
            for f in _forms(*lemmas):
                table[f] = float(value)
    return table


@cache
def _unit_words() -> dict[str, str]:
    table: dict[str, str] = {}
    for key, (_, lemmas, extra) in _UNITS.items():
        for f in _forms(*lemmas):
            table[f] = key
        for f in extra:
            table[f] = key
    return table


@cache
def _month_words() -> dict[str, int]:
    table: dict[str, int] = {}
    for i, lemma in enumerate(_MONTHS, start=1):
        for f in _forms(lemma):
            table[f] = i
    for i, lemma in enumerate(_MONTHS, start=1):  # abbreviations: «20 нояб.»
        table.setdefault(lemma[:3], i)
        table.setdefault(lemma[:4], i)
    table.pop("мар", None)
    table["мар"] = 3
    return table


B = r"(?<![\w])"  # word start
E = r"(?![\w])"  # word end


@cache
def _regexes() -> dict[str, re.Pattern[str]]:
    nums = _alt(list(_number_words()))
    units = _alt(list(_unit_words()))
    months = _alt(list(_month_words()))
    weekday_forms = _alt([f for w in _WEEKDAYS for f in _forms(w)])
    ordinals = _alt(list(_ORDINAL_DAYS))
    num = rf"(?:(?:\d+\s*[-–—]\s*)?\d+(?:[.,]\d+)?|(?:{nums})(?:\s+(?:{nums}))?)"
    clock_num = rf"(?:\d{{1,2}}(?:[:.]\d{{2}})?|(?:{nums})(?:\s+(?:{nums}))?)"
    part = r"(?:\s+(?:часов|часа|час|ч\.?))?(?:\s+(?:утра|дня|вечера|ночи))?"
    clock = rf"{clock_num}{part}"
    day = (
        rf"(?:сегодня|завтра|послезавтра|(?:в|во|к|ко|до)\s+(?:следующ\w+\s+)?(?:{weekday_forms})|"
        rf"(?:на|до\s+конца)\s+(?:этой|следующей|текущей)\s+недел[еи]|"
        rf"(?:\d{{1,2}}|{ordinals})(?:-?(?:го|е|ое))?\s+(?:{months})\.?(?:\s+\d{{4}}(?:\s*г\.?)?)?|"
        rf"\d{{1,2}}\.\d{{1,2}}(?:\.\d{{2,4}})?)"
    )
    daypart = (r"(?:утром|днем|вечером|к\s+вечеру|к\s+обеду|до\s+обеда|после\s+обеда|в\s+обед|"
               r"в\s+первой\s+половине\s+дня|во\s+второй\s+половине\s+дня)")
    window = rf"(?:с\s+{clock}\s+(?:до|по)\s+{clock}|{clock_num}\s*[-–—]\s*{clock})"
    at = rf"(?:(?:в|во|до|к|около|после|не\s+позднее|не\s+позже|ориентировочно\s+в|примерно\s+в)\s+{clock})"
    return {
        "dayclock": re.compile(
            rf"{B}(?P<day>{day})(?:\s*,?\s*(?P<dp>{daypart}))?(?:\s*,?\s*(?P<win>{window})|\s*,?\s*(?P<at>{at}))?{E}"
        ),
        "clockday": re.compile(rf"{B}(?P<at>{at}|{window})\s+(?P<day>{day}){E}"),
        "window": re.compile(rf"{B}(?P<win>{window}){E}"),
        "clock": re.compile(
            rf"{B}(?:в|до|к|около|не\s+позднее|не\s+позже)\s+(?P<clk>\d{{1,2}}[:.]\d{{2}}|"
            # «в 15-30» as chats write a clock; not «в 15-30 минут», a range of a duration
            rf"(?:[01]?\d|2[0-3])-[0-5]\d(?!\s*(?:{units})\.?{E})(?![-–—\d])|"
            rf"{clock_num}\s+(?:часов|часа|час|ч\.?)(?:\s+(?:утра|дня|вечера|ночи))?|"
            rf"{clock_num}\s+(?:утра|дня|вечера|ночи)){E}"
        ),
        "endof": re.compile(
            rf"{B}(?:до|к)\s+конц[ау]\s+(?P<what>(?:рабочего\s+)?дня|смены|недели|месяца){E}"
        ),
        "daypart": re.compile(rf"{B}(?P<dp>{daypart}){E}"),
        "duration": re.compile(
            rf"{B}(?:(?P<prep>в\s+течени[еи]|в\s+теч\.?|через|за|в\s+пределах|не\s+более|не\s+дольше|"
            rf"не\s+больше|около|примерно|максимум|до|в\s+ближайш(?:ие|ее|ий|ую))\s+)?"
            rf"(?P<num>{num})?\s*(?P<adj>(?:рабоч|календарн)\w*\s+)?(?P<unit>{units})\.?{E}"
            rf"(?P<rel>\s+до\s+(?!конца)\w+)?"
        ),
        "vague": re.compile(
            rf"{B}(?:скоро|вскоре|в\s+скором\s+времени|(?:чуть\s+|немного\s+|немножко\s+)?(?:позже|попозже|позднее)"
            rf"|в\s+ближайшее\s+время|в\s+ближайшие\s+(?:дни|часы|время)|на\s+днях|как\s+только|"
            rf"как\s+можно\s+(?:скорее|быстрее)|в\s+кратчайшие\s+сроки|при\s+первой\s+(?:же\s+)?возможности|"
            rf"со\s+временем|когда-нибудь|когда-то|в\s+свое\s+время|как\s+появится\s+(?:возможность|информация)|"
            rf"по\s+мере\s+(?:возможности|поступления))"
            rf"{E}"
        ),
    }


# --- normalisation -----------------------------------------------------------------------------

def _parse_num(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    m = re.fullmatch(r"(?:\d+\s*[-–—]\s*)?(\d+(?:[.,]\d+)?)", text)
    if m:  # «5-10 дней»: the upper bound
        return float(m.group(1).replace(",", "."))
    table = _number_words()
    total = 0.0
    for w in text.split():
        v = table.get(w)
        if v is None:
            return None
        total += v
    return total


def _unit_seconds(unit: str) -> float:
    key = _unit_words().get(re.sub(r"\s+", " ", unit.strip().rstrip(".")))
    return float(_UNITS[key][0]) if key else 0.0


def _parse_clock(text: str) -> tuple[int, int, str | None] | None:
    """«14:30» → (14, 30, None); «два часа дня» → (2, 0, 'дня')."""
    text = re.sub(r"\s+", " ", text.strip())
    qual = None
    m = re.search(r"\s(утра|дня|вечера|ночи)$", text)
    if m:
        qual = m.group(1)
        text = text[:m.start()]
    text = re.sub(r"\s(?:часов|часа|час|ч\.?)$", "", text)
    m = re.fullmatch(r"(\d{1,2})(?:[:.-](\d{2}))?", text)  # «15-30» as chats write it
    if m:
        h, mi = int(m.group(1)), int(m.group(2) or 0)
    else:
        v = _parse_num(text)
        if v is None or v != int(v):
            return None
        h, mi = int(v), 0
    if h > 24 or mi > 59:
        return None
    return h, mi, qual


def _hour24(h: int, qual: str | None) -> int:
    if qual in ("дня", "вечера") and h < 12:
        return h + 12
    if qual in ("утра", "ночи"):
        return h % 24
    if h < WORKDAY_START_HOUR:  # «в два» at work is 14:00
        return h + 12
    return h % 24


def _end_of_day(d: datetime) -> datetime:
    return d.replace(hour=23, minute=59, second=59, microsecond=0)


def _resolve_day(text: str, ref: datetime) -> datetime | None:
    """The date named by a day expression, at 23:59:59."""
    t = re.sub(r"\s+", " ", text.strip())
    base = ref.replace(hour=0, minute=0, second=0, microsecond=0)
    if t == "сегодня":
        return _end_of_day(base)
    if t == "завтра":
        return _end_of_day(base + timedelta(days=1))
    if t == "послезавтра":
        return _end_of_day(base + timedelta(days=2))
    m = re.fullmatch(r"(?:на|до конца) (этой|следующей|текущей) недел[еи]", t)
    if m:
        end_week = base + timedelta(days=6 - base.weekday())
        return _end_of_day(end_week + timedelta(days=7 if m.group(1) == "следующей" else 0))
    m = re.fullmatch(r"(?:в|во|к|ко|до)(?: следующ\w+)? (\w+)", t)
    if m:
        for i, lemma in enumerate(_WEEKDAYS):
            if m.group(1) in _forms(lemma):
                ahead = (i - base.weekday()) % 7 or 7
                return _end_of_day(base + timedelta(days=ahead))
        return None
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?", t)
    if m:
        return _date(int(m.group(1)), int(m.group(2)), m.group(3), base)
    m = re.fullmatch(r"(\d{1,2}|\w+?)(?:-?(?:го|е|ое))? (\w+)\.?(?: (\d{4})(?: ?г\.?)?)?", t)
    if m:
        day_txt = m.group(1)
        day = int(day_txt) if day_txt.isdigit() else _ORDINAL_DAYS.get(day_txt)
        if day is None:
            day = _ORDINAL_DAYS.get(day_txt + "е")
        month = _month_words().get(m.group(2))
        if day is None or month is None:
            return None
        return _date(day, month, m.group(3), base)
    return None


def _date(day: int, month: int, year: str | None, base: datetime) -> datetime | None:
    y = int(year) if year else base.year
    if year and y < 100:
        y += 2000
    try:
        d = base.replace(year=y, month=month, day=day)
    except ValueError:
        return None
    if not year and d < base - timedelta(days=31):
        try:
            d = d.replace(year=y + 1)
        except ValueError:
            return None
    return _end_of_day(d)


_DAYPART_HOURS = {
    "утром": 12, "днем": 17, "вечером": 21, "к вечеру": 18, "к обеду": 13, "до обеда": 13,
    "после обеда": 18, "в обед": 14, "в первой половине дня": 13, "во второй половине дня": 18,
}


def _at_day(day: datetime, h: int, mi: int) -> datetime:
    if h == 24:
        return day.replace(hour=23, minute=59, second=59)
    return day.replace(hour=h, minute=mi, second=0)


_HYPHEN_CLOCK = re.compile(r"^(?:в|до|к|около|не позднее|не позже) (?:[01]?\d|2[0-3])-[0-5]\d$")  # «в 15-30»


def _clock_deadline(clock_text: str, day: datetime | None, ref: datetime | None) -> datetime | None:
    """Deadline of «в два», «до 15:00», «с 10 до 12» on ``day`` (today or tomorrow if already past)."""
    t = re.sub(r"\s+", " ", clock_text.strip())
    m = re.fullmatch(r"с (.+?) (?:до|по) (.+)", t) or (
        None if _HYPHEN_CLOCK.search(t) else re.fullmatch(r"(.+?) ?[-–—] ?(.+)", t))
    if m:
        t = m.group(2)
        first = _parse_clock(m.group(1))
        last = _parse_clock(t)
        if first is None or last is None:
            return None
        h2 = _hour24(last[0], last[2])
        h1 = _hour24(first[0], first[2] or last[2])
        if h2 < h1 and h2 + 12 < 24:
            h2 += 12
        parsed: tuple[int, int] = (h2, last[1])
    else:
        t = re.sub(r"^(?:в|во|до|к|около|после|не позднее|не позже|ориентировочно в|примерно в) ", "", t)
        c = _parse_clock(t)
        if c is None:
            return None
        parsed = (_hour24(c[0], c[2]), c[1])
    if ref is None:
        return None
    if day is None:
        d = _at_day(ref.replace(microsecond=0), *parsed)
        if d < ref:
            d += timedelta(days=1)
        return d
    return _at_day(day, *parsed)


@dataclass(frozen=True, slots=True)
class _Found:
    """A time expression as the text alone gives it (no deadline), and what its deadline is computed from."""

    expr: TimeExpr
    rule: str  # the regex that found it
    groups: tuple[str, ...] = ()


_WORD_RUN = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")


@cache
def _gates() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """What a text needs for the clock and duration regexes to match: the regexes are slow, and most texts
    lack it. Exact, not a guess: a clock («в два», «с 10 до 12») starts with a digit or a whole number word
    (a space or a dash after it); a duration ends with a unit word before a non-word character, maybe glued
    to its number («5мин»), so a word of the text ends with the last word of a unit form."""
    numbers = frozenset(_WORD_RUN.findall(f)[0] for f in _number_words())
    by_last: dict[str, set[str]] = {}
    for form in _unit_words():
        tail = _WORD_RUN.findall(form)[-1]
        by_last.setdefault(tail[-1], set()).add(tail)
    return numbers, {k: tuple(v) for k, v in by_last.items()}


@lru_cache(maxsize=16_384)
def _scan(text: str) -> tuple[_Found, ...]:
    """Time expressions of a text, in order, not overlapping, before a reference time gives them deadlines.

    Cached by text: several rules and the card ask about the same messages and sentences."""
    low = text.lower().replace("ё", "е")
    numbers, unit_tails = _gates()
    words = frozenset(_WORD_RUN.findall(low))
    has_clock = _DIGIT.search(low) is not None or not numbers.isdisjoint(words)
    has_unit = any(w.endswith(unit_tails.get(w[-1], ())) for w in words)

    def matches(name: str, possible: bool = True) -> Iterator[re.Match[str]]:
        return _regexes()[name].finditer(low) if possible else iter(())

    taken: list[tuple[int, int]] = []
    out: list[_Found] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or b <= s for a, b in taken)

    def add(s: int, e: int, kind: str, rule: str, groups: tuple[str, ...] = (), seconds: float | None = None,
            relative: bool = False) -> None:
        taken.append((s, e))
        out.append(_Found(TimeExpr(s, e, text[s:e], kind, seconds, None, relative), rule, groups))

    for m in matches("dayclock"):
        add(m.start(), m.end(), "deadline", "dayclock", (m.group("day"), m.group("dp") or "",
                                                          m.group("win") or m.group("at") or ""))
    # the day of a «clockday» match («в 10 утра завтра») is a «dayclock» match of its own
    for m in matches("clockday", bool(out)):
        if free(m.start(), m.end()):
            add(m.start(), m.end(), "deadline", "clockday", (m.group("at"), m.group("day")))
    for m in matches("endof", "конц" in low):
        if free(m.start(), m.end()):
            add(m.start(), m.end(), "deadline", "endof", (m.group("what"),))
    for m in matches("window", has_clock):
        if free(m.start(), m.end()):
            win = m.group("win")
            if not re.search(r"[:.]\d\d|час|утра|дня|вечера|^с\s", win):
                continue  # «5-10» alone is not a time
            add(m.start(), m.end(), "deadline", "window", (win,))
    for m in matches("clock", has_clock):
        if free(m.start(), m.end()):
            add(m.start(), m.end(), "deadline", "clock", (m.group(0),))
    for m in matches("duration", has_unit):
        if not free(m.start(), m.end()):
            continue
        unit = m.group("unit")
        num_txt = m.group("num")
        prep = m.group("prep")
        unit_key = _unit_words().get(re.sub(r"\s+", " ", unit.strip().rstrip(".")))
        if num_txt is None and prep is None and unit_key not in ("half",) and not re.fullmatch(
            r"минут(?:к|очк)?у|секунд(?:очк|к)?у|часок|часик", unit
        ):
            continue
        if unit in ("ч", "мин", "сек", "дн") and num_txt is None:
            continue
        n = _parse_num(num_txt) if num_txt else 1.0
        if n is None:
            continue
        seconds = n * _unit_seconds(unit)
        if unit_key == "half" and num_txt:
            continue
        if prep is None and _PAST_PERIOD.search(low[max(0, m.start() - 16):m.start()]):
            continue  # «за последние 6 месяцев», «прошлые 3 дня»: a period behind, no time of a step
        rel = bool(m.group("rel")) and (prep or "").strip() == "за"
        end = m.end("unit") + (1 if low[m.end("unit"):m.end("unit") + 1] == "." and unit in ("мин", "ч", "сек")
                               else 0)
        if rel:
            end = m.end("rel")
        add(m.start(), end, "duration", "duration", seconds=seconds, relative=rel)
    for m in matches("daypart"):
        if free(m.start(), m.end()):
            add(m.start(), m.end(), "deadline", "daypart", (m.group("dp"),))
    for m in matches("vague"):
        if free(m.start(), m.end()):
            add(m.start(), m.end(), "vague", "vague")
    out.sort(key=lambda f: f.expr.start)
    return tuple(out)


def _deadline(found: _Found, ref: datetime) -> datetime | None:
    """The deadline of an expression said at ``ref``."""
    g = found.groups
    if found.rule == "dayclock":
        day = _resolve_day(g[0], ref)
        deadline = day
        dp, clock = g[1], g[2]
        if dp and day is not None and not clock:
            deadline = day.replace(hour=_DAYPART_HOURS.get(re.sub(r"\s+", " ", dp), 23), minute=0, second=0)
        if clock:
            deadline = _clock_deadline(clock, day, ref) if day is not None else None
        return deadline
    if found.rule == "clockday":
        day = _resolve_day(g[1], ref)
        return _clock_deadline(g[0], day, ref) if day else None
    if found.rule == "endof":
        what = g[0]
        base = _end_of_day(ref)
        if what.startswith("рабочего") or what == "смены":
            deadline = ref.replace(hour=18, minute=0, second=0, microsecond=0)
            return base if deadline < ref else deadline
        if what == "дня":
            return base
        if what == "недели":
            return base + timedelta(days=6 - ref.weekday())
        nxt = (ref.replace(day=28) + timedelta(days=4)).replace(day=1)
        return _end_of_day(nxt - timedelta(days=1))
    if found.rule in ("window", "clock"):
        return _clock_deadline(g[0], None, ref)
    if found.rule == "duration":
        expr = found.expr
        return ref + timedelta(seconds=expr.seconds or 0.0) if not expr.relative else None
    if found.rule == "daypart":
        h = _DAYPART_HOURS.get(re.sub(r"\s+", " ", g[0]), 23)
        deadline = ref.replace(hour=h, minute=0, second=0, microsecond=0)
        return _end_of_day(ref) if deadline < ref else deadline
    return None


def find_times(doc: Doc | str, reference: datetime | None = None) -> list[TimeExpr]:
    """Time expressions of a text, in order, not overlapping; deadlines need ``reference``."""
    found = _scan(doc if isinstance(doc, str) else doc.text)
    if reference is None:  # no deadlines: the text alone says it all
        return [f.expr for f in found]
    return [replace(f.expr, deadline=_deadline(f, reference)) for f in found]
