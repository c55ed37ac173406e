"""False-alarm hunt on real operator messages nobody wrote for vezhlivo (../shared/data).

    .venv/bin/python bench/false_alarms.py [--show 5] [--json OUT]

RUTUBE support: each (user question, employee answer) becomes a two-turn chat. MultiWOZ-ru: each
dialogue becomes a chat (lines alternate client / operator). Prints findings per 100 operator
messages by rule, with examples to inspect; contact-level rules about things a single answer cannot
show (greeting form, the name, magic words, reply time) are listed separately. Skips cleanly when the
data is absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from vezhlivo.engine import Engine
from vezhlivo.ingest.canonical import parse_conversation
from vezhlivo.model import Conversation

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def rutube() -> list[Conversation]:
    path = DATA / "rutube_support" / "dev.csv"
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            q, a = (row.get("Вопрос пользователя") or "").strip(), (row.get("Ответ сотрудника") or "").strip()
            if q and a:
                out.append(parse_conversation({"id": f"rutube-{i}", "channel": "chat", "messages": [
                    {"role": "client", "text": q}, {"role": "operator", "text": a}]}))
    return out


def multiwoz() -> list[Conversation]:
    out = []
    for path in sorted((DATA / "multiwoz_ru").glob("*.txt")):
        blocks = path.read_text(encoding="utf-8").split("\n\n")
        for i, block in enumerate(blocks):
            lines = [x.strip() for x in block.splitlines() if x.strip()]
            if len(lines) < 2:
                continue
            msgs = [{"role": "client" if j % 2 == 0 else "operator", "text": t} for j, t in enumerate(lines)]
            out.append(parse_conversation({"id": f"{path.stem}-{i}", "channel": "chat", "messages": msgs}))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    engine = Engine()
    summary: dict[str, dict[str, object]] = {}
    for name, convs in (("rutube_support", rutube()), ("multiwoz_ru", multiwoz())):
        if not convs:
            print(f"{name}: data absent, skipped")
            continue
        op_msgs = sum(len(c.by_role(c.messages[1].role)) for c in convs)
        spans: Counter[str] = Counter()
        contact: Counter[str] = Counter()
        examples: dict[str, list[str]] = defaultdict(list)
        for c in convs:
            report = engine.check(c)
            for f in report.findings:
                if f.start is None:
                    contact[f.rule] += 1
                    continue
                spans[f.rule] += 1
                if len(examples[f.rule]) < args.show:
                    text = c.messages[f.turn].text if f.turn is not None else ""
                    a, b = f.start, f.end or f.start
                    examples[f.rule].append(f"{c.id}: …{text[max(0, a - 50):a]}[{text[a:b]}]{text[b:b + 50]}…")
        print(f"\n== {name}: {len(convs)} conversations, {op_msgs} operator messages")
        print("findings in the text, per 100 operator messages:")
        for rule, n in spans.most_common():
            print(f"  {rule:4} {100 * n / op_msgs:6.2f}  ({n})")
            for e in examples[rule]:
                print("        " + e.replace("\n", " "))
        print("contact-level findings (per 100 contacts): " +
              ", ".join(f"{r} {100 * n / len(convs):.0f}" for r, n in contact.most_common()))
        summary[name] = {"operator_messages": op_msgs, "per_100": {r: round(100 * n / op_msgs, 2)
                                                                   for r, n in spans.most_common()}}
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
