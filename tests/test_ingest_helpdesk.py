"""Helpdesk exports: Zendesk, Intercom, Jivo, Usedesk, Bitrix24 Open Lines."""

from __future__ import annotations

from ingest_helpers import FIX, read, roles, times
from vezhlivo.ingest import detect_format
from vezhlivo.model import Channel, Direction, Event

HD = FIX / "helpdesk"


def test_detection() -> None:
    assert detect_format(HD / "zendesk_ticket_comments.json") == "zendesk"
    assert detect_format(HD / "zendesk_tickets_export.json") == "zendesk"
    assert detect_format(HD / "intercom_conversation.json") == "intercom"
    assert detect_format(HD / "intercom_list.json") == "intercom"
    assert detect_format(HD / "jivo_chat_finished.json") == "jivo"
    assert detect_format(HD / "jivo_webhooks.jsonl") == "jivo"
    assert detect_format(HD / "usedesk_ticket.json") == "usedesk"
    assert detect_format(HD / "bitrix24_history.json") == "bitrix24"


def test_zendesk_comments_with_users() -> None:
    [conv], errors = read(HD / "zendesk_ticket_comments.json")
    assert not errors
    assert conv.id == "zendesk-35436" and conv.channel is Channel.EMAIL
    assert roles(conv) == "c o c"  # the internal note (public: false) is left out
    assert conv.messages[1].text.startswith("Здравствуйте, Наталья!\n\nПромокод")  # plain_body
    assert conv.messages[2].text == "Получилось, спасибо!"  # html_body only
    assert times(conv)[0] == "2024-03-12T08:20:11+00:00"
    assert conv.client.name == "Наталья Белова" and conv.client.email == "n.belova@example.ru"
    assert conv.operator.name == "Елизавета"


def test_zendesk_export_without_users_uses_the_requester() -> None:
    convs, errors = read(HD / "zendesk_tickets_export.json")
    assert [c.id for c in convs] == ["zendesk-40001", "zendesk-40003"]
    assert convs[0].channel is Channel.CHAT and roles(convs[0]) == "c o"
    assert times(convs[1]) == ["2024-04-02T12:00:00+03:00", "2024-04-02T12:10:00+03:00"]  # no zone: default
    [err] = errors
    assert err.record == 2 and err.field == "comments[0].created_at" and "вчера" in err.message


def test_intercom_parts_bot_assignment_note_close() -> None:
    [conv], _ = read(HD / "intercom_conversation.json")
    assert conv.id == "intercom-147"
    assert roles(conv) == "c s s o c o s"
    bot, transfer, _, _, _, close = conv.messages[1:]
    assert bot.author == "bot:Kid Mir Bot" and bot.text.startswith("Спасибо за обращение")
    assert transfer.event is Event.TRANSFER and close.event is Event.CLOSE
    assert conv.messages[3].text == (
        "Алексей, здравствуйте! Меня зовут Игорь.\n\nПопробуйте, пожалуйста, оплатить через СБП — ссылка придёт в SMS.")
    assert "эквайринг" not in " ".join(m.text for m in conv.messages)  # the note
    assert times(conv)[0] == "2024-03-12T13:00:00+03:00"  # Unix created_at in the default zone
    assert conv.client.email == "alexey@example.ru"


def test_intercom_list_outbound_and_broken_part() -> None:
    convs, errors = read(HD / "intercom_list.json")
    [conv] = convs
    assert conv.direction is Direction.OUTGOING and roles(conv) == "o c"
    [err] = errors
    assert err.record == 2 and err.field == "conversation_parts[0].created_at"


def test_jivo_chat_finished() -> None:
    [conv], _ = read(HD / "jivo_chat_finished.json")
    assert conv.id == "jivo-8531"
    assert roles(conv) == "c o c o o c"
    assert [m.author for m in conv.messages][3:5] == ["Елизавета", "Игорь"]
    assert conv.client.phone == "+79161234567" and conv.operator.name == "Елизавета"
    assert times(conv)[0] == "2024-03-15T13:53:20+03:00"


def test_jivo_webhooks_jsonl_streamed_with_broken_lines() -> None:
    convs, errors = read(HD / "jivo_webhooks.jsonl")
    assert [c.id for c in convs] == ["jivo-9001", "jivo-9003"]
    assert convs[0].direction is Direction.OUTGOING  # proactive invitation
    assert [c.source.record for c in convs if c.source] == [1, 4]
    assert sorted(e.record or 0 for e in errors) == [2, 3]
    assert any(e.field == "chat.messages[0].type" for e in errors)


def test_usedesk_ticket() -> None:
    [conv], _ = read(HD / "usedesk_ticket.json")
    assert conv.id == "usedesk-11882"
    assert roles(conv) == "c s o c"  # trigger = system, private comment left out
    assert conv.messages[2].text == (
        "Здравствуйте!\nНам очень жаль. Пришлите, пожалуйста, фото застёжки — оформим возврат или обмен.")
    assert times(conv)[2] == "2024-03-18T11:35:00+03:00"


def test_bitrix24_open_lines_history() -> None:
    [conv], _ = read(HD / "bitrix24_history.json")
    assert conv.id == "b24-3305"
    assert roles(conv) == "s c o c s"
    assert conv.messages[2].text == (
        "Здравствуйте! Заказ 58800 собран и будет отправлен сегодня.\nТрек-номер пришлём в SMS.")
    assert conv.messages[4].event is Event.CLOSE
    assert conv.client.name == "Виктор Иванов" and conv.operator.name == "Елизавета Смирнова"
