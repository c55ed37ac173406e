"""A large, varied benchmark corpus in the canonical format v1 (JSON Lines).

    .venv/bin/python bench/corpus.py -n 100000 -o /tmp/vezhlivo-bench.jsonl [--seed 1]

Sources, mixed by weight and varied (names, operators, times, greetings, slips) rather than copied:

- the bundled ``examples/*.jsonl`` (every channel, with timestamps and call timings);
- ``../shared/data/multiwoz_ru``: real dialogue structure (≈16 turns) as chats and calls;
- ``../shared/data/rutube_support``: real support answers as e-mails and chat replies;
- ``../shared/data/russe_detox`` / ``ru_detox_vyhuholl``: a rude line slipped into ~2 % of contacts.

Clients repeat as in a real contact centre: ~70 % of contacts are a client's only contact, the
rest belong to clients with 2–6 contacts over the year, linked by id, phone or e-mail (so history
linking is exercised). Missing shared data is skipped; the examples alone still make a corpus.
Nothing from ``../shared/data`` is copied into the repository: the corpus is written to /tmp.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
MSK = timezone(timedelta(hours=3))

OPERATOR_NAMES = ["Елизавета", "Анна", "Игорь", "Мария", "Олег", "Татьяна", "Дмитрий", "Ксения", "Павел", "Светлана"]
CLIENT_NAMES = ["Наталья", "Сергей", "Ольга", "Андрей", "Екатерина", "Михаил", "Ирина", "Алексей", "Юлия", "Николай"]
TEAMS = ["Чаты", "Колл-центр", "Почта", "Отзывы", "VIP"]
GREETINGS = [
    "Здравствуйте! Меня зовут {op}, чем могу помочь?",
    "Интернет-магазин Kid Mir, {op}, здравствуйте!",
    "Добрый день! {op}, служба поддержки.",
    "Привет! Слушаю.",
]
CLOSINGS = [
    "Спасибо за обращение, хорошего дня!",
    "Если будут вопросы — пишите, всегда рады помочь.",
    "Всего доброго!",
]
SLIPS = ["Я не знаю.", "Вы должны были прочитать условия.", "Подожди минутку.", "Это не ко мне.", "Ну и что?"]


def _examples() -> list[dict[str, Any]]:
    out = []
    for f in sorted((ROOT / "examples").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line))
    return out


def _multiwoz() -> list[list[str]]:
    folder = SHARED / "multiwoz_ru"
    out: list[list[str]] = []
    for f in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
        for block in f.read_text(encoding="utf-8").split("\n\n"):
            lines = [x.strip() for x in block.splitlines() if x.strip()]
            if len(lines) >= 4:
                out.append(lines)
    return out


def _rutube() -> list[tuple[str, str]]:
    f = SHARED / "rutube_support" / "dev.csv"
    if not f.is_file():
        return []
    with f.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return [(r[0].replace("\u200c", "").strip()[:1500], r[1].strip()[:3000]) for r in rows
            if len(r) >= 2 and r[0].strip() and r[1].strip()]


def _toxic() -> list[str]:
    out: list[str] = []
    f = SHARED / "russe_detox" / "train.tsv"
    if f.is_file():
        for line in f.read_text(encoding="utf-8").splitlines()[1:2000]:
            parts = line.split("\t")
            if len(parts) > 1 and 10 < len(parts[1]) < 200:
                out.append(parts[1])
    return out


class Builder:
    def __init__(self, seed: int, operators: int = 500) -> None:
        self.rnd = random.Random(seed)
        self.examples = _examples()
        self.dialogues = _multiwoz()
        self.pairs = _rutube()
        self.toxic = _toxic()
        self.operators = [
            {"id": f"op-{i}", "name": OPERATOR_NAMES[i % len(OPERATOR_NAMES)], "team": TEAMS[i % len(TEAMS)]}
            for i in range(operators)
        ]
        self.start = datetime(2025, 12, 1, tzinfo=MSK)

    def sources(self) -> dict[str, str]:
        return {"examples": f"{len(self.examples)} contacts", "multiwoz_ru": f"{len(self.dialogues)} dialogues",
                "rutube_support": f"{len(self.pairs)} pairs", "russe_detox": f"{len(self.toxic)} toxic lines"}

    # -- clients: 70 % single contacts, the rest 2–6 contacts of one client over the year
    def clients(self, n: int) -> Iterator[tuple[dict[str, Any], datetime]]:
        rnd = self.rnd
        made = 0
        cid = 0
        while made < n:
            cid += 1
            k = 1 if rnd.random() < 0.7 else rnd.randint(2, 6)
            name = rnd.choice(CLIENT_NAMES)
            phone = f"+7 9{rnd.randint(10, 99)} {rnd.randint(100, 999)}-{rnd.randint(10, 99)}-{rnd.randint(10, 99)}"
            email = f"client{cid}@example.ru"
            first = self.start + timedelta(seconds=rnd.randint(0, 365 * 86400))
            for j in range(min(k, n - made)):
                # a client is known by id, by phone only or by e-mail only in different systems
                form = rnd.random()
                client: dict[str, Any] = {"name": name}
                if form < 0.6:
                    client |= {"id": f"cl-{cid}", "phone": phone}
                elif form < 0.8:
                    client |= {"phone": phone.replace(" ", "").replace("-", "")}
                else:
                    client |= {"email": email}
                yield client, first + timedelta(days=j * rnd.randint(1, 20), seconds=rnd.randint(0, 3600))
                made += 1

    def contact(self, i: int, client: dict[str, Any], t0: datetime) -> dict[str, Any]:
        rnd = self.rnd
        op = rnd.choice(self.operators)
        roll = rnd.random()
        if roll < 0.55 and self.dialogues:
            obj = self._dialogue(op, client, t0, phone=rnd.random() < 0.15)
        elif roll < 0.75 and self.pairs:
            obj = self._pair(op, client, t0)
        else:
            obj = self._example(op, client, t0)
        obj["id"] = f"b{i:07d}"
        if self.toxic and rnd.random() < 0.02:
            ops = [m for m in obj["messages"] if m.get("role") == "operator" and m.get("text")]
            if ops:
                m = rnd.choice(ops)
                m["text"] = m["text"] + " " + rnd.choice(self.toxic)
        return obj

    def _example(self, op: dict[str, Any], client: dict[str, Any], t0: datetime) -> dict[str, Any]:
        src = self.rnd.choice(self.examples)
        obj = json.loads(json.dumps(src))
        shift = t0 - _time(src)
        obj["operator"] = dict(op)
        obj["client"] = {**client, "name": client.get("name")}
        obj["started_at"] = t0.isoformat()
        for m in obj["messages"]:
            if m.get("ts"):
                m["ts"] = (datetime.fromisoformat(m["ts"]) + shift).isoformat()
        obj.pop("waivers", None)
        return obj

    def _dialogue(self, op: dict[str, Any], client: dict[str, Any], t0: datetime, phone: bool) -> dict[str, Any]:
        rnd = self.rnd
        lines = rnd.choice(self.dialogues)
        cut = rnd.randint(min(4, len(lines)), len(lines))
        msgs: list[dict[str, Any]] = []
        t = 0.0
        texts = [(("client", "operator")[k % 2], x) for k, x in enumerate(lines[:cut])]
        greet = rnd.choice(GREETINGS).format(op=op["name"])
        texts.insert(1, ("operator", greet + (" " + texts[1][1] if len(texts) > 1 and rnd.random() < 0.5 else "")))
        if rnd.random() < 0.05:
            texts.append(("operator", rnd.choice(SLIPS)))
        texts.append(("operator", rnd.choice(CLOSINGS)))
        for role, text in texts:
            if rnd.random() < 0.1 and role == "client":
                text = text.lower().rstrip(".")
            step = rnd.uniform(3, 12) if phone else rnd.uniform(15, 150)
            if phone:
                dur = max(1.0, len(text) / 15)
                msgs.append({"role": role, "text": text, "start": round(t, 1), "end": round(t + dur, 1)})
                t += dur + rnd.uniform(0.2, 2)
            else:
                msgs.append({"role": role, "text": text, "ts": (t0 + timedelta(seconds=t)).isoformat()})
                t += step
        obj: dict[str, Any] = {
            "channel": "phone" if phone else "chat", "direction": "incoming", "company": "Интернет-магазин Kid Mir",
            "operator": dict(op), "client": dict(client), "started_at": t0.isoformat(), "messages": msgs,
        }
        if phone:
            obj["ring_seconds"] = rnd.randint(2, 40)
            obj["ended_by"] = rnd.choice(["client", "operator"])
        return obj

    def _pair(self, op: dict[str, Any], client: dict[str, Any], t0: datetime) -> dict[str, Any]:
        rnd = self.rnd
        q, a = rnd.choice(self.pairs)
        email = rnd.random() < 0.6
        reply = t0 + timedelta(minutes=rnd.randint(5, 600) if email else rnd.randint(1, 5))
        if email:
            a = f"Здравствуйте, {client.get('name')}!\n\n{a}\n\nС уважением, {op['name']}, служба поддержки"
        return {
            "channel": "email" if email else "chat", "direction": "incoming", "company": "Интернет-магазин Kid Mir",
            "operator": dict(op), "client": dict(client), "started_at": t0.isoformat(),
            "messages": [{"role": "client", "text": q, "ts": t0.isoformat()},
                         {"role": "operator", "text": a, "ts": reply.isoformat()}],
        }

    def build(self, n: int) -> Iterator[dict[str, Any]]:
        for i, (client, t0) in enumerate(self.clients(n)):
            yield self.contact(i, client, t0)


def _time(obj: dict[str, Any]) -> datetime:
    if obj.get("started_at"):
        return datetime.fromisoformat(obj["started_at"])
    for m in obj.get("messages", []):
        if m.get("ts"):
            return datetime.fromisoformat(m["ts"])
    return datetime(2026, 1, 1, tzinfo=UTC)


def write_corpus(path: Path, n: int, seed: int = 1) -> dict[str, Any]:
    """Write ``n`` contacts to ``path``; returns what went into it."""
    b = Builder(seed)
    messages = 0
    with path.open("w", encoding="utf-8") as fh:
        for obj in b.build(n):
            messages += len(obj["messages"])
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return {"contacts": n, "messages": messages, "bytes": path.stat().st_size, "sources": b.sources()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--contacts", type=int, default=100_000)
    ap.add_argument("-o", "--output", type=Path, default=Path("/tmp/vezhlivo-bench.jsonl"))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    info = write_corpus(args.output, args.contacts, args.seed)
    print(json.dumps({"path": str(args.output), **info}, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    main()
