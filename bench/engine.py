"""Throughput of the engine on the bundled examples, replicated; prints figures for BENCHMARKS.md.

    .venv/bin/python bench/engine.py [--contacts 2000]

Figures: contacts/s and messages/s in one process, p50/p99 per contact, peak RSS, and the floor
(the same corpus only parsed and tokenised) with the ratio full analysis / floor.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import time
from pathlib import Path

from razdel import tokenize

from vezhlivo.engine import Engine
from vezhlivo.ingest.canonical import parse_conversation
from vezhlivo.rulebook import load_rulebook
from vezhlivo.rules.examples import EXAMPLE_RULEBOOK

ROOT = Path(__file__).resolve().parents[1]


def corpus(n: int) -> list[str]:
    lines = [line for f in sorted((ROOT / "examples").glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for i in range(n):
        obj = json.loads(lines[i % len(lines)])
        obj["id"] = f"{obj['id']}-{i}"
        obj["client"] = {**(obj.get("client") or {}), "id": f"bench-{i}", "phone": None, "email": None}
        out.append(json.dumps(obj, ensure_ascii=False))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=2000)
    args = ap.parse_args()
    lines = corpus(args.contacts)

    t0 = time.perf_counter()
    messages = 0
    for line in lines:
        conv = parse_conversation(json.loads(line))
        for m in conv.messages:
            messages += 1
            for _ in tokenize(m.text):
                pass
    floor = time.perf_counter() - t0

    t0 = time.perf_counter()
    engine = Engine(load_rulebook(overrides=EXAMPLE_RULEBOOK))
    engine.check(parse_conversation(json.loads(lines[0])))
    warm = time.perf_counter() - t0

    per: list[float] = []
    t0 = time.perf_counter()
    for line in lines:
        s = time.perf_counter()
        engine.check(parse_conversation(json.loads(line)))
        per.append(time.perf_counter() - s)
    total = time.perf_counter() - t0
    per.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"contacts: {len(lines)}, messages: {messages}")
    print(f"engine start (rulebook + first contact): {warm * 1000:.0f} ms")
    print(f"full analysis: {len(lines) / total:.0f} contacts/s, {messages / total:.0f} messages/s (1 process)")
    print(f"per contact: p50 {statistics.median(per) * 1000:.2f} ms, p99 {per[int(len(per) * 0.99)] * 1000:.2f} ms")
    print(f"floor (JSON + tokenise): {len(lines) / floor:.0f} contacts/s; full/floor = {total / floor:.1f}x")
    print(f"peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
