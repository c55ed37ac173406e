"""A large Telegram full export is read chat by chat, with the same result as reading it whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import vezhlivo.ingest as ingest
from vezhlivo.ingest import ReadOptions, detect_format, read_paths
from vezhlivo.model import Conversation, Role


def _export(tmp_path: Path, chats: int = 5) -> Path:
    data = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 777, "first_name": "Kid Mir", "last_name": "Support"},
        "chats": {"about": "This page lists all chats.", "list": [
            {"name": f"Клиент {n}", "type": "personal_chat", "id": 1000 + n, "messages": [
                {"id": 1, "type": "message", "date": "2026-11-20T10:00:00", "date_unixtime": "1763622000",
                 "from": f"Клиент {n}", "from_id": f"user{n}", "text": "Здравствуйте, где мой заказ?"},
                {"id": 2, "type": "service", "date": "2026-11-20T10:00:05", "actor": "x", "action": "pin_message"},
                {"id": 3, "type": "message", "date": "2026-11-20T10:00:30", "date_unixtime": "1763622030",
                 "from": "Kid Mir Support", "from_id": "user777",
                 "text": ["Интернет-магазин Kid Mir, ", {"type": "bold", "text": "Елизавета"}, ", здравствуйте!"]},
            ]} for n in range(chats)]},
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _shape(items: list[object]) -> list[tuple[str, list[tuple[Role, str, object]]]]:
    return [(c.id, [(m.role, m.text, m.ts) for m in c.messages]) for c in items if isinstance(c, Conversation)]


def test_streamed_export_equals_the_whole_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _export(tmp_path)
    whole = list(read_paths([path], ReadOptions()))
    monkeypatch.setattr(ingest, "STREAM_BYTES", 0)
    assert detect_format(path) == "telegram"
    streamed = list(read_paths([path], ReadOptions()))
    assert _shape(streamed) == _shape(whole)
    assert len(_shape(streamed)) == 5
    first = next(c for c in streamed if isinstance(c, Conversation))
    assert [m.role for m in first.messages] == [Role.CLIENT, Role.OPERATOR]
    assert first.messages[1].text == "Интернет-магазин Kid Mir, Елизавета, здравствуйте!"


def test_stream_needs_to_know_the_operator(tmp_path: Path) -> None:
    from vezhlivo.ingest import telegram

    path = tmp_path / "r.json"
    path.write_text(json.dumps({"chats": {"list": []}}), encoding="utf-8")
    assert telegram.stream_telegram(path, ReadOptions()) is None
    assert telegram.stream_telegram(path, ReadOptions(operators=("Kid Mir Support",))) is not None
