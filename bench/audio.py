"""Speed of call analysis without recognition, on one core: × real time.

    .venv/bin/python bench/audio.py [--minutes 10] [--rate 8000] [--vad webrtc|silero] [--format wav|flac]

Builds a stereo call of Russian speech synthesised by espeak-ng (operator left, client right, with
interruptions, pauses and a hold), then times ``read_call`` — decoding the file, voice activity per
channel, turns, holds, the tempo estimated from the sound — and ``call_metrics``, pinned to one CPU.
Figures: audio seconds per CPU second (× real time) and per wall second.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from vezhlivo.audio import CallOptions, call_metrics, read_call
from vezhlivo.audio.synth import Utterance, build_call, espeak_available, say, write_call
from vezhlivo.audio.vad import VadOptions
from vezhlivo.model import Role

LINES = [
    (Role.OPERATOR, "Интернет-магазин Кид Мир, Елизавета, здравствуйте!"),
    (Role.CLIENT, "Здравствуйте, я заказала коляску неделю назад, а её до сих пор нет."),
    (Role.OPERATOR, "Подскажите, пожалуйста, номер заказа."),
    (Role.CLIENT, "Номер заказа сто двадцать три сорок пять."),
    (Role.OPERATOR, "Спасибо. Вам удобно подождать минуту, я уточню вопрос?"),
    (Role.CLIENT, "Да, конечно."),
    (Role.OPERATOR, "Спасибо за ожидание! Коляску привезут завтра с десяти до двух."),
    (Role.CLIENT, "Хорошо, спасибо большое."),
]


def make_call(minutes: float, rate: int) -> tuple[object, float]:
    utts: list[Utterance] = []
    t, i = 0.5, 0
    while t < minutes * 60:
        role, text = LINES[i % len(LINES)]
        speed = 130 + 20 * (i % 5)
        utts.append(Utterance(role, text, round(t, 3), speed))
        dur = len(say(text, speed, rate)) / rate
        gap = (-0.8, 0.2, 1.2, 2.5, 1.0)[i % 5]
        t += dur + (25.0 if i % 40 == 39 else gap)  # now and then a hold
        i += 1
    audio, _ = build_call(utts, rate=rate, crosstalk_db=25.0)
    return audio, len(audio) / rate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--rate", type=int, default=8000, help="8000 (telephony) or 16000")
    ap.add_argument("--vad", default="webrtc", choices=["webrtc", "silero"])
    ap.add_argument("--format", default="wav", choices=["wav", "flac"])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not espeak_available():
        print("espeak-ng is not installed (apt-get install espeak-ng): cannot build the test call", file=sys.stderr)
        return 2
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    audio, seconds = make_call(args.minutes, args.rate)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_call(Path(tmp) / f"bench.{args.format}", audio, args.rate)
        opts = CallOptions(vad=VadOptions(engine=args.vad))
        cpu, wall = [], []
        conv = None
        for _ in range(args.repeat):
            c0, w0 = time.process_time(), time.perf_counter()
            conv = read_call(path, options=opts)
            metrics = call_metrics(conv)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
    assert conv is not None
    best_cpu, best_wall = min(cpu), min(wall)
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, one core")
    print(f"call: {seconds / 60:.1f} min stereo, {args.rate} Hz, {args.format}, VAD {args.vad}; "
          f"{len(conv.turns)} turns, {metrics['interruptions']} interruptions, {metrics['holds']} holds")
    print(f"analysis without recognition: {best_cpu:.3f} s CPU, {best_wall:.3f} s wall")
    print(f"speed: {seconds / best_cpu:.0f}x real time (CPU), {seconds / best_wall:.0f}x real time (wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
