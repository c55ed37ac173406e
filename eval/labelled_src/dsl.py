"""A tiny DSL for writing labelled conversations by hand.

Every text in the content modules was written for this project. The DSL only computes what is
mechanical (timestamps, phone timings, turn indices of marked messages, unique client phones) so that
labels cannot drift from the messages they point at.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

COMPANIES = {
    "kid": {
        "name": "Интернет-магазин Kid Mir",
        "key": ["Kid Mir"],
        "operators": {"op-1": "Елизавета", "op-2": "Дмитрий", "op-3": "Анастасия", "op-4": "Кирилл",
                      "op-5": "Ольга"},
    },
    "svyaz": {
        "name": "СвязьПлюс",
        "key": ["СвязьПлюс"],
        "operators": {"op-6": "Артём", "op-7": "Марина", "op-8": "Игорь", "op-9": "Светлана",
                      "op-10": "Руслан"},
    },
    "med": {
        "name": "Клиника Медлайн",
        "key": ["Медлайн"],
        "operators": {"op-11": "Ирина", "op-12": "Татьяна", "op-13": "Алексей", "op-14": "Юлия",
                      "op-15": "Вероника"},
    },
    "fin": {
        "name": "ФинДом",
        "key": ["ФинДом"],
        "operators": {"op-16": "Павел", "op-17": "Екатерина", "op-18": "Максим", "op-19": "Виктория",
                      "op-20": "Григорий"},
    },
}

OP_COMPANY = {op: key for key, c in COMPANIES.items() for op in c["operators"]}


@dataclass
class M:
    role: str
    text: str = ""
    d: float | None = None  # written: seconds after the previous message; phone: gap before the turn
    dur: float | None = None  # phone only: length of the turn in seconds
    x: tuple[str, ...] = ()  # rules expected to fire at this (operator) message
    event: str | None = None


def C(text: str, d: float | None = None, dur: float | None = None) -> M:
    return M("client", text, d, dur)


def O(  # noqa: E743  (C/O/S read like the roles in the content modules)
    text: str, d: float | None = None, x: str | tuple[str, ...] | list[str] = (), dur: float | None = None
) -> M:
    if isinstance(x, str):
        x = tuple(x.split())
    return M("operator", text, d, dur, tuple(x))


def S(event: str, d: float | None = None) -> M:
    assert event in {"transfer", "hold_start", "hold_end", "close", "hangup"}, event
    return M("system", "", d, None, (), event)


@dataclass
class Conv:
    channel: str
    op: str
    client: dict
    start: str
    msgs: list[M]
    expect: list[str] = field(default_factory=list)
    forbid: list[str] = field(default_factory=list)
    note: str = ""
    direction: str = "incoming"
    ring: float | None = None
    ended_by: str | None = None
    ok: tuple[str, ...] = ()  # checker overrides, never written out
    cid: str = ""


_USED_PHONES: set[str] = set()
_PHONE_RNG = random.Random(20261120)


def _auto_phone() -> str:
    while True:
        code = _PHONE_RNG.choice(["903", "905", "909", "912", "915", "916", "917", "921", "925", "926", "929",
                                  "937", "950", "951", "960", "977", "985", "999"])
        n = _PHONE_RNG.randrange(1000000, 9999999)
        s = f"+7 {code} {str(n)[:3]}-{str(n)[3:5]}-{str(n)[5:]}"
        if s not in _USED_PHONES:
            _USED_PHONES.add(s)
            return s


def cl(name: str | None = None, patronymic: str | None = None, phone: str | None = "auto",
       email: str | None = None) -> dict:
    if phone == "auto":
        phone = _auto_phone()
    elif phone is not None:
        _USED_PHONES.add(phone)
    return {"name": name, "patronymic": patronymic, "phone": phone, "email": email}


def conv(channel: str, op: str, client: dict, start: str, msgs: list[M], expect=(), forbid=(), note="",
         direction="incoming", ring=None, ended_by=None, ok=()) -> Conv:
    if isinstance(expect, str):
        expect = expect.split()
    if isinstance(forbid, str):
        forbid = forbid.split()
    if isinstance(ok, str):
        ok = tuple(ok.split())
    return Conv(channel, op, client, start, list(msgs), list(expect), list(forbid), note, direction, ring,
                ended_by, tuple(ok))


def chat(*a, **k) -> Conv:
    return conv("chat", *a, **k)


def email(*a, **k) -> Conv:
    return conv("email", *a, **k)


def review(*a, **k) -> Conv:
    return conv("review", *a, **k)


def phone(*a, **k) -> Conv:
    k.setdefault("ended_by", "client")
    return conv("phone", *a, **k)


def review_reply(op: str, client: dict, start: str, review_text: str, reply: str, *, x: str | tuple[str, ...] = (),
                 d: float | None = None, expect: str = "", forbid: str = "", note: str = "") -> Conv:
    """A review and the company's public reply to it (``d`` seconds later)."""
    return review(op, client, start, [C(review_text), O(reply, x=x, d=d)], expect=expect, forbid=forbid, note=note)


# How the blind batches sign e-mails: «С уважением,», the operator, the company's signature line.
KID = "Интернет-магазин Kid Mir"
SV = "служба поддержки СвязьПлюс"
MED = "администратор клиники «Медлайн»"
FIN = "ФинДом"


def sig(name: str, company: str) -> str:
    return f"\n\nС уважением,\n{name}\n{company}"


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def render(c: Conv, cid: str) -> dict:
    rng = random.Random(cid)
    company = COMPANIES[OP_COMPANY[c.op]]
    messages: list[dict] = []
    expect: list[dict] = []
    if c.channel == "phone":
        t = 0.0
        first = True
        for i, m in enumerate(c.msgs):
            if m.role == "system":
                gap = m.d if m.d is not None else 0.3
                t = t + gap
                messages.append({"role": "system", "event": m.event, "start": round(t, 1)})
                continue
            gap = m.d if m.d is not None else (0.4 if first else rng.uniform(0.6, 1.4))
            first = False
            start = t + gap
            words = len(m.text.split())
            dur = m.dur if m.dur is not None else max(0.8, words * 0.4 + rng.uniform(0.2, 0.7))
            end = start + dur
            messages.append({"role": m.role, "text": m.text, "start": round(start, 1), "end": round(end, 1)})
            t = end
            for r in m.x:
                expect.append({"rule": r, "turn": i})
    else:
        t0 = datetime.fromisoformat(c.start)
        ts = t0
        for i, m in enumerate(c.msgs):
            if i == 0:
                delay = m.d or 0
            elif m.d is not None:
                delay = m.d
            elif c.channel == "chat":
                delay = rng.uniform(8, 24) if m.role == "operator" else rng.uniform(15, 75)
                if m.role == "system":
                    delay = rng.uniform(3, 10)
            elif c.channel == "email":
                delay = rng.uniform(2 * 3600, 5 * 3600)
            else:  # review
                delay = rng.uniform(20 * 3600, 30 * 3600)
            ts = ts + timedelta(seconds=round(delay))
            if m.role == "system":
                messages.append({"role": "system", "event": m.event, "ts": _iso(ts)})
            else:
                messages.append({"role": m.role, "text": m.text, "ts": _iso(ts)})
            for r in m.x:
                expect.append({"rule": r, "turn": i})
    for r in c.expect:
        expect.append({"rule": r})
    labels = {"expect": expect, "forbid": list(c.forbid)}
    if c.note:
        labels["note"] = c.note
    return {
        "id": cid,
        "channel": c.channel,
        "direction": c.direction,
        "company": company["name"],
        "operator": {"id": c.op, "name": company["operators"][c.op]},
        "client": dict(c.client),
        "started_at": c.start,
        "ring_seconds": (c.ring if c.ring is not None else round(rng.uniform(3, 9), 1))
        if c.channel == "phone" else None,
        "ended_by": c.ended_by if c.channel == "phone" else None,
        "messages": messages,
        "labels": labels,
    }
