"""Where the time goes: CPU time per rule, and a pyinstrument profile of the whole run.

    .venv/bin/python bench/profile.py /tmp/vezhlivo-bench.jsonl [--sample 500] [--warm 1000] [--html /tmp/profile.html]

Part 1 times every rule's check on every contact (``time.process_time``, so other processes'
load does not count) plus annotation left to the card and scoring, and prints the rules by
total CPU. Part 2 (when pyinstrument is installed) profiles ``Engine.check_many`` on the same
sample and prints the functions with the most time of their own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

try:  # an older tree, for before/after runs, has no such module
    from vezhlivo.collector import tune_process as tune_batch_collector
except ImportError:
    def tune_batch_collector() -> None:
        pass

from vezhlivo.engine import Engine
from vezhlivo.ingest.canonical import parse_conversation
from vezhlivo.nlp.annotate import annotate
from vezhlivo.rules.base import RuleContext, Skip, check_for


def per_rule(engine: Engine, convs: list[Any]) -> tuple[Counter[str], float]:
    spent: Counter[str] = Counter()
    t_all = time.process_time()
    for conv in convs:
        ann = annotate(conv)
        for spec in engine.specs_for(conv):
            fn = check_for(spec)
            if fn is None:
                continue
            t0 = time.process_time()
            with contextlib.suppress(Skip):
                list(fn(RuleContext(ann=ann, spec=spec, rulebook=engine.rulebook)))
            spent[spec.code] += time.process_time() - t0
        t0 = time.process_time()
        from vezhlivo.card import build_card

        build_card(ann)
        spent["(card)"] += time.process_time() - t0
    return spent, time.process_time() - t_all


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--sample", type=int, default=500)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--html", type=Path, default=None)
    ap.add_argument("--warm", type=int, default=0,
                    help="check this many other contacts first: the steady state of a long run (warm word caches)")
    ap.add_argument("--gc", choices=("batch", "default"), default="batch",
                    help="the cycle collector as `vezhlivo check` sets it (batch), or Python's default")
    args = ap.parse_args()
    if args.gc == "batch":
        tune_batch_collector()
    lines = []
    with args.corpus.open(encoding="utf-8") as fh:
        for line in fh:
            lines.append(line)
            if len(lines) >= args.sample + args.warm:
                break
    warm, lines = lines[:args.warm], lines[args.warm:]
    convs = [parse_conversation(json.loads(x)) for x in lines]
    engine = Engine(doc_cache=0)  # every text analysed afresh: the per-rule figures include their documents
    engine.check(convs[0])  # load dictionaries, compile patterns
    for x in warm:
        engine.check(parse_conversation(json.loads(x)))
    spent, total = per_rule(engine, convs)
    print(f"CPU per rule over {len(convs)} contacts ({total:.1f} s, {1000 * total / len(convs):.1f} ms a contact;"
          " the first rule to touch a message pays its tokenisation and morphology):")
    for code, sec in spent.most_common(args.top):
        print(f"  {code:8} {sec:7.2f} s  {100 * sec / total:5.1f} %")
    try:
        from pyinstrument import Profiler
    except ImportError:
        return
    prof = Profiler(interval=0.001)
    prof.start()
    list(engine.check_many(parse_conversation(json.loads(x)) for x in lines))
    prof.stop()
    session = prof.last_session
    assert session is not None
    own: Counter[str] = Counter()

    def walk(frame: Any) -> None:
        children = frame.children
        own[f"{frame.function}  {Path(frame.file_path or '?').name}:{frame.line_no}"] += frame.total_self_time
        for c in children:
            walk(c)

    root = session.root_frame()
    if root is not None:
        walk(root)
    print(f"\npyinstrument, {session.duration:.1f} s wall ({session.cpu_time:.1f} s CPU); most time of their own:")
    for name, sec in own.most_common(args.top):
        print(f"  {sec:7.2f} s  {100 * sec / session.duration:5.1f} %  {name}")
    if args.html:
        args.html.write_text(prof.output_html(), encoding="utf-8")


if __name__ == "__main__":
    main()
