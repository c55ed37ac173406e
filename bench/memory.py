"""Memory against input size: the in-memory run grows, the streaming run stays flat.

    .venv/bin/python bench/memory.py /tmp/vezhlivo-bench.jsonl [--sizes 500,2000] [--modes check_many,stream]
        [--index-only BIG.jsonl]

Each measurement runs in a fresh process and reports its peak RSS (and its workers'):
- ``check_many``: ``Engine.check_many`` over the first N contacts, reports kept (as ``vezhlivo
  check`` does today for a text/JSON report);
- ``stream``: ``stream_converted(report_tables, jobs=2)`` written to Parquet as it goes
  (``ParquetSink``), as ``check -f parquet`` does;
- ``index``: pass 1 of the streaming reader alone over a whole file (what the run keeps per contact).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time, tempfile
from pathlib import Path
mode, path, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
if mode != "index":
    src = Path(tempfile.mkdtemp()) / "in.jsonl"
    with path.open(encoding="utf-8") as fh, src.open("w", encoding="utf-8") as out:
        for i, line in enumerate(fh):
            if i >= n:
                break
            out.write(line)
from vezhlivo.engine import Engine
engine = Engine()
if mode == "check_many":
    from vezhlivo.ingest import read_paths
    kept = list(engine.check_many(read_paths([src])))
    count = len(kept)
elif mode == "stream":
    from vezhlivo.errors import RecordError
    from vezhlivo.export import ParquetSink, report_tables
    from vezhlivo.stream import stream_converted
    with ParquetSink(tempfile.mkdtemp()) as sink:  # as `vezhlivo check -f parquet` does
        for item in stream_converted(engine, [src], report_tables, jobs=2):
            if isinstance(item, RecordError):
                sink.add(item)
            else:
                sink.add_tables(item)
        count = sink.counts["contacts"]
else:
    from vezhlivo.stream import build_index
    from vezhlivo.ingest import read_paths
    index = build_index(read_paths([path]), tempfile.mkdtemp())
    groups = index.linker.groups()
    count = len(index)
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"mode": mode, "contacts": count, "peak_rss_mb": round(me), "worker_peak_rss_mb": round(kids),
                  "wall_s": round(time.perf_counter() - t0, 1)}))
"""


def run(mode: str, path: Path, n: int) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path), str(n)], capture_output=True, text=True,
                         check=True)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--sizes", default="500,2000")
    ap.add_argument("--modes", default="check_many,stream", help="which runs at each size")
    ap.add_argument("--index-only", type=Path, action="append", default=[], help="also index this whole file")
    args = ap.parse_args()
    t0 = time.perf_counter()
    for n in [int(x) for x in args.sizes.split(",")]:
        for mode in args.modes.split(","):
            print(json.dumps(run(mode, args.corpus, n)), flush=True)
    for big in args.index_only:
        r = run("index", big, 0)
        r["file_mb"] = round(big.stat().st_size / 2**20)
        print(json.dumps(r), flush=True)
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"({time.perf_counter() - t0:.0f} s; this process {me} MB)")


if __name__ == "__main__":
    main()
