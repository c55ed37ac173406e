"""Every format → canonical (write_canonical) → read again → the same conversations → reports."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ingest_helpers import FIX, read
from vezhlivo.engine import ContactReport, Engine
from vezhlivo.ingest import ReadOptions, detect_format, parse_mapping, read_paths, write_canonical
from vezhlivo.ingest.canonical import read_canonical
from vezhlivo.model import Conversation

OPS = ReadOptions(operators=("Kid Mir", "Kid Mir Support"), settings={"company": {"domains": ["kidmir.ru"]}})
MAP = parse_mapping("conversation=ConvID,role=Who,text=Msg,time=When (UTC),operator=Agent name")

CASES = [
    ("telegram/result.json", "telegram", OPS, 1),
    ("telegram/full_export.json", "telegram", OPS, 2),
    ("whatsapp/Чат WhatsApp с Ольга.txt", "whatsapp", OPS, 1),
    ("whatsapp/ios_ru.txt", "whatsapp", OPS, 1),
    ("whatsapp/WhatsApp Chat with Sergey.txt", "whatsapp", OPS, 1),
    ("whatsapp/android_ru_utf16.txt", "whatsapp", OPS, 1),
    ("email/thread", "email", OPS, 1),
    ("email/support.mbox", "mbox", OPS, 2),
    ("helpdesk/zendesk_ticket_comments.json", "zendesk", OPS, 1),
    ("helpdesk/intercom_conversation.json", "intercom", OPS, 1),
    ("helpdesk/jivo_chat_finished.json", "jivo", OPS, 1),
    ("helpdesk/jivo_webhooks.jsonl", "jivo", OPS, 2),
    ("helpdesk/usedesk_ticket.json", "usedesk", OPS, 1),
    ("helpdesk/bitrix24_history.json", "bitrix24", OPS, 1),
    ("tables/chats_semicolon.csv", "table", OPS, 2),
    ("tables/helpdesk_cp1251.csv", "table", OPS, 2),
    ("tables/excel_unicode.tsv", "table", OPS, 2),
    ("tables/custom_headers.csv", "table", ReadOptions(mapping=MAP), 2),
    ("tables/chats.xlsx", "table", OPS, 3),
    ("reviews/maps_reviews.csv", "reviews", OPS, 3),
    ("reviews/wb_feedbacks.json", "reviews", OPS, 2),
]


def _shape(c: Conversation) -> tuple[object, ...]:
    return (c.id, c.channel, c.direction, c.client, c.operator,
            tuple((m.index, m.role, m.text, m.ts, m.event, m.author) for m in c.messages))


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


@pytest.mark.parametrize(("name", "kind", "options", "count"), CASES, ids=[c[0] for c in CASES])
def test_format_to_canonical_to_report(name: str, kind: str, options: ReadOptions, count: int,
                                       tmp_path: Path, engine: Engine) -> None:
    path = FIX / name
    if path.is_file():
        assert detect_format(path) == kind
    convs, _ = read(path, options)
    assert len(convs) == count
    out = tmp_path / "out.jsonl"
    assert write_canonical(convs, out) == count
    again = [c for c in read_canonical(out) if isinstance(c, Conversation)]
    assert [_shape(c) for c in again] == [_shape(c) for c in convs]
    assert detect_format(out) == "canonical"
    reports = [r for r in engine.check_many(read_paths([out])) if isinstance(r, ContactReport)]
    assert [r.conv.id for r in reports] == [c.id for c in convs]
    for r, c in zip(reports, convs, strict=True):
        assert [m.role for m in r.conv.messages] == [m.role for m in c.messages]
        assert [m.ts for m in r.conv.messages] == [m.ts for m in c.messages]


def test_write_canonical_to_a_stream() -> None:
    convs, _ = read(FIX / "helpdesk" / "jivo_chat_finished.json")
    buf = io.StringIO()
    assert write_canonical(convs, buf) == 1
    line = buf.getvalue()
    assert line.endswith("\n") and line.count("\n") == 1
    assert '"schema": "vezhlivo.conversation.v1"' in line and "Ксения" in line
