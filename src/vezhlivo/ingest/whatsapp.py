"""WhatsApp chat export (``.txt``, or the ``.zip`` with ``_chat.txt`` that iOS shares).

Line formats: Android ``12.03.2024, 14:05 - Имя: текст`` (also ``3/12/24, 2:05 PM - …``) and iOS
``[12.03.24, 14:05:09] Имя: текст`` (also ``[3/12/24, 2:05:09 PM] …``, with U+200E marks). Lines without a
time prefix continue the message above. Lines without ``Имя:`` are system lines (encryption notice,
«X добавил(а) Y») and are left out, as are media placeholders («<Без медиафайлов>», «<Media omitted>»,
«image omitted», «<attached: …>», «IMG-….jpg (файл добавлен)») and deleted messages; the edit mark
«<Это сообщение было изменено>» is cut. Day-first or month-first dates are decided per file. One file is
one conversation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RecordError
from ..model import Channel, Conversation, Role, Source
from .canonical import decode_bytes

# ``detect_format`` asks ``looks_like`` of every text file (canonical JSONL included): the modules
# only reading an export needs (zip, ingest.common with its HTML parser, timeparse) are imported
# by the functions that read one, not with this module.

if TYPE_CHECKING:
    from . import ReadOptions

_DATE = r"(\d{1,2})[./-](\d{1,2})[./-](\d{2,4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s?([AaPp])\.?\s?[Mm]\.?)?"
ANDROID = re.compile(rf"^\u200e?{_DATE}\s+[-–]\s(.*)$")
IOS = re.compile(rf"^\u200e?\[{_DATE}\]\s(.*)$")
_AUTHOR = re.compile(r"^([^:\n]{1,80}?):\s(.*)$", re.DOTALL)

MEDIA = re.compile(
    r"^(?:<(?:без медиафайлов|media omitted|медиа ?файл отсутствует|медиа отсутствует|"
    r"attached:[^>]*|прикреплено:[^>]*|файл:[^>]*)>|"
    r"(?:image|video|audio|sticker|gif|document|contact card|изображение|видео|аудио|стикер|gif|документ|"
    r"карточка контакта)\s+(?:omitted|отсутствует)|"
    r".+\.(?:jpe?g|png|webp|mp4|opus|ogg|pdf|docx?|xlsx?|vcf)\s+\((?:файл добавлен|file attached)\)|"
    r"(?:это|данное) сообщение (?:было )?удалено|this message was deleted|you deleted this message|"
    r"вы удалили это сообщение|null)$",
    re.IGNORECASE,
)
NOTICE = re.compile(r"защищены сквозным шифрованием|are end-to-end encrypted|^(?:пропущенный|missed) "
                    r"(?:аудио|видео|voice|video)", re.IGNORECASE)
EDITED = re.compile(r"\s*<(?:это сообщение было изменено|this message was edited|изменено)>\s*$", re.IGNORECASE)


@dataclass(slots=True)
class _Raw:
    line: int
    parts: tuple[str, ...]
    rest: list[str]


def looks_like(text: str) -> bool:
    lines = [ln for ln in _norm(text).split("\n")[:50] if ln.strip()]
    return bool(lines) and sum(bool(ANDROID.match(ln) or IOS.match(ln)) for ln in lines) >= max(1, len(lines) // 3)


def _norm(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\u200f", "").replace("\u202f", " ").replace("\xa0", " ")


def read_text(path: Path) -> str:
    import zipfile

    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(".txt")]
            names.sort(key=lambda n: (not n.endswith("_chat.txt"), n))
            if not names:
                raise ValueError("the archive holds no .txt chat")
            return decode_bytes(zf.read(names[0]))[0]
    return decode_bytes(path.read_bytes())[0]


def chat_name(path: Path) -> str:
    stem = path.stem
    m = re.match(r"^(?:whatsapp chat (?:with|-)|чат whatsapp с|whatsapp чат с)\s*(.+)$", stem, re.IGNORECASE)
    return (m.group(1) if m else stem).strip(" -_")


def read_whatsapp(path: Path, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    import zipfile

    from .common import OperatorMatcher, Turn, build_conversation, company_names, guess_operators, note
    from .timeparse import parse_tz

    try:
        text = read_text(path)
    except (OSError, ValueError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        yield RecordError(str(path), None, None, f"cannot read the WhatsApp export: {exc}")
        return
    raws: list[_Raw] = []
    for number, line in enumerate(_norm(text).split("\n"), start=1):
        m = ANDROID.match(line) or IOS.match(line)
        if m:
            g = m.groups()
            raws.append(_Raw(number, tuple(x or "" for x in g[:7]), [g[7]]))
        elif raws:
            raws[-1].rest.append(line)
        elif line.strip():
            yield RecordError(str(path), number, None, "a line before the first dated message; left out")
    firsts = [int(r.parts[0]) for r in raws]
    seconds = [int(r.parts[1]) for r in raws]
    if any(s > 12 for s in seconds) and not any(f > 12 for f in firsts):
        day_first = False
    elif any(f > 12 for f in firsts):
        day_first = True
    else:  # no day above 12: slashes with AM/PM are the US order, everything else day first
        day_first = not (any(r.parts[6] for r in raws) and "/" in text[:2000])
    tz = parse_tz(options.zone)
    rows: list[tuple[str, str, datetime]] = []
    for r in raws:
        a, b, y, hh, mm, ss, ampm = r.parts
        day, month = (int(a), int(b)) if day_first else (int(b), int(a))
        year = int(y) + (2000 if len(y) == 2 else 0)
        hour = int(hh)
        if ampm:
            hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
        try:
            ts = datetime(year, month, day, hour, int(mm), int(ss or 0), tzinfo=tz)
        except ValueError:
            yield RecordError(str(path), r.line, "date", f"not a date: {'.'.join(r.parts[:3])}")
            continue
        body = "\n".join(r.rest)
        m = _AUTHOR.match(body)
        if not m:
            continue  # system line
        if m.group(2).startswith("\u200e"):
            continue  # iOS marks notices, attachments and deletions with U+200E
        author = m.group(1).replace("\u200e", "").strip().lstrip("~").strip()
        message = EDITED.sub("", m.group(2).replace("\u200e", "")).strip()
        if not message or MEDIA.match(message) or NOTICE.search(message):
            continue
        rows.append((author, message, ts))
    matcher = OperatorMatcher(options)
    if matcher:
        operators = {a for a, _, _ in rows if matcher.matches(a)}
    else:
        operators, why = guess_operators([[(a, t) for a, t, _ in rows]], company_names(options))
        note(options, f"{path}: no operator given (--operator or rulebook 'operators'); taking "
                      f"{', '.join(sorted(operators)) or 'nobody'} as the operator ({why})")
    if not rows:
        yield RecordError(str(path), None, None, "no messages found in the WhatsApp export")
        return
    turns = [Turn(Role.OPERATOR if a in operators else Role.CLIENT, t, ts, a) for a, t, ts in rows]
    yield build_conversation(f"wa-{chat_name(path)}", Channel.CHAT, turns, source=Source(str(path), 1),
                             sort=False)
