"""Encodings, times, detection, broken records, streaming and PII masking."""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingest_helpers import FIX, read, roles
from vezhlivo.ingest import ReadOptions, detect_format, mask_conversation, mask_text, read_paths
from vezhlivo.ingest.canonical import decode_bytes, sniff_encoding
from vezhlivo.ingest.timeparse import parse_datetime, parse_tz
from vezhlivo.model import Conversation

MSK = timezone(timedelta(hours=3))


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-03-12T14:05:00", datetime(2024, 3, 12, 14, 5, tzinfo=MSK)),
    ("2024-03-12T11:05:00Z", datetime(2024, 3, 12, 11, 5, tzinfo=UTC)),
    ("2024-03-12 14:05:00+05:00", datetime(2024, 3, 12, 14, 5, tzinfo=timezone(timedelta(hours=5)))),
    ("12.03.2024 14:05", datetime(2024, 3, 12, 14, 5, tzinfo=MSK)),
    ("12.03.24, 14:05:09", datetime(2024, 3, 12, 14, 5, 9, tzinfo=MSK)),
    ("12 марта 2024 г. в 14:05", datetime(2024, 3, 12, 14, 5, tzinfo=MSK)),
    ("1 мая 2024", datetime(2024, 5, 1, tzinfo=MSK)),
    ("3 сент. 2024, 9:00", datetime(2024, 9, 3, 9, 0, tzinfo=MSK)),
    ("12 Mar 2024 14:05", datetime(2024, 3, 12, 14, 5, tzinfo=MSK)),
    ("Mon, 11 Mar 2024 09:12:33 +0300", datetime(2024, 3, 11, 9, 12, 33, tzinfo=MSK)),
    (1710241325, datetime(2024, 3, 12, 14, 2, 5, tzinfo=MSK)),
    ("1710241325", datetime(2024, 3, 12, 14, 2, 5, tzinfo=MSK)),
    (1710241325000, datetime(2024, 3, 12, 14, 2, 5, tzinfo=MSK)),
    ("3/15/24, 2:05 PM", datetime(2024, 3, 15, 14, 5, tzinfo=MSK)),
    ("", None),
])
def test_parse_datetime(value: object, expected: datetime | None) -> None:
    got = parse_datetime(value, "+03:00")
    assert got == expected
    if got is not None and isinstance(value, str) and "Z" not in value and "+" not in value:
        assert got.utcoffset() == timedelta(hours=3)


def test_parse_datetime_errors_and_zones() -> None:
    for bad in ("вчера", "32.13.2024", "2024-02-30", True):
        with pytest.raises(ValueError):
            parse_datetime(bad)
    assert parse_tz("Europe/Moscow").utcoffset(datetime(2024, 1, 1)) == timedelta(hours=3)
    assert parse_tz("+5").utcoffset(None) == timedelta(hours=5)
    assert parse_tz("UTC").utcoffset(None) == timedelta(0)
    with pytest.raises(ValueError):
        parse_tz("Mars/Olympus")
    assert parse_datetime("2024-01-01 10:00", "Asia/Novosibirsk").utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-16-le", "utf-16-le"),
    ("utf-16-be", "utf-16-be"), ("cp1251", "cp1251"),
])
def test_encodings_are_detected(encoding: str, expected: str) -> None:
    text = "Диалог;Роль;Сообщение\n1;Клиент;Здравствуйте, где мой заказ?\n"
    data = text.encode(encoding)
    assert sniff_encoding(data) == expected
    assert decode_bytes(data)[0] == text


def test_unknown_encoding_and_unknown_format(tmp_path: Path) -> None:
    bad = tmp_path / "x.txt"
    bad.write_bytes(bytes(range(128, 256)) * 4)
    assert detect_format_error(bad)
    odd = tmp_path / "odd.json"
    odd.write_text('{"foo": [1, 2]}', encoding="utf-8")
    [err] = read(odd)[1]
    assert "unknown shape" in err.message
    [err] = read(tmp_path / "missing.csv")[1]
    assert err.message == "no such file"


def detect_format_error(path: Path) -> bool:
    from vezhlivo.errors import VezhlivoError

    try:
        detect_format(path)
    except VezhlivoError:
        return True
    return False


def test_folders_skip_non_exports_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("просто заметки\n", encoding="utf-8")
    (tmp_path / "chat.txt").write_bytes((FIX / "whatsapp" / "android_en.txt").read_bytes())
    opts = ReadOptions(operators=("Kid Mir",))
    convs, errors = read(tmp_path, opts)
    assert [roles(c) for c in convs] == ["c o c"] and not errors
    assert any("notes.txt" in n for n in opts.notes)


def _peak_reading(path: Path, lines: int) -> int:
    line = {"id": "x", "channel": "chat", "messages": [
        {"role": "client", "text": "Здравствуйте, где заказ? " * 20},
        {"role": "operator", "text": "Добрый день! Заказ в пути, будет завтра. " * 20}]}
    with path.open("w", encoding="utf-8") as fh:
        for i in range(lines):
            line["id"] = f"c{i}"
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    tracemalloc.start()
    count = sum(1 for item in read_paths([path]) if isinstance(item, Conversation))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == lines
    return peak


def test_canonical_jsonl_is_streamed(tmp_path: Path) -> None:
    small = _peak_reading(tmp_path / "small.jsonl", 2000)
    big = _peak_reading(tmp_path / "big.jsonl", 8000)  # 4 times the file, about the same memory
    assert big < small * 1.5, (small, big)
    assert big < (tmp_path / "big.jsonl").stat().st_size / 3


def test_mask_pii_keeps_lengths() -> None:
    text = "Мой телефон +7 (916) 123-45-67, почта ivan.petrov@mail.ru, карта 4276 1234 5678 9012."
    masked = mask_text(text)
    assert masked is not None and len(masked) == len(text)
    assert "123-45" not in masked and "ivan.petrov" not in masked and "5678" not in masked
    assert "67" in masked and "i**********@mail.ru" in masked
    [conv] = read(FIX / "helpdesk" / "jivo_chat_finished.json")[0]
    m = mask_conversation(conv)
    assert m.client.phone == "+*********67" and m.client.email == "k*****@example.ru"
    assert conv.client.phone == "+79161234567"  # the source keeps it
    assert [x.text for x in m.messages] == [x.text for x in conv.messages]  # nothing personal in the texts
