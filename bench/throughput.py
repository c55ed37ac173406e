"""Throughput of the engine on the benchmark corpus; prints the figures BENCHMARKS.md records.

    .venv/bin/python bench/corpus.py -n 100000 -o /tmp/vezhlivo-bench.jsonl
    .venv/bin/python bench/throughput.py /tmp/vezhlivo-bench.jsonl [--sample 3000] [--jobs 1,2] [--json]

Figures:
- floor: every record of the corpus only parsed (JSON + canonical model) and tokenised (razdel),
  contacts/s and messages/s — the least any analysis must pay;
- full analysis in one process on the first ``--sample`` contacts (``Engine.check_many``):
  contacts/s, messages/s, the share of texts found in the engine's cache of analysed texts, and
  the same on other contacts with that cache off (every text analysed afresh); p50/p99 per
  contact (time between two reports; annotation is lazy so each contact's own work falls in its
  interval), and the ratio full / floor on the same sample;
- steady state: the no-cache engine, its word caches warm, on ``--sample`` further contacts, and its
  ratio to the floor (also to a floor tokenised by vezhlivo's own tokenizer, which gives razdel's tokens);
- scaling: ``check_parallel`` with ``-j N`` (in-memory) and ``stream_check`` (two-pass, flat
  memory), each on its own slice of contacts not seen before: wall-clock contacts/s; and whether
  the reports of each mode equal one process's on the first 200 contacts;
- peak RSS of this process and of the worker processes (max of each).
CPU time is printed next to wall time: on a shared machine wall time includes other people's load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from razdel import tokenize

try:  # an older tree, for before/after runs, has no such module
    from vezhlivo.collector import tune_process as tune_batch_collector
except ImportError:
    def tune_batch_collector() -> None:
        pass

from vezhlivo.engine import ContactReport, Engine
from vezhlivo.ingest import read_paths
from vezhlivo.ingest.canonical import parse_conversation
from vezhlivo.nlp.annotate import DocCache
from vezhlivo.parallel import check_parallel
from vezhlivo.report.model import contact_dict
from vezhlivo.stream import stream_check

try:  # the engine's own tokenizer (identical tokens to razdel's): a second, lower floor
    from vezhlivo.nlp.segment import tokens as _own_tokens

    def own_tokenize(text: str) -> list[tuple[str, int, int]]:
        return _own_tokens(text)
except ImportError:  # an older tree, for before/after runs
    own_tokenize = None  # type: ignore[assignment]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, {platform.system()}"


def floor(path: Path, limit: int | None, tokenize: Any = tokenize) -> dict[str, float]:
    contacts = messages = 0
    t0, c0 = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if limit is not None and contacts >= limit:
                break
            conv = parse_conversation(json.loads(line))
            contacts += 1
            for m in conv.messages:
                messages += 1
                for _ in tokenize(m.text):
                    pass
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"contacts": contacts, "messages": messages, "wall_s": wall, "cpu_s": cpu,
            "contacts_per_s": contacts / cpu, "messages_per_s": messages / cpu}


def sample_file(path: Path, n: int) -> Path:
    out = Path(f"/tmp/vezhlivo-sample-{n}-{os.getpid()}.jsonl")  # runs side by side do not share it
    with path.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            dst.write(line)
    return out


def slice_file(path: Path, start: int, n: int) -> Path:
    out = Path(f"/tmp/vezhlivo-slice-{start}-{n}-{os.getpid()}.jsonl")
    with path.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= start + n:
                break
            if i >= start:
                dst.write(line)
    return out


def full(engine: Engine, path: Path) -> tuple[dict[str, float], list[Any]]:
    per: list[float] = []
    out: list[Any] = []
    messages = 0
    t0, c0 = time.perf_counter(), time.process_time()
    last = t0
    for item in engine.check_many(read_paths([path])):
        now = time.perf_counter()
        if isinstance(item, ContactReport):
            per.append(now - last)
            messages += len(item.conv.messages)
            out.append(contact_dict(item))
        else:
            out.append(str(item))
        last = time.perf_counter()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    per.sort()
    return {"contacts": len(per), "messages": messages, "wall_s": wall, "cpu_s": cpu,
            "contacts_per_s": len(per) / cpu, "messages_per_s": messages / cpu,
            "p50_ms": statistics.median(per) * 1000, "p99_ms": per[min(len(per) - 1, int(len(per) * 0.99))] * 1000,
            "max_ms": per[-1] * 1000}, out


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def scaled(engine: Engine, path: Path, jobs: int, reference: list[Any] | None, streaming: bool) -> dict[str, Any]:
    t0, c0 = time.perf_counter(), _cpu()
    if streaming:
        items = stream_check(engine, [path], jobs=jobs)
    else:
        items = check_parallel(engine, read_paths([path]), jobs=jobs)
    got = [contact_dict(i) if isinstance(i, ContactReport) else str(i) for i in items]
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    n = sum(1 for g in got if not isinstance(g, str))
    return {"jobs": jobs, "mode": "stream" if streaming else "memory", "wall_s": wall, "cpu_s": cpu,
            "cpu_ms_per_contact": 1000 * cpu / n,
            "contacts_per_s": n / wall, "identical": None if reference is None else got == reference}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--sample", type=int, default=3000, help="contacts for the full analysis")
    ap.add_argument("--floor-limit", type=int, default=None, help="contacts for the floor (default: all)")
    ap.add_argument("--jobs", default="1,2", help="comma-separated -j values for the scaling runs")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--gc", choices=("batch", "default"), default="batch",
                    help="the cycle collector as `vezhlivo check` sets it (batch), or Python's default")
    args = ap.parse_args()
    if args.gc == "batch":
        tune_batch_collector()

    res: dict[str, Any] = {"machine": machine(), "load_avg_at_start": os.getloadavg()}
    res["floor_corpus"] = floor(args.corpus, args.floor_limit)
    sample = sample_file(args.corpus, args.sample)
    res["floor_sample"] = floor(sample, None)
    t0 = time.perf_counter()
    engine = Engine()
    engine.check(parse_conversation(json.loads(sample.read_text(encoding="utf-8").splitlines()[0])))
    res["engine_start_ms"] = (time.perf_counter() - t0) * 1000
    res["full"], _ = full(engine, sample)
    res["full_over_floor"] = res["full"]["cpu_s"] / res["floor_sample"]["cpu_s"]
    docs = engine.docs
    if isinstance(docs, DocCache):
        res["doc_cache"] = {"hits": docs.hits, "misses": docs.misses,
                            "hit_rate": docs.hits / max(docs.hits + docs.misses, 1)}
    # the same work with every text analysed afresh (no text seen twice), on contacts not seen before:
    # the benchmark corpus replicates its source dialogues, so its texts repeat far more than real ones
    # slices counted back from the corpus's end, so any --sample the corpus can hold works
    total = sum(1 for _ in args.corpus.open(encoding="utf-8"))
    runs = len([x for x in args.jobs.split(",") if x]) * 2
    if total < args.sample * (runs + 3):
        ap.error(f"{args.corpus}: {total} contacts, too few for --sample {args.sample} ({runs + 3} slices)")

    def tail_slice(k: int) -> Path:
        return slice_file(args.corpus, total - args.sample * k, args.sample)

    fresh = tail_slice(1)
    floor_fresh = floor(fresh, None)
    uncached = Engine(doc_cache=0)
    res["full_no_doc_cache"], _ = full(uncached, fresh)
    res["full_no_doc_cache_over_floor"] = res["full_no_doc_cache"]["cpu_s"] / floor_fresh["cpu_s"]
    # steady state: the same engine (word caches warm, no text cache) on yet other contacts, as in a
    # long run past its first thousand contacts
    steady = tail_slice(2)
    res["steady_no_doc_cache"], _ = full(uncached, steady)
    res["steady_over_floor"] = res["steady_no_doc_cache"]["cpu_s"] / floor(steady, None)["cpu_s"]
    if own_tokenize is not None:
        res["steady_over_own_floor"] = (res["steady_no_doc_cache"]["cpu_s"]
                                        / floor(steady, None, own_tokenize)["cpu_s"])
    res["scaling"] = []
    # each scaling run gets contacts no process has seen (fresh caches, as in a real run's start);
    # forked workers inherit the parent's warm caches, so the parent's own sample is not reused
    slices = iter(range(3, 100))
    for j in [int(x) for x in args.jobs.split(",") if x]:
        for streaming in (False, True):
            fresh = tail_slice(next(slices))
            res["scaling"].append(scaled(engine, fresh, j, None, streaming))
    small = slice_file(args.corpus, 0, min(200, args.sample))
    small_ref = [contact_dict(i) if isinstance(i, ContactReport) else str(i)
                 for i in engine.check_many(read_paths([small]))]
    res["identical_small"] = {f"-j {j} {m}": scaled(engine, small, j, small_ref, m == "stream")["identical"]
                              for j in (1, 2) for m in ("memory", "stream")}
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res["peak_rss_worker_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    res["load_avg_at_end"] = os.getloadavg()
    if args.json:
        print(json.dumps(res, indent=2))
        return
    f, fs, fu = res["floor_corpus"], res["floor_sample"], res["full"]
    print(f"machine: {res['machine']}; load average {res['load_avg_at_start']}")
    print(f"floor (JSON + model + razdel), {f['contacts']} contacts: {f['contacts_per_s']:.0f} contacts/s, "
          f"{f['messages_per_s']:.0f} messages/s (CPU time)")
    print(f"engine start (rulebook, rules, first contact): {res['engine_start_ms']:.0f} ms")
    print(f"full analysis, {fu['contacts']} contacts, 1 process: {fu['contacts_per_s']:.0f} contacts/s, "
          f"{fu['messages_per_s']:.0f} messages/s (CPU); wall {fu['wall_s']:.1f} s")
    print(f"per contact: p50 {fu['p50_ms']:.1f} ms, p99 {fu['p99_ms']:.1f} ms, max {fu['max_ms']:.0f} ms")
    print(f"full / floor (same sample, CPU): {res['full_over_floor']:.1f}x "
          f"(floor on the sample {fs['contacts_per_s']:.0f} contacts/s)")
    if "doc_cache" in res:
        dc = res["doc_cache"]
        print(f"texts found in the engine's cache of analysed texts: {dc['hit_rate']:.0%} "
              f"({dc['hits']} of {dc['hits'] + dc['misses']})")
    nc = res["full_no_doc_cache"]
    print(f"full analysis, every text analysed afresh (no cache), {nc['contacts']} other contacts: "
          f"{nc['contacts_per_s']:.0f} contacts/s, {nc['messages_per_s']:.0f} messages/s (CPU); "
          f"p50 {nc['p50_ms']:.1f} ms, p99 {nc['p99_ms']:.1f} ms; "
          f"{res['full_no_doc_cache_over_floor']:.1f}x its floor")
    st = res["steady_no_doc_cache"]
    own = (f", {res['steady_over_own_floor']:.1f}x a floor tokenised by vezhlivo's own tokenizer"
           if "steady_over_own_floor" in res else "")
    print(f"steady state (same engine, no text cache), {st['contacts']} more contacts: "
          f"{st['contacts_per_s']:.0f} contacts/s ({1000 / st['contacts_per_s']:.2f} ms CPU a contact), "
          f"p50 {st['p50_ms']:.1f} ms, p99 {st['p99_ms']:.1f} ms; {res['steady_over_floor']:.1f}x its floor{own}")
    for s in res["scaling"]:
        print(f"-j {s['jobs']} {s['mode']:6}: {s['contacts_per_s']:.0f} contacts/s wall ({s['wall_s']:.1f} s), "
              f"{s['cpu_ms_per_contact']:.1f} ms CPU a contact (all processes) on contacts not seen before")
    print(f"reports identical to check_many (first 200 contacts): {res['identical_small']}")
    print(f"peak RSS: main {res['peak_rss_mb']:.0f} MB, largest worker {res['peak_rss_worker_mb']:.0f} MB")
    print(f"load average at end: {res['load_avg_at_end']}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
