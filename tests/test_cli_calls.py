"""`vezhlivo check` on recordings: one call with its transcript, and a folder of calls with side-cars."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("numpy")
pytest.importorskip("soundfile")
pytest.importorskip("webrtcvad")

from vezhlivo.audio.synth import Utterance, build_call, espeak_available, write_call
from vezhlivo.cli import app
from vezhlivo.model import Role

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed")
runner = CliRunner()
O, C = Role.OPERATOR, Role.CLIENT  # noqa: E741


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    utts = [Utterance(O, "Алло, слушаю.", 0.4), Utterance(C, "Здравствуйте, где мой заказ?", 2.2),
            Utterance(O, "Я не знаю, позвоните позже.", 5.0)]
    audio, truth = build_call(utts, rate=16000)
    folder = tmp_path_factory.mktemp("calls")
    wav = write_call(folder / "call-1.wav", audio, 16000)
    segments = [{"id": i, "start": round(s.start, 2), "end": round(s.end, 2), "text": s.text,
                 "speaker": "SPEAKER_00" if s.role is O else "SPEAKER_01"} for i, s in enumerate(truth)]
    transcript = folder / "call-1.json"
    transcript.write_text(json.dumps({"segments": segments, "language": "ru"}, ensure_ascii=False), encoding="utf-8")
    return wav, transcript


def test_one_recording_with_its_transcript(recorded: tuple[Path, Path]) -> None:
    wav, transcript = recorded
    result = runner.invoke(app, ["check", str(wav), "--transcript", str(transcript), "-f", "json"])
    assert result.exit_code == 0, result.output
    [conv] = json.loads(result.stdout)["conversations"]
    assert conv["channel"] == "phone"
    assert [m["role"] for m in conv["messages"] if m["role"] != "system"] == ["operator", "client", "operator"]
    rules = {f["rule"] for f in conv["findings"]}
    assert {"F1", "G3"} <= rules
    assert conv["call"]["duration_seconds"] > 5 and conv["call"]["operator_talk_seconds"] > 1


def test_a_folder_of_calls_gives_the_same_report(recorded: tuple[Path, Path]) -> None:
    wav, transcript = recorded
    single = json.loads(runner.invoke(app, ["check", str(wav), "--transcript", str(transcript), "-f", "json"]).stdout)
    folder = runner.invoke(app, ["check", str(wav.parent), "-f", "json"])
    assert folder.exit_code == 0, folder.output
    [conv] = json.loads(folder.stdout)["conversations"]
    assert [(f["rule"], f["turn"], f["start"]) for f in conv["findings"]] == [
        (f["rule"], f["turn"], f["start"]) for f in single["conversations"][0]["findings"]]


def test_missing_transcript_option_file_is_a_usage_error(recorded: tuple[Path, Path], tmp_path: Path) -> None:
    wav, _ = recorded
    result = runner.invoke(app, ["check", str(wav), "--transcript", str(tmp_path / "none.json")])
    assert result.exit_code == 2
