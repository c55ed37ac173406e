"""The engine's cache of analysed texts: the same reports with it as without, and bounded."""

from __future__ import annotations

from pathlib import Path

from test_parallel import linked_corpus
from vezhlivo.engine import ContactReport, Engine
from vezhlivo.ingest import read_paths
from vezhlivo.nlp.annotate import DocCache
from vezhlivo.report.model import contact_dict


def _reports(engine: Engine, path: Path) -> list[object]:
    return [contact_dict(r) for r in engine.check_many(read_paths([path])) if isinstance(r, ContactReport)]


def test_reports_are_the_same_with_and_without_the_cache(tmp_path: Path) -> None:
    # the examples repeated: every text comes back several times, in contacts of other clients
    path = linked_corpus(tmp_path / "corpus.jsonl", n=60, broken=False)
    cached, small = Engine(), Engine(doc_cache=50)
    without = _reports(Engine(doc_cache=0), path)
    assert _reports(cached, path) == without
    assert _reports(small, path) == without  # texts dropped and analysed again
    assert isinstance(cached.docs, DocCache) and isinstance(small.docs, DocCache)
    assert cached.docs.hits > 0  # the texts did repeat
    assert len(small.docs) == 50


def test_a_text_is_kept_from_its_second_sighting() -> None:
    docs = DocCache(maxsize=10)
    once = docs("Мне нужен возврат за заказ 458812.")
    assert len(docs) == 0  # most texts come once: not kept
    again = docs("Мне нужен возврат за заказ 458812.")
    assert again is not once and again.tokens == once.tokens
    assert len(docs) == 1
    assert docs("Мне нужен возврат за заказ 458812.") is again
    assert (docs.hits, docs.misses) == (1, 2)


def _kept(docs: DocCache, text: str) -> object:
    docs(text)
    return docs(text)


def test_the_cache_drops_the_least_recently_used_text() -> None:
    docs = DocCache(maxsize=2)
    first = _kept(docs, "Здравствуйте!")
    _kept(docs, "Спасибо.")
    assert docs("Здравствуйте!") is first  # used again: now the most recent
    _kept(docs, "Всего доброго!")  # a third text pushes out «Спасибо.»
    assert len(docs) == 2
    assert docs("Здравствуйте!") is first
    misses = docs.misses
    docs("Спасибо.")
    assert docs.misses == misses + 1


def test_texts_seen_once_are_forgotten_in_bounded_memory() -> None:
    docs = DocCache(maxsize=2)  # remembers up to 8 texts seen once
    for i in range(20):
        docs(f"Заказ {i} передан в доставку.")
    assert len(docs) == 0 and len(docs._seen_once) <= 8
    docs("Заказ 19 передан в доставку.")  # still remembered as seen: kept now
    assert len(docs) == 1
