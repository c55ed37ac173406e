"""The shortcuts the rules take for speed give what the plain computations give."""

from __future__ import annotations

import random
import re
from difflib import SequenceMatcher

import pytest

from vezhlivo.engine import Engine
from vezhlivo.model import Channel, Conversation, Message, Role
from vezhlivo.nlp.annotate import annotate
from vezhlivo.nlp.doc import Doc, Kind, Sentence, make_doc
from vezhlivo.rulebook import load_rulebook
from vezhlivo.rules.base import RuleContext
from vezhlivo.rules.complaints import _same_text
from vezhlivo.rules.greeting import is_question
from vezhlivo.rules.questions import (
    _AskWords,
    _classify_clauses,
    _Clause,
    _embedded_wh,
    _head_position,
    _lead_word,
    _object_ask,
    _short_noun_question,
    _tagged,
    _word_in,
    clauses,
)

_NON_WORD = re.compile(r"\W+")


def _plain_same_text(a: str, b: str) -> float:
    na = _NON_WORD.sub(" ", a.lower().replace("ё", "е")).strip()
    nb = _NON_WORD.sub(" ", b.lower().replace("ё", "е")).strip()
    return SequenceMatcher(None, na, nb).ratio()


def test_same_text_bounds_are_exact() -> None:
    rng = random.Random(7)
    alphabet = "абвгдеёжз ,.!?АБ12"
    texts = ["", " ", "!", "Заказ будет завтра.", "заказ БУДЕТ завтра!!", "Ёжик", "ежик"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))) for _ in range(150)]
    for _ in range(3000):
        a, b = rng.choice(texts), rng.choice(texts)
        if rng.random() < 0.3:  # near copies, where the ratio is close to the threshold
            b = a[: rng.randrange(0, len(a) + 1)] + rng.choice(alphabet) + a[rng.randrange(0, len(a) + 1):]
        at_least = rng.choice((0.0, 0.5, 0.8, 0.85, 1.0))
        assert _same_text(make_doc(a), make_doc(b), at_least) == (_plain_same_text(a, b) >= at_least), (a, b)


def _plain_clauses(text: str) -> list[Sentence]:
    doc = make_doc(text)
    out: list[Sentence] = []
    for sent in doc.sentences:
        first, start = sent.first, sent.start
        for i in range(sent.first, sent.last):
            tok = doc.tokens[i]
            if tok.kind is Kind.PUNCT and "?" in tok.text and i + 1 < sent.last:
                out.append(Sentence(start, tok.end, first, i + 1))
                first, start = i + 1, doc.tokens[i + 1].start
        out.append(Sentence(start, sent.end, first, sent.last))
    return out


@pytest.mark.parametrize("text", [
    "", "?", "??", "Какой размер? чтобы подобрать", "Какой размер?", "Что? Где? Когда?", "а?б?в",
    "Номер заказа?)", "Подскажите, пожалуйста, номер?!", "Вы уверены ?? точно", "Да. Нет? Может быть",
    "«Что?» — спросил он", "Когда?:) завтра", "Адрес? Телефон?\nИмя?",
])
def test_clauses_cut_where_the_plain_walk_cuts(text: str) -> None:
    assert clauses(make_doc(text)) == _plain_clauses(text)


def _plain_classify(ctx: RuleContext, words: _AskWords) -> list[_Clause]:
    """Q1–Q3's clause classification without its pre-tests (whole-text «?», request and asking verbs)."""
    union = words.request_first
    requests = union.elements[0] if union is not None else None
    out: list[_Clause] = []
    for m in ctx.operator_messages():
        doc = ctx.doc(m.index)
        may_request = union is not None and union.can_match(doc)
        for sent in _plain_clauses(doc.text):
            question = is_question(doc, sent) and not _tagged(doc, sent)
            if not (question or may_request):
                out.append(_Clause(m, sent, False, False, None))
                continue
            idx = doc.words(sent)
            if not idx:
                continue
            lead = _lead_word(doc, sent, words.skip) if question else None
            wh = question and (
                (lead is not None and _word_in(doc, [lead], words.wh_first)) or _embedded_wh(words, doc, sent)
                or _short_noun_question(doc, sent) or _object_ask(words, doc, sent))
            request_at = None if requests is None or not may_request else next(
                (n for n, i in enumerate(idx) if requests.matches(doc.tokens[i])), None)
            if request_at:
                request_at = _head_position(doc, idx, request_at, words.skip)
            out.append(_Clause(m, sent, question, wh, request_at))
    return out


def test_question_classification_pre_tests_are_exact() -> None:
    engine = Engine(load_rulebook())
    texts = [
        "Здравствуйте! Чем могу помочь?", "Не могли бы Вы уточнить номер заказа?", "Уточните номер заказа.",
        "Скажите, когда Вам удобно?", "Номер заказа?", "Могу ли я уточнить Ваше место работы?",
        "Вы писали «уточните адрес» — какой адрес?", "Подскажите, пожалуйста, какой у Вас размер? чтобы подобрать",
        "Заказ передан в доставку.", "Назовите, пожалуйста, номер телефона", "Уточнитe адрес?", "Спасибо!",
        "Просто чтобы уточнить поезд, верно?", "«Как уточнить статус?» — так Вы спросили?",
        "Когда заказ приедет, придёт SMS с кодом, хранится он там семь дней, норм?",
    ]
    messages = tuple(Message(index=k, role=Role.OPERATOR if k % 2 else Role.CLIENT,
                             text=texts[k // 2] if k % 2 else "Добрый день") for k in range(2 * len(texts)))
    conv = Conversation(id="perf", channel=Channel.CHAT, messages=messages)
    ctx = RuleContext(ann=annotate(conv), spec=engine.rulebook.rules["Q1"], rulebook=engine.rulebook)
    words = _AskWords.of(ctx)
    assert _classify_clauses(ctx, words) == _plain_classify(ctx, words)


_SHARED_CACHE_CASES = [
    # Q1–Q3 remember a text's clauses under their word lists
    ("Q1", "Здравствуйте! Назовите номер заказа.", {"request_verbs": []}),
    # A1 remembers a text's «ты» findings under its fixed phrases and allowed words
    ("A1", "Ты можешь забрать заказ завтра.", {"allowed_words": ["ты", "можешь"]}),
    # A2 remembers a text's lower-case «вы» under its lists of group words
    ("A2", "Уважаемые гости, вы можете забрать заказ завтра.", {"group_nouns": []}),
]


@pytest.mark.parametrize(("rule", "text", "params"), _SHARED_CACHE_CASES)
def test_what_a_rule_remembers_on_a_text_is_not_read_by_a_rulebook_with_other_lists(
        rule: str, text: str, params: dict[str, object]) -> None:
    """Engines with other lists may share the cache of analysed texts (the service, a batch of several
    companies): each must find what it finds with a cache of its own."""
    from vezhlivo.engine import Engine
    from vezhlivo.ingest.canonical import parse_conversation
    from vezhlivo.rulebook import load_rulebook

    conv = parse_conversation({"id": "q", "channel": "chat", "messages": [
        {"role": "client", "text": "Здравствуйте, где мой заказ?"}, {"role": "operator", "text": text}]})
    rulebooks = [load_rulebook(), load_rulebook(overrides={"rules": {rule: {"params": params}}})]

    def quotes(engine: Engine) -> list[str | None]:
        return [f.quote for f in engine.check(conv).findings if f.rule == rule]

    alone = [quotes(Engine(rb, doc_cache=0)) for rb in rulebooks]
    assert alone[0] != alone[1]  # the lists matter for this text
    shared = [Engine(rb) for rb in rulebooks]
    shared[1].docs = shared[0].docs  # one cache of analysed texts for both
    for _ in range(3):  # later rounds read what the earlier ones remembered
        assert [quotes(e) for e in shared] == alone


def _fresh_word() -> str:
    """A Cyrillic word no list holds yet (so its list is registered when first used)."""
    import uuid

    return "зюз" + "".join("абвгдежзиклмнопр"[int(c, 16)] for c in uuid.uuid4().hex[:8])


def test_a_phrase_list_first_seen_after_a_contact_was_asked_about_is_still_searched() -> None:
    """A ``phrases`` rule skips a contact whose operator messages reach none of its list's key words;
    that answer, remembered for the contact, names the lists known when it was made. Company phrases
    met for the first time later in the same contact (a fresh rulebook's first contact) must still
    be searched, not skipped as unreached."""
    from vezhlivo.ingest.canonical import parse_conversation
    from vezhlivo.nlp.patterns import ListKey, find_unless
    from vezhlivo.rules.base import operator_reach

    first, second = _fresh_word(), _fresh_word()
    conv = parse_conversation({"id": "k", "channel": "chat", "messages": [
        {"role": "client", "text": "Здравствуйте, где мой заказ?"},
        {"role": "operator", "text": f"Ваш заказ {first} уже едет, а {second} тоже."}]})
    rulebook = load_rulebook(overrides={"extra_phrases": [
        {"code": "K1", "patterns": [first]}, {"code": "K2", "patterns": [second]}]})
    found = sorted((f.rule, f.quote) for f in Engine(rulebook, doc_cache=0).check(conv).findings
                   if f.rule in ("K1", "K2"))
    assert found == [("K1", first), ("K2", second)]

    # the remembered reach itself: a list registered after it was made is found when asked again
    third = _fresh_word()
    ann = annotate(parse_conversation({"id": "k3", "channel": "chat", "messages": [
        {"role": "operator", "text": f"Это {third}."}]}))
    before = operator_reach(ann).lists
    later = ListKey((third,))
    assert later.uid not in before
    assert later.uid in operator_reach(ann).lists
    assert find_unless(ann.doc(0), later.patterns)
    assert ListKey((_fresh_word(),)).uid not in operator_reach(ann).lists  # a list the text cannot reach


def _phrase_findings_in_this_process(rulebook: object, conv: object) -> list[tuple[str, str | None]]:
    from vezhlivo.engine import Engine
    from vezhlivo.model import Conversation
    from vezhlivo.rulebook import Rulebook

    assert isinstance(rulebook, Rulebook) and isinstance(conv, Conversation)
    return sorted((f.rule, f.quote) for f in Engine(rulebook).check(conv).findings)


def test_a_rulebook_sent_to_another_process_with_what_it_derived_finds_the_same() -> None:
    """What a rulebook derives (phrase rules' list keys among it) travels with it to Ray's workers;
    a list's key is local to its process, so the other process must index the list anew."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from vezhlivo.ingest.canonical import parse_conversation

    conv = parse_conversation({"id": "s", "channel": "chat", "messages": [
        {"role": "client", "text": "Где мой заказ?"},
        {"role": "operator", "text": "Я не знаю, это не в моей компетенции."}]})
    engine = Engine()
    here = _phrase_findings_in_this_process(engine.rulebook, conv)  # fills the rulebook's derived data
    assert {"F1", "F11"} <= {rule for rule, _ in here}
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        there = pool.submit(_phrase_findings_in_this_process, engine.rulebook, conv).result(timeout=120)
    assert there == here


def _plain_addresses_person(doc: Doc, sent: Sentence, own: bool) -> bool:
    """The definition, sentence by sentence: one of its (own) words is an addressing form."""
    from vezhlivo.nlp.toxicity import _addressing_form

    return any(doc.tokens[i].kind is Kind.WORD and _addressing_form(doc.tokens[i].norm)
               for i in doc.words(sent, own=own))


def test_addressing_sentences_in_one_walk_are_those_asked_one_by_one() -> None:
    from vezhlivo.nlp.toxicity import _addressing_sentences

    rng = random.Random(11)
    pieces = ["Вы идиот.", "Заказ пришёл.", "Подождите минуту!", "«Ты где?» — написал курьер.", "Ваш заказ",
              "ну и ну", "Позвоните +7 926 555-01-77", "Спасибо :)", "ты", "", "  ", "Это он. Не я", "…"]
    texts = [" ".join(rng.choice(pieces) for _ in range(rng.randrange(1, 6))) for _ in range(400)]
    for text in texts:
        doc = make_doc(text)
        for own in (True, False):
            one_by_one = {k for k, s in enumerate(doc.sentences) if _plain_addresses_person(doc, s, own)}
            assert _addressing_sentences(doc, own) == one_by_one, (text, own)


def test_words_and_vocabulary_gathered_while_tokenising_are_those_computed_after() -> None:
    from vezhlivo.nlp.doc import Doc

    rng = random.Random(5)
    pieces = ["Здравствуйте!", "незнаю", "привет:)", "заказ 12345", "звоните 8 926 555 01 77", "«цитата»",
              "ок)))", "Kid Mir", "тилифон", "2-я линия", "3,5 кг", "кто-нибуть", "—", "Ё-моё", "😊", "a.b@c.ru"]
    for _ in range(600):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randrange(0, 7)))
        doc = make_doc(text)
        fresh = Doc(text=doc.text, tokens=doc.tokens, sentences=doc.sentences, masks=doc.masks)
        for own in (True, False):
            assert doc.words(own=own) == fresh.words(own=own), text
            assert doc.vocabulary(own) == fresh.vocabulary(own), text
