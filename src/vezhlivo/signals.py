"""Conversation-level signals shared by rules and the contact card: complaints, abuse, repeats."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import cast

from .model import Role
from .nlp.annotate import Annotated
from .nlp.doc import Doc, Kind
from .nlp.patterns import find_any, sentence_has
from .nlp.rudeness import rude_spans
from .nlp.toxicity import rude_sentences

# A client who complains: dissatisfaction, claims, a refund demand, angry repetition.
COMPLAINT_PATTERNS = (
    "жалоба|претензия|рекламация",
    "пожаловаться|жаловаться",
    "безобразие|беспредел|бардак|кошмар|ужас|позор|хамство|издевательство|обман|развод|лохотрон",
    "возмутительно|возмущать|возмутить|возмущенный|возмущение",
    "ужасный|отвратительный|ужасно|отвратительно|безобразный|хамский|кошмарный|отстойный|мерзкий",
    "недовольный|недоволен|разочаровать|разочарованный|разочарование",
    "вы издеваться",
    "издеваться ?ли",
    "до сих пор ...3 не",
    "так ?@any и не @past",
    "сколько ?@any можно|ждать",
    "уже ?@any второй|третий|четвертый|пятый|десятый|@num раз",
    "в который ?уже раз",
    "опять|снова ...3 не|нет",
    "плохо|ужасно|отвратительно ?@any работать|обслуживать|доставлять",
    "плохой|ужасный|отвратительный|некачественный ?@any сервис|обслуживание|качество|связь|товар|доставка|работа",
    "перестать работать",
    "украсть|обокрасть|воровать|своровать|обмануть|обманывать|кинуть|развести",
    "нагрубить|хамить|грубить|нахамить",
    "потерять ?@any заказ|посылка|товар|деньги|документ",
    "заказ|посылка|товар|деньги|курьер|возврат|доставка|мастер ?@any так ?@any и ?@any не @past",
    "заказ|посылка|товар|деньги|курьер|возврат|доставка|мастер ?@any не @past",
    "не ?@any @past ?@any заказ|посылка|товар|деньги|курьер",
    "никто ?@any не ?@any перезвонить|позвонить|ответить|связаться|приехать|прийти|помочь|написать",
    "обещать ...4 не",
    "вернуть|верните ?@any деньги|средства",
    "требовать|требую",
    "хотеть|хочу ?@any возврат",
    "брак|бракованный|сломанный|разбитый|испорченный|поврежденный|просроченный|порванный",
    "прийти|привезти|доставить ?@any сломанный|разбитый|поврежденный|не тот",
    "не тот ?@any товар|размер|цвет|заказ",
    "не ?@any устраивать",
    "=опоздал|=опоздала|=опоздали|=опоздало|задержка|задерживать",
    "списать ...3 дважды|лишний",
    "не ?@any работать ?@any уже|опять|снова|неделя|месяц|день",
    "нормально ?@any работать ?@any не",
    "разве|вообще это ?@any нормально",
    "куда ?@any смотреть",
    "за что ?@any деньги",
    # something the company did not do, or did wrong
    "никто ...2 не @verb",
    "до сих пор ...3 нет",
    "ждать ...3 ?@num минута|час|неделя|день|месяц|сутки",
    "уже ?@num неделя|месяц|сутки ...6 не|нет",
    "не|нет ...6 уже ?@num неделя|месяц|сутки",
    "третий|четвертый|пятый|десятый раз",
    "опять|снова @past",
    "долго ...3 не",
    "только ?@any обещать",
    "не ?@any дать|начислить|вернуть|прислать|починить|исправить|подключить|отключить|предупредить|сообщить|"
    "объяснить|извиниться|перезвонить|слушать|приехать|прийти|привезти|доставить|сделать",
    "отказать|отказаться ...3 в|от|делать|принять|вернуть|ремонт",
    "отваливаться|пропадать|глючить|зависать|виснуть|тормозить|вылетать|выкидывать|сбоить|ломаться|сломаться",
    "сбой",
    "путать|перепутать|напутать",
    "грязь|грязно|грязный",
    "молчать|игнорировать",
    "позже ?@any обещанный|обещать|срок",
    "взять|брать|списать|снять ?@any деньги ...4 не|хотя|лишний|дважды",
    "штраф",
)
COMPLAINT_UNLESS = (
    "без претензия",
    "никакой ?@any претензия|жалоба",
    "не ?@any жалоба|претензия|жаловаться",
    "не ?@any иметь претензия",
    "претензия ?@any нет",
    "так ?@any и не понять|разобраться",
    "пожаловаться|жалоба|жаловаться на ?@any видео|ролик|канал|пользователь|автор|комментарий|контент|"
    "трансляция|стрим|отзыв|сообщение|пост|публикация|мошенник",
    "нет ?@any претензия|жалоба",
)

# Words of a client who insults or threatens the operator (the default lexicon; a company extends it).
ABUSE_WORDS = (
    "идиот", "идиотка", "дебил", "дебилка", "дура", "дурак", "тупой", "тупица", "кретин", "придурок",
    "урод", "уродина", "скотина", "тварь", "сволочь", "мразь", "быдло",
    "дегенерат", "даун", "имбецил", "ничтожество", "бездарь", "бездарный", "олух", "балбес",
    "мудак", "мудила", "дерьмо", "говно", "жопа", "сука", "блядь", "бля", "блять", "херня",
    "хер", "пиздец", "нахуй", "нахер", "ебать", "охренеть", "офигеть", "заткнуться", "отвалить",
    "сдохнуть", "лох", "шарашкин", "шарага", "некомпетентный", "мошенник", "ворюга", "жулик",
)
ABUSE_PREFIXES = ("хуй", "хуе", "хуё", "пизд", "ебан", "ебал", "ёбан", "уеб", "уёб", "выеб", "заеб", "бляд", "охуе",
                  "мудо", "мудак", "говн", "сучк", "сучар")
OBSCENE_ROOTS = ("хуй", "хуя", "хуе", "пизд", "ебан", "ебат", "ебал")
THREAT_PATTERNS = (
    "засудить",
    "по суд ?@any затаскать",
    "вы ?@any конец",
    "вы ?@any пожалеть",
    "я ?@any вы ?@any найти",
    "урыть|убить|прибить|закопать вы|ты",
    "добиться ...3 уволить",
    "вы ?@any уволить",
)


# A word that is obscene by its stem: «хуйня», «пиздец», «заебали» (asked once per distinct form).
@lru_cache(maxsize=65_536)
def _obscene_form(word: str) -> bool:
    return word.startswith(ABUSE_PREFIXES) or any(p in word for p in OBSCENE_ROOTS)


@lru_cache(maxsize=64)
def _lexicon(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(words)


def abuse_spans(doc: Doc, words: Iterable[str] = ABUSE_WORDS, threats: Iterable[str] = THREAT_PATTERNS,
                *, use_detector: bool = True) -> list[tuple[int, int, str]]:
    """Insults, obscenity and threats in one message: (start, end, 'insult' | 'obscene' | 'threat')."""
    # a pure function of the text: remembered on the Doc for C1 (complaints), C5 and the card alike
    key = ("signals.abuse_spans", tuple(words), tuple(threats), use_detector)
    cached = doc.memo.get(key)
    if cached is None:
        cached = doc.memo[key] = _abuse_spans(doc, key[1], key[2], use_detector)
    return list(cast(list[tuple[int, int, str]], cached))


def _abuse_spans(doc: Doc, words: tuple[str, ...], threats: tuple[str, ...],
                 use_detector: bool) -> list[tuple[int, int, str]]:
    if use_detector:
        # the lexicon and the threats, then what the rudeness detector and the model add to them
        out = abuse_spans(doc, words, threats, use_detector=False)
        for s, e, k in rude_spans(doc):
            if k not in ("obscene", "insult"):
                continue
            word = doc.text[s:e]
            if word[:1].isupper() and not word.isupper() and not any(
                    x.start == s for x in doc.sentences):
                continue
            if not any(a < e and s < b for a, b, _ in out):
                out.append((s, e, k))
        for s, e, k, _score in rude_sentences(doc):
            if k == "toxic" and not any(a < e and s < b for a, b, _ in out):
                out.append((s, e, "insult"))
        out.sort()
        return out
    lex = _lexicon(words)
    out = []
    for t in doc.tokens:
        if t.kind is not Kind.WORD or t.mask is not None:
            continue
        if t.norm in lex or not lex.isdisjoint(t.lemmas):
            first_of_sentence = doc.sentences[t.sent].start == t.start
            if t.text[:1].isupper() and not t.text.isupper() and not first_of_sentence:
                continue  # «ресторан Лох Файн»: a name, not an insult
            out.append((t.start, t.end, "insult"))
        elif _obscene_form(t.norm):
            out.append((t.start, t.end, "obscene"))
    for m in find_any(doc, threats):
        out.append((m.start, m.end, "threat"))
    out.sort()
    return out


_STARS = re.compile(r"(★+)(☆*)")
_SCORE = re.compile(r"(?:оценк[аи]|рейтинг)\s*:?\s*([1-5])(?:\s*(?:из|/)\s*5)?|\b([1-5])\s*(?:из|/)\s*5\b", re.I)


def review_stars(text: str) -> int | None:
    """The rating a review gives («★★☆☆☆», «Оценка: 2», «2/5»), when it says one."""
    m = _STARS.search(text)
    if m and len(m.group(1)) + len(m.group(2)) == 5:
        return len(m.group(1))
    m2 = _SCORE.search(text)
    if m2:
        return int(m2.group(1) or m2.group(2))
    return None


def is_complaint(doc: Doc, extra: Iterable[str] = ()) -> bool:
    stars = review_stars(doc.text)
    if stars is not None:
        return stars <= 3
    for m in find_any(doc, (*COMPLAINT_PATTERNS, *extra)):
        if m.first == m.last and not doc.tokens[m.first].info.known:
            continue  # a typo one edit from «ужас» («увас») is no complaint
        if not sentence_has(doc, doc.sentence_of(m.first), COMPLAINT_UNLESS):
            return True
    return bool(abuse_spans(doc, use_detector=False))


def complaint_turns(ann: Annotated, extra: Iterable[str] = ()) -> list[int]:
    """Client messages that complain."""
    ex = tuple(extra)
    return ann.memo(f"complaint_turns:{ex}",
                    lambda: [m.index for m in ann.client_messages() if is_complaint(ann.doc(m.index), ex)])


def abusive_client_turns(ann: Annotated, words: Iterable[str] = ABUSE_WORDS,
                         threats: Iterable[str] = THREAT_PATTERNS) -> list[int]:
    """Client messages that insult or threaten (the operator or the company)."""
    w, th = tuple(words), tuple(threats)
    return ann.memo(f"abusive_client_turns:{hash((w, th))}",
                    lambda: [m.index for m in ann.client_messages() if abuse_spans(ann.doc(m.index), w, th)])


def complaint_resolved(ann: Annotated) -> bool:
    """The client's last message thanks the operator."""
    msgs = ann.client_messages()
    return bool(msgs) and bool(find_any(ann.doc(msgs[-1].index), ["спасибо|благодарить"]))


def operator_turns_after(ann: Annotated, turn: int, limit: int | None = None) -> list[int]:
    out = [m.index for m in ann.conv.messages if m.index > turn and m.role is Role.OPERATOR and m.text]
    return out[:limit] if limit is not None else out
