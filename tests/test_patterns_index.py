"""The registry of pattern lists (one inverted index over every list's key words) and the shortcuts of the
pattern search must answer exactly what the per-list tests answer."""

from __future__ import annotations

import pytest

from vezhlivo.engine import Engine
from vezhlivo.ingest.canonical import parse_conversation
from vezhlivo.nlp import patterns as P
from vezhlivo.nlp.doc import Doc, make_doc

TEXTS = [
    "Здравствуйте! Меня зовут Анна, чем могу помочь?",
    "Извините за ожидание, ваш заказ № 458812 уже передан в доставку.",
    "Я не знаю, это не ко мне. Ждите.",
    "Незнаю, позвоните в банк сами, я тут ни при чём!!!",
    "Спасибо за обращение, хорошего дня :)",
    "Здраствуйте, извените пожалуйста за задержку, минуточку",  # misspellings of key words
    "Вы чо, совсем тупые? Верните деньги немедленно, иначе пойду в суд",
    "«Я не обязан вам отвечать» — так мне сказал ваш оператор, это хамство",
    "Подождите, пожалуйста, уточняю информацию у коллег. Спасибо за терпение!",
    "Добрый день. Могу ли я ещё чем-то помочь? Всего доброго.",
    "напишите на support@example.ru или позвоните +7 495 123-45-67",
    "ок",
    "",
    "Благодорю за ожидание, ваш возрат оформлен, денги придут в течении 3 дней",
    "Ты вообще читаешь, что я пишу? Мне нужен менеджер, а не робот",
]


@pytest.fixture(scope="module")
def engine_lists() -> list[P._ListIndex]:
    """Register the rules' own lists the way a run does: check a few conversations."""
    eng = Engine(doc_cache=0)
    msgs = [{"role": "client" if i % 2 else "operator", "text": t} for i, t in enumerate(TEXTS) if t]
    eng.check(parse_conversation({"id": "c1", "channel": "chat", "messages": msgs}))
    eng.check(parse_conversation({"id": "c2", "channel": "chat", "messages": list(reversed(msgs))}))
    return list(P._LIVE.values())


def _alone(index: P._ListIndex, doc: Doc, own: bool) -> bool:
    """What the registry must answer for one list, from the list alone: a key word is in the text, or a
    key lemma of 4+ letters is one edit from a word the dictionary does not know (``typo_of``)."""
    if index.always:
        return True
    vocab, unknown = doc.vocabulary(own)
    return not vocab.isdisjoint(index.words) or any(
        P.typo_of(frozenset({lemma}), u) for lemma in index.by_typo_lemma for u in unknown)


def _docs() -> list[Doc]:
    return [make_doc(t) for t in TEXTS]


def test_reachable_set_is_the_per_list_answer(engine_lists: list[P._ListIndex]) -> None:
    assert len(engine_lists) > 50
    for doc in _docs():
        for own in (True, False):
            reach = P._reachable(doc, own)
            for index in list(P._LIVE.values()):
                assert (index.uid in reach) == _alone(index, doc, own), (doc.text, index.patterns[:3])


def test_typo_reaches_a_list_through_the_registry() -> None:
    pats = ("извинить за ожидание", "приносить извинение")
    index = P._index_of(pats)
    doc = make_doc("извените за ожыдание")
    assert _alone(index, doc, True)
    assert index.may_reach(doc, True)
    assert P.find_any(doc, pats) == list(P._find_any(doc, index, True))


def test_a_list_registered_after_the_text_was_indexed_is_seen() -> None:
    doc = make_doc("Этот совершенно уникальнейший текст про кракозябробус")
    before = P._reachable(doc, True)
    pats = ("кракозябробус",)
    index = P._index_of(pats)
    assert index.uid not in before
    assert P.may_match(doc, pats)
    assert P.find_any(doc, pats)
    # a slip of the new list's lemma, in a text indexed before it came
    doc2 = make_doc("а вот и кракозябробуз")
    P._reachable(doc2, True)
    pats2 = ("кракозябробус ...5 вот",)  # same key lemma, a new list
    assert P._index_of(pats2).may_reach(doc2, True)


def test_registry_stays_bounded_and_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(P, "_REGISTRY_LIMIT", 64)
    doc = make_doc("слово123 и ещё сорок тысяч обезьян")
    keep = []
    first = P._REGISTRY
    most_alive = 0
    for i in range(600):
        pats = (f"слово{i}", f"обезьяна ...3 слово{i}x")  # new contents per call: new lists, new uids
        index = P._index_of(list(pats))  # a list object per call, as a rule building lists would
        assert index.may_reach(doc, True) == _alone(index, doc, True)
        most_alive = max(most_alive, len(P._LIVE))
        if i % 100 == 0:
            keep.append((pats, index))
        P._BY_IDENTITY.clear()
        P._list_index.cache_clear()  # the lists die: only `keep` and the rules' lists stay alive
    assert P._REGISTRY is not first  # rebuilt from the living lists
    # the list being made is alive too while it registers
    assert P._REGISTRY.lists <= max(64, 2 * (most_alive + 1))  # not the 600 lists made
    for _, index in keep:
        assert index.may_reach(doc, True) == _alone(index, doc, True)
    for index in list(P._LIVE.values()):
        assert (index.uid in P._reachable(doc, True)) == _alone(index, doc, True)


def _old_can_match(p: P.Pattern, doc: Doc, own: bool) -> bool:
    vocab, unknown = doc.vocabulary(own)
    for e in p.elements:
        if e.optional or e.gap or e.classes:
            continue
        if vocab.isdisjoint(e.lemmas) and vocab.isdisjoint(e.forms) and not any(
                P.typo_of(e.lemmas, u) for u in unknown):
            return False
    return True


def _old_find_in_sentence(doc: Doc, sent: object, p: P.Pattern, own: bool) -> list[P.Match]:
    """Every position tried, as the search did before it looked only where the first word is."""
    idx = doc.words(sent, own=own)  # type: ignore[arg-type]
    toks = [doc.tokens[i] for i in idx]
    out = []
    for pos in range(1) if p.anchor_start else range(len(toks)):
        if pos >= len(toks):
            break
        last = P._match_at(p, toks, pos, 0)
        if last is None or last < pos or (p.anchor_end and last != len(toks) - 1):
            continue
        out.append(P.Match(idx[pos], idx[last], toks[pos].start, toks[last].end, p.source))
    return out


PATTERNS = [
    "извинить за ожидание", "^ здравствуйте", "знать $", "я ?не знать", "не ... знать", "@2sg ...5 читать",
    "спасибо|благодарить за", "деньги ...3 прийти", "ваш заказ", "позвонить в банк", "=незнаю", "?очень тупой",
    "@num дней|день", "возврат оформить", "ожидание", "ждать", "чем могу помочь", "всего ?доброго",
]


def test_search_shortcuts_keep_every_match() -> None:
    for doc in _docs():
        for own in (True, False):
            for source in PATTERNS:
                p = P.compile_pattern(source)
                assert p.can_match(doc, own) == _old_can_match(p, doc, own)
                for sent in doc.sentences:
                    got = list(P.find_in_sentence(doc, sent, p, own=own))
                    want = _old_find_in_sentence(doc, sent, p, own) if _old_can_match(p, doc, own) else []
                    assert got == want, (doc.text, source)


def test_threads_sharing_docs_while_lists_register() -> None:
    import threading

    docs = _docs()
    errors: list[str] = []

    def work(seed: int) -> None:
        for i in range(40):
            pats = [f"слово{seed}_{i}", "извинить за ожидание", f"ждать ...3 минута{seed}"]
            index = P._index_of(pats)
            for doc in docs:
                for own in (True, False):
                    if index.may_reach(doc, own) != _alone(index, doc, own):
                        errors.append(doc.text)
                    P.find_unless(doc, pats, ("спасибо",), own=own)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for doc in docs:
        for index in list(P._LIVE.values()):
            assert (index.uid in P._reachable(doc, True)) == _alone(index, doc, True)
