"""Two versions of the engine compared on a noisy machine: ping-pong in the same minutes.

    git worktree add /tmp/base <commit> --detach
    .venv/bin/python bench/compare.py /tmp/vezhlivo-bench.jsonl --base /tmp/base/src --channel chat

On a shared host one process's steady state moves by a third from one minute to the next, so two runs
one after the other compare the minutes, not the code. Here two processes — this checkout and the
one whose ``src`` folder ``--base`` names — each read the same contacts, check ``--warm`` of them to
reach their steady state, then check the same chunks of ``--chunk`` contacts in turn (which goes
first is drawn for each pair), each timing its own CPU. Both see the same minutes; the figures are
the CPU a contact of each, their ratio, and in how many chunk pairs this checkout was faster (more
telling than the sums, which one slow burst can sway). The findings are compared too: a change
meant to be faster must find the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _contacts(path: str, channel: str | None, limit: int) -> list[str]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if channel is None or json.loads(line).get("channel") == channel:
                out.append(line)
                if len(out) >= limit:
                    break
    return out


def worker(path: str, channel: str | None, limit: int, warm: int) -> None:
    """Read commands «start stop» on stdin; check those contacts; answer «cpu_seconds digest»."""
    from vezhlivo.collector import tune_process
    from vezhlivo.engine import Engine
    from vezhlivo.ingest.canonical import parse_conversation

    convs = [parse_conversation(json.loads(line)) for line in _contacts(path, channel, limit)]
    tune_process()  # as `vezhlivo check` sets the collector
    engine = Engine()
    for conv in convs[:warm]:
        engine.check(conv)
    print(len(convs), flush=True)
    for command in sys.stdin:
        start, stop = map(int, command.split())
        t0 = time.process_time()
        reports = [engine.check(conv) for conv in convs[start:stop]]
        cpu = time.process_time() - t0
        digest = hashlib.sha1(repr([(r.conv.id, [(f.rule, f.turn, f.start, f.end, f.quote, f.suggestion)
                                                  for f in r.findings], r.score.total) for r in reports])
                              .encode()).hexdigest()
        print(f"{cpu:.6f} {digest}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--base", required=True, help="the other version's src folder (a git worktree's)")
    ap.add_argument("--channel", default=None, help="only contacts of this channel (chat, email, phone, review)")
    ap.add_argument("--contacts", type=int, default=15_000, help="contacts read, the warm-up included")
    ap.add_argument("--warm", type=int, default=3_000, help="contacts each checks before the timing")
    ap.add_argument("--chunk", type=int, default=250, help="contacts a turn")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.corpus, args.channel, args.contacts, args.warm)
        return
    base = Path(args.base).resolve()
    if not (base / "vezhlivo").is_dir():
        sys.exit(f"compare: {base} has no vezhlivo package (give the other version's src folder)")
    command = [sys.executable, __file__, args.corpus, "--base", str(base), "--contacts", str(args.contacts),
               "--warm", str(args.warm), "--worker"] + (["--channel", args.channel] if args.channel else [])
    envs = {"base": {**os.environ, "PYTHONPATH": str(base)},
            "this": {**os.environ, "PYTHONPATH": str(ROOT / "src")}}
    procs = {name: subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
             for name, env in envs.items()}
    sizes = {name: int(p.stdout.readline()) for name, p in procs.items()}  # type: ignore[union-attr]
    total = min(sizes.values())
    if total <= args.warm:
        sys.exit(f"compare: only {total} contacts, not more than --warm {args.warm}")
    rng = random.Random(args.seed)
    cpu = {"base": 0.0, "this": 0.0}
    faster = pairs = differ = 0
    for start in range(args.warm, total, args.chunk):
        stop = min(start + args.chunk, total)
        got: dict[str, tuple[float, str]] = {}
        for name in rng.sample(["base", "this"], 2):
            p = procs[name]
            p.stdin.write(f"{start} {stop}\n")  # type: ignore[union-attr]
            p.stdin.flush()  # type: ignore[union-attr]
            seconds, digest = p.stdout.readline().split()  # type: ignore[union-attr]
            got[name] = (float(seconds), digest)
        for name in cpu:
            cpu[name] += got[name][0]
        pairs += 1
        faster += got["this"][0] < got["base"][0]
        differ += got["this"][1] != got["base"][1]
    for p in procs.values():
        p.stdin.close()  # type: ignore[union-attr]
        p.wait()
    timed = total - args.warm
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; load average {os.getloadavg()}")
    print(f"{timed} contacts ({args.channel or 'every channel'}) after {args.warm}, in {pairs} chunk pairs")
    for name in ("base", "this"):
        print(f"  {name}: {cpu[name] / timed * 1000:.3f} ms CPU a contact")
    print(f"  this / base: {cpu['this'] / cpu['base']:.3f}; this faster in {faster} of {pairs} chunk pairs")
    print(f"  findings and scores: {'the same' if not differ else f'DIFFERENT in {differ} chunks'}")


if __name__ == "__main__":
    main()
