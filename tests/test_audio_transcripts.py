"""Transcripts of recognisers → turns with roles; CDR rows → call metadata (no audio needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vezhlivo.audio import CallOptions, read_transcript, sniff_transcript
from vezhlivo.audio.cdr import meta_from_row, read_cdr
from vezhlivo.audio.transcripts import load_transcript, parse_seconds
from vezhlivo.errors import FieldError
from vezhlivo.model import Channel, Event, Role

SETTINGS = {"company": {"name": "Kid Mir", "aliases": ["Интернет-магазин Kid Mir", "Кид Мир"]}}


def _write(tmp_path: Path, name: str, data: object) -> Path:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return p


def _w(word: str, s: float, e: float, **kw: object) -> dict[str, object]:
    return {"word": word, "start": s, "end": e, **kw}


WHISPERX = {"segments": [
    {"start": 0.5, "end": 3.1, "text": " Интернет-магазин Кид Мир, Елизавета, здравствуйте!", "speaker": "SPEAKER_01"},
    {"start": 3.9, "end": 6.0, "text": " Здравствуйте, где мой заказ?", "speaker": "SPEAKER_00"},
    {"start": 7.2, "end": 9.0, "text": " Подскажите, пожалуйста, номер заказа.", "speaker": "SPEAKER_01"},
]}


def test_whisperx_unnamed_speakers_operator_found_by_greeting(tmp_path: Path) -> None:
    opts = CallOptions.from_settings(SETTINGS)
    conv = read_transcript(_write(tmp_path, "c1.json", WHISPERX), opts)
    assert conv.channel is Channel.PHONE and conv.id == "c1"
    roles = [(m.role, m.start, m.end) for m in conv.turns]
    assert roles == [(Role.OPERATOR, 0.5, 3.1), (Role.CLIENT, 3.9, 6.0), (Role.OPERATOR, 7.2, 9.0)]
    assert conv.turns[0].text.startswith("Интернет-магазин")
    assert any("SPEAKER_01" in n for n in opts.notes)


def test_speaker_hint_and_mapping_win(tmp_path: Path) -> None:
    p = _write(tmp_path, "c.json", WHISPERX)
    conv = read_transcript(p, CallOptions(operator_speaker="SPEAKER_00"))
    assert conv.turns[0].role is Role.CLIENT
    conv = read_transcript(p, CallOptions(speakers={"SPEAKER_00": Role.OPERATOR}))
    assert conv.turns[1].role is Role.OPERATOR and conv.turns[0].role is Role.CLIENT


def test_whisper_words_with_channel_tags(tmp_path: Path) -> None:
    data = [
        {"channel": 0, "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": 2.0, "text": " Кид Мир, здравствуйте!",
                                     "words": [_w(" Кид", 0.1, 0.4), _w(" Мир,", 0.4, 0.8),
                                               _w(" здравствуйте!", 0.9, 1.9)]}]},
        {"channel": 1, "segments": [{"id": 0, "seek": 0, "start": 2.5, "end": 4.0, "text": " Добрый день.",
                                     "words": [_w(" Добрый", 2.6, 3.0), _w(" день.", 3.0, 3.6)]}]},
    ]
    conv = read_transcript(_write(tmp_path, "c.json", data))
    assert [(m.role, m.start, m.end, m.text) for m in conv.turns] == [
        (Role.OPERATOR, 0.0, 2.0, "Кид Мир, здравствуйте!"), (Role.CLIENT, 2.5, 4.0, "Добрый день.")]
    conv = read_transcript(_write(tmp_path, "c.json", data), CallOptions(operator_channel=1))
    assert conv.turns[0].role is Role.CLIENT


def test_vosk_results_per_channel(tmp_path: Path) -> None:
    data = [
        {"channel": "left", "result": [_w("здравствуйте", 0.3, 1.0, conf=1.0), _w("кид", 1.1, 1.3, conf=0.9),
                                        _w("мир", 1.3, 1.6, conf=1.0)], "text": "здравствуйте кид мир"},
        {"channel": "right", "result": [_w("где", 2.0, 2.2, conf=1.0), _w("заказ", 2.3, 2.8, conf=1.0)],
         "text": "где заказ"},
    ]
    p = _write(tmp_path, "call.vosk.json", data)
    assert sniff_transcript(p) == "vosk"
    conv = read_transcript(p)
    assert conv.id == "call"
    assert [(m.role, m.text, m.start, m.end) for m in conv.turns] == [
        (Role.OPERATOR, "здравствуйте кид мир", 0.3, 1.6), (Role.CLIENT, "где заказ", 2.0, 2.8)]


def test_vosk_without_speakers_needs_stereo(tmp_path: Path) -> None:
    p = _write(tmp_path, "c.json", {"result": [_w("алло", 0.1, 0.5)], "text": "алло"})
    with pytest.raises(FieldError, match="who speaks"):
        read_transcript(p)


def test_google_yandex_style_channel_tags_and_duration_strings(tmp_path: Path) -> None:
    data = {"results": [
        {"alternatives": [{"transcript": "Кид Мир, здравствуйте", "words": [
            {"startTime": "0.500s", "endTime": "1.100s", "word": "Кид"},
            {"startTime": "1.100s", "endTime": "2.000s", "word": "Мир,"}]}], "channelTag": 1},
        {"alternatives": [{"transcript": "Здравствуйте", "words": [
            {"startTime": "2.800s", "endTime": "3.600s", "word": "Здравствуйте"}]}], "channelTag": 2},
    ]}
    conv = read_transcript(_write(tmp_path, "g.json", data))
    assert [(m.role, m.start, m.end) for m in conv.turns] == [(Role.OPERATOR, 0.5, 2.0), (Role.CLIENT, 2.8, 3.6)]


def test_assemblyai_milliseconds_and_role_labels(tmp_path: Path) -> None:
    data = {"utterances": [
        {"speaker": "Оператор", "start": 250, "end": 4100, "text": "Кид Мир, Елизавета, здравствуйте!"},
        {"speaker": "Клиент", "start": 4900, "end": 7300, "text": "Здравствуйте, где мой заказ?"},
    ]}
    conv = read_transcript(_write(tmp_path, "a.json", data))
    assert [(m.role, m.start, m.end) for m in conv.turns] == [(Role.OPERATOR, 0.25, 4.1), (Role.CLIENT, 4.9, 7.3)]


def test_srt_with_speaker_prefixes_and_vtt_voices(tmp_path: Path) -> None:
    srt = ("1\n00:00:00,500 --> 00:00:03,000\nОператор: Кид Мир, Елизавета, здравствуйте!\n\n"
           "2\n00:00:03,800 --> 00:00:06,000\nКлиент: Где мой заказ?\n\n"
           "3\n00:00:06,000 --> 00:00:08,000\n- Оператор: Номер заказа?\n- Клиент: Сто двадцать три.\n")
    conv = read_transcript(_write(tmp_path, "c.srt", srt))
    assert [m.role for m in conv.turns] == [Role.OPERATOR, Role.CLIENT, Role.OPERATOR, Role.CLIENT]
    assert conv.turns[1].text == "Где мой заказ?" and conv.turns[1].start == 3.8
    vtt = ("WEBVTT\n\n00:00.500 --> 00:03.000\n<v Елизавета>Кид Мир, Елизавета, здравствуйте!</v>\n\n"
           "00:03.800 --> 00:06.000\n<v Наталья>Где мой заказ?</v>\n")
    conv = read_transcript(_write(tmp_path, "c.vtt", vtt), CallOptions.from_settings(
        {"operators": [{"id": "op-1", "name": "Елизавета"}]}))
    assert [(m.role, m.author) for m in conv.turns] == [(Role.OPERATOR, "Елизавета"), (Role.CLIENT, "Наталья")]


def test_meta_sidecar_and_holds_from_silence(tmp_path: Path) -> None:
    data = {"utterances": [
        {"speaker": "agent", "start": 0.5, "end": 3.0, "text": "Кид Мир, Елизавета, здравствуйте!"},
        {"speaker": "customer", "start": 4.0, "end": 6.0, "text": "Где мой заказ?"},
        {"speaker": "agent", "start": 7.0, "end": 9.0, "text": "Вам удобно подождать минуту, я уточню вопрос?"},
        {"speaker": "customer", "start": 9.8, "end": 10.3, "text": "Да."},
        {"speaker": "agent", "start": 40.0, "end": 42.0, "text": "Спасибо за ожидание!"},
    ]}
    p = _write(tmp_path, "call7.json", data)
    _write(tmp_path, "call7.meta.json", {"id": "C-7", "ring_seconds": 9, "ended_by": "client",
                                         "operator": {"id": "op-1", "name": "Елизавета"}})
    conv = read_transcript(p)
    assert conv.id == "C-7" and conv.ring_seconds == 9.0 and conv.ended_by is Role.CLIENT
    holds = [(m.event, m.start) for m in conv.messages if m.event]
    assert holds == [(Event.HOLD_START, 10.3), (Event.HOLD_END, 40.0)]
    assert [m.index for m in conv.messages] == list(range(len(conv.messages)))


def test_parse_seconds_forms() -> None:
    assert parse_seconds("00:01:02,500") == 62.5
    assert parse_seconds("1:02.5") == 62.5
    assert parse_seconds("1.300s") == 1.3
    assert parse_seconds({"seconds": 2, "nanos": 500000000}) == 2.5


def test_broken_transcripts_say_what(tmp_path: Path) -> None:
    with pytest.raises(FieldError, match="broken JSON"):
        load_transcript(_write(tmp_path, "x.json", "{"))
    with pytest.raises(FieldError, match="no timed speech"):
        load_transcript(_write(tmp_path, "y.json", {"segments": [{"text": "нет времени"}]}))
    assert sniff_transcript(_write(tmp_path, "z.json", {"id": "c", "channel": "chat", "messages": []})) is None


def test_cdr_rows(tmp_path: Path) -> None:
    row = {"calldate": "2026-11-20 10:00:05", "uniqueid": "1700.5", "duration": "130", "billsec": "118",
           "hangup_by": "caller", "direction": "incoming", "agent": "Елизавета", "src": "+79161234567",
           "recordingfile": "/var/spool/asterisk/monitor/call-1700.5.wav"}
    meta = meta_from_row(row)
    assert meta["ring_seconds"] == 12.0 and meta["ended_by"] == "client"
    assert meta["started_at"] == "2026-11-20T10:00:05+03:00"
    assert meta["client"] == {"phone": "+79161234567"} and meta["operator"] == {"name": "Елизавета"}
    p = tmp_path / "cdr.csv"
    p.write_text("uniqueid;recordingfile;billsec;duration;hangup_by\n1;a.wav;10;14;agent\n", encoding="utf-8")
    rows = read_cdr(p)
    assert rows["a"]["ring_seconds"] == 4.0 and rows["1"]["ended_by"] == "operator"


def test_turn_edges_snap_onto_the_voice_they_fall_inside() -> None:
    from vezhlivo.audio.calls import snap_turns
    from vezhlivo.audio.transcripts import Turn

    opts = CallOptions()  # operator on channel 0, snap 0.4 s
    speech = [[(0.3, 1.24), (1.83, 3.26), (7.0, 8.0)], [(3.6, 4.44), (4.96, 5.99)]]
    # a misheard first word made the recogniser start the turn 0.5 s late, inside the voice
    turns = [Turn(Role.OPERATOR, 0.8, 3.21, "а"), Turn(Role.CLIENT, 3.4, 5.5, "б"),
             Turn(Role.OPERATOR, 6.8, 7.6, "в")]
    got = [(t.role, t.start, t.end) for t in snap_turns(turns, speech, opts)]
    assert got == [(Role.OPERATOR, 0.3, 3.26), (Role.CLIENT, 3.6, 5.99), (Role.OPERATOR, 7.0, 8.0)]
    # edges far from any voice stay where the recogniser put them
    far = snap_turns([Turn(Role.OPERATOR, 10.0, 11.0, "г")], speech, opts)
    assert (far[0].start, far[0].end) == (10.0, 11.0)


def test_snapping_never_merges_two_turns_of_one_speaker() -> None:
    from vezhlivo.audio.calls import snap_turns
    from vezhlivo.audio.transcripts import Turn

    # one long stretch of operator voice, the client cut in: two operator turns inside it keep apart
    speech = [[(0.0, 6.0)], [(2.5, 3.0)]]
    turns = [Turn(Role.OPERATOR, 0.2, 2.4, "а"), Turn(Role.CLIENT, 2.5, 3.0, "б"), Turn(Role.OPERATOR, 3.2, 5.8, "в")]
    got = [(t.start, t.end) for t in snap_turns(turns, speech, CallOptions())]
    assert got[0] == (0.0, 2.4) and got[2] == (3.2, 6.0)
