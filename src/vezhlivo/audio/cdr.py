"""Call metadata from a CDR CSV (Asterisk, FreePBX, a contact centre's export) or a side-car JSON.

A CDR row gives, by column name (English or Russian, case-blind): the call's id and recording file
(to match a recording), the start, ring time (``ring_seconds``/``wait``, or ``duration − billsec`` as
Asterisk writes them), who hung up (``hangup_by``: operator/agent/callee or client/caller…), the
direction, the operator and the client's number. Every field becomes a field of the canonical format.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import FieldError
from ..ingest.canonical import decode_bytes
from ..ingest.common import norm, role_word
from ..ingest.timeparse import parse_datetime

_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("uniqueid", "call_id", "callid", "id", "linkedid", "id звонка", "идентификатор"),
    "recording": ("recordingfile", "recording", "record", "recording_file", "file", "filename", "запись",
                  "файл записи", "файл"),
    "started_at": ("calldate", "start", "started_at", "start_time", "call_start", "дата", "время", "начало",
                   "дата звонка"),
    "ring_seconds": ("ring_seconds", "ring", "ring_time", "ringtime", "wait", "waitsec", "wait_seconds",
                     "ожидание", "время ожидания", "время до ответа"),
    "duration": ("duration", "длительность"),
    "billsec": ("billsec", "talk_seconds", "talk_time", "разговор", "время разговора"),
    "ended_by": ("ended_by", "hangup_by", "hangup_side", "who_hung_up", "disconnected_by", "hangup",
                 "кто завершил", "завершил"),
    "direction": ("direction", "call_direction", "type", "направление", "тип"),
    "operator": ("agent", "operator", "operator_name", "agent_name", "оператор", "сотрудник"),
    "operator_id": ("agent_id", "operator_id", "id оператора"),
    "team": ("team", "queue", "group", "команда", "очередь", "группа"),
    "client_phone": ("client_phone", "phone", "caller", "src", "clid", "номер", "телефон", "номер клиента"),
    "dst": ("dst", "called", "destination", "куда"),
}
_CALLER = {"caller", "src", "source", "a", "originator", "звонящий", "инициатор", "абонент а"}
_CALLEE = {"callee", "dst", "destination", "b", "answerer", "принимающий", "абонент б"}
_OUT = {"outgoing", "outbound", "out", "исходящий", "исходящее", "исх"}
_IN = {"incoming", "inbound", "in", "входящий", "входящее", "вх"}


def _number(value: Any, field: str) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return float(str(value).replace(",", ".").strip())
    except ValueError:
        raise FieldError(field, f"expected seconds, got {value!r}") from None


def meta_from_row(row: Mapping[str, Any], default_tz: str = "+03:00") -> dict[str, Any]:
    """One CDR row (column name → value) → canonical call fields, plus ``recording`` for matching."""
    cols = {norm(k): v for k, v in row.items() if k is not None}

    def get(key: str) -> Any:
        for name in _COLUMNS[key]:
            v = cols.get(name)
            if v is not None and str(v).strip() != "":
                return str(v).strip()
        return None

    out: dict[str, Any] = {}
    if get("id"):
        out["id"] = get("id")
    if get("recording"):
        out["recording"] = get("recording")
    when = get("started_at")
    if when:
        try:
            dt = parse_datetime(when, default_tz)
        except ValueError as exc:
            raise FieldError("calldate", str(exc)) from None
        if dt is not None:
            out["started_at"] = dt.isoformat()
    direction = None
    d = get("direction")
    if d and norm(d) in _OUT:
        direction = "outgoing"
    elif d and norm(d) in _IN:
        direction = "incoming"
    if direction:
        out["direction"] = direction
    ring = _number(get("ring_seconds"), "ring_seconds")
    if ring is None:
        dur, bill = _number(get("duration"), "duration"), _number(get("billsec"), "billsec")
        if dur is not None and bill is not None and dur >= bill:
            ring = dur - bill
    if ring is not None:
        out["ring_seconds"] = ring
    who = get("ended_by")
    if who:
        key = norm(who)
        role = role_word(key)
        outgoing = direction == "outgoing"
        if key in _CALLER:
            out["ended_by"] = "operator" if outgoing else "client"
        elif key in _CALLEE:
            out["ended_by"] = "client" if outgoing else "operator"
        elif role is not None and role.value != "system":
            out["ended_by"] = role.value
    op: dict[str, Any] = {}
    if get("operator"):
        op["name"] = get("operator")
    if get("operator_id"):
        op["id"] = get("operator_id")
    if get("team"):
        op["team"] = get("team")
    if op:
        out["operator"] = op
    phone = get("dst") if direction == "outgoing" else get("client_phone")
    if phone:
        out["client"] = {"phone": phone}
    return out


def read_cdr(path: Path, default_tz: str = "+03:00") -> dict[str, dict[str, Any]]:
    """Rows of a CDR CSV (comma, semicolon or tab), keyed by call id and by recording file stem."""
    text, _ = decode_bytes(path.read_bytes())
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    out: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(csv.DictReader(io.StringIO(text), dialect=dialect), start=2):
        try:
            meta = meta_from_row(row, default_tz)
        except FieldError as exc:
            raise FieldError(f"line {number}: {exc.field}", exc.message) from None
        for key in _keys(meta):
            out[key] = meta
    return out


def _keys(meta: Mapping[str, Any]) -> list[str]:
    keys = []
    if meta.get("id"):
        keys.append(str(meta["id"]))
    if meta.get("recording"):
        rec = str(meta["recording"]).replace("\\", "/").rsplit("/", 1)[-1]
        keys += [rec, rec.rsplit(".", 1)[0]]
    return keys


def is_cdr(path: Path) -> bool:
    """A CSV whose header names call columns (uniqueid/billsec/recordingfile/hangup_by…)."""
    if path.suffix.lower() not in (".csv", ".tsv"):
        return False
    try:
        with path.open("rb") as fh:
            head, _ = decode_bytes(fh.read(2048))
    except (OSError, UnicodeDecodeError):
        return False
    first = norm(head.splitlines()[0] if head else "")
    hits = sum(1 for name in ("billsec", "uniqueid", "recordingfile", "hangup_by", "ring_seconds", "calldate",
                              "disposition", "ended_by", "запись")
               if name in first)
    return hits >= 2
