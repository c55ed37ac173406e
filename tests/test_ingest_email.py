"""E-mail: .eml files, folders of them and mbox; threading, quotes and signatures."""

from __future__ import annotations

from pathlib import Path

from ingest_helpers import FIX, read, roles, times
from vezhlivo.ingest import ReadOptions, detect_format
from vezhlivo.ingest.emails import norm_subject, strip_reply
from vezhlivo.model import Channel, Direction

EM = FIX / "email"
KIDMIR = {"company": {"domains": ["kidmir.ru"]}}


def test_a_folder_of_eml_files_is_one_thread() -> None:
    opts = ReadOptions(settings=KIDMIR)
    [conv], errors = read(EM / "thread", opts)
    assert not errors and not opts.notes
    assert detect_format(EM / "thread" / "01_question.eml") == "email"
    assert conv.channel is Channel.EMAIL and conv.direction is Direction.INCOMING
    assert conv.id == "1710137553.512@mail.ru"
    assert roles(conv) == "c o c"
    assert times(conv) == ["2024-03-11T09:12:33+03:00", "2024-03-11T11:40:02+03:00", "2024-03-11T12:05:47+03:00"]
    question, reply, thanks = (m.text for m in conv.messages)
    assert question.endswith("Когда ждать?")  # the signature below "--" and the Mail.ru footer are cut
    assert "+7 916" not in question
    assert reply.endswith("Елизавета, служба поддержки Kid Mir")  # the polite closing stays
    assert ">" not in reply and "09:12" not in reply  # the quoted question is cut
    assert thanks == "Спасибо, жду."  # HTML part: gmail_quote and blockquote dropped
    assert conv.client.email == "pavel.orlov@mail.ru" and conv.client.name == "Павел Орлов"
    assert conv.operator.id == "support@kidmir.ru"


def test_mbox_threads_by_headers_then_subject() -> None:
    opts = ReadOptions(operators=("@kidmir.ru",))
    convs, errors = read(EM / "support.mbox", opts)
    assert not errors
    assert detect_format(EM / "support.mbox") == "mbox"
    assert [c.id for c in convs] == ["a1@yandex.ru", "o1@company.org"]
    sveta, oleg = convs
    assert roles(sveta) == "c o c"  # the third mail lost its References: joined by subject and client
    assert sveta.messages[0].text.startswith("Добрый вечер. Оплатила заказ 59111")  # koi8-r, base64
    assert "Original Message" not in sveta.messages[1].text
    assert sveta.messages[2].text == "Нашла, спасибо!"
    assert roles(oleg) == "c o"
    assert "Олег Иванов" not in oleg.messages[0].text  # RFC 3676 signature cut


def test_company_domain_is_guessed_with_a_note() -> None:
    opts = ReadOptions()
    convs, _ = read(EM / "support.mbox", opts)
    assert [roles(c) for c in convs] == ["c o c", "c o"]
    assert opts.notes and "kidmir.ru" in opts.notes[0]


def test_strip_reply_and_subjects() -> None:
    text = "Спасибо!\n\nВ Пн, 11 мар. 2024 г. в 11:40, Kid Mir <support@kidmir.ru>:\n> старое\n"
    assert strip_reply(text) == "Спасибо!"
    assert strip_reply("Ок\n-----Исходное сообщение-----\nОт: x@y.ru") == "Ок"
    assert strip_reply("Да\n\nОтправлено с iPhone") == "Да"
    assert norm_subject("Re: RE[2]: Отв: Не пришёл чек") == "не пришёл чек"


def test_a_damaged_eml_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes((EM / "thread" / "01_question.eml").read_bytes())
    (tmp_path / "b.eml").write_bytes(b"")
    convs, errors = read(tmp_path, ReadOptions(settings=KIDMIR))
    assert [roles(c) for c in convs] == ["c"]
    [err] = errors
    assert err.path.endswith("b.eml")
