"""Canonical format v1: JSON Lines (or a JSON array) of conversations."""

from __future__ import annotations

import codecs
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TextIO

from ..errors import FieldError, RecordError
from ..model import (
    Channel,
    Client,
    Conversation,
    Direction,
    Event,
    Message,
    Operator,
    Role,
    Source,
    Waiver,
)

SCHEMA = "vezhlivo.conversation.v1"


def _enum(value: Any, enum: type[Any], field: str) -> Any:
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = " | ".join(e.value for e in enum)
        raise FieldError(field, f"unknown value {value!r} (expected {allowed})") from None


def parse_time(value: Any, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise FieldError(field, f"expected an ISO 8601 time with offset, got the number {value!r}")
    if not isinstance(value, str):
        raise FieldError(field, f"expected an ISO 8601 time, got {type(value).__name__}")
    text = value.strip().replace("Z", "+00:00") if value.strip().endswith("Z") else value.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(field, f"not an ISO 8601 time: {value!r}") from None


def _seconds(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            return float(str(value).replace(",", "."))
        except ValueError:
            raise FieldError(field, f"expected seconds as a number, got {value!r}") from None
    if value < 0:
        raise FieldError(field, f"seconds cannot be negative: {value!r}")
    return float(value)


def _opt_str(obj: Mapping[str, Any], key: str, field: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise FieldError(field, f"expected a string, got {type(value).__name__}")
    return value.strip() or None


def _mapping(value: Any, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):  # "operator": "Елизавета" is common in hand-written files
        return {"name": value}
    if not isinstance(value, Mapping):
        raise FieldError(field, f"expected an object, got {type(value).__name__}")
    return value


# Values as files spell them nearly always: looked up before ``_enum`` normalises and validates.
_ROLE_OF = {r.value: r for r in Role}
_EVENT_OF = {e.value: e for e in Event}
_SYSTEM = Role.SYSTEM
fromisoformat = datetime.fromisoformat


def parse_message(obj: Any, index: int, written: bool) -> Message:
    if type(obj) is not dict and not isinstance(obj, Mapping):  # a dict nearly always: no ABC check
        raise FieldError(f"messages[{index}]", f"expected an object, got {type(obj).__name__}")
    get = obj.get
    raw_role = get("role")
    role = _ROLE_OF.get(raw_role) if type(raw_role) is str else None
    if role is None:
        if raw_role is None:
            raise FieldError(f"messages[{index}].role", "missing (expected client | operator | system)")
        role = _enum(raw_role, Role, f"messages[{index}].role")
    event = None
    raw_event = get("event")
    if raw_event is not None:
        event = _EVENT_OF.get(raw_event) if type(raw_event) is str else None
        if event is None:
            event = _enum(raw_event, Event, f"messages[{index}].event")
    text = get("text", "")
    if type(text) is not str:
        if text is not None and not isinstance(text, str):
            raise FieldError(f"messages[{index}].text", f"expected a string, got {type(text).__name__}")
        text = text or ""
    if role is _SYSTEM:
        if event is None and not text:
            raise FieldError(f"messages[{index}].event", "a system message needs an event")
    elif not text.strip() and (written or get("start") is None):
        # a call's turn may carry times alone (a recording without transcript)
        raise FieldError(f"messages[{index}].text", "missing or empty")
    # field names are built only for an error: most fields are absent or well-formed
    ts = get("ts")
    if ts is not None:
        try:  # what parse_time makes of a well-formed time, sooner
            ts = fromisoformat(ts) if type(ts) is str else parse_time(ts, f"messages[{index}].ts")
        except ValueError:
            ts = parse_time(ts, f"messages[{index}].ts")
    start, end, author = get("start"), get("end"), get("author")
    if start is not None:
        start = _seconds(start, f"messages[{index}].start")
    if end is not None:
        end = _seconds(end, f"messages[{index}].end")
        if start is not None and end is not None and end < start:
            raise FieldError(f"messages[{index}].end", f"ends ({end}) before it starts ({start})")
    if author is not None:
        author = _opt_str(obj, "author", f"messages[{index}].author")
    return Message(index, role, text, ts, start, end, event, author)


def parse_conversation(obj: Any, source: Source | None = None) -> Conversation:
    """Build a conversation from a v1 object; raises FieldError naming the bad field."""
    if not isinstance(obj, Mapping):
        raise FieldError("(record)", f"expected a JSON object, got {type(obj).__name__}")
    cid = obj.get("id")
    if cid is None or (isinstance(cid, str) and not cid.strip()):
        raise FieldError("id", "missing")
    channel = _enum(obj.get("channel"), Channel, "channel") if obj.get("channel") is not None else None
    if channel is None:
        raise FieldError("channel", "missing (expected chat | email | review | phone)")
    direction = Direction.INCOMING
    if obj.get("direction") is not None:
        direction = _enum(obj["direction"], Direction, "direction")
    raw_messages = obj.get("messages")
    if not isinstance(raw_messages, list):
        raise FieldError("messages", "missing or not a list")
    messages = tuple(parse_message(m, i, channel.written) for i, m in enumerate(raw_messages))
    op = _mapping(obj.get("operator"), "operator")
    cl = _mapping(obj.get("client"), "client")
    ended_by = None
    if obj.get("ended_by") is not None:
        ended_by = _enum(obj["ended_by"], Role, "ended_by")
    waivers = []
    for i, w in enumerate(obj.get("waivers") or []):
        if not isinstance(w, Mapping) or not isinstance(w.get("rule"), str):
            raise FieldError(f"waivers[{i}]", "expected an object with a 'rule' code")
        waivers.append(Waiver(rule=w["rule"].strip().upper(), reason=str(w.get("reason") or ""),
                              by=_opt_str(w, "by", f"waivers[{i}].by")))
    return Conversation(
        id=str(cid).strip(),
        channel=channel,
        direction=direction,
        messages=messages,
        company=_opt_str(obj, "company", "company"),
        operator=Operator(
            id=_opt_str(op, "id", "operator.id"),
            name=_opt_str(op, "name", "operator.name"),
            team=_opt_str(op, "team", "operator.team"),
        ),
        client=Client(
            id=_opt_str(cl, "id", "client.id"),
            name=_opt_str(cl, "name", "client.name"),
            patronymic=_opt_str(cl, "patronymic", "client.patronymic"),
            phone=_opt_str(cl, "phone", "client.phone"),
            email=_opt_str(cl, "email", "client.email"),
        ),
        started_at=parse_time(obj.get("started_at"), "started_at"),
        ring_seconds=_seconds(obj.get("ring_seconds"), "ring_seconds"),
        ended_by=ended_by,
        waivers=tuple(waivers),
        source=source,
    )


def _cyrillic_share(text: str) -> float:
    letters = sum(ch.isalpha() for ch in text)
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in text)
    return cyrillic / letters if letters else 0.0


def sniff_encoding(head: bytes) -> str:
    """The encoding of a file from its first bytes: a BOM, UTF-16 without a BOM (zero bytes in every
    other place), UTF-8, else cp1251 (old Windows exports) when the text reads as Russian.

    Raises UnicodeDecodeError when it is none of them.
    """
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4:
        even = sample[0::2].count(0) / (len(sample) / 2)
        odd = sample[1::2].count(0) / (len(sample) / 2)
        if odd > 0.3 > even:  # ASCII "a\0": little-endian; Cyrillic is \x04 there, so count both
            return "utf-16-le"
        if even > 0.3 > odd:
            return "utf-16-be"
        if sample[1::2].count(4) / (len(sample) / 2) > 0.3:
            return "utf-16-le"
        if sample[0::2].count(4) / (len(sample) / 2) > 0.3:
            return "utf-16-be"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _cyrillic_share(head.decode("cp1251", errors="replace")) > 0.3:
        return "cp1251"
    raise UnicodeDecodeError("utf-8", head, 0, 1, "neither UTF-8, UTF-16 nor cp1251 text")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a whole file by its BOM, else UTF-16 by its zero bytes, else UTF-8, else cp1251;
    returns (text, encoding)."""
    try:
        encoding = sniff_encoding(data)
    except UnicodeDecodeError:
        raise UnicodeDecodeError("utf-8", data, 0, 1, "neither UTF-8 nor cp1251 text") from None
    if encoding == "utf-8":
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:  # the sample was UTF-8, a later part is not
            text = data.decode("cp1251", errors="replace")
            if _cyrillic_share(text) > 0.3:
                return text, "cp1251"
            return data.decode("utf-8", errors="replace"), "utf-8"
    text = data.decode(encoding, errors="replace")
    return (text[1:] if text.startswith("\ufeff") else text), encoding


def open_text(path: Path, sample: int = 65536) -> TextIO:
    """Open a text file for streaming in the encoding its first bytes show (see sniff_encoding)."""
    with path.open("rb") as fh:
        head = fh.read(sample)
    encoding = sniff_encoding(head)
    return path.open("r", encoding=encoding, errors="replace", newline="")


def _iter_lines(path: Path) -> Iterator[tuple[int, str] | RecordError]:
    """Yield (line number, text); a line that is not UTF-8 is an error of its own."""
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        if is_wide_text(head):
            text, _ = decode_bytes(fh.read())
            yield from enumerate(text.splitlines(), start=1)
            return
        for number, raw in enumerate(fh, start=1):
            yield _decode_line(path, number, raw)


def is_wide_text(head: bytes) -> bool:
    """UTF-16 (a byte-order mark, or NULs among the first 4 bytes): read whole, not line by line."""
    return head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) == 4 and 0 in head)


def _decode_line(path: Path, number: int, raw: bytes) -> tuple[int, str] | RecordError:
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return number, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.decode("cp1251", errors="replace")
        letters = [ch for ch in line if ch.isalpha()]
        # an old Windows export is Cyrillic cp1251; anything else is a wrong encoding
        if not letters or sum("\u0400" <= ch <= "\u04ff" for ch in letters) / len(letters) < 0.6:
            return RecordError(str(path), number, None,
                               f"text is not UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                               f"{exc.start + 1}); save the file as UTF-8")
        return number, line


def read_canonical_lines(path: Path, start: int, stop: int, first_number: int) -> Iterator[Conversation | RecordError]:
    """What ``read_canonical`` yields for the whole lines in bytes [start, stop) of a JSONL file,
    the first of them line ``first_number``: one piece of a large file read by several processes."""
    with path.open("rb") as fh:
        fh.seek(start)
        data = fh.read(stop - start)
    yield from _records(path, (_decode_line(path, number, raw)
                               for number, raw in enumerate(io.BytesIO(data), start=first_number)))


def read_canonical(path: Path) -> Iterator[Conversation | RecordError]:
    """Stream conversations from a JSONL file (or a file holding one JSON array)."""
    lines = _iter_lines(path)
    first: tuple[int, str] | None = None
    pending: list[tuple[int, str] | RecordError] = []
    for item in lines:
        pending.append(item)
        if isinstance(item, tuple) and item[1].strip():
            first = item
            break
    if first is not None and first[1].lstrip().startswith("["):
        yield from _read_array(path, pending, lines)
        return
    yield from _records(path, itertools.chain(pending, lines))  # streamed: never a list of the whole file


def _records(path: Path, lines: Iterable[tuple[int, str] | RecordError]) -> Iterator[Conversation | RecordError]:
    """Each numbered line a record (blank lines skipped), or the line's own read error."""
    for item in lines:
        if isinstance(item, RecordError):
            yield item
        elif item[1].strip():
            yield _parse_record(path, *item)


def _parse_record(path: Path, number: int, line: str) -> Conversation | RecordError:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return RecordError(str(path), number, None, f"broken JSON: {exc.msg} at column {exc.colno}")
    try:
        return parse_conversation(obj, Source(str(path), number))
    except FieldError as exc:
        return RecordError(str(path), number, exc.field, exc.message)


def _read_array(
    path: Path, pending: list[tuple[int, str] | RecordError],
    rest: Iterator[tuple[int, str] | RecordError],
) -> Iterator[Conversation | RecordError]:
    parts = [item[1] for item in [*pending, *rest] if isinstance(item, tuple)]
    try:
        data = json.loads("".join(parts))
    except json.JSONDecodeError as exc:
        yield RecordError(str(path), exc.lineno, None, f"broken JSON: {exc.msg} at column {exc.colno}")
        return
    for number, obj in enumerate(data, start=1):
        try:
            yield parse_conversation(obj, Source(str(path), number))
        except FieldError as exc:
            yield RecordError(str(path), number, exc.field, f"(record {number} of the array) {exc.message}")


def _drop_none(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None and v != {} and v != []}


def conversation_to_dict(conv: Conversation) -> dict[str, Any]:
    """A conversation as a canonical v1 object (``parse_conversation`` reads it back)."""
    messages = [
        _drop_none({
            "role": m.role.value, "text": m.text if m.text else None,
            "ts": m.ts.isoformat() if m.ts else None, "start": m.start, "end": m.end,
            "event": m.event.value if m.event else None, "author": m.author,
        })
        for m in conv.messages
    ]
    op, cl = conv.operator, conv.client
    return _drop_none({
        "schema": SCHEMA,
        "id": conv.id,
        "channel": conv.channel.value,
        "direction": conv.direction.value,
        "company": conv.company,
        "operator": _drop_none({"id": op.id, "name": op.name, "team": op.team}),
        "client": _drop_none({"id": cl.id, "name": cl.name, "patronymic": cl.patronymic,
                              "phone": cl.phone, "email": cl.email}),
        "started_at": conv.started_at.isoformat() if conv.started_at else None,
        "ring_seconds": conv.ring_seconds,
        "ended_by": conv.ended_by.value if conv.ended_by else None,
        "messages": messages,
        "waivers": [_drop_none({"rule": w.rule, "reason": w.reason or None, "by": w.by}) for w in conv.waivers],
    })


conversation_dict = conversation_to_dict


def write_canonical(convs: Iterable[Conversation], target: str | Path | IO[str]) -> int:
    """Write conversations as canonical v1 JSON Lines to a path or an open text stream; returns the count.

    Streams: one conversation is written as soon as it is read.
    """
    if isinstance(target, str | Path):
        with Path(target).open("w", encoding="utf-8", newline="\n") as fh:
            return write_canonical(convs, fh)
    count = 0
    for conv in convs:
        target.write(json.dumps(conversation_to_dict(conv), ensure_ascii=False) + "\n")
        count += 1
    return count
