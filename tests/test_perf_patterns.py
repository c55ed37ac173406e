"""The pattern search reads a text's words once (``_Words``) and remembers each list's answer per text
(``_Text``): every public function must answer what a plain search — every sentence, every position,
every pattern — answers, whatever was asked of the text before."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

from test_patterns_index import _old_find_in_sentence  # every sentence position tried, no index
from vezhlivo.nlp import patterns as P
from vezhlivo.nlp.doc import Doc, Sentence, make_doc

TEXTS = [
    "Здравствуйте! Меня зовут Анна, чем могу помочь?",
    "Извините за ожидание, ваш заказ № 458812 уже передан в доставку. Ждите звонка курьера.",
    "Я не знаю, это не ко мне. Ждите. Я правда не знаю!",
    "Незнаю, позвоните в банк сами, я тут ни при чём!!!",
    "Здраствуйте, извените пожалуйста за задержку, минуточку",  # misspellings of key words
    "«Я не обязан вам отвечать» — так мне сказал ваш оператор. Я не знаю, что делать",  # a quote: own words differ
    "Подождите, пожалуйста, уточняю информацию у коллег. Спасибо за ожидание! Спасибо за терпение!",
    "Добрый день. Могу ли я ещё чем-то помочь? Всего доброго.",
    "напишите на support@example.ru или позвоните +7 495 123-45-67, деньги придут за 3 дня",
    "Благодорю за ожидание, ваш возрат оформлен, денги придут в течении 3 дней",
    "Ты вообще читаешь, что я пишу? Мне нужен менеджер, а не робот. Ты читаешь?",
    "ждать ждать ждать. знать",
    "ок",
    "",
    "...",
]

PATTERNS = [
    "извинить за ожидание", "^ здравствуйте", "знать $", "я ?не знать", "не ... знать", "@2sg ...5 читать",
    "спасибо|благодарить за", "деньги ...3 прийти", "ваш заказ", "позвонить в банк", "=незнаю", "?очень тупой",
    "@num дней|день", "возврат оформить", "ожидание", "ждать", "чем могу помочь", "всего ?доброго", "^ ждать $",
    "@verb", "?я @2sg", "^ я", "спасибо $", "ждать ждать", "звонок ...2 курьер",
]

LISTS = [
    tuple(PATTERNS),
    ("ждать", "ждать ждать", "подождать"),
    ("извинить за ожидание", "спасибо за ожидание", "ожидание"),
    ("я ?не знать", "не ... знать", "=незнаю"),
    ("^ здравствуйте", "добрый день", "всего ?доброго"),
    ("@2sg ...5 читать", "ты"),
]


def _plain_find(doc: Doc, p: P.Pattern, own: bool) -> list[P.Match]:
    return [m for sent in doc.sentences for m in _old_find_in_sentence(doc, sent, p, own)]


def _plain_find_any(doc: Doc, patterns: tuple[str, ...], own: bool) -> list[P.Match]:
    found = sorted((m for s in patterns for m in _plain_find(doc, P.compile_pattern(s), own)),
                   key=lambda m: (m.start, -m.end))
    merged: list[P.Match] = []
    for m in found:
        if not merged or m.start >= merged[-1].end:
            merged.append(m)
    return merged


def _clauses(doc: Doc) -> list[Sentence]:
    """The text's sentences and parts of them cut at commas, as a rule that splits clauses passes them."""
    out = list(doc.sentences)
    for sent in doc.sentences:
        cut = sent.first
        for i in range(sent.first, sent.last):
            if doc.tokens[i].text == ",":
                out.append(Sentence(doc.tokens[cut].start, doc.tokens[i].start, cut, i))
                cut = i + 1
        if sent.first < cut < sent.last:
            out.append(Sentence(doc.tokens[cut].start, sent.end, cut, sent.last))
    return out


def _questions(doc: Doc) -> list[tuple[object, Callable[[], object], Callable[[], object]]]:
    """(what is asked, the answer, the plain search's answer) for every question a rule may ask."""
    unless = ("спасибо", "ждать")
    out: list[tuple[object, Callable[[], object], Callable[[], object]]] = []
    for own in (True, False):
        for source in PATTERNS:
            p = P.compile_pattern(source)
            out.append((("find", source, own), lambda p=p, own=own: list(P.find(doc, p.source, own=own)),
                        lambda p=p, own=own: _plain_find(doc, p, own)))
            for sent in _clauses(doc):
                out.append((("find_in_sentence", source, sent, own),
                            lambda p=p, s=sent, own=own: list(P.find_in_sentence(doc, s, p, own=own)),
                            lambda p=p, s=sent, own=own: _old_find_in_sentence(doc, s, p, own) if p.can_match(doc, own)
                            else []))
        for pats in LISTS:
            out.append((("find_any", pats, own), lambda pats=pats, own=own: P.find_any(doc, pats, own=own),
                        lambda pats=pats, own=own: _plain_find_any(doc, pats, own)))
            out.append((("has_match", pats, own), lambda pats=pats, own=own: P.has_match(doc, pats, own=own),
                        lambda pats=pats, own=own: bool(_plain_find_any(doc, pats, own))))
            # «may» match: never «no» where a pattern matches
            out.append((("may_match", pats, own),
                        lambda pats=pats, own=own: P.may_match(doc, pats, own=own)
                        or not _plain_find_any(doc, pats, own),
                        lambda: True))
            out.append((("find_unless", pats, own),
                        lambda pats=pats, own=own: P.find_unless(doc, pats, unless, own=own),
                        lambda pats=pats, own=own: [
                            m for m in _plain_find_any(doc, pats, own)
                            if not any(_old_find_in_sentence(doc, doc.sentence_of(m.first), P.compile_pattern(u), own)
                                       for u in unless)]))
            for sent in _clauses(doc):
                out.append((("sentence_has", pats, sent, own),
                            lambda pats=pats, s=sent, own=own: P.sentence_has(doc, s, pats, own=own),
                            lambda pats=pats, s=sent, own=own: any(
                                _old_find_in_sentence(doc, s, P.compile_pattern(source), own) for source in pats)))
    return out


def _check_text(text: str, order: int) -> None:
    """Ask a fresh doc every question in an order of its own: answers must not depend on what was asked
    before (they are remembered per text)."""
    doc = make_doc(text)
    questions = _questions(doc)
    random.Random(order).shuffle(questions)
    for what, answer, plain in questions:
        assert answer() == plain(), (text, what)


def test_every_answer_is_the_plain_search() -> None:
    for order, text in enumerate(TEXTS):
        _check_text(text, order)
        _check_text(text, order + 1)


def test_a_returned_list_is_the_callers_own() -> None:
    doc = make_doc("Спасибо за ожидание. Ждите")
    pats = ("спасибо за ожидание", "ждать")
    first = P.find_any(doc, pats)
    first.clear()
    assert len(P.find_any(doc, pats)) == 2
    unless = P.find_unless(doc, pats)
    unless.clear()
    assert len(P.find_unless(doc, pats)) == 2


def test_sentences_partition_the_words() -> None:
    """``_Words`` gives each word the end of its one sentence: a Doc's sentences follow each other."""
    for text in TEXTS:
        doc = make_doc(text)
        for a, b in itertools.pairwise(doc.sentences):
            assert a.last <= b.first
        for own in (True, False):
            words = P._Words.of(doc, own)
            for sent in doc.sentences:
                idx = doc.words(sent, own=own)
                for i in idx:
                    pos = words.idx.index(i)
                    assert words.ends[pos] == words.idx.index(idx[-1]) + 1
