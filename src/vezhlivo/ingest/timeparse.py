"""Times as exports write them: ISO with or without an offset, Unix seconds or milliseconds,
``DD.MM.YYYY HH:MM``, RFC 2822 mail dates and Russian month names («12 марта 2024 г. в 14:05»)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["MONTHS", "parse_datetime", "parse_tz", "to_local"]

# stems of Russian and English month names, nominative and genitive, full and short
MONTHS: dict[str, int] = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


@lru_cache(maxsize=64)
def parse_tz(name: str | None) -> tzinfo:
    """``+03:00``, ``+3``, ``UTC``, ``MSK`` or an IANA name such as ``Europe/Moscow``."""
    text = (name or "").strip()
    if not text:
        return timezone(timedelta(hours=3))
    if text.upper() in ("UTC", "GMT", "Z"):
        return UTC
    if text.upper() in ("MSK", "МСК"):
        return timezone(timedelta(hours=3))
    m = _OFFSET.match(text)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return timezone(sign * delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use +03:00 or a name like Europe/Moscow)") from None


def _attach(dt: datetime, tz: tzinfo) -> datetime:
    return dt.replace(tzinfo=tz) if dt.tzinfo is None else dt


def to_local(dt: datetime, default_tz: str | tzinfo | None) -> datetime:
    """A naive time gets the default zone; an aware one is kept as it is."""
    tz = default_tz if isinstance(default_tz, tzinfo) else parse_tz(default_tz)
    return _attach(dt, tz)


def _from_unix(value: float, tz: tzinfo) -> datetime:
    if value > 1e14:  # microseconds
        value /= 1e6
    elif value > 1e11:  # milliseconds
        value /= 1e3
    return datetime.fromtimestamp(value, tz=UTC).astimezone(tz)


_RU_TEXT = re.compile(
    r"^(\d{1,2})\s+([a-zа-яё]+)\.?,?\s+(\d{4})(?:\s*г\.?)?(?:\s*(?:г\.)?)?[,\s]*(?:в\s+)?"
    r"(?:(\d{1,2})[:.](\d{2})(?::(\d{2}))?)?\s*(.*)$",
    re.IGNORECASE,
)
_NUMERIC = re.compile(
    r"^(\d{1,4})([./-])(\d{1,2})\2(\d{2,4})[,\sT]*(?:в\s+)?"
    r"(?:(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([AaPp]\.?[Mm]\.?)?)?\s*(.*)$"
)


def _month(word: str) -> int | None:
    w = word.lower().replace("ё", "е")
    return MONTHS.get(w[:3]) if len(w) >= 3 else None


def _tz_suffix(rest: str, tz: tzinfo) -> tzinfo | None:
    rest = rest.strip().strip("()")
    if not rest:
        return tz
    try:
        return parse_tz(rest)
    except ValueError:
        return None


def parse_datetime(value: object, default_tz: str | tzinfo | None = "+03:00",
                   day_first: bool = True) -> datetime | None:
    """Parse what an export calls a time; ``None`` for empty values, ``ValueError`` when unreadable.

    A time without a zone is taken in ``default_tz``. Numbers (and digit strings) are Unix seconds,
    milliseconds or microseconds by their size.
    """
    tz = default_tz if isinstance(default_tz, tzinfo) else parse_tz(default_tz)
    if value is None:
        return None
    if isinstance(value, datetime):
        return _attach(value, tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, int | float):
        return _from_unix(float(value), tz)
    if not isinstance(value, str):
        raise ValueError(f"not a time: {value!r}")
    text = value.strip().replace("\u202f", " ").replace("\xa0", " ").replace("\u200e", "")
    if not text:
        return None
    if re.fullmatch(r"\d{9,16}(\.\d+)?", text):
        return _from_unix(float(text), tz)
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        return _attach(datetime.fromisoformat(iso), tz)
    except ValueError:
        pass
    m = _NUMERIC.match(text)
    if m:
        a, _, b, c, hh, mm, ss, frac, ampm, rest = m.groups()
        if len(a) == 4:
            year, month, day = int(a), int(b), int(c)
        else:
            first, second = int(a), int(b)
            if first > 12 or (day_first and second <= 12):
                day, month = first, second
            else:
                day, month = second, first
            year = int(c) + (2000 if len(c) == 2 else 0)
        zone = _tz_suffix(rest, tz)
        if zone is not None:
            return _build(year, month, day, hh, mm, ss, frac, ampm, zone, value)
    m = _RU_TEXT.match(text)
    if m:
        day_s, word, year_s, hh, mm, ss, rest = m.groups()
        month_n = _month(word)
        zone = _tz_suffix(rest, tz)
        if month_n is not None and zone is not None:
            return _build(int(year_s), month_n, int(day_s), hh, mm, ss, None, None, zone, value)
    try:
        return _attach(parsedate_to_datetime(text), tz)
    except (TypeError, ValueError, IndexError):
        pass
    raise ValueError(f"not a time: {value!r}")


def _build(year: int, month: int, day: int, hh: str | None, mm: str | None, ss: str | None,
           frac: str | None, ampm: str | None, tz: tzinfo, original: object) -> datetime:
    hour = int(hh or 0)
    if ampm:
        pm = ampm.lower().startswith("p")
        if hour == 12:
            hour = 12 if pm else 0
        elif pm:
            hour += 12
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        return datetime(year, month, day, hour, int(mm or 0), int(ss or 0), micro, tzinfo=tz)
    except ValueError:
        raise ValueError(f"not a time: {original!r}") from None
