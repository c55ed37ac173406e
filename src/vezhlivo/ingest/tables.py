"""CSV and XLSX tables of messages, one row a message.

Columns are found by a mapping (``--map conversation=Диалог,role=Роль,text=Текст,time=Время``, or the
rulebook's ``ingest.mapping``) or guessed from common headers («Диалог», «Роль»/«Отправитель»,
«Сообщение»/«Текст», «Дата»/«Время», «Оператор», «Клиент»; English ones too). Keys:

- ``conversation``: the conversation id (without it the whole file is one conversation);
- ``role``: «оператор»/«клиент»/«система» (and synonyms), or the author's name;
- ``author``: the author's name when ``role`` is absent;
- ``text``: the message;
- ``time`` (and ``date`` when date and time are separate columns);
- ``operator``, ``client``: names of the conversation's operator and client; when there is no ``text``
  column, the ``client``/``operator`` columns hold the client's message and the operator's reply of a row;
- ``channel``: chat | email | review | phone (chat when absent).

CSV: the delimiter (``,`` ``;`` tab ``|``) and the encoding are sniffed; rows are streamed. XLSX: every
sheet is read with openpyxl in read-only mode. Rows of one conversation need not be adjacent; within a
conversation rows keep the file order unless every row has a time, then they are sorted by it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FieldError, RecordError, VezhlivoError
from ..model import Channel, Client, Conversation, Operator, Role, Source
from .canonical import open_text
from .common import (
    OperatorMatcher,
    Turn,
    build_conversation,
    company_names,
    guess_operators,
    norm,
    note,
    role_word,
    time_of,
)

if TYPE_CHECKING:
    from . import ReadOptions

MAPPING_KEYS = ("conversation", "role", "author", "text", "time", "date", "operator", "client", "channel")

GUESSES: dict[str, tuple[str, ...]] = {
    "conversation": ("диалог", "id диалога", "номер диалога", "чат", "id чата", "обращение", "номер обращения",
                     "id обращения", "тикет", "заявка", "номер заявки", "сессия", "conversation",
                     "conversation_id", "conversation id", "chat", "chat_id", "chat id", "ticket", "ticket_id",
                     "ticket id", "dialog", "dialog_id", "session", "session_id", "thread", "thread_id"),
    "role": ("роль", "отправитель", "кто", "от кого", "тип автора", "тип отправителя", "направление",
             "role", "sender", "sender_type", "author_type", "from", "direction", "speaker"),
    "author": ("автор", "имя", "имя отправителя", "author", "name", "sender_name", "author_name"),
    "text": ("сообщение", "текст", "текст сообщения", "сообщения", "реплика", "содержание", "message", "text",
             "body", "message_text", "content", "comment"),
    "time": ("дата и время", "дата/время", "время сообщения", "дата сообщения", "дата", "время", "timestamp",
             "datetime", "date_time", "created_at", "created", "sent_at", "time", "date"),
    "operator": ("оператор", "сотрудник", "менеджер", "агент", "специалист", "operator", "agent", "manager"),
    "client": ("клиент", "покупатель", "абонент", "пользователь", "client", "customer", "user", "visitor"),
    "channel": ("канал", "channel", "источник", "source"),
}


def parse_mapping(spec: str | Mapping[str, str] | None) -> dict[str, str]:
    """``conversation=Диалог,role=Роль,text=Текст,time=Время`` → a dict; raises VezhlivoError."""
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        pairs = [(str(k), str(v)) for k, v in spec.items()]
    else:
        pairs = []
        for part in spec.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise VezhlivoError(f"--map: '{part.strip()}' is not key=column (e.g. text=Сообщение)")
            k, v = part.split("=", 1)
            pairs.append((k, v))
    out: dict[str, str] = {}
    for k, v in pairs:
        key = k.strip().lower()
        if key not in MAPPING_KEYS:
            raise VezhlivoError(f"--map: unknown key '{key}' (known: {', '.join(MAPPING_KEYS)})")
        out[key] = v.strip()
    return out


def mapping_settings(mapping: Mapping[str, str]) -> dict[str, Any]:
    """The rulebook fragment that saves a mapping for reuse: ``{"ingest": {"mapping": {...}}}``."""
    return {"ingest": {"mapping": dict(mapping)}}


def resolve_columns(headers: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    """Column index per key: the mapping first (header name, or a 1-based number), then guesses."""
    normed = [norm(h) for h in headers]
    cols: dict[str, int] = {}
    for key, want in mapping.items():
        w = norm(want)
        if w in normed:
            cols[key] = normed.index(w)
        elif w.isdigit() and 0 < int(w) <= len(headers):
            cols[key] = int(w) - 1
        else:
            raise FieldError(f"(header) {want}", f"no column named '{want}' for '{key}' "
                                                  f"(columns: {', '.join(h for h in headers if h)})")
    taken = set(cols.values())
    for key, names in GUESSES.items():
        if key in cols:
            continue
        for name in names:
            if name in normed and normed.index(name) not in taken:
                cols[key] = normed.index(name)
                taken.add(cols[key])
                break
    if "time" in cols and "date" not in cols and normed[cols["time"]] == "время" and "дата" in normed:
        cols["date"] = normed.index("дата")
    if "time" in cols and "date" not in cols and normed[cols["time"]] == "дата" and "время" in normed:
        cols["date"], cols["time"] = cols["time"], normed.index("время")
    return cols


def iter_table(path: Path) -> Iterator[tuple[str, int, list[Any]]]:
    """(sheet name, 1-based row number, cells) of every row; the first row of each sheet is the header."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for ws in wb.worksheets:
                for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
                    yield ws.title, number, list(cells)
        finally:
            wb.close()
        return
    with open_text(path) as fh:
        head = fh.read(65536)
        fh.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(head, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
        reader = csv.reader(fh, dialect)
        for row in reader:
            yield "", reader.line_num, list(row)


def _cell(row: list[Any], cols: Mapping[str, int], key: str) -> Any:
    i = cols.get(key)
    if i is None or i >= len(row):
        return None
    v = row[i]
    return v.strip() if isinstance(v, str) else v


def _when(row: list[Any], cols: Mapping[str, int], options: ReadOptions) -> datetime | None:
    t, d = _cell(row, cols, "time"), _cell(row, cols, "date")
    if d not in (None, "") and t not in (None, ""):
        if isinstance(t, time):
            t = t.isoformat()
        if isinstance(d, datetime | date):
            d = d.strftime("%d.%m.%Y")
        if isinstance(t, datetime):
            return time_of(t, options, "time")
        return time_of(f"{d} {t}", options, "time")
    return time_of(t if t not in (None, "") else d, options, "time")


def read_table(path: Path, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    mapping = parse_mapping(options.mapping or (options.settings.get("ingest") or {}).get("mapping"))
    matcher = OperatorMatcher(options)
    convs: dict[str, list[Turn]] = {}
    meta: dict[str, tuple[int, str | None, str | None, Channel]] = {}
    unknown: dict[str, list[tuple[str, str]]] = {}
    cols: dict[str, int] = {}
    sheet_seen = None
    headers: list[str] = []
    pair = False
    for sheet, number, row in iter_table(path):
        where = f"{path}[{sheet}]" if sheet else str(path)
        if sheet != sheet_seen or not headers:
            if all(c in (None, "") for c in row):
                continue
            sheet_seen = sheet
            headers = ["" if c is None else str(c).strip() for c in row]
            try:
                cols = resolve_columns(headers, mapping)
            except FieldError as exc:
                yield RecordError(where, number, exc.field, exc.message)
                return
            pair = "text" not in cols and "client" in cols and "operator" in cols
            if "text" not in cols and not pair:
                yield RecordError(where, number, None, "no message column found; name it with "
                                  "--map text=<column> (and conversation=, role=, time=)")
                return
            continue
        if all(c in (None, "") for c in row):
            continue
        try:
            ts = _when(row, cols, options)
            cid = str(_cell(row, cols, "conversation") or "").strip() or path.stem
            if isinstance(_cell(row, cols, "conversation"), float):
                cid = str(int(_cell(row, cols, "conversation")))
            ch_raw = _cell(row, cols, "channel")
            try:
                channel = Channel(str(ch_raw).strip().lower()) if ch_raw else Channel.CHAT
            except ValueError:
                channel = Channel.EMAIL if "mail" in str(ch_raw).lower() or "почт" in str(ch_raw).lower() \
                    else Channel.CHAT
            turns = convs.setdefault(cid, [])
            if cid not in meta:
                op = None if pair else _cell(row, cols, "operator")
                cl = None if pair else _cell(row, cols, "client")
                meta[cid] = (number, str(op) if op else None, str(cl) if cl else None, channel)
            if pair:
                for side, key in ((Role.CLIENT, "client"), (Role.OPERATOR, "operator")):
                    said = _cell(row, cols, key)
                    if said not in (None, ""):
                        turns.append(Turn(side, str(said), ts))
                continue
            text = _cell(row, cols, "text")
            if text in (None, ""):
                raise FieldError(headers[cols["text"]] or "text", "empty message")
            who = _cell(row, cols, "role")
            author = _cell(row, cols, "author")
            role: Role | None = role_word(who) if who not in (None, "") else None
            name = str(author) if author not in (None, "") else None
            if role is None:
                name = name or (str(who) if who not in (None, "") else None)
                if name is None:
                    raise FieldError(headers[cols["role"]] if "role" in cols else "role",
                                     "no role or author (map one with --map role=<column>)")
                _, op_name, cl_name, _ = meta[cid]
                if matcher.matches(name) or (op_name and norm(op_name) == norm(name)):
                    role = Role.OPERATOR
                elif (cl_name and norm(cl_name) == norm(name)) or matcher:
                    role = Role.CLIENT
                else:
                    unknown.setdefault(cid, []).append((name, str(text)))
                    turns.append(Turn(Role.SYSTEM, str(text), ts, name))  # decided below
                    continue
            if name is None:
                _, op_name, cl_name, _ = meta[cid]
                name = op_name if role is Role.OPERATOR else cl_name if role is Role.CLIENT else None
            turns.append(Turn(role, str(text), ts, name))
        except FieldError as exc:
            yield RecordError(where, number, exc.field, exc.message)
    if unknown:
        operators, why = guess_operators(list(unknown.values()), company_names(options))
        note(options, f"{path}: authors are names, not roles, and no operator is given (--operator); "
                      f"taking {', '.join(sorted(operators)) or 'nobody'} as the operator ({why})")
        for cid in unknown:
            for t in convs[cid]:
                if t.role is Role.SYSTEM and t.author is not None and t.event is None:
                    t.role = Role.OPERATOR if t.author in operators else Role.CLIENT
    for cid, turns in convs.items():
        number, op, cl, channel = meta[cid]
        if not turns:
            continue
        yield build_conversation(cid, channel, turns, source=Source(str(path), number),
                                 operator=Operator(name=op) if op else None,
                                 client=Client(name=cl) if cl else None)
