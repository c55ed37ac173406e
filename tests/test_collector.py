"""The cycle collector's batch thresholds (collector.py): what they rely on and what they keep."""

from __future__ import annotations

import gc
import threading
import weakref
from pathlib import Path
from typing import Any

import pytest

from vezhlivo import collector
from vezhlivo.engine import Engine
from vezhlivo.ingest import read_paths
from vezhlivo.parallel import _results

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(autouse=True)
def _default_collector() -> Any:
    saved, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)
    if enabled:
        gc.enable()


@pytest.mark.parametrize("doc_cache", [5_000, 0])
def test_checking_leaves_no_cyclic_garbage(doc_cache: int) -> None:
    """Rarely collecting the old generations is only cheap because checks make no reference
    cycles: reference counting frees all they leave."""
    items = list(read_paths([EXAMPLES]))
    engine = Engine(doc_cache=doc_cache)
    list(engine.check_many(items))  # lazy loading (models, dictionaries) may make some, once
    gc.collect()
    gc.disable()
    try:
        for _ in range(2):
            reports = list(engine.check_many(items))
            assert len(reports) == len(items)
            del reports
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_batch_sets_and_restores_thresholds_when_the_last_one_leaves() -> None:
    with collector.batch():
        assert gc.get_threshold() == collector.BATCH_THRESHOLDS
        with collector.batch():
            assert gc.get_threshold() == collector.BATCH_THRESHOLDS
        assert gc.get_threshold() == collector.BATCH_THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)


def test_batches_of_threads_overlapping_restore_the_thresholds_once() -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[tuple[int, int, int]] = []

    def first() -> None:
        with collector.batch():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with collector.batch():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.get_threshold())  # the first left: still a batch here

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [collector.BATCH_THRESHOLDS]
    assert gc.get_threshold() == (700, 10, 10)


class _Node:
    def __init__(self) -> None:
        self.other: Any = self  # a cycle: only the collector frees it


def test_cycles_made_inside_a_batch_are_still_collected() -> None:
    with collector.batch():
        cyclic = _Node()
        gone = weakref.ref(cyclic)
        del cyclic
        assert gone() is not None
        keep = [[] for _ in range(collector.BATCH_THRESHOLDS[0] + 1_000)]  # containers that survive
        assert gone() is None
        del keep


def _thresholds_in_worker(engine: Engine, task: Any) -> tuple[int, int, int]:
    return gc.get_threshold()


def test_workers_of_check_j_run_with_batch_thresholds() -> None:
    engine = Engine()
    tasks = iter([[], [], []])
    assert list(_results(engine, tasks, 2, True, _thresholds_in_worker)) == [collector.BATCH_THRESHOLDS] * 3
    assert gc.get_threshold() == (700, 10, 10)  # this process's own are untouched
