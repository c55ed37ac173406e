"""Canonical format v1: JSON Lines (or a JSON array) of conversations."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

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

_TOP_FIELDS = {
    "id", "channel", "direction", "company", "operator", "client", "started_at", "ring_seconds",
    "ended_by", "messages", "waivers", "labels", "meta", "schema",
}


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


def parse_message(obj: Any, index: int, written: bool) -> Message:
    field = f"messages[{index}]"
    if not isinstance(obj, Mapping):
        raise FieldError(field, f"expected an object, got {type(obj).__name__}")
    role = _enum(obj.get("role"), Role, f"{field}.role") if obj.get("role") is not None else None
    if role is None:
        raise FieldError(f"{field}.role", "missing (expected client | operator | system)")
    event = None
    if obj.get("event") is not None:
        event = _enum(obj["event"], Event, f"{field}.event")
    text = obj.get("text", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise FieldError(f"{field}.text", f"expected a string, got {type(text).__name__}")
    if role is Role.SYSTEM:
        if event is None and not text:
            raise FieldError(f"{field}.event", "a system message needs an event")
    elif not text.strip():
        raise FieldError(f"{field}.text", "missing or empty")
    ts = parse_time(obj.get("ts"), f"{field}.ts")
    start = _seconds(obj.get("start"), f"{field}.start")
    end = _seconds(obj.get("end"), f"{field}.end")
    if start is not None and end is not None and end < start:
        raise FieldError(f"{field}.end", f"ends ({end}) before it starts ({start})")
    return Message(
        index=index, role=role, text=text, ts=ts, start=start, end=end, event=event,
        author=_opt_str(obj, "author", f"{field}.author"),
    )


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


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a whole file by its BOM, else UTF-8, else cp1251; returns (text, encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1251", errors="replace")
    letters = sum(ch.isalpha() for ch in text)
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in text)
    if letters and cyrillic / letters > 0.3:
        return text, "cp1251"
    raise UnicodeDecodeError("utf-8", data, 0, 1, "neither UTF-8 nor cp1251 text")


def _iter_lines(path: Path) -> Iterator[tuple[int, str] | RecordError]:
    """Yield (line number, text); a line that is not UTF-8 is an error of its own."""
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            text, _ = decode_bytes(fh.read())
            yield from enumerate(text.splitlines(), start=1)
            return
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = raw.decode("cp1251", errors="replace")
                letters = [ch for ch in line if ch.isalpha()]
                # an old Windows export is Cyrillic cp1251; anything else is a wrong encoding
                if not letters or sum("\u0400" <= ch <= "\u04ff" for ch in letters) / len(letters) < 0.6:
                    yield RecordError(str(path), number, None,
                                      f"text is not UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                                      f"{exc.start + 1}); save the file as UTF-8")
                    continue
                yield number, line


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
    for item in [*pending, *lines]:
        if isinstance(item, RecordError):
            yield item
            continue
        number, line = item
        if not line.strip():
            continue
        yield _parse_record(path, number, line)


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
