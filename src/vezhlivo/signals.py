"""Conversation-level signals shared by rules and the contact card: complaints, abuse, repeats."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from .model import Role
from .nlp.annotate import Annotated
from .nlp.doc import Doc, Kind, Token
from .nlp.morph import lexeme_forms, norm
from .nlp.patterns import Match, find_any, sentence_has
from .nlp.rudeness import rude_spans
from .nlp.toxicity import rude_sentences

# Enum members bound once: on Python 3.11 ``Kind.WORD`` goes through the enum metaclass (~20 times a
# global's cost) and the loops below run per token or per message.
_WORD = Kind.WORD
_OPERATOR = Role.OPERATOR

# A client who complains: dissatisfaction, claims, a refund demand, angry repetition — said outright
# («жалоба», «безобразие») or implied: the company failed to do something («до сих пор не привезли»,
# «третий день нет интернета»), did harm («списали лишнее», «после вашей процедуры покраснение»), the
# client waited, repeated, lost money or time, gives up on the company, or thanks sarcastically.
# Every pattern carries a content word rare enough to index it (see nlp.patterns). Verbs of failure
# come as past forms where the infinitive also reads as news or a question («Почему бы не сделать…»).
_FAILS = ("работать|включаться|грузиться|загружаться|открываться|запускаться|заряжаться|подключаться|ловить|"
          "проходить|отправляться|показывать|функционировать|печатать|греть|морозить|ехать|приходить|отвечать|"
          "заводиться")
_UNIT = "минута|час|день|неделя|месяц|сутки|полгода|год|вечер"
_WAIT_UNIT = "минута|час|день|неделя|месяц|сутки"  # «ждать год» reads as news («инфляция ждёт Россию в 2017 году»)
_SUBJECTS = ("курьер|врач|доктор|мастер|водитель|доставка|специалист|сотрудник|монтажник|техник|заказ|посылка|"
             "менеджер|оператор|такси|бригада|сборщик|грузчик")
_BOUGHT = ("=купила|=купил|=купили|=покупала|=покупал|=покупали|=брала|=брал|=брали|=заказывала|=заказывал|"
           "=заказывали|=заказала|=заказал|=заказали|=приобрела|=приобрел|=приобрели|купленный|приобретенный")
# what the company failed to do, as the client reports it: «не вернули», «не перезвонил», «не выдали»
# (plural: «они»; a bare masculine or feminine form is mostly the client's own «я не вернула»)
_NOT_DONE = (
    "=дали|=начислили|=зачислили|=вернули|=прислали|=починили|=исправили|=подключили|=отключили|=предупредили|"
    "=сообщили|=объяснили|=извинились|=перезвонили|=перезвонил|=перезвонила|=приехали|=пришли|=пришло|=привезли|"
    "=доставили|=сделали|=выдали|=активировали|=выполнили|=устранили|=ответили|=поступили|=поступило|=вернулись|"
    "=начислились|=зачислились|=начислилось|=зачислилось|=решили|=связались|=позвонили|=отправили|=оформили|"
    "=приняли|=перевели|=провели|=рассмотрели|=обработали|=выплатили|=отменили|=пересчитали|=заменили|=обменяли|"
    "=компенсировали|=забрали|=вывезли|=установили|=настроили"
)
COMPLAINT_PATTERNS = (
    # said outright
    "безобразие|беспредел|бардак|кошмар|ужас|позор|позорище|хамство|издевательство|обман|лохотрон|произвол|"
    "дурдом|маразм|наглость|халатность|халтура|надувательство|обдираловка|безответственность|непрофессионализм",
    "это|какой|очередной|сплошной|наглый|тупой|просто развод",
    "возмутительно|возмущать|возмутить|возмущенный|возмущение|негодование|бешенство|ярость",
    "ужасный|отвратительный|ужасно|отвратительно|безобразный|хамский|кошмарный|отстойный|мерзкий|отстой|"
    "убогий|хреновый|херовый|паршивый|поганый|дерьмовый|позорный|грабительский|непрофессиональный|"
    "непрофессионально|безответственный|наглый|нагло|обнаглеть|оборзеть|охаметь|обарзеть",
    "недовольный|недоволен|разочаровать|разочарованный|разочарование|неудовлетворительный|неприемлемый",
    "=надоело|=надоели|=надоел|=надоела|=бесит|=бесят|=бесите|=задолбали|=задолбало|=задрали|=достали|"
    "=достало|=замучили|=раздражает|=раздражаете|=достаете|=надоедаете|=осточертело|=опротивело",
    "совесть",
    "стыдно ?@any за",
    "худший ?@any сервис|банк|оператор|магазин|обслуживание|компания|провайдер|связь|поддержка|клиника|опыт",
    "хуже ?@any некуда",
    "вы издеваться",
    "издеваться ?ли",
    "надоедливый|навязчивый|назойливый",
    "это ?@any мошенничество|воровство|грабеж|вымогательство",
    "вы|ваш ...2 мошенник|жулик|ворюга|вор|аферист",
    "мошенник|жулик|ворюга|вор|аферист ...2 вы|ваш",
    "терпение ...2 кончиться|лопнуть|закончиться|иссякнуть",
    "бред|чушь|днище|фигня|хрень|катастрофа|невыносимо|невыносимый|отмалчиваться|отмолчаться|"
    "дезинформировать|впарить|впаривать|вымогательство|невыполнение",
    "нахрена|нафига|перепуг",
    "какой ?@any хрен|черт|фиг",
    "одни|сплошной ?@any проблема|неприятность|нервы",
    "нарушение ?@any закон|право|договор|условие|срок|обязательство",
    "=нарушаете|=нарушили ?@any закон|право|договор|условие|срок|обязательство",
    "не ?@any выполнять|исполнять|выполнить|исполнить ?@any свой|обязательство|обещание|работа|условие|договор",
    "жалеть|пожалеть ?@any что",
    "=грубый|=грубая|=грубые|=грубым|=грубой|=грубого|хам|хамка|наорать|накричать|=орал|=орала|=орут|=орете",
    # waiting, repeating, chasing
    "до сих пор ...3 не|нет",
    "по-прежнему ...3 не|нет",
    "все еще ...2 не|нет",
    "неоднократно|многократно|не раз ...3 звонить|писать|обращаться|просить|жаловаться|сообщать|напоминать",
    "несколько раз ...3 звонить|писать|обращаться|просить|жаловаться|напоминать",
    "стоять|сидеть|висеть|торчать ...3 ?@num|пол|целый|весь минута|час|полчаса|полдня",
    "очередь ...3 ?@num|пол|целый|весь минута|час|полчаса|полдня",
    "@num ?@any минута|час|полчаса ...2 очередь",
    "обещать ...3 уже|@num|целый " + _UNIT,
    "уже ?@num " + _UNIT + " ...2 обещать",
    "так ?@any и не @past",
    "сколько ?@any можно $",
    "сколько ?@any можно ...2 ждать|звонить|писать|повторять|терпеть|обещать|переносить|издеваться|тянуть|кормить|"
    "просить|ходить|названивать|объяснять|жаловаться|обращаться",
    "сколько ?мне|нам|можно ?@any еще ...3 ждать|терпеть|продолжаться|тянуться|длиться",
    "ни ?в какой ворота|рамка",
    "как ?@any можно ?=было так",
    "испортить|испоганить|угробить",
    "ждать|жду ...3 с|со ?@any утро|обед|вчера|позавчера|понедельник|вторник|среда|четверг|пятница|суббота|"
    "воскресенье",
    "бросить|сбросить ?@any трубка|звонок|вызов",
    "=грубо|=хамски|=невежливо|=неуважительно|=пренебрежительно ...2 разговаривать|общаться|ответить|отвечать|"
    "вести|обращаться",  # not «грубо говоря»
    "разговаривать|общаться|ответить|отвечать|говорить ...3 =грубо|=хамски|=невежливо|=неуважительно|"
    "=пренебрежительно|=свысока",
    "невежливый|неуважительный|неуважение|пренебрежение|пренебрежительный",
    "говорить|сказать|обещать|писать|отвечать ...2 один ...4 другой",
    "говорить|отвечать|сказать|писать ...3 по-разному",
    "ничего ...2 не ?@any сделать|починить|исправить|решить|объяснить",
    "сколько ?@any раз ...3 повторять|говорить|писать|звонить|просить|объяснять|обращаться|напоминать",
    "до =каких =пор",
    "доколе",
    "уже ?@any второй|третий|четвертый|пятый|десятый|@num раз",
    "в который ?уже раз",
    "который ?уже раз",
    "третий|четвертый|пятый|десятый раз",
    "очередной раз ...4 не|нет|опять|снова",
    "опять|снова ...3 не|нет",
    "ждать ...3 ?@num " + _WAIT_UNIT,
    "@num|сорок|пол|полтора|целый|несколько ?@any " + _WAIT_UNIT + " ?@any ждать|прождать|простоять|просидеть|"
    "провисеть",
    "прождать|провисеть|просидеть ...3 " + _WAIT_UNIT,
    "заставлять|заставить ?@any ждать",
    "кормить ?@any завтрак",
    "когда ?@any =почините|=исправите|=устраните|=наладите|=восстановите|=разберетесь|=вернете",
    "когда же",
    "когда ...2 наконец|наконец-то",
    "обещать ...4 не",
    "обещать ...6 а|но ...3 сегодня|уже|нет|ничего|тишина",
    "обещать ...6 тишина|ничего|никто|пропасть|забыть|исчезнуть",
    "обещать ...6 до сих пор",
    "только ?@any обещать",
    "позже ?@any обещанный|обещать|срок|запись|назначенный|договоренность|оговоренный|указанный",
    "@past ...4 на ?@num " + _UNIT + " позже",
    "=прошло|=прошла|=прошел|=прошли ?уже ?@any @num|больше|несколько|целый|почти|полтора " + _UNIT,
    "уже ...2 =прошло|=прошла|=прошел|=прошли ?@any " + _UNIT,
    "устать ...3 писать|звонить|ждать|ходить|объяснять|повторять|бороться|просить|названивать",
    "мне ?@any очень|крайне|было|так ?@any неприятно|обидно",
    "так ?@any обойтись|обращаться ...2 с|со",
    "ваш ?@any ошибка|вина|косяк|недоработка|халатность|недосмотр",
    "приехать|прийти|зайти|дозвониться ...4 а ...4 нет|не|закрыто|никого",
    "очень|слишком|крайне|так|безумно|невероятно долго ...2 ждать|отвечать|ответ|рассматривать|идти|ехать|"
    "доставлять|решать|разбираться",
    "долго ...3 не ?@any мочь|смочь|удаваться|получаться|отвечать|приходить|решать|перезванивать|брать",
    "не ?в ?@any первый раз когда",
    # time passes and nothing works or comes: «третий день нет интернета», «уже 2 часа не работает»
    "уже ?на ?@num|пол|полтора|несколько|целый|весь|второй|третий|четвертый|пятый|который " + _UNIT
    + " ...6 не|нет|без|ничего",
    "не ...6 уже ?@num " + _UNIT,
    "нет ...2 уже ?@num " + _UNIT,
    "лежать|стоять|висеть|валяться|идти|ехать|обрабатываться|рассматриваться|проверяться|ждать|жду ...2 уже ?на "
    "?@num " + _UNIT,
    "уже ?на ?@num " + _UNIT + " ...2 лежать|стоять|висеть|валяться|идти|ехать|обрабатываться|рассматриваться|"
    "проверяться|ждать|жду",
    "второй|третий|четвертый|пятый|шестой|седьмой|десятый|который " + _UNIT + " ...6 не|нет|без|ничего|жду|ждать",
    "@num|пол|полдня|полтора|целый|весь|несколько ?@any " + _UNIT + " ?@any не ?@any " + _FAILS,
    "не ?@any " + _FAILS + "|быть ...3 весь|целый ?@any " + _UNIT,
    "не ?@any " + _FAILS + " ...3 с|со ?@any утро|вчера|вечер|ночь|первый|самый|понедельник|вторник|среда|четверг|"
    "пятница|суббота|воскресенье|прошлый|позавчера",
    "с|со утро|вчера|позавчера|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье ...3 не ?@any "
    + _FAILS,
    "оставить ...4 без ?@any связь|интернет|деньги|свет|телевидение|газ|вода|отопление",
    "без ?@any интернет|связь|свет|телевидение|газ|вода|отопление ...3 уже|весь|целый|@num|второй|третий",
    "@num|весь|целый|второй|третий|пол ...2 " + _UNIT + " ...3 без ?@any интернет|связь|свет|телевидение|газ|вода|"
    "отопление",
    "не ?@any брать|взять ?@any трубка",
    "трубка ...2 не ?@any брать|взять",
    "нет ?@any внятный|вразумительный|толковый|нормальный ?@any ответ|объяснение",
    "вообще|совсем|совершенно|абсолютно|хрен|фиг|нифига|нихрена|нихрен|ничего|никак|постоянно|вечно|регулярно "
    "?@any не ?@any " + _FAILS,
    "дозвониться|достучаться ...2 невозможно|нереально",
    "невозможно|нереально ...2 дозвониться|достучаться|зайти|войти|попасть|залогиниться|пользоваться|использовать|"
    "скачать|открыть|оплатить|получить|связаться|работать|смотреть|отправить|загрузить|пополнить",
    "не ?@any возможно ...2 дозвониться|достучаться|зайти|войти|залогиниться|пользоваться|связаться",
    "не ?@any мочь|смочь|удаваться|удасться|получаться ...2 дозвониться|достучаться|добиться",
    "никак ?@any не ?@any мочь|смочь|удаваться|получаться",
    "плохо|ужасно|отвратительно ?@any работать|обслуживать|доставлять",
    "плохой|ужасный|отвратительный|некачественный ?@any сервис|обслуживание|качество|связь|товар|доставка|работа",
    "нет|ни ?@any =нормального|=нормальной|=нормальных",
    "постоянный|вечный|регулярный|сплошной ?@any проблема|сбой|ошибка|задержка|перебой|обрыв|глюк|косяк",
    "перестать работать",
    "отваливаться|пропадать|глючить|сбоить|косячить|накосячить|глюк|глючный|перебой|косяк",
    # broken soon, again or after a purchase — not «у меня сломался зуб» or «старая SIM сломалась»
    "сломаться|ломаться|поломаться ...3 через|сразу|уже|опять|снова|постоянно|второй|третий|гарантия",
    "через|сразу|уже|опять|снова|постоянно|вечно ...3 сломаться|ломаться|поломаться",
    "ваш ...4 сломаться|ломаться|поломаться",
    "=зависает|=зависают|=завис|=зависла|=зависло|=зависли|=виснет|=виснут|=тормозит|=тормозят|=тормозил|"
    "=тормозило",
    "вылетать|выкидывать|выбрасывать ...2 из ?@any приложение|программа|игра|аккаунт|кабинет|сеть|система|сайт",
    "приложение|программа|игра|сайт|связь|звонок|трансляция|видео ...3 вылетать|выкидывать|падать|упасть|лечь",
    "сбой",
    "путать|перепутать|напутать",
    "грязь|грязно|грязный",
    # the company did harm, took money, lost things, refused
    "=украли|=обокрали|=своровали|=кинули|=развели|=обманули|=обманываете|=обманывают|=обманывает|=воруете|"
    "=воруют|=ворует|=грабите|=грабят|=обсчитали|=обсчитывают|=обдирают|=дерут|=содрали|=навязали|=навязывают|"
    "=навязываете|=продинамили|=отфутболили|=отфутболивают|=футболят|=отписываются|=отмазываются|"
    "=отмахиваются",
    "=подвели|=подвел|=подвела ?@any меня|нас",
    "вы ?@any меня|нас ?@any =подвели",
    "нагрубить|хамить|грубить|нахамить",
    "потерять ?@any заказ|посылка|товар|деньги|документ|время|клиент",
    "терять ?@any деньги|время|нервы|клиент|заработок",
    "потратить|тратить ?@any время|нервы|полдня|день|час",
    "деньги|платеж|перевод|посылка|заказ|средства|бонус|балл|товар|видео|ролик|письмо|данные|аккаунт|канал|"
    "подписка|интернет|связь|сеть|баланс|рубль|сумма ...3 пропасть|исчезнуть|застрять|потеряться|сгореть|зависнуть",
    "пропасть|исчезнуть|застрять|потеряться|сгореть|зависнуть ...3 деньги|платеж|перевод|посылка|заказ|средства|"
    "рубль|сумма|бонус|балл|товар|видео|ролик|письмо|данные|аккаунт|канал|подписка|интернет|связь|сеть",
    "жрать|сожрать|съесть|сжирать ...3 деньги|баланс|трафик|мегабайт|гигабайт|бонус|средства",
    "деньги|баланс|трафик|средства ...2 жрать|сожрать|съесть|сжирать",
    "заказ|посылка|товар|деньги|курьер|возврат|доставка|мастер ?@any так ?@any и ?@any не @past",
    "не ?@any " + _NOT_DONE,
    "не ?@any =пришел|=пришла|=поступил|=поступила|=начислился|=начислилась|=приехал|=приехала ?@any заказ|посылка|"
    "товар|возврат|кэшбэк|кешбэк|бонус|балл|компенсация|чек|код|смс|письмо|мастер|курьер|специалист|техник|врач",
    "ничего|никак ...2 не ?@any =сделаете|=объясните|=поможете|=вернете|=решите|=исправите|=ответите|=можете|"
    "=делаете|=решаете|=объясняете|=отвечаете",
    "никак|почему|который ?@any не ?@any мочь|смочь|хотеть|желать ...2 дать|начислить|вернуть|прислать|починить|"
    "исправить|подключить|отключить|сообщить|объяснить|перезвонить|приехать|привезти|доставить|сделать|выдать|"
    "решить|помочь|ответить",
    "не ?@any удосужиться",
    "никто ...3 не ?@any перезвонить|перезванивать|позвонить|звонить|ответить|отвечать|связаться|приехать|прийти|"
    "помочь|помогать|написать|сообщить|предупредить|объяснить|решить|брать|взять|принять|заниматься|знать|"
    "мочь|смочь|прислать|выйти|подойти|разобраться|реагировать|вернуть|предложить|сказать|слушать|читать",
    "хоть ?@any кто-нибудь|кто-то|один|кто ...3 ответить|помочь|перезвонить|объяснить|разобраться|отреагировать",
    "вообще ?@any кто-нибудь|кто-то ...2 работать|отвечать|читать",
    "вы ?@any вообще ?@any читать|слышать|собираться|думать|понимать|соображать",
    "=требую|=требуем",
    "я|мы ?@any требовать",
    "хотеть|хочу ?@any возврат",
    "порваться|развалиться|треснуть|облезть|потечь|лопнуть|отклеиться|расползтись|полинять",
    "прийти|привезти|доставить ?@any сломанный|разбитый|поврежденный|не тот",
    "не тот ?@any товар|размер|цвет|заказ|модель|сумма",
    "не ?@any устраивать",
    _SUBJECTS + "|вы ...2 опоздать|опаздывать",
    "опоздать|опаздывать " + _SUBJECTS,
    "=опоздали|опоздание",
    "задержка|задерживать",
    "списать ...3 дважды|лишний",
    "не ?@any работать ?@any уже|опять|снова|неделя|месяц|день|постоянно|вообще|совсем",
    "нормально ?@any работать ?@any не",
    "разве|вообще это ?@any нормально",
    "куда ?@any смотреть",
    "за что ?@any деньги|штраф|списать|снять|начислить|заблокировать|платить|заплатить",
    "начислить|выписать|выставить|взять|списать|назначить|влепить ?@any штраф|пеня|неустойка",
    "двойной ?@any списание|оплата|платеж|начисление",
    "лишний|непонятный|странный|необоснованный|незаконный ?@any деньги|списание|платеж|сумма|начисление|плата|"
    "комиссия|рубль",
    "взять|брать|списать|снять|списывать ?@any деньги ...4 не|хотя|лишний|дважды",
    "хотя ...3 заплатить|оплатить|оплачивать|платить",
    "заплатить|оплатить|оплачивать|платить ...6 а|но ...4 не ?@any @past|нет",
    "заплатить|оплатить|оплачивать|платить ...6 а|но ...4 только|через|позже|опять|снова",
    "почему ?@any вы ?@any не ?@any отвечать|перезванивать|брать|реагировать|читать|перезвонить|ответить",
    "неделя|месяц|сутки ?@any не ?@any =можете|=могут|=смогли|=можем",
    "больше ...3 не ?@any =хочу|=хотим ...3 иметь|связываться|пользоваться|обращаться|видеть|слышать",
    "не ?@any =хочу|=хотим ...2 иметь ...3 дело",
    "я ?ничего|никакой|никогда не просить|заказывать|заказать|подключать|подключить|соглашаться|согласиться|"
    "продлевать|продлить|оформлять|оформить|подписываться|подписаться|запрашивать|покупать",
    "без ?@any мой|наш ?@any согласие|=ведома|разрешение|спрос|запрос",
    "без ?@any предупреждение|объяснение|уведомление|спрос",
    "отказать ...3 в",
    "отказ ?@any в",
    "отказаться|отказываться ...3 принять|принимать|вернуть|возвращать|делать|сделать|ремонт|ремонтировать|"
    "менять|обменять|чинить|починить|выдать|выдавать|помочь|помогать|оформить|оформлять|исправить|заменить|"
    "рассматривать|обслуживать|компенсировать",
    "=игнорируете|=игнорируют|=игнорирует|=игнорировали|=проигнорировали|=проигнорировал|=проигнорировала ?@any "
    "мой|я|мы|наш|обращение|письмо|сообщение|заявка|звонок|вопрос|жалоба|запрос|просьба",
    "=молчите|=игнорируете|=игнорите|=игнор|=игнором",
    "поддержка|оператор|менеджер|магазин|компания|сотрудник|специалист|никто|все ?@any молчать|игнорировать",
    "хватит|прекратить|перестать ...3 звонить|присылать|слать|списывать|навязывать|спамить|названивать|"
    "беспокоить|доставать",
    # harm done by the service or the goods: «после вашей процедуры покраснение», «купила месяц назад, не включается»
    "после ...4 ваш ...6 покраснение|сыпь|аллергия|ожог|отек|боль|болеть|воспаление|зуд|раздражение|синяк|"
    "кровотечение|шрам|пятно|хуже|сломаться|перестать|испортиться|сгореть|царапина|трещина|вмятина|пропасть",
    "покраснение|сыпь|аллергия|ожог|отек|боль|воспаление|зуд|раздражение|синяк|кровотечение|шрам ...6 после "
    "?@any ваш",
    "после ...6 стать|становиться ?@any хуже",
    "после ...4 ваш ...6 не ?@any " + _FAILS,
    "через ...3 перестать|заскрипеть|слететь|сломаться|порваться|развалиться",
    "не ?@any " + _FAILS + " ...8 " + _BOUGHT,
    _BOUGHT + " ...8 не ?@any " + _FAILS,
    # the client leaves: «больше не приду», «никому не посоветую»
    "больше ...3 не ?@any =приду|=придем|=обращусь|=обратимся|=закажу|=закажем|=куплю|=купим|=воспользуюсь|"
    "=свяжусь|=пойду|=порекомендую|=посоветую|=подключу|=возьму",
    "больше ?@any не ?@any =буду ?@any пользоваться|обращаться|заказывать|покупать|брать|ходить|рекомендовать",
    "никогда ?@any больше",
    "никогда ?@any не ?@any =подключайте|=покупайте|=берите|=обращайтесь|=заказывайте|=пользуйтесь|=связывайтесь|"
    "=ходите",
    "никому ?@any не ?@any рекомендовать|советовать|посоветовать|порекомендовать",
    "не ?@any =рекомендую|=советую",
    "нога ?@any мой ...3 не",
    "уйти|перейти|переходить|уходить ?@any к ?@any конкурент",
    "толк ...4 ноль|никакой|нет|ни",
    "без ?@any толк",
    # sarcastic thanks: «спасибо за ничего», «спасибо, что съели мои деньги», «помогли, называется»
    "спасибо|благодарить ?@any за =ничего",
    "спасибо ?@any что|за ...4 =съели|=списали|=сняли|=испортили|=потеряли|=сломали|=обманули|=кинули|=отключили|"
    "=заблокировали|=нагрубили|=подвели|=продинамили|=потратили|=угробили",
    "=помогли|=помогла|=помог|=помогает|=помогаете ?@any называется",
    "ну ?@any спасибо ?@any ?очень|так|здорово|сильно|прям|прямо =помогли|=выручили|=помогла|=помог",
    "ага|угу|уж ...2 =помогли|=помогла|=помог|=выручили",
    "помощь ?@any который ...2 не|нет",
)
# Patterns whose matches are judged one by one (see ``_excused``), apart from the list above, so that
# a match set aside does not hide an overlapping match of another pattern.
OUTRIGHT_PATTERNS = (
    "жалоба|претензия|рекламация",
    "пожаловаться|жаловаться",
)
AGAIN_PATTERNS = ("опять|снова @past",)
REFUND_PATTERNS = (
    "вернуть|верните ?@any деньги|средства",
    # reversed, the imperative last: «Деньги верните!»
    "деньги|средства|бабки|бабло ?@any =верните|=вертайте|=отдайте",
)
# fraudsters, when the company is the one named so: «Сбербанк — мошенники», «МТС мошенники!»
FRAUD_PATTERNS = ("@noun ?это =мошенники|=жулики|=ворюги|=воры|=аферисты|=обманщики|=грабители|=кидалы",)
# the client's own past doing, repeated: «снова потеряла карту», «опять забыл пароль»
_OWN_DOING = frozenset((
    "потерять", "забыть", "перепутать", "напутать", "передумать", "ошибиться", "уронить", "оставить", "опоздать",
    "проспать", "пропустить", "нажать", "ввести", "набрать", "заказать", "купить", "заблудиться", "разбить",
    "сломать", "утопить", "выронить", "посеять", "профукать", "прозевать", "промахнуться",
    "потеряться", "запутаться",
))
_COMPANY_WORDS = frozenset(("банк", "компания", "магазин", "оператор", "провайдер", "сотрудник", "менеджер",
                            "поддержка", "служба", "фирма", "контора", "клиника", "салон", "сервис", "курьер"))
_PERSONAL = frozenset(("я", "мы", "меня", "мне", "мной", "нас", "нам", "нами", "мой", "моя", "мое", "мои", "моего",
                       "моей", "моих", "мою", "наш", "наша", "наше", "наши", "нашего", "нашей", "наших", "нашу",
                       "вы", "вас", "вам", "вами", "ваш", "ваша", "ваше", "ваши", "вашего", "вашей", "ваших",
                       "вашу", "ты", "тебя", "тебе", "твой", "не", "нет"))
_PROCEDURE = frozenset(("отмена", "отменить", "отменять", "отмененный", "отказ", "отказаться", "возврат",
                        "расторжение", "расторгнуть"))
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
    # a question about what happens in a case, not the case itself: «Что делать, если товар бракованный?»
    "что ?@any делать|будет|бывает|происходит если",
    "я ?сам|сама|опять|снова|уже|тоже|случайно перепутать|напутать|путать",
    "раз ...2 прощение|извиниться|извиняться|извинить|благодарить|спасибо",
    "в случай ?@any брак|поломка|задержка|опоздание|потеря|повреждение|неисправность|отказ|сбой",
    # a time clause or a worry, not a failure: «пока его не отправили», «Если вы опоздаете, …»
    "пока ...2 не",
    "если ...3 опоздать|опаздывать|задержаться|задерживать",
    # what did not happen: «работает без сбоев», «всё пришло без задержек»
    "без ?@any перебой|сбой|задержка|проблема|ошибка|нарекание|опоздание|катастрофа|обвал",
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
    # violence against the company or its people: «приеду и разнесу вашу клинику», «главврача найду лично»
    "разнести|разгромить|спалить|сжечь|поджечь|взорвать ?@any ваш|вы|ты|твой",
    "=найду ...3 лично",
    "набить|начистить|разбить ?@any морда|лицо|рожа|физиономия",
    "я ?@any вы ?@any такой ?@any =устрою",
    "мало ?не =покажется",
)

# Telling someone to go away, rudely: «Да пошли вы!», «Идите вы к чёрту», «иди в баню» (the verb first:
# «вы пошли в отделение» is not it)
DISMISSAL_PATTERNS = (
    "^ ?да ?ну ?и =пошли|=пошел|=пошла|=идите|=иди|=катитесь|=катись =вы|=ты",
    "=идите|=иди|=пошли|=пошел|=пошла|=катитесь|=катись ?@any к черт|дьявол|бес|хрен",
    "=идите|=иди|=пошли|=пошел|=пошла|=катитесь|=катись ?@any в|на задница|жопа|баня|пень",
)


# A word that is obscene by its stem: «хуйня», «пиздец», «заебали» (asked once per distinct form).
@lru_cache(maxsize=65_536)
def _obscene_form(word: str) -> bool:
    return word.startswith(ABUSE_PREFIXES) or any(p in word for p in OBSCENE_ROOTS)


# Any stem ``_obscene_form`` looks for, anywhere in a text: a word's norm is a piece of the text's norm.
_OBSCENE_STEM = re.compile("|".join(re.escape(x) for x in sorted({*ABUSE_PREFIXES, *OBSCENE_ROOTS})))


@lru_cache(maxsize=64)
def _lexicon(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(words)


def abuse_spans(doc: Doc, words: Iterable[str] = ABUSE_WORDS, threats: Iterable[str] = THREAT_PATTERNS,
                *, use_detector: bool = True) -> list[tuple[int, int, str]]:
    """Insults, obscenity and threats in one message: (start, end, 'insult' | 'obscene' | 'threat')."""
    # a pure function of the text: remembered on the Doc for C1 (complaints), C5 and the card alike
    lex, threat_patterns = tuple(words), tuple(threats)
    return list(doc.remember(("signals.abuse_spans", lex, threat_patterns, use_detector),
                             lambda: _abuse_spans(doc, lex, threat_patterns, use_detector)))


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
    # most messages hold no word of the lexicon (by form or lemma) and no obscene stem: no token loop
    maybe = not lex.isdisjoint(doc.vocabulary()[0]) or _OBSCENE_STEM.search(norm(doc.text)) is not None
    found = _abusive_words(doc, lex) if maybe else []
    for m in find_any(doc, threats):
        found.append((m.start, m.end, "threat"))
    for m in find_any(doc, DISMISSAL_PATTERNS):
        if not any(a < m.end and m.start < b for a, b, _ in found):
            found.append((m.start, m.end, "insult"))
    found.sort()
    return found



def _abusive_words(doc: Doc, lex: frozenset[str]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for t in doc.tokens:
        if t.kind is not _WORD or t.mask is not None:
            continue
        if t.norm in lex or not lex.isdisjoint(t.lemmas):
            first_of_sentence = doc.sentences[t.sent].start == t.start
            if t.text[:1].isupper() and not t.text.isupper() and not first_of_sentence:
                continue  # «ресторан Лох Файн»: a name, not an insult
            out.append((t.start, t.end, "insult"))
        elif _obscene_form(t.norm):
            out.append((t.start, t.end, "obscene"))
    return out


_STARS = re.compile(r"(★+)(☆*)")
# «Оценка: 2», «2/5», «Ставлю 2 из 5»; a «рейтинг» or a bare «N из 5» only where a line starts: «отель с
# рейтингом 3 звезды», «осталось 2 из 5 попыток» rate nothing
_SCORE = re.compile(r"(?:оценк[аи]|^\s*рейтинг)\s*:?\s*([1-5])(?:\s*(?:из|/)\s*5)?\b"
                    r"|(?:^\s*|(?:ставлю|поставил[аи]?|оцениваю)\s+)([1-5])\s*(?:из|/)\s*5\b", re.I | re.M)


# what a score needs besides its digit: «5» of «из 5» or «/5», or the word «оценка» or «рейтинг»
_SCORE_HINT = re.compile(r"5|оцен|рейтинг", re.I)
_SCORE_DIGIT = re.compile(r"[1-5]")


def review_stars(text: str) -> int | None:
    """The rating a review gives («★★☆☆☆», «Оценка: 2», «2/5»), when it says one."""
    # each expression needs a character most messages lack: a star, a digit of a score
    m = _STARS.search(text) if "★" in text else None
    if m and len(m.group(1)) + len(m.group(2)) == 5:
        return len(m.group(1))
    m2 = _SCORE.search(text) if _SCORE_DIGIT.search(text) and _SCORE_HINT.search(text) else None
    if m2:
        return int(m2.group(1) or m2.group(2))
    return None


@lru_cache(maxsize=1)
def _third_party_abuse() -> frozenset[str]:
    """Forms of the words for fraudsters: the client talks about them, rarely calls the company so."""
    return frozenset(lexeme_forms("мошенник") | lexeme_forms("жулик"))


def _sentence_tokens(doc: Doc, token: int) -> list[Token]:
    return [doc.tokens[i] for i in doc.words(doc.sentence_of(token))]


def _sentence_text(doc: Doc, token: int) -> str:
    sent = doc.sentence_of(token)
    return doc.text[doc.tokens[sent.first].start:doc.tokens[sent.last - 1].end] if sent.last > sent.first else ""


def _organisation(t: Token, first: bool) -> bool:
    """«МТС», «Сбербанк», «FlashNord», «"Мечела"»: a name of a company, not a word of the client."""
    text = t.text
    if not text[:1].isupper():
        return False
    if "Orgn" in t.info.grammemes or (len(text) >= 2 and text.isupper()) or text[:1].isascii():
        return True
    return not first or not t.info.known or t.norm.endswith("банк")


def _news_report(doc: Doc, m: Match) -> bool:
    """«Сбербанк намерен пожаловаться», «МТС подала претензию к Билайну»: a report about companies with
    nobody in it who speaks — no «я/мы/вы», no negation, no exclamation, a company name in it."""
    toks = _sentence_tokens(doc, m.first)
    if "!" in _sentence_text(doc, m.first):
        return False
    if any(t.norm in _PERSONAL or t.info.grammemes & {"1per", "2per", "impr"} for t in toks):
        return False
    return any(_organisation(t, k == 0) for k, t in enumerate(toks))


def _own_doing(doc: Doc, m: Match) -> bool:
    """«снова потеряла карту», «я опять перепутала»: the client did it again, not the company."""
    verb = doc.tokens[m.last]
    if "plur" in verb.info.grammemes:
        return False  # «опять списали», «снова потеряли посылку»: they
    before = [t for t in _sentence_tokens(doc, m.first) if t.start < doc.tokens[m.first].start][-3:]
    if any(t.info.pos == "NOUN" and "nomn" in t.info.grammemes for t in before):
        return False  # «Сбербанк опять ввёл ограничения»: somebody else did it
    return bool(verb.info.lemmas & _OWN_DOING) or any(t.norm == "я" for t in before)


def _polite_procedure(doc: Doc, m: Match) -> bool:
    """«Верните, пожалуйста, деньги на карту после отмены заказа»: a request in a procedure, not a demand."""
    if "!" in _sentence_text(doc, m.first):
        return False
    toks = _sentence_tokens(doc, m.first)
    return any(t.norm == "пожалуйста" for t in toks) and any(t.info.lemmas & _PROCEDURE for t in toks)


def _company_called_fraud(doc: Doc, m: Match) -> bool:
    """«Сбербанк — мошенники», «банк мошенники»: the named one is a company, in the nominative."""
    t = doc.tokens[m.first]
    if "nomn" not in t.info.grammemes:
        return False
    first = doc.sentence_of(m.first).first == m.first
    return bool(t.info.lemmas & _COMPANY_WORDS) or _organisation(t, first)


# what was not done: «заказ не пришёл», «курьер не приехал» — not «товар не повреждён»
UNDONE_PATTERNS = (
    "заказ|посылка|товар|деньги|курьер|возврат|доставка|мастер ?@any не @past",
    _SUBJECTS + " ?@any не ?@any @past",
)


def _not_damaged(doc: Doc, m: Match) -> bool:
    return not doc.tokens[m.last].info.lemmas.isdisjoint(_DAMAGE_LEMMAS)


# damaged goods or a defect: a complaint, unless the thing is brought for repair
DAMAGE_PATTERNS = (
    "брак|бракованный|сломанный|разбитый|испорченный|поврежденный|просроченный|порванный|треснутый|мятый|"
    "дефект|дефектный|некачественный",
)


def _for_repair(doc: Doc, m: Match) -> bool:
    """«Ремонт сломанного телефона», «принимаете в ремонт разбитые экраны?», «мастер починил сломанный кран»."""
    return not doc.vocabulary()[0].isdisjoint(_REPAIR)


_JUDGED: tuple[tuple[tuple[str, ...], Callable[[Doc, Match], bool]], ...] = (
    (DAMAGE_PATTERNS, _for_repair),
    (UNDONE_PATTERNS, _not_damaged),
    (OUTRIGHT_PATTERNS, _news_report),
    (AGAIN_PATTERNS, _own_doing),
    (REFUND_PATTERNS, _polite_procedure),
    (FRAUD_PATTERNS, lambda doc, m: not _company_called_fraud(doc, m)),
)


@lru_cache(maxsize=64)
def _complaint_patterns(extra: tuple[str, ...]) -> tuple[str, ...]:
    """The same tuple object for the same extras: find_any indexes a list once, known by its identity."""
    return (*COMPLAINT_PATTERNS, *extra)


def is_complaint(doc: Doc, extra: Iterable[str] = ()) -> bool:
    # a pure function of the text and the extras: remembered on the Doc, which a repeated text brings back
    ex = extra if isinstance(extra, tuple) else tuple(extra)
    return doc.remember(("signals.is_complaint", ex), lambda: _is_complaint(doc, ex))


def _is_complaint(doc: Doc, extra: tuple[str, ...]) -> bool:
    stars = review_stars(doc.text)
    if stars is not None:
        return stars <= 3
    for m in find_any(doc, _complaint_patterns(extra)):
        if m.first == m.last and not doc.tokens[m.first].info.known:
            continue  # a typo one edit from «ужас» («увас») is no complaint
        if not sentence_has(doc, doc.sentence_of(m.first), COMPLAINT_UNLESS):
            return True
    for patterns, excused in _JUDGED:
        for m in find_any(doc, patterns):
            if m.first == m.last and not doc.tokens[m.first].info.known:
                continue
            if excused(doc, m) or sentence_has(doc, doc.sentence_of(m.first), COMPLAINT_UNLESS):
                continue
            return True
    if _damaged_goods(doc):
        return True
    # an insult or obscenity is a complaint; fraudsters the client talks about («мне звонили мошенники»,
    # «как защититься от мошенников») are not the company: those count through «вы мошенники» above
    return any(doc.text[s:e].lower().replace("ё", "е") not in _third_party_abuse()
               for s, e, _ in abuse_spans(doc, use_detector=False))


# Goods that came damaged: «пришла коляска с порванным капюшоном», «привезли, а колесо погнуто», «получила
# заказ, упаковка вскрыта». The dictionary's lemma of a participle is its verb, so COMPLAINT_PATTERNS'
# adjectives («порванный») miss these forms, and the verb itself would not do («я порвала упаковку» is the
# client's own doing). Only with a word of receiving the goods in the message, and none of a repair: a
# broken thing brought for repair («ремонт сломанного телефона») is the service's business, not its fault.
_DAMAGE_VERBS = frozenset({
    "порвать", "разорвать", "надорвать", "сломать", "разбить", "расколоть", "повредить", "погнуть", "помять",
    "поцарапать", "испортить", "оторвать", "отломать", "продырявить", "испачкать", "запачкать", "вскрыть",
    "деформировать", "раздавить",
})
_DAMAGED = frozenset({"погнутый", "помятый", "мятый", "рваный", "поцарапанный", "вскрытый", "надорванный",
                      "разорванный", "оторванный", "расколотый"})
_DAMAGE_LEMMAS = _DAMAGE_VERBS | _DAMAGED
_PARTICIPLE = frozenset({"PRTF", "PRTS"})
_RECEIVED = frozenset({"прийти", "привезти", "доставить", "получить", "прислать", "приехать", "доставка", "посылка",
                       "заказ", "упаковка", "коробка", "курьер", "распаковать", "вскрыть", "открыть"})
_REPAIR = frozenset({"ремонт", "починить", "чинить", "отремонтировать", "ремонтировать", "мастерская"})
# a case asked about, not one that happened: «Если товар повреждён, …», «Повреждён ли товар?»
_HYPOTHETICAL = frozenset({"если", "вдруг", "ли", "бы"})


def _damaged_goods(doc: Doc) -> bool:
    tokens = doc.tokens
    vocabulary = doc.vocabulary()[0]  # every lemma of the text: a participle's verb is among them
    if (vocabulary.isdisjoint(_DAMAGE_LEMMAS) or vocabulary.isdisjoint(_RECEIVED)
            or not vocabulary.isdisjoint(_REPAIR)):
        return False
    for i in doc.words():
        t = tokens[i]
        lemmas = t.info.lemmas
        if lemmas.isdisjoint(_DAMAGED) and (t.info.pos not in _PARTICIPLE or lemmas.isdisjoint(_DAMAGE_VERBS)):
            continue
        if i > 0 and tokens[i - 1].norm == "не":
            continue  # «не повреждён»
        sent = doc.sentence_of(i)
        if any(tokens[j].norm in _HYPOTHETICAL or "случай" in tokens[j].info.lemmas for j in doc.words(sent)):
            continue
        if not sentence_has(doc, sent, COMPLAINT_UNLESS):
            return True
    return False


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
    out = [m.index for m in ann.conv.messages if m.index > turn and m.role is _OPERATOR and m.text]
    return out[:limit] if limit is not None else out
