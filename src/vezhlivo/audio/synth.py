"""Build calls with known timing from Russian speech synthesised by espeak-ng (tests, benchmark, demos).

Each utterance is synthesised, trimmed to its audible part, and placed on the operator's or the
client's channel so that its speech starts at a given second; the truth (who spoke when) is returned
with the audio, so that measured overlaps, pauses, holds and tempos can be compared with what was built.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import VezhlivoError
from ..model import Role
from .recordings import require, to_rate

if TYPE_CHECKING:
    from .recordings import Samples


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


@lru_cache(maxsize=256)
def _speak(text: str, speed: int, voice: str, pitch: int) -> tuple[bytes, int]:
    if not espeak_available():
        raise VezhlivoError("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "say.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(out), text],
                       check=True, capture_output=True)
        sf = require("soundfile")
        data, rate = sf.read(str(out), dtype="float32")
        return bytes(data.tobytes()), int(rate)


def say(text: str, speed: int = 160, rate: int = 16000, voice: str = "ru", pitch: int = 50) -> Samples:
    """The audible part of ``text`` spoken by espeak-ng at ``speed`` words per minute, at ``rate`` Hz."""
    np = require("numpy")
    raw, src_rate = _speak(text, speed, voice, pitch)
    samples = np.frombuffer(raw, dtype=np.float32).copy()
    samples = to_rate(samples, src_rate, rate)
    loud = np.flatnonzero(np.abs(samples) > 0.02 * float(np.max(np.abs(samples)) or 1.0))
    if loud.size == 0:
        return samples[:0]
    trimmed: Samples = samples[int(loud[0]): int(loud[-1]) + 1].copy()
    return trimmed


@dataclass(frozen=True)
class Utterance:
    role: Role
    text: str
    start: float  # second at which its speech starts
    speed: int = 160  # espeak words per minute
    pitch: int = 50


@dataclass(frozen=True)
class Spoken:
    role: Role
    text: str
    start: float
    end: float


def build_call(utterances: list[Utterance], rate: int = 16000, tail: float = 1.0, noise_dbfs: float | None = -60.0,
               crosstalk_db: float | None = None, seed: int = 7) -> tuple[Any, list[Spoken]]:
    """A stereo call (frames × 2: operator left, client right) and the truth of who spoke when.

    ``noise_dbfs`` adds a faint line hiss to both channels; ``crosstalk_db`` leaks each side into the
    other channel that many dB quieter (as on real lines).
    """
    np = require("numpy")
    clips = [say(u.text, u.speed, rate, pitch=u.pitch) for u in utterances]
    spoken = [Spoken(u.role, u.text, u.start, round(u.start + len(c) / rate, 3))
              for u, c in zip(utterances, clips, strict=True)]
    length = int((max((s.end for s in spoken), default=0.0) + tail) * rate)
    out = np.zeros((length, 2), dtype=np.float32)
    for u, c in zip(utterances, clips, strict=True):
        col = 0 if u.role is Role.OPERATOR else 1
        a = round(u.start * rate)
        out[a:a + len(c), col] += c[: length - a]
    if crosstalk_db is not None:
        gain = 10 ** (-crosstalk_db / 20)
        left, right = out[:, 0].copy(), out[:, 1].copy()
        out[:, 0] += gain * right
        out[:, 1] += gain * left
    if noise_dbfs is not None:
        rng = np.random.default_rng(seed)
        out += (10 ** (noise_dbfs / 20) * rng.standard_normal(out.shape)).astype(np.float32)
    np.clip(out, -1.0, 1.0, out=out)
    return out, spoken


def write_call(path: Path, audio: Any, rate: int = 16000) -> Path:
    sf = require("soundfile")
    sf.write(str(path), audio, rate)
    return path
