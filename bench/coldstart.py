"""Cold start of ``vezhlivo check`` on one small file, and which imports dominate it.

    .venv/bin/python bench/coldstart.py [examples/chats.jsonl] [--runs 5] [--top 15]

Runs the installed console script (``.venv/bin/vezhlivo check FILE -f json``) ``--runs`` times in a
fresh process and prints min / median wall time; then runs it once under ``python -X importtime``
and lists the slowest top-level imports (cumulative) and the slowest modules on their own.
CPU time (user + system) is printed too: on a shared machine wall time includes others' load.
The target is < 1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wall(cmd: list[str]) -> float:
    return timed(cmd)[0]


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    w = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return w, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def importtime(file: str) -> list[tuple[int, int, str]]:
    code = "import sys; from vezhlivo.cli import main; sys.argv = ['vezhlivo', 'check', %r, '-f', 'json']; main()"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code % file], capture_output=True, text=True,
                          check=False)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line[len("import time:"):].split("|", 2)
        rows.append((int(self_us), int(cum_us), name))
    return rows


def source_compile_cpu(file: str) -> tuple[int, float]:
    """How many of the project's modules a check loads, and the CPU seconds compiling their
    sources takes: what every run pays when no bytecode is cached (``PYTHONDONTWRITEBYTECODE``)."""
    code = ("import sys; from vezhlivo.cli import main; sys.argv = ['vezhlivo', 'check', %r, '-f', 'json']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('\\n'.join(m.__file__ for m in list(sys.modules.values())"
            " if m.__name__.startswith('vezhlivo') and getattr(m, '__file__', None)), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code % file], capture_output=True, text=True, check=False)
    files = [f for f in proc.stderr.splitlines() if f.endswith(".py") and os.path.exists(f)]
    t0 = time.process_time()
    for f in files:
        compile(Path(f).read_bytes(), f, "exec", dont_inherit=True)
    return len(files), time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default=str(ROOT / "examples" / "chats.jsonl"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    exe = str(Path(sys.executable).with_name("vezhlivo"))
    cmd = [exe, "check", args.file, "-f", "json"] if os.path.exists(exe) else [
        sys.executable, "-m", "vezhlivo.cli", "check", args.file, "-f", "json"]
    wall(cmd)  # warm the OS file cache: a "cold" start here is a new process, not a cold disk
    runs = [timed(cmd) for _ in range(args.runs)]
    times, cpus = [r[0] for r in runs], [r[1] for r in runs]
    print(f"vezhlivo check {args.file}: wall min {min(times):.2f} s, median {statistics.median(times):.2f} s; "
          f"CPU min {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s over {args.runs} runs "
          f"(load average {os.getloadavg()[0]:.1f}; on a loaded machine CPU time is the figure to trust)")
    if sys.flags.dont_write_bytecode or os.environ.get("PYTHONDONTWRITEBYTECODE"):
        n, secs = source_compile_cpu(args.file)
        print(f"note: bytecode is not cached here (PYTHONDONTWRITEBYTECODE): every run compiles the {n} vezhlivo "
              f"modules it loads, {secs:.2f} s of CPU; an installed package has them compiled")
    version = [sys.executable, "-c", "import vezhlivo.cli"]
    print(f"import vezhlivo.cli alone: {min(wall(version) for _ in range(3)):.2f} s; "
          f"python -c pass: {min(wall([sys.executable, '-c', 'pass']) for _ in range(3)):.2f} s")
    rows = importtime(args.file)
    top_level = [r for r in rows if not r[2][1:].startswith(" ")]
    print(f"\nslowest top-level imports (cumulative ms), {len(rows)} modules in all:")
    for _, cum, name in sorted(top_level, key=lambda r: -r[1])[: args.top]:
        print(f"  {cum / 1000:7.1f}  {name.strip()}")
    print("\nslowest modules on their own (self ms):")
    for own, _, name in sorted(rows, key=lambda r: -r[0])[: args.top]:
        print(f"  {own / 1000:7.1f}  {name.strip()}")


if __name__ == "__main__":
    main()
