"""Checking inputs of any size in flat memory: two passes, conversations never all in memory.

``Engine.check_many`` keeps every conversation of a run in memory so that contacts of one client
can see each other. Here:

1. **Index pass** (this process): ``ingest.read_paths`` reads every record once — every format,
   with its errors and notes, exactly as ``vezhlivo check`` reads it — and each conversation is
   spilled, pickled, to a temporary file. What stays in memory is its offset there (8 bytes) and
   the linked groups (``parallel.KeyLinker``: one int per contact, one entry per distinct key).
2. **Check pass** (``jobs`` worker processes): each task names a few linked groups by offset; the
   worker reads them back from the spill file and checks each group with ``Engine.check_many``.

Reports are yielded in input order, after every read error (as ``check_many`` does). With
``ordered=False`` they are yielded as they are done — for Parquet or other outputs that do not
need the order — and nothing then waits in memory but the tasks in flight. In order, a report
waits only while an earlier contact is still being checked (or, for a client whose contacts are
far apart in the input, until the output reaches it).

The spill file takes about as much temporary disk as the input (``TMPDIR``, or ``spill_dir``).
"""

from __future__ import annotations

import os
import pickle
import struct
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar, overload

from .errors import RecordError
from .model import Conversation
from .parallel import (
    DEFAULT_CHUNK,
    Convert,
    KeyLinker,
    Progress,
    default_jobs,
    forks,
    run_converted,
    run_planned,
    worker_context,
)

if TYPE_CHECKING:
    from .engine import ContactReport, Engine
    from .ingest import LinePiece, ReadOptions

T = TypeVar("T")
Reading = Callable[[int], None]  # records read so far (conversations and read errors), during pass 1
_LEN = struct.Struct("<I")
_SPILL_BUFFER = 1 << 20  # bytes written at a time to the spill file
PIECE_BYTES = 4 << 20  # a piece of a JSONL file read by one process in pass 1 (≈ 2 000 chats)
PARALLEL_READ_BYTES = 16 << 20  # less input than this is read sooner by one process than by starting others
_OPEN: dict[str, IO[bytes]] = {}  # per process: spill files read by offset
_OPEN_MAX = 64
_OPEN_PID = [os.getpid()]


def _file(path: str) -> IO[bytes]:
    if _OPEN_PID[0] != os.getpid():  # a forked worker: never share the parent's file offsets
        _OPEN.clear()
        _OPEN_PID[0] = os.getpid()
    fh = _OPEN.pop(path, None)
    if fh is None:
        fh = open(path, "rb")  # noqa: SIM115 - kept open for the next records
        if len(_OPEN) >= _OPEN_MAX:  # pieces read in parallel have a file each: not all open at once
            _OPEN.pop(next(iter(_OPEN))).close()
    _OPEN[path] = fh  # the most recently used last
    return fh


@dataclass(frozen=True, slots=True)
class Ref:
    """Where one conversation was spilled: read it back with ``load()`` in any process."""

    file: str
    offset: int

    def load(self) -> Conversation:
        fh = _file(self.file)
        fh.seek(self.offset)
        (size,) = _LEN.unpack(fh.read(_LEN.size))
        conv = pickle.loads(fh.read(size))  # our own spill file, written by build_index
        assert isinstance(conv, Conversation)
        return conv


class Index(Sequence[Ref]):
    """Pass 1's result: where every conversation is (12 bytes each), the linked groups, the errors."""

    def __init__(self, spills: Sequence[str] = ()) -> None:
        self.spills = list(spills)  # spill files: one, or one per piece read in parallel
        self.files = array("I")  # per conversation: its spill file
        self.offsets = array("q")  # and where in it
        self.linker = KeyLinker()
        self.errors: list[RecordError] = []
        self.messages = 0

    def add(self, file: int, entries: Iterable[Spilled]) -> None:
        add, files, offsets = self.linker.add, self.files, self.offsets
        for entry in entries:
            if isinstance(entry, RecordError):
                self.errors.append(entry)
                continue
            offset, keys, messages = entry
            files.append(file)
            offsets.append(offset)
            add(keys)
            self.messages += messages

    def __len__(self) -> int:
        return len(self.offsets)

    @overload
    def __getitem__(self, i: int) -> Ref: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Ref]: ...

    def __getitem__(self, i: int | slice) -> Ref | Sequence[Ref]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return Ref(self.spills[self.files[i]], self.offsets[i])


Spilled = RecordError | tuple[int, list[str], int]  # a read error, or (offset, client keys, messages)


def _spill(items: Iterable[Conversation | RecordError], path: str) -> Iterator[Spilled]:
    """Write each conversation, pickled, to ``path``; yield where it went, or the read error."""
    from .engine import client_keys

    pack, dumps, offset = _LEN.pack, pickle.dumps, 0
    with open(path, "wb", buffering=_SPILL_BUFFER) as spill:
        write = spill.write
        for item in items:
            if isinstance(item, RecordError):
                yield item
                continue
            blob = dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
            write(pack(len(blob)))
            write(blob)
            # a client's phone is parsed once (normalize_phone remembers it)
            yield offset, client_keys(item), len(item.messages)
            offset += _LEN.size + len(blob)


def build_index(items: Iterable[Conversation | RecordError], spill_dir: str, reading: Reading | None = None) -> Index:
    """Pass 1: spill every conversation; keep its offset, its linked group and the read errors."""
    index = Index([os.path.join(spill_dir, "spill.bin")])
    index.add(0, _spill(items if reading is None else _counted(items, reading), index.spills[0]))
    return index


def _counted(items: Iterable[T], reading: Reading, every: int = 100) -> Iterator[T]:
    n = 0
    for n, item in enumerate(items, 1):
        if n % every == 0:
            reading(n)
        yield item
    reading(n)


def _spill_piece(piece: LinePiece, path: str) -> list[Spilled]:
    return list(_spill(piece.read(), path))


def build_index_parallel(pieces: Sequence[LinePiece], spill_dir: str, jobs: int,
                         reading: Reading | None = None, meanwhile: Callable[[], object] | None = None) -> Index:
    """Pass 1 of pieces of JSONL files (``ingest.line_pieces``) on ``jobs`` processes, each piece
    to a spill file of its own: the same index as ``build_index`` of ``read_paths``, sooner.
    ``meanwhile()`` runs here while the processes read."""
    index = Index([os.path.join(spill_dir, f"spill-{i:06d}.bin") for i in range(len(pieces))])
    with ProcessPoolExecutor(jobs, mp_context=worker_context()) as pool:
        done = pool.map(_spill_piece, pieces, index.spills)  # every piece submitted now
        if meanwhile is not None:
            meanwhile()
        for file, entries in enumerate(done):
            index.add(file, entries)
            if reading is not None:
                reading(len(index) + len(index.errors))
    return index


WARM_CONTACTS = 300  # checked by the parent during a parallel pass 1 (see _warm)


def _warm(engine: Engine, piece: LinePiece) -> None:
    """Bring the parent's engine to its steady state while the pass-1 processes read — the spelling
    dictionary's shape, compiled patterns, per-word indexes and caches, from the input's first
    contacts — so that every check worker forked from it starts warm instead of each paying for it
    (≈ 2 s of CPU a worker). The reports are thrown away: a check depends on its contact alone."""
    from .nlp.spelling import build_shape_now

    build_shape_now()
    first = [c for c in islice(piece.read(), WARM_CONTACTS) if not isinstance(c, RecordError)]
    for group in range(0, len(first), DEFAULT_CHUNK):  # in tasks' groups, as the workers will check
        for _ in engine.check_many(first[group:group + DEFAULT_CHUNK]):
            pass


@contextmanager
def _spilled(paths: Sequence[Path], options: ReadOptions | None, spill_dir: str | None,
             jobs: int | None = 1, reading: Reading | None = None,
             engine: Engine | None = None) -> Iterator[Index]:
    """Pass 1 over ``paths`` into temporary spill files, removed (and closed here) when done; on
    several processes when the input is large canonical JSONL (and then ``engine`` is warmed here
    meanwhile, for the check workers to inherit)."""
    from .ingest import line_pieces, read_paths

    jobs = default_jobs() if jobs is None else max(1, jobs)
    with tempfile.TemporaryDirectory(prefix="vezhlivo-", dir=spill_dir) as tmp:
        pieces = line_pieces(paths, options, PIECE_BYTES) if jobs > 1 else None
        if pieces is not None and sum(p.stop - p.start for p in pieces) >= PARALLEL_READ_BYTES:
            warm = partial(_warm, engine, pieces[0]) if engine is not None and forks() else None
            index = build_index_parallel(pieces, tmp, jobs, reading, warm)
        else:
            index = build_index(read_paths(paths, options), tmp, reading)
        try:
            yield index
        finally:
            for spill in index.spills:
                fh = _OPEN.pop(spill, None)
                if fh is not None:
                    fh.close()


def stream_check(
    engine: Engine,
    paths: Sequence[Path],
    *,
    options: ReadOptions | None = None,
    jobs: int | None = 1,
    ordered: bool = True,
    progress: Progress | None = None,
    spill_dir: str | None = None,
    reading: Reading | None = None,
) -> Iterator[ContactReport | RecordError]:
    """``engine.check_many(read_paths(paths, options))`` in flat memory, on ``jobs`` processes
    (None: every core): read errors first, then the reports (in input order when ``ordered``).
    ``reading(n)`` hears, during pass 1, how many records have been read so far."""
    with _spilled(paths, options, spill_dir, jobs, reading, engine) as index:
        yield from index.errors
        yield from run_planned(engine, index, index.linker.groups(), jobs=jobs, ordered=ordered, progress=progress)


def stream_converted(
    engine: Engine,
    paths: Sequence[Path],
    convert: Convert[T],
    *,
    options: ReadOptions | None = None,
    jobs: int | None = 1,
    progress: Progress | None = None,
    spill_dir: str | None = None,
    reading: Reading | None = None,
) -> Iterator[RecordError | T]:
    """``stream_check(..., ordered=False)`` for outputs that need rows rather than reports: the read
    errors, then ``convert(reports)`` of each task, computed in the worker that checked them."""
    with _spilled(paths, options, spill_dir, jobs, reading, engine) as index:
        yield from index.errors
        yield from run_converted(engine, index, index.linker.groups(), convert, jobs=jobs, progress=progress)
