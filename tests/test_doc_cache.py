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
    assert cached.docs.hits > cached.docs.misses  # the texts did repeat
    assert len(small.docs) == 50


def test_the_cache_drops_the_least_recently_used_text() -> None:
    docs = DocCache(maxsize=2)
    first = docs("Здравствуйте!")
    docs("Спасибо.")
    assert docs("Здравствуйте!") is first  # used again: now the most recent
    docs("Всего доброго!")  # a third text pushes out «Спасибо.»
    assert len(docs) == 2
    assert docs("Здравствуйте!") is first
    misses = docs.misses
    docs("Спасибо.")
    assert docs.misses == misses + 1
