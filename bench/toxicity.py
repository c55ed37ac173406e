"""Speed of the toxicity model (vezhlivo.nlp.toxicity) per message, next to the lexicon alone.

    .venv/bin/python bench/toxicity.py [--n 3000] [--repeat 3]

Messages: RUTUBE support answers and MultiWOZ-ru system turns from ../shared/data when present,
otherwise the operator turns of the bundled examples/ and eval/labelled/. Prints the model's load
time and, per message (best of --repeat runs, morphology caches warm as in a long-running checker):
make_doc, toxicity(text), rude_spans (lexicon) and rude_sentences (lexicon + model), plus a cold pass.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections.abc import Callable
from pathlib import Path

from vezhlivo.nlp import toxicity as tox
from vezhlivo.nlp.doc import make_doc
from vezhlivo.nlp.rudeness import rude_spans

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def messages(n: int) -> tuple[str, list[str]]:
    out: list[str] = []
    rutube = DATA / "rutube_support" / "dev.csv"
    if rutube.exists():
        with rutube.open(encoding="utf-8") as fh:
            out += [r["Ответ сотрудника"] for r in csv.DictReader(fh) if r["Ответ сотрудника"].strip()]
        for path in sorted((DATA / "multiwoz_ru").glob("*.txt")):
            for dialogue in path.read_text(encoding="utf-8").split("\n\n"):
                out += [ln for ln in dialogue.splitlines() if ln.strip()][1::2]
        return "shared/data operator messages", out[:n]
    for path in sorted([*ROOT.glob("examples/*.jsonl"), *ROOT.glob("eval/labelled/*.jsonl")]):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out += [m["text"] for m in json.loads(line).get("messages", [])
                        if m.get("role") == "operator" and m.get("text")]
    return "project operator turns", out[:n]


def per_message(fn: Callable[[], object], n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    source, msgs = messages(args.n)
    t = time.perf_counter()
    tox.model()
    load = time.perf_counter() - t
    n = len(msgs)
    chars = sum(len(m) for m in msgs) / max(n, 1)
    print(f"{n} messages ({source}), {chars:.0f} characters on average; model load {load * 1e3:.0f} ms")
    t = time.perf_counter()
    docs = [make_doc(m) for m in msgs]
    for d in docs:
        tox.rude_sentences(d)
    cold = (time.perf_counter() - t) / n * 1e6
    rows = [
        ("make_doc", per_message(lambda: [make_doc(m) for m in msgs], n, args.repeat)),
        ("toxicity(text)", per_message(lambda: [tox.toxicity(m) for m in msgs], n, args.repeat)),
        ("rude_spans(doc), lexicon alone", per_message(lambda: [rude_spans(d) for d in docs], n, args.repeat)),
        ("rude_sentences(doc), lexicon + model", per_message(lambda: [tox.rude_sentences(d) for d in docs], n,
                                                             args.repeat)),
    ]
    print("| step | µs per message |\n|---|---|")
    print(f"| make_doc + rude_sentences, first pass (cold caches) | {cold:.0f} |")
    for name, us in rows:
        print(f"| {name} | {us:.0f} |")


if __name__ == "__main__":
    main()
