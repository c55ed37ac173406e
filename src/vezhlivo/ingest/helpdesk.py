"""Helpdesk exports as their public APIs return them.

Zendesk (Ticket Comments API, ``?include=users``; also ``{"tickets": [{…, "comments": […]}]}``):
    ticket ``id``, ``requester_id``, ``subject``, ``via.channel``; comments ``author_id``, ``public``
    (``false`` = internal note, left out), ``plain_body`` / ``body`` / ``html_body``, ``created_at``;
    ``users[].role`` (``end-user`` = client, ``agent``/``admin`` = operator). Without users the requester
    is the client and every other author an operator.
Intercom (Conversation model, one conversation, a list, or ``{"conversations": […]}``):
    ``id``, ``created_at``, ``source`` (first message: ``author.type``, ``body`` HTML, ``delivered_as``),
    ``conversation_parts.conversation_parts[]``: ``part_type`` (``comment``/``open`` = message, ``note``
    left out, ``assignment``/``away_mode_assignment`` = transfer event, ``close`` = close event),
    ``author.type`` (``admin``/``team`` = operator, ``user``/``lead``/``contact`` = client, ``bot`` = system),
    ``body`` HTML, ``created_at`` (Unix).
Jivo (``chat_finished`` webhook): ``chat_id``, ``visitor{name,email,phone}``, ``agents[]{id,name}``,
    ``chat.messages[]{timestamp, type: visitor|agent|system|bot, agent_id, message}``,
    ``chat.invitation`` (proactive invitation = an outgoing chat).
Usedesk (``GET /ticket``: ``{"ticket": {…}, "comments": […]}``, or a list of them):
    ticket ``id``, ``subject``, ``channel_id``, ``client_id``; comments ``message`` (HTML), ``type``
    (``private`` left out), ``from`` (``client`` = client, ``user`` = operator, ``trigger`` = system),
    ``published_at``/``created_at`` («2024-03-12 14:05:00», default zone).
Bitrix24 Open Lines (``imopenlines.session.history.get``: ``{"result": {"message": {…}, "users": {…}}}``):
    ``message{<id>: {id, senderid, date, text}}`` (``senderid`` 0 = system), ``users{<id>:
    {name, connector, bot}}`` (``connector`` true = client, ``bot`` = system, else operator); BB-codes cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FieldError, RecordError
from ..model import Channel, Client, Conversation, Direction, Event, Operator, Role, Source
from .common import OperatorMatcher, Turn, build_conversation, html_to_text, role_word, time_of

if TYPE_CHECKING:
    from . import ReadOptions


def _records(data: Any, key: str) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping) and isinstance(data.get(key), list):
        return list(data[key])
    return [data]


def _m(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _s(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


# --- Zendesk ---------------------------------------------------------------------------------

def is_zendesk(data: Any) -> bool:
    if isinstance(data, Mapping):
        if isinstance(data.get("tickets"), list):
            return bool(data["tickets"]) and isinstance(data["tickets"][0], Mapping) and \
                "comments" in data["tickets"][0]
        c = data.get("comments")
        return isinstance(c, list) and (not c or (isinstance(c[0], Mapping) and "author_id" in c[0]))
    return isinstance(data, list) and bool(data) and isinstance(data[0], Mapping) and \
        isinstance(data[0].get("comments"), list) and "requester_id" in (data[0].get("ticket") or data[0])


_ZENDESK_CHAT = {"chat", "chat_transcript", "native_messaging", "messaging", "whatsapp", "telegram",
                 "facebook", "instagram_dm", "line", "wechat", "viber", "sunshine_conversations_api"}


def _each(path: Path, records: list[Any],
          one: Callable[[int, Any], Conversation]) -> Iterator[Conversation | RecordError]:
    """One conversation a record; a broken record becomes its own error and the rest is read."""
    for number, rec in enumerate(records, start=1):
        try:
            yield one(number, rec)
        except FieldError as exc:
            yield RecordError(str(path), number, exc.field, exc.message)


def read_zendesk(path: Path, data: Any, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    matcher = OperatorMatcher(options)
    top_users = data.get("users") if isinstance(data, Mapping) else None
    yield from _each(path, _records(data, "tickets"),
                     lambda n, rec: _zendesk_one(path, n, rec, top_users, matcher, options))


def _zendesk_one(path: Path, number: int, rec: Any, top_users: Any, matcher: OperatorMatcher,
                 options: ReadOptions) -> Conversation:
    if not isinstance(rec, Mapping):
        raise FieldError("(ticket)", "expected an object")
    ticket = _m(rec.get("ticket")) or rec
    comments = rec.get("comments")
    if not isinstance(comments, list):
        raise FieldError("comments", "missing or not a list")
    users = rec.get("users") or top_users or []
    roles = {str(u.get("id")): (str(u.get("role") or ""), u.get("name"), u.get("email"))
             for u in users if isinstance(u, Mapping)}
    requester = _s(ticket.get("requester_id"))
    turns: list[Turn] = []
    for i, c in enumerate(comments):
        f = f"comments[{i}]"
        if not isinstance(c, Mapping):
            raise FieldError(f, "expected an object")
        if c.get("public") is False:
            continue
        author = _s(c.get("author_id"))
        role_name, name, _ = roles.get(author or "", ("", None, None))
        if role_name:
            role = Role.CLIENT if role_name == "end-user" else Role.OPERATOR
        elif matcher:
            role = Role.OPERATOR if matcher.matches(author, name) else Role.CLIENT
        elif requester:
            role = Role.CLIENT if author == requester else Role.OPERATOR
        else:
            role = Role.CLIENT if i == 0 else Role.OPERATOR
        text = c.get("plain_body") or c.get("body") or html_to_text(str(c.get("html_body") or ""), True)
        turns.append(Turn(role, str(text), time_of(c.get("created_at"), options, f"{f}.created_at"),
                          name or author))
    tid = _s(ticket.get("id")) or str(number)
    via = ticket.get("via")
    via_channel = str(via.get("channel") or "") if isinstance(via, Mapping) else ""
    channel = Channel.CHAT if via_channel in _ZENDESK_CHAT else Channel.EMAIL
    req = roles.get(requester or "")
    client = Client(id=requester, name=req[1] if req else None, email=req[2] if req else None)
    return build_conversation(f"zendesk-{tid}", channel, turns, source=Source(str(path), number), client=client)


# --- Intercom --------------------------------------------------------------------------------

def is_intercom(data: Any) -> bool:
    first = _records(data, "conversations")[0] if _records(data, "conversations") else None
    return isinstance(first, Mapping) and ("conversation_parts" in first or first.get("type") == "conversation")


_INTERCOM_ROLE = {"admin": Role.OPERATOR, "team": Role.OPERATOR, "user": Role.CLIENT, "lead": Role.CLIENT,
                  "contact": Role.CLIENT, "bot": Role.SYSTEM}


def read_intercom(path: Path, data: Any, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    yield from _each(path, _records(data, "conversations"), lambda n, rec: _intercom_one(path, n, rec, options))


def _intercom_one(path: Path, number: int, rec: Any, options: ReadOptions) -> Conversation:
    if not isinstance(rec, Mapping):
        raise FieldError("(conversation)", "expected an object")
    turns: list[Turn] = []
    direction = Direction.INCOMING
    src = rec.get("source")
    client = Client()
    if isinstance(src, Mapping):
        author = _m(src.get("author"))
        role = _INTERCOM_ROLE.get(str(author.get("type")), Role.CLIENT)
        if role is Role.OPERATOR:
            direction = Direction.OUTGOING
        else:
            client = Client(id=_s(author.get("id")), name=_s(author.get("name")), email=_s(author.get("email")))
        turns.append(Turn(role, html_to_text(str(src.get("body") or "")),
                          time_of(rec.get("created_at"), options, "created_at"), _s(author.get("name"))))
    parts = rec.get("conversation_parts")
    if isinstance(parts, Mapping):
        parts = parts.get("conversation_parts")
    for i, p in enumerate(parts or []):
        f = f"conversation_parts[{i}]"
        if not isinstance(p, Mapping):
            raise FieldError(f, "expected an object")
        kind = str(p.get("part_type") or "comment")
        author = _m(p.get("author"))
        ts = time_of(p.get("created_at"), options, f"{f}.created_at")
        body = html_to_text(str(p.get("body") or ""))
        name = _s(author.get("name"))
        if kind == "note":
            continue
        if kind in ("assignment", "away_mode_assignment", "participant_added", "assign_and_reopen",
                    "assign_and_unsnooze"):
            turns.append(Turn(Role.SYSTEM, "", ts, name, Event.TRANSFER))
            if body:
                turns.append(Turn(Role.OPERATOR, body, ts, name))
            continue
        if kind == "close":
            if body:
                turns.append(Turn(Role.OPERATOR, body, ts, name))
            turns.append(Turn(Role.SYSTEM, "", ts, name, Event.CLOSE))
            continue
        role = _INTERCOM_ROLE.get(str(author.get("type")), Role.CLIENT)
        if role is Role.CLIENT and client.id is None:
            client = Client(id=_s(author.get("id")), name=name, email=_s(author.get("email")))
        turns.append(Turn(role, body, ts, f"bot:{name}" if role is Role.SYSTEM and name else name))
    cid = _s(rec.get("id")) or str(number)
    return build_conversation(f"intercom-{cid}", Channel.CHAT, turns, source=Source(str(path), number),
                              client=client, direction=direction)


# --- Jivo ------------------------------------------------------------------------------------

def is_jivo(data: Any) -> bool:
    first = _records(data, "chats")[0] if _records(data, "chats") else None
    return isinstance(first, Mapping) and (
        first.get("event_name") == "chat_finished"
        or (isinstance(first.get("chat"), Mapping) and "messages" in first["chat"] and "visitor" in first))


def read_jivo(path: Path, data: Any, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    yield from _each(path, _records(data, "chats"), lambda n, rec: _jivo_one(path, n, rec, options))


def _jivo_one(path: Path, number: int, rec: Any, options: ReadOptions) -> Conversation:
    if not isinstance(rec, Mapping) or not isinstance(rec.get("chat"), Mapping):
        raise FieldError("chat", "missing or not an object")
    chat = rec["chat"]
    msgs = chat.get("messages")
    if not isinstance(msgs, list):
        raise FieldError("chat.messages", "missing or not a list")
    agents = {str(a.get("id")): a for a in rec.get("agents") or [] if isinstance(a, Mapping)}
    visitor = _m(rec.get("visitor"))
    turns: list[Turn] = []
    for i, m in enumerate(msgs):
        f = f"chat.messages[{i}]"
        if not isinstance(m, Mapping):
            raise FieldError(f, "expected an object")
        kind = str(m.get("type") or "")
        role = role_word(kind)
        if role is None:
            raise FieldError(f"{f}.type", f"unknown author type {kind!r} (expected visitor | agent)")
        agent = agents.get(str(m.get("agent_id")))
        name = _s(agent.get("name")) if agent else (_s(visitor.get("name")) if role is Role.CLIENT else None)
        turns.append(Turn(role, str(m.get("message") or ""),
                          time_of(m.get("timestamp"), options, f"{f}.timestamp"), name))
    first_agent = next(iter(agents.values()), None)
    direction = Direction.OUTGOING if chat.get("invitation") and turns and turns[0].role is Role.OPERATOR \
        else Direction.INCOMING
    return build_conversation(
        f"jivo-{rec.get('chat_id', number)}", Channel.CHAT, turns, source=Source(str(path), number),
        operator=Operator(id=_s(first_agent.get("id")), name=_s(first_agent.get("name"))) if first_agent
        else None,
        client=Client(id=_s(visitor.get("number")), name=_s(visitor.get("name")),
                      email=_s(visitor.get("email")), phone=_s(visitor.get("phone"))),
        direction=direction,
    )


# --- Usedesk ---------------------------------------------------------------------------------

def is_usedesk(data: Any) -> bool:
    first = _records(data, "tickets")[0] if _records(data, "tickets") else None
    if not isinstance(first, Mapping) or not isinstance(first.get("comments"), list):
        return False
    c = first["comments"]
    return not c or (isinstance(c[0], Mapping) and "from" in c[0] and "message" in c[0])


_USEDESK_ROLE = {"client": Role.CLIENT, "user": Role.OPERATOR, "trigger": Role.SYSTEM}


def read_usedesk(path: Path, data: Any, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    yield from _each(path, _records(data, "tickets"), lambda n, rec: _usedesk_one(path, n, rec, options))


def _usedesk_one(path: Path, number: int, rec: Any, options: ReadOptions) -> Conversation:
    ticket = _m(rec.get("ticket"))
    turns: list[Turn] = []
    for i, c in enumerate(rec.get("comments") or []):
        f = f"comments[{i}]"
        if not isinstance(c, Mapping):
            raise FieldError(f, "expected an object")
        if str(c.get("type") or "public") == "private":
            continue
        frm = str(c.get("from") or "")
        role = _USEDESK_ROLE.get(frm) or role_word(frm)
        if role is None:
            raise FieldError(f"{f}.from", f"unknown author {frm!r} (expected client | user | trigger)")
        ts = time_of(c.get("published_at") or c.get("created_at"), options, f"{f}.published_at")
        author = _s(c.get("user_id") if role is Role.OPERATOR else c.get("client_id"))
        turns.append(Turn(role, html_to_text(str(c.get("message") or "")), ts, author))
    channel = Channel.EMAIL if str(ticket.get("type") or "").lower() in ("email", "mail") else Channel.CHAT
    return build_conversation(f"usedesk-{ticket.get('id', number)}", channel, turns,
                              source=Source(str(path), number), client=Client(id=_s(ticket.get("client_id"))))


# --- Bitrix24 Open Lines ---------------------------------------------------------------------

def is_bitrix(data: Any) -> bool:
    res = data.get("result") if isinstance(data, Mapping) else None
    return isinstance(res, Mapping) and isinstance(res.get("message"), Mapping | list)


_BB = re.compile(r"\[/?(?:b|i|u|s|url|user|chat|quote|color|size|icon|br|send|put|p)(?:=[^\]]*)?\]", re.I)


def read_bitrix(path: Path, data: Any, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    res = data["result"]
    users = _m(res.get("users"))
    raw = res["message"]
    msgs = list(raw.values()) if isinstance(raw, Mapping) else list(raw)
    turns: list[Turn] = []
    for i, m in enumerate(msgs):
        if not isinstance(m, Mapping):
            yield RecordError(str(path), i + 1, f"result.message[{i}]", "expected an object")
            continue
        sender = str(m.get("senderid") or m.get("author_id") or "0")
        u = _m(users.get(sender))
        if sender == "0" or u.get("bot"):
            role = Role.SYSTEM
        elif u.get("connector") or u.get("external_auth_id") == "imconnector":
            role = Role.CLIENT
        else:
            role = Role.OPERATOR
        raw_text = str(m.get("text") or m.get("textlegacy") or "")
        text = _BB.sub("", re.sub(r"\[br\]", "\n", raw_text, flags=re.IGNORECASE))
        event = Event.CLOSE if role is Role.SYSTEM and re.search(r"диалог (?:заверш|закрыт)", text, re.I) else None
        try:
            ts = time_of(m.get("date"), options, f"result.message[{i}].date")
        except FieldError as exc:
            yield RecordError(str(path), i + 1, exc.field, exc.message)
            continue
        turns.append(Turn(role, text, ts, None if sender == "0" else (_s(u.get("name")) or sender), event))
    clients = [t.author for t in turns if t.role is Role.CLIENT]
    cid = res.get("sessionId") or res.get("chatId") or path.stem
    yield build_conversation(f"b24-{cid}", Channel.CHAT, turns, source=Source(str(path), 1),
                             client=Client(name=clients[0]) if clients else None)
