"""Checking on several processes: the same reports, in the same order, as ``Engine.check_many``.

Contacts of one client are each other's history (``Engine.check_many``): a contact's history is
every contact that shares a client key with it (client id, normalised phone, e-mail). So the run
is cut into *linked groups* — the connected components of "shares a key" — and each group is
checked whole, by ``Engine.check_many`` itself, in one worker. A contact sees exactly the history
it sees in one process: the other members of its group, in the same time order (ties broken by
input order, which a group keeps). Groups are packed into tasks of a few dozen contacts; results
come back in any order and are yielded in input order (``ordered=False``: as they come, for
outputs where order does not matter, such as Parquet).

Workers are forked where the platform allows (the rulebook and the loaded dictionaries are then
shared, not copied), spawned elsewhere.

    from vezhlivo.parallel import check_parallel
    for item in check_parallel(engine.rulebook, read_paths(paths), jobs=4, progress=bar):
        ...

What a task carries is a conversation, or anything with a ``load() -> Conversation`` method (the
streaming reader sends such references and the worker reads the record itself; see ``stream``).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .errors import RecordError
from .model import Conversation

if TYPE_CHECKING:
    from .engine import ContactReport, Engine
    from .rulebook import Rulebook

Progress = Callable[[int, int], None]  # (contacts done, contacts in all)
T = TypeVar("T")
# Applied in the worker to the reports of one task; must pickle (a module-level function or a partial).
Convert = Callable[[list["ContactReport"]], T]


class Loadable(Protocol):
    def load(self) -> Conversation: ...


Payload = Conversation | Loadable
Task = list[list[tuple[int, Payload]]]  # linked groups of (ordinal, conversation or reference)

DEFAULT_CHUNK = 24  # contacts per task: large enough to hide the IPC, small enough to balance
# contacts per task whose reports become Arrow tables in the worker: each table and its pickling has a
# fixed cost, ≈ 80 µs a contact in tasks of 24, ≈ 49 µs in tasks of 96 (BENCHMARKS.md, eleventh session)
CONVERTED_CHUNK = 96


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# --- linked groups -------------------------------------------------------------------------------


class KeyLinker:
    """Union–find over ordinals: ``add(keys)`` gives each contact its ordinal, ``groups()`` the root
    of each (the smallest ordinal of its linked group). Keeps one int per contact and one entry per
    distinct key, never the conversations."""

    def __init__(self) -> None:
        self._parent: list[int] = []
        self._first: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._parent)

    def _find(self, i: int) -> int:
        parent = self._parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def add(self, keys: Iterable[str]) -> int:
        i = len(self._parent)
        self._parent.append(i)
        for key in keys:
            j = self._first.setdefault(key, i)
            if j != i:
                a, b = self._find(i), self._find(j)
                if a != b:
                    self._parent[max(a, b)] = min(a, b)
        return i

    def groups(self) -> list[int]:
        """The root of every ordinal's linked group; a root is its group's smallest ordinal."""
        self._first.clear()
        return [self._find(i) for i in range(len(self._parent))]


def plan(roots: Sequence[int], chunk: int = DEFAULT_CHUNK) -> list[list[list[int]]]:
    """Tasks of whole linked groups (members in input order), in the order of their first member."""
    members: dict[int, list[int]] = {}
    for i, r in enumerate(roots):
        members.setdefault(r, []).append(i)  # roots appear in increasing order: dict keeps it
    tasks: list[list[list[int]]] = []
    current: list[list[int]] = []
    size = 0
    for group in members.values():
        current.append(group)
        size += len(group)
        if size >= chunk:
            tasks.append(current)
            current, size = [], 0
    if current:
        tasks.append(current)
    return tasks


# --- workers -------------------------------------------------------------------------------------

_ENGINE: Engine | None = None


def _init_worker(rulebook: Rulebook | None) -> None:
    global _ENGINE
    from .collector import tune_process
    from .engine import Engine

    tune_process()  # a worker only checks: see collector.py
    if rulebook is not None or _ENGINE is None:
        _ENGINE = Engine(rulebook)


def _ready() -> int:
    return os.getpid()


def _resolve(p: Payload) -> Conversation:
    return p if isinstance(p, Conversation) else p.load()


def run_task(engine: Engine, task: Task) -> list[tuple[int, ContactReport]]:
    """Check every linked group of a task with ``Engine.check_many``; (ordinal, report) pairs."""
    out: list[tuple[int, ContactReport]] = []
    for group in task:
        convs = [_resolve(p) for _, p in group]
        reports = [r for r in engine.check_many(convs) if not isinstance(r, RecordError)]
        out.extend((ordinal, r) for (ordinal, _), r in zip(group, reports, strict=True))
    return out


def _in_worker(work: Callable[[Engine, Task], T], task: Task) -> T:
    assert _ENGINE is not None, "worker not initialised"
    return work(_ENGINE, task)


def _run_converted(engine: Engine, task: Task, convert: Convert[T]) -> tuple[int, T]:
    """A task's reports turned into what the output needs, where they are checked: a report is
    several times larger pickled than its rows, and unpickling every report in the one writing
    process cost it as much as writing them (0.3–0.5 ms a contact)."""
    reports = [r for _, r in run_task(engine, task)]
    return len(reports), convert(reports)


def forks() -> bool:
    """Whether worker processes are forked (and so share what this process has loaded)."""
    return worker_context().get_start_method() == "fork"


def worker_context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


# --- running -------------------------------------------------------------------------------------


def _tasks(payloads: Sequence[Payload], roots: Sequence[int], jobs: int | None,
           chunk: int) -> tuple[int, int, Iterator[Task]]:
    """The number of jobs (None: every core), of contacts, and the tasks of whole linked groups."""
    tasks = ([[(i, payloads[i]) for i in group] for group in t] for t in plan(roots, chunk))
    return default_jobs() if jobs is None else max(1, jobs), len(payloads), tasks


def run_planned(
    engine: Engine,
    payloads: Sequence[Payload],
    roots: Sequence[int],
    *,
    jobs: int | None = None,
    chunk: int = DEFAULT_CHUNK,
    ordered: bool = True,
    progress: Progress | None = None,
) -> Iterator[ContactReport]:
    """Check ``payloads`` (conversations or references, by ordinal) grouped by ``roots``."""
    jobs, total, tasks = _tasks(payloads, roots, jobs, chunk)
    done = 0
    ready: dict[int, ContactReport] = {}
    next_out = 0
    for results in _results(engine, tasks, jobs, total > chunk, run_task):
        done += len(results)
        if progress:
            progress(done, total)
        if not ordered:
            yield from (r for _, r in results)
            continue
        ready.update(results)
        while next_out in ready:
            yield ready.pop(next_out)
            next_out += 1
    assert not ready, "reports left over"


def run_converted(
    engine: Engine,
    payloads: Sequence[Payload],
    roots: Sequence[int],
    convert: Convert[T],
    *,
    jobs: int | None = None,
    chunk: int | None = None,
    progress: Progress | None = None,
) -> Iterator[T]:
    """``run_planned(..., ordered=False)`` with each task's reports passed through ``convert`` where
    they are checked (for outputs that need rows, not reports: Parquet); yields what it returns.
    Tasks of ``CONVERTED_CHUNK`` contacts when there are enough for every worker to get several (the
    tables' fixed costs spread), else of ``DEFAULT_CHUNK``."""
    if chunk is None:
        workers = default_jobs() if jobs is None else max(1, jobs)
        chunk = min(CONVERTED_CHUNK, max(DEFAULT_CHUNK, len(payloads) // (8 * workers)))
    jobs, total, tasks = _tasks(payloads, roots, jobs, chunk)
    done = 0
    for n, converted in _results(engine, tasks, jobs, total > chunk, partial(_run_converted, convert=convert)):
        done += n
        if progress:
            progress(done, total)
        yield converted


def _results(engine: Engine, tasks: Iterator[Task], jobs: int, worth_it: bool,
             work: Callable[[Engine, Task], T]) -> Iterator[T]:
    """``work`` on every task, results in task order: here when one job (or too little work), else
    on a pool of worker processes (``work`` must then pickle)."""
    if jobs == 1 or not worth_it:
        for task in tasks:
            yield work(engine, task)
        return
    if forks():
        _prepare_fork(engine)
        initargs: tuple[Rulebook | None] = (None,)
    else:
        initargs = (engine.rulebook,)
    window = jobs * 4
    with ProcessPoolExecutor(jobs, mp_context=worker_context(), initializer=_init_worker, initargs=initargs) as pool:
        for f in [pool.submit(_ready) for _ in range(jobs)]:  # start every worker before any thread
            f.result()
        pending: deque[Future[T]] = deque()
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                try:
                    pending.append(pool.submit(_in_worker, work, next(tasks)))
                except StopIteration:
                    exhausted = True
            if not pending:
                return
            yield pending.popleft().result()


def _prepare_fork(engine: Engine) -> None:
    """Load what workers need once, before forking: they share these pages instead of each
    loading its own copy."""
    global _ENGINE
    from .nlp.morph import analyzer

    analyzer()
    _ENGINE = engine


def check_parallel(
    engine: Engine,
    items: Iterable[Conversation | RecordError],
    *,
    jobs: int | None = None,
    chunk: int = DEFAULT_CHUNK,
    ordered: bool = True,
    progress: Progress | None = None,
) -> Iterator[ContactReport | RecordError]:
    """``engine.check_many(items)`` on ``jobs`` processes (default: every core): the same items in
    the same order — read errors as they are read, then one report per conversation."""
    from .engine import client_keys

    convs: list[Conversation] = []
    linker = KeyLinker()
    for item in items:
        if isinstance(item, RecordError):
            yield item
        else:
            convs.append(item)
            linker.add(client_keys(item))
    yield from run_planned(engine, convs, linker.groups(), jobs=jobs, chunk=chunk, ordered=ordered,
                           progress=progress)


@contextmanager
def terminal_progress(label: str = "checking", enabled: bool | None = None) -> Iterator[Progress | None]:
    """A progress bar on stderr when it is a terminal (else None): pass it as ``progress=``.

    The bar appears at the first call (once the input is read, when the total is known), so it
    never overlaps a progress line of the reading.
    """
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    from contextlib import ExitStack

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    with ExitStack() as stack:
        state: dict[str, Any] = {}

        def update(done: int, total: int) -> None:
            if "bar" not in state:
                bar = stack.enter_context(Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                              TimeRemainingColumn(), console=Console(stderr=True), transient=True))
                state["bar"], state["task"] = bar, bar.add_task(label, total=total)
            state["bar"].update(state["task"], completed=done, total=total)

        yield update
