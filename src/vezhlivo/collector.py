"""CPython's cycle collector tuned for checking batches of contacts.

Checking a contact allocates hundreds of thousands of small containers (tokens, matches,
findings) that reference counting frees as soon as the report is made: 6 000 corpus contacts
left no cyclic garbage at all (measured, BENCHMARKS.md). What survives a contact is ≈ 160
containers (word caches, analysed texts kept for texts that come again, the reports on their
way out), and with the default thresholds (700, 10, 10) that growth set off a full collection
every ≈ 700 contacts, each walking every live container of the process — the rulebook, the
dictionaries' caches, thousands of analysed texts: 0.3–0.4 s each, 30–40 % of a long run's CPU.

With ``BATCH_THRESHOLDS`` the young generation is collected every 50 000 new containers (a few
hundred contacts; cycles, should some input make them, are still found there) and the old ones
about never during a run, so each long-lived container is walked a couple of times, not once
every few hundred contacts. Processes that only check (the workers of ``check -j N``, the
``check`` command itself) set them for good with ``tune_process()``; code sharing its process
(Ray tasks; the service's file ingest and re-analysis of stored contacts) uses ``batch()``, which
nests, is shared by threads, and puts the thresholds back when the last batch leaves.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_THRESHOLDS = (50_000, 20, 100)

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


def tune_process() -> None:
    """Batch thresholds for the rest of this process's life (a process that only checks)."""
    gc.set_threshold(*BATCH_THRESHOLDS)


@contextmanager
def batch() -> Iterator[None]:
    """Batch thresholds inside; the process's own ones back after the last batch leaves."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*BATCH_THRESHOLDS)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
