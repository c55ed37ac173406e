"""Telegram Desktop and WhatsApp exports."""

from __future__ import annotations

from pathlib import Path

from ingest_helpers import FIX, read, roles, times
from vezhlivo.ingest import ReadOptions, detect_format
from vezhlivo.model import Role

TG = FIX / "telegram"
WA = FIX / "whatsapp"


def test_telegram_single_chat_with_operator_option() -> None:
    opts = ReadOptions(operators=("Kid Mir Support",))
    [conv], errors = read(TG / "result.json", opts)
    assert not errors and not opts.notes
    assert detect_format(TG / "result.json") == "telegram"
    assert conv.id == "tg-4410021"
    # service messages (call, pin) and a sticker without text are left out; the photo keeps its caption
    assert roles(conv) == "c o c o c o c"
    assert conv.messages[1].text.startswith("Здравствуйте, Анна! Меня зовут Елизавета, служба поддержки Kid Mir.")
    assert conv.messages[1].text.endswith("https://kidmir.ru/orders/58213")  # entities joined
    assert conv.messages[2].text == "Вот скрин из приложения"
    assert conv.messages[4].text == "Ваше отправление прибыло в сортировочный центр"  # forwarded
    assert times(conv)[0] == "2024-03-12T14:02:05+03:00"  # date_unixtime in the default zone
    assert conv.operator.name == "Kid Mir Support"
    assert conv.client.name == "Анна Смирнова" and conv.client.id == "user101"


def test_telegram_operator_by_id_and_by_rulebook() -> None:
    [a], _ = read(TG / "result.json", ReadOptions(operators=("user500",)))
    [b], _ = read(TG / "result.json", ReadOptions(settings={"operators": [{"id": "500", "name": "Лиза"}]}))
    assert roles(a) == roles(b) == "c o c o c o c"


def test_telegram_without_operator_guesses_and_notes() -> None:
    opts = ReadOptions()
    [conv], _ = read(TG / "result.json", opts)
    assert roles(conv) == "c o c o c o c"
    assert len(opts.notes) == 1 and "Kid Mir Support" in opts.notes[0]


def test_telegram_full_export_uses_the_exporting_account() -> None:
    opts = ReadOptions()
    convs, errors = read(TG / "full_export.json", opts)
    assert [c.id for c in convs] == ["tg-7001", "tg-7002"]  # saved messages are not a conversation
    assert roles(convs[0]) == "c o c"
    assert convs[0].messages[2].text == "Нужен 128, спасибо"
    assert times(convs[0])[0] == "2024-04-02T09:15:00+03:00"  # 'date' only: the default zone
    assert roles(convs[1]) == "c o"
    [err] = errors  # a message whose text is a number: reported with its chat and field, the rest read
    assert err.record == 2 and err.field == "chats.list[1].messages[2].text"
    assert not opts.notes


def test_telegram_default_zone_is_configurable() -> None:
    [conv, _], _ = read(TG / "full_export.json", ReadOptions(default_tz="Asia/Yekaterinburg"))
    assert times(conv)[0] == "2024-04-02T09:15:00+05:00"


def test_whatsapp_android_russian_multiline_and_media() -> None:
    [conv], errors = read(WA / "Чат WhatsApp с Ольга.txt", ReadOptions(operators=("Kid Mir",)))
    assert not errors
    assert conv.id == "wa-Ольга"
    assert roles(conv) == "c c o o c o"
    assert conv.messages[1].text == (
        "Хочу вернуть коляску, у неё скрипит колесо.\nПокупала 1 марта, чек есть.\nМожно ли обменять?")
    assert conv.messages[3].text == "Пришлите, пожалуйста, номер заказа"  # the edit mark is cut
    assert all("медиа" not in m.text.lower() and "удалено" not in m.text for m in conv.messages)
    assert times(conv)[0] == "2024-03-12T10:02:00+03:00"


def test_whatsapp_ios_russian_with_marks_and_crlf() -> None:
    [conv], _ = read(WA / "ios_ru.txt", ReadOptions(operators=("Kid Mir",)))
    assert roles(conv) == "c o c"  # the encryption notice and "изображение отсутствует" are left out
    assert conv.messages[1].text == "Добрый день, Дмитрий! Поступление ожидаем 20 марта.\nМогу оформить предзаказ."
    assert times(conv) == ["2024-03-15T09:00:01+03:00", "2024-03-15T09:04:30+03:00", "2024-03-15T09:06:00+03:00"]


def test_whatsapp_ios_english_month_first_and_pm() -> None:
    [conv], _ = read(WA / "WhatsApp Chat with Sergey.txt", ReadOptions(operators=("Kid Mir",)))
    assert conv.id == "wa-Sergey"
    assert roles(conv) == "c o c"
    assert times(conv) == ["2024-03-15T14:05:09+03:00", "2024-03-15T14:12:00+03:00", "2024-03-16T09:01:00+03:00"]


def test_whatsapp_android_english_am_pm() -> None:
    [conv], _ = read(WA / "android_en.txt", ReadOptions(operators=("Kid Mir",)))
    assert roles(conv) == "c o c"  # <Media omitted> and "(file attached)" are left out
    assert times(conv) == ["2024-03-05T09:05:00+03:00", "2024-03-05T09:07:00+03:00", "2024-03-05T12:30:00+03:00"]


def test_whatsapp_utf16_and_cp1251_read_the_same() -> None:
    base, _ = read(WA / "Чат WhatsApp с Ольга.txt")
    for name in ("android_ru_utf16.txt", "android_ru_cp1251.txt"):
        [conv], errors = read(WA / name)
        assert not errors
        assert [(m.role, m.text, m.ts) for m in conv.messages] == [(m.role, m.text, m.ts) for m in base[0].messages]


def test_whatsapp_operator_heuristic_names_the_company_account() -> None:
    opts = ReadOptions()
    convs, _ = read(WA, opts)
    assert len(convs) == 6
    for conv in convs:
        assert {m.author for m in conv.messages if m.role is Role.OPERATOR} == {"Kid Mir"}, conv.id
    assert len(opts.notes) == 6 and all("Kid Mir" in n for n in opts.notes)


def test_whatsapp_zip_export(tmp_path: Path) -> None:
    import zipfile

    z = tmp_path / "WhatsApp Chat - Ольга.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(WA / "Чат WhatsApp с Ольга.txt", "_chat.txt")
        zf.writestr("00000012-PHOTO-2024-03-12-10-03-00.jpg", b"\xff\xd8")
    [conv], _ = read(z, ReadOptions(operators=("Kid Mir",)))
    assert roles(conv) == "c c o o c o"
