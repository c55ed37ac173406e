"""CSV/XLSX tables with a column mapping or guessed headers, and reviews with replies."""

from __future__ import annotations

import pytest

from ingest_helpers import FIX, read, roles, times
from vezhlivo.errors import VezhlivoError
from vezhlivo.ingest import ReadOptions, detect_format, mapping_settings, parse_mapping
from vezhlivo.model import Channel

TB = FIX / "tables"
RV = FIX / "reviews"


def test_russian_headers_semicolons_bom_interleaved_rows() -> None:
    convs, errors = read(TB / "chats_semicolon.csv")
    assert detect_format(TB / "chats_semicolon.csv") == "table"
    assert [c.id for c in convs] == ["1001", "1002"]
    assert roles(convs[0]) == "c o o c"
    assert convs[0].messages[1].text == (
        "Здравствуйте! Меня зовут Елизавета, служба поддержки Kid Mir.\nСейчас уточню у службы доставки.")
    assert times(convs[1]) == ["2024-03-12T14:08:00+03:00", "2024-03-12T14:09:00+03:00"]
    assert {(e.record, e.field) for e in errors} == {(8, "Сообщение"), (10, "time")}


def test_cp1251_with_separate_date_and_time_columns() -> None:
    convs, errors = read(TB / "helpdesk_cp1251.csv")
    assert not errors
    assert [roles(c) for c in convs] == ["c o c", "c s o"]
    assert convs[0].messages[0].text.endswith("«неверный пароль»")
    assert times(convs[0])[1] == "2024-02-05T09:41:00+03:00"


def test_utf16_tab_separated_authors_by_name() -> None:
    opts = ReadOptions(operators=("Kid Mir",))
    convs, errors = read(TB / "excel_unicode.tsv", opts)
    assert not errors and not opts.notes
    assert [roles(c) for c in convs] == ["c o", "c o"]
    assert convs[1].client.name == "Олег"


def test_custom_headers_need_a_mapping() -> None:
    _, errors = read(TB / "custom_headers.csv")
    assert "--map" in errors[0].message
    mapping = parse_mapping("conversation=ConvID,role=Who,text=Msg,time=When (UTC),operator=Agent name")
    convs, errors = read(TB / "custom_headers.csv", ReadOptions(mapping=mapping))
    assert not errors
    assert [c.id for c in convs] == ["77", "78"] and [roles(c) for c in convs] == ["c o", "c o"]
    assert times(convs[0])[0] == "2024-03-12T13:00:00+03:00"  # Unix seconds
    assert convs[1].operator.name == "Igor"
    saved = ReadOptions(settings=mapping_settings(mapping))  # the mapping saved in the rulebook
    assert [c.id for c in read(TB / "custom_headers.csv", saved)[0]] == ["77", "78"]


def test_parse_mapping_errors() -> None:
    with pytest.raises(VezhlivoError, match="unknown key"):
        parse_mapping("speaker=Кто")
    with pytest.raises(VezhlivoError, match="key=column"):
        parse_mapping("text")
    assert read(TB / "chats_semicolon.csv", ReadOptions(mapping={"text": "Нет такой"}))[1][0].message.startswith(
        "no column named")
    [err] = read(TB / "chats_semicolon.csv", ReadOptions(mapping={"who": "Роль"}))[1]
    assert "unknown key 'who'" in err.message


def test_xlsx_sheets_role_column_and_pair_layout() -> None:
    convs, errors = read(TB / "chats.xlsx")
    assert not errors
    assert detect_format(TB / "chats.xlsx") == "table"
    assert [c.id for c in convs] == ["501", "502", "p1"]
    assert roles(convs[0]) == "c o" and convs[0].operator.name == "Елизавета" and convs[0].client.name == "Анна"
    assert times(convs[0]) == ["2024-03-01T12:00:00+03:00", "2024-03-01T12:03:00+03:00"]
    assert roles(convs[2]) == "c o c o"  # «Клиент»/«Оператор» columns of messages, one pair a row


def test_reviews_csv() -> None:
    assert detect_format(RV / "maps_reviews.csv") == "reviews"
    convs, errors = read(RV / "maps_reviews.csv")
    assert [c.id for c in convs] == ["review-r-1", "review-r-2", "review-r-3"]
    assert all(c.channel is Channel.REVIEW for c in convs)
    assert [roles(c) for c in convs] == ["c o", "c o", "c"]
    assert times(convs[0]) == ["2024-03-12T14:05:00+03:00", "2024-03-13T10:20:00+03:00"]  # Russian months
    assert convs[0].client.name == "Наталья"
    [err] = errors
    assert err.record == 5 and err.field == "date"


def test_reviews_json_wildberries_and_google() -> None:
    assert detect_format(RV / "wb_feedbacks.json") == "reviews"
    convs, _ = read(RV / "wb_feedbacks.json")
    assert [roles(c) for c in convs] == ["c o", "c"]
    assert convs[0].messages[0].text == "Куртка маломерит на размер\nДостоинства: Тёплая\nНедостатки: Маломерит"
    [g] = read(RV / "google_reviews.json")[0]
    assert roles(g) == "c o" and g.client.name == "Мария"
    assert times(g) == ["2024-02-01T12:00:00+00:00", "2024-02-02T09:00:00+00:00"]
