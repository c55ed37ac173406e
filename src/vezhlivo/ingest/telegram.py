"""Telegram Desktop export (``result.json``): one chat, or a full export with ``chats.list[]``.

Read: chat ``id``/``name``/``type``; messages of ``type: "message"`` with ``from``, ``from_id``,
``date_unixtime`` (else ``date`` in the default zone) and ``text`` (a string or a list of strings and
``{type, text}`` entities; ``text_entities`` when ``text`` is missing). Service messages, media without a
caption and messages without text are left out; ``edited``, ``forwarded_from`` and ``reply_to_message_id``
do not change the turn. In a full export the exporting account (``personal_information.user_id``) is the
company's account. One chat is one conversation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FieldError, RecordError
from ..model import Channel, Client, Conversation, Operator, Role, Source
from .common import OperatorMatcher, Turn, build_conversation, company_names, guess_operators, note, time_of

if TYPE_CHECKING:
    from . import ReadOptions


def looks_like(data: Any) -> bool:
    if not isinstance(data, Mapping):
        return False
    if isinstance(data.get("chats"), Mapping) and isinstance(data["chats"].get("list"), list):
        return True
    msgs = data.get("messages")
    if isinstance(msgs, list) and "type" in data and msgs and isinstance(msgs[0], Mapping):
        return any(k in msgs[0] for k in ("from_id", "date_unixtime", "actor_id", "text_entities"))
    return isinstance(msgs, list) and data.get("type") in (
        "personal_chat", "private_group", "private_supergroup", "public_supergroup", "bot_chat",
        "saved_messages", "private_channel", "public_channel")


def message_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts: list[str] = []
        for item in value:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, Mapping):
                parts.append(str(item.get("text") or ""))
        return "".join(parts)
    raise FieldError("text", f"expected a string or a list of entities, got {type(value).__name__}")


def _chats(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    if isinstance(data.get("chats"), Mapping):
        out = [(f"chats.list[{i}]", c) for i, c in enumerate(data["chats"].get("list") or [])]
        left = data.get("left_chats")
        if isinstance(left, Mapping):
            out += [(f"left_chats.list[{i}]", c) for i, c in enumerate(left.get("list") or [])]
        return out
    return [("(chat)", data)]


Row = tuple[str, str, str | None, Any]  # (author key, text, display name, time)


def _chat_rows(path: Path, number: int, where: str, chat: Any, options: ReadOptions,
               errors: list[RecordError]) -> list[Row] | None:
    """The text messages of one chat; None for a chat that is skipped or broken."""
    if isinstance(chat, Mapping) and chat.get("type") == "saved_messages":
        return None
    if not isinstance(chat, Mapping) or not isinstance(chat.get("messages"), list):
        errors.append(RecordError(str(path), number, where, "a chat without a 'messages' list"))
        return None
    rows: list[Row] = []
    for i, msg in enumerate(chat["messages"]):
        field = f"{where}.messages[{i}]"
        if not isinstance(msg, Mapping):
            errors.append(RecordError(str(path), number, field, "expected an object"))
            continue
        if msg.get("type", "message") != "message":
            continue  # service: joined, pinned, call, …
        try:
            raw = msg.get("text") if msg.get("text") not in (None, "", []) else msg.get("text_entities")
            text = message_text(raw)
            ts = time_of(msg.get("date_unixtime") or msg.get("date"), options, f"{field}.date")
        except FieldError as exc:
            errors.append(RecordError(str(path), number, f"{field}.{exc.field}".replace(".(", "("), exc.message))
            continue
        author_id = str(msg.get("from_id") or msg.get("from") or "")
        if not text.strip() or not author_id:
            continue  # media without a caption, stickers, deleted accounts without a name
        rows.append((author_id, text, msg.get("from"), ts))
    return rows


_OWN_ID = re.compile(rb'"personal_information"\s*:\s*\{[^{}]*?"user_id"\s*:\s*(\d+)')


def stream_telegram(path: Path, options: ReadOptions) -> Iterator[Conversation | RecordError] | None:
    """A full export read chat by chat (memory bounded by the largest chat), when the company's
    accounts are known (--operator, the rulebook, or the exporting account); None otherwise."""
    import ijson

    matcher = OperatorMatcher(options)
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    m = _OWN_ID.search(head)
    own_id = f"user{m.group(1).decode()}" if m else None
    if not matcher and not own_id:
        return None

    def chats() -> Iterator[tuple[str, Any]]:
        for prefix in ("chats.list.item", "left_chats.list.item"):
            with path.open("rb") as fh:
                for i, chat in enumerate(ijson.items(fh, prefix, use_float=True)):
                    yield f"{prefix.split('.')[0]}.list[{i}]", chat

    def run() -> Iterator[Conversation | RecordError]:
        for number, (where, chat) in enumerate(chats(), start=1):
            errors: list[RecordError] = []
            rows = _chat_rows(path, number, where, chat, options, errors)
            yield from errors
            if not rows:
                continue
            names = {a: n for a, _, n, _ in rows if n}
            ids = {a for a, *_ in rows}
            ops = {a for a in ids if matcher.matches(a, names.get(a))} if matcher else {a for a in ids if a == own_id}
            conv = _build(path, number, chat, rows, ops, names)
            if conv is not None:
                yield conv

    return run()


def read_telegram(path: Path, data: Mapping[str, Any], options: ReadOptions) -> Iterator[Conversation | RecordError]:
    matcher = OperatorMatcher(options)
    me = data.get("personal_information")
    own_id = f"user{me.get('user_id')}" if isinstance(me, Mapping) and me.get("user_id") else None
    # First pass: the messages of each chat as (author key, text, display name, time).
    parsed: list[tuple[int, Mapping[str, Any], list[Row]]] = []
    for number, (where, chat) in enumerate(_chats(data), start=1):
        errors: list[RecordError] = []
        rows = _chat_rows(path, number, where, chat, options, errors)
        yield from errors
        if rows is not None:
            parsed.append((number, chat, rows))

    names_by_id = {a: n for _, _, rows in parsed for a, _, n, _ in rows if n}
    operators: set[str] = set()
    if matcher:
        all_ids = {a for _, _, rows in parsed for a, *_ in rows}
        operators = {a for a in all_ids if matcher.matches(a, names_by_id.get(a))}
    elif own_id:
        operators = {own_id}
    if not operators:
        chats = [[(a, t) for a, t, _, _ in rows] for _, _, rows in parsed]
        operators, why = guess_operators(chats, company_names(options))
        shown = ", ".join(sorted(names_by_id.get(a) or a for a in operators)) or "nobody"
        note(options, f"{path}: no operator given (--operator or rulebook 'operators'); taking {shown} "
                      f"as the operator: {why.replace(', '.join(sorted(operators)), shown)}")

    for number, chat, rows in parsed:
        conv = _build(path, number, chat, rows, operators, names_by_id)
        if conv is not None:
            yield conv


def _build(path: Path, number: int, chat: Mapping[str, Any], rows: list[Row], operators: set[str],
           names_by_id: Mapping[str, str | None]) -> Conversation | None:
    turns = [Turn(Role.OPERATOR if a in operators else Role.CLIENT, text, ts, name or a)
             for a, text, name, ts in rows]
    if not turns:
        return None
    op_names = [t.author for t in turns if t.role is Role.OPERATOR]
    cl_ids = [a for a, *_ in rows if a not in operators]
    client = Client(id=cl_ids[0] if cl_ids else None, name=names_by_id.get(cl_ids[0]) if cl_ids else None)
    if not cl_ids and chat.get("name"):
        client = Client(name=str(chat.get("name")))
    return build_conversation(
        f"tg-{chat.get('id', number)}", Channel.CHAT, turns, source=Source(str(path), number),
        operator=Operator(name=op_names[0]) if op_names else Operator(), client=client, sort=False,
    )
