"""Latency of POST /v1/hints on loopback: a typical draft with 20 messages of context.

    .venv/bin/python bench/hints.py [--rate 100] [--seconds 10]

Starts `vezhlivo serve` in its own process on 127.0.0.1 (SQLite in a temporary folder), sends
requests at a fixed rate from a thread pool of this process for a bounded time, and prints p50/p99
latency and the throughput achieved.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from vezhlivo.store.repo import Store

DRAFTS = [
    "Наталья, я не знаю, когда приедет курьер, вы должны сами ему позвонить.",
    "Добрый день! Сейчас уточню информацию по Вашему заказу, это займёт пару минут.",
    "Извините за ожидание. Заказ №458812 передан в службу доставки, курьер привезёт его завтра с 10 до 14.",
    "щас гляну, подожди",
]


def context() -> dict[str, object]:
    msgs = []
    for i in range(20):
        role = "client" if i % 2 == 0 else "operator"
        text = ("Здравствуйте, где мой заказ №458812? Обещали вчера привезти." if role == "client" else
                "Наталья, уточняю информацию по Вашему заказу, минуту, пожалуйста.")
        msgs.append({"role": role, "text": text, "ts": f"2026-11-20T10:{i:02d}:00+03:00"})
    return {"id": "bench", "channel": "chat", "operator": {"name": "Елизавета"}, "client": {"name": "Наталья"},
            "messages": msgs}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/bench.sqlite"
        store = Store(db)
        store.create_user("bench", "bench-pass", "operator", operator_id="op-1")
        token = store.create_token("bench")
        store.engine.dispose()
        port = 8799
        server = subprocess.Popen([sys.executable, "-m", "vezhlivo.cli", "serve", "--db", db, "--port", str(port),
                                   "--rulebook", str(root / "examples" / "rulebook.yaml")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1.0)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            latencies, elapsed = drive(port, token, args.rate, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=10)
    report(latencies, elapsed, args.rate)


def drive(port: int, token: str, rate: float, seconds: float) -> tuple[list[float], float]:
    ctx = context()
    headers = {"Authorization": f"Bearer {token}"}
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=5.0)
    for d in DRAFTS:  # warm-up
        client.post("/v1/hints", json={"draft": d, "conversation": ctx}).raise_for_status()
    latencies: list[float] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        t = time.perf_counter()
        r = client.post("/v1/hints", json={"draft": DRAFTS[i % len(DRAFTS)], "conversation": ctx})
        r.raise_for_status()
        with lock:
            latencies.append(time.perf_counter() - t)

    n = int(rate * seconds)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for i in range(n):
            target = start + i / rate
            delay = target - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, i)
    elapsed = time.perf_counter() - start
    return latencies, elapsed


def report(latencies: list[float], elapsed: float, rate: float) -> None:
    latencies.sort()
    print(f"requests: {len(latencies)} at a target {rate:.0f}/s over {elapsed:.1f} s "
          f"-> {len(latencies) / elapsed:.0f}/s achieved")
    print(f"latency p50 {statistics.median(latencies) * 1000:.1f} ms, "
          f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
