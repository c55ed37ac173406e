"""Canonical format v1: good records are read, each bad one is one clear error with its line."""

from __future__ import annotations

import json
from pathlib import Path

from vezhlivo.errors import RecordError
from vezhlivo.ingest import read_paths
from vezhlivo.ingest.canonical import read_canonical
from vezhlivo.model import Channel, Conversation, Event, Role

FIXTURES = Path(__file__).parent / "fixtures"


def test_malformed_records_are_reported_one_by_one() -> None:
    items = list(read_canonical(FIXTURES / "malformed.jsonl"))
    convs = [i for i in items if isinstance(i, Conversation)]
    errors = [i for i in items if isinstance(i, RecordError)]
    assert [c.id for c in convs] == ["ok-1", "ok-2"]
    by_line = {e.record: e for e in errors}
    assert sorted(by_line) == [2, 3, 4, 5, 6]
    assert "broken JSON" in by_line[2].message
    assert by_line[3].field == "messages[0].role" and "'bot'" in by_line[3].message
    assert by_line[4].field == "messages[1].text"
    assert by_line[5].field == "messages[1].ts" and "ISO 8601" in by_line[5].message
    assert "UTF-8" in by_line[6].message
    assert str(by_line[3]).startswith(str(FIXTURES / "malformed.jsonl") + ":3: field 'messages[0].role'")


def test_json_array_and_phone_fields(tmp_path: Path) -> None:
    data = [{"id": "p1", "channel": "phone", "ring_seconds": 7, "ended_by": "client",
             "messages": [{"role": "operator", "text": "Алло", "start": 0, "end": 1.2},
                          {"role": "system", "event": "hold_start", "start": 2},
                          {"role": "client", "text": "Добрый день", "start": 1.5, "end": 2.5}]}]
    path = tmp_path / "calls.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    [conv] = list(read_paths([path]))
    assert isinstance(conv, Conversation)
    assert conv.channel is Channel.PHONE and conv.ring_seconds == 7 and conv.ended_by is Role.CLIENT
    assert conv.messages[1].event is Event.HOLD_START
    assert conv.messages[0].end == 1.2
    assert [m.role for m in conv.turns] == [Role.OPERATOR, Role.CLIENT]


def test_utf8_bom_and_utf16_files(tmp_path: Path) -> None:
    line = json.dumps({"id": "x", "channel": "chat", "messages": [{"role": "client", "text": "Привет"}]},
                      ensure_ascii=False)
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + line.encode("utf-8"))
    (tmp_path / "u16.jsonl").write_bytes(line.encode("utf-16"))
    for name in ("bom.jsonl", "u16.jsonl"):
        [conv] = list(read_canonical(tmp_path / name))
        assert isinstance(conv, Conversation) and conv.messages[0].text == "Привет"


def test_missing_required_fields(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"channel": "chat", "messages": []}\n{"id": "a", "messages": []}\n'
                    '{"id": "b", "channel": "fax", "messages": []}\n{"id": "c", "channel": "chat"}\n',
                    encoding="utf-8")
    errors = list(read_canonical(path))
    assert [(e.record, e.field) for e in errors if isinstance(e, RecordError)] == [
        (1, "id"), (2, "channel"), (3, "channel"), (4, "messages")]


def test_missing_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    [err] = list(read_paths([tmp_path / "nope.jsonl"]))
    assert isinstance(err, RecordError) and "no such file" in err.message


def test_round_trip_through_canonical_dict() -> None:
    from vezhlivo.ingest.canonical import parse_conversation

    for path in sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.jsonl")):
        for conv in read_canonical(path):
            assert isinstance(conv, Conversation)
            again = parse_conversation(json.loads(json.dumps(conv.to_canonical(), ensure_ascii=False)))
            assert again.messages == conv.messages
            assert (again.operator, again.client, again.started_at, again.waivers) == (
                conv.operator, conv.client, conv.started_at, conv.waivers)
