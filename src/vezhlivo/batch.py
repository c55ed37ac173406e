"""``vezhlivo batch``: the same engine on a Ray cluster (Ray Data), Parquet out.

    run_batch(["s3://bucket/chats/2025/"], "s3://bucket/vezhlivo/2025/", address="ray://head:10001")

Input: canonical JSON Lines (``.jsonl``, ``.ndjson``, ``.json``) or Parquet (``.parquet``: one row per
conversation, either the canonical fields as columns or one column ``json`` holding the canonical
object), given as local paths, folders, globs or any fsspec URL (``s3://``, ``gs://``, ``hdfs://``…).
Output: the Parquet layout of ``vezhlivo.export`` (``contacts``, ``findings``, ``sections``,
``errors`` folders), the same schemas as ``vezhlivo check -f parquet``, ready for DuckDB or Spark.

The stages, all on the cluster except step 2:

1. one task per input file reads its records, parses each and yields (file, record, text,
   client keys) — or an error row;
2. the driver links contacts that share a client key (union–find over the keys only: one
   int per contact and one entry per distinct key) and ships the map key → linked group;
3. contacts are hash-partitioned by linked group (``groupby(bucket).map_groups``) so that a
   client's contacts land in one call, which checks each linked group with ``Engine.check_many``
   exactly as a local run does (same history, same order), and writes its part file of every table.

Results are identical to ``vezhlivo check`` on the same files (tested on a local Ray with 2 CPUs).
Ray is an optional dependency: ``pip install 'vezhlivo[ray]'``.
"""

from __future__ import annotations

import json
import pickle
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import collector
from .errors import FieldError, RecordError
from .ingest import CANONICAL_SUFFIXES

if TYPE_CHECKING:
    from .engine import Engine
    from .rulebook import Rulebook

SUFFIXES = (*CANONICAL_SUFFIXES, ".parquet")


@dataclass(frozen=True)
class BatchResult:
    files: int
    contacts: int
    errors: int
    findings: int
    output: str


# --- listing inputs ------------------------------------------------------------------------------


def _is_local(url: str) -> bool:
    return "://" not in url or url.startswith("file://")


def list_inputs(inputs: Sequence[str]) -> list[str]:
    """The input files, in the order a local run reads them (folders sorted, recursively).

    Local paths keep the spelling a local run gives them (``vezhlivo check`` names sources the same).
    """
    files: list[str] = []
    for url in inputs:
        if _is_local(url):
            p = Path(url.removeprefix("file://"))
            if p.is_dir():
                files += [str(c) for c in sorted(p.rglob("*")) if c.is_file() and c.suffix.lower() in SUFFIXES]
            elif any(ch in url for ch in "*?["):
                files += sorted(str(c) for c in Path().glob(str(p)) if c.suffix.lower() in SUFFIXES)
            else:
                files.append(str(p))
            continue
        import fsspec

        fs, root = fsspec.core.url_to_fs(url)
        if any(ch in root for ch in "*?["):
            found = sorted(fs.glob(root))
        elif fs.isdir(root):
            found = sorted(fs.find(root))
        else:
            found = [root]
        files += [fs.unstrip_protocol(f) for f in found if Path(f).suffix.lower() in SUFFIXES or f == root]
    return files


# --- stage 1: reading ----------------------------------------------------------------------------


def _open(url: str) -> Any:
    if _is_local(url):
        return open(url.removeprefix("file://"), "rb")
    import fsspec

    return fsspec.open(url, "rb").open()


def _record(file: int, path: str, record: int, obj: Any) -> dict[str, Any]:
    from .engine import client_keys
    from .ingest.canonical import parse_conversation
    from .model import Source

    row: dict[str, Any] = {"file": file, "path": path, "record": record, "text": None, "keys": [],
                           "error_field": None, "error": None}
    try:
        conv = parse_conversation(obj, Source(path, record))
    except FieldError as exc:
        row |= {"error_field": exc.field, "error": exc.message}
        return row
    row |= {"text": json.dumps(obj, ensure_ascii=False, default=str), "keys": client_keys(conv)}
    return row


def _decode(raw: bytes, number: int) -> tuple[str, int] | str:
    """A line's text, or why it is unreadable (the rules of ``ingest.canonical._iter_lines``)."""
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), 0
    except UnicodeDecodeError as exc:
        line = raw.decode("cp1251", errors="replace")
        letters = [ch for ch in line if ch.isalpha()]
        if not letters or sum("\u0400" <= ch <= "\u04ff" for ch in letters) / len(letters) < 0.6:
            return (f"text is not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                    "save the file as UTF-8")
        return line, 1


def _read_whole(file: int, path: str, data: bytes) -> Iterator[dict[str, Any]]:
    """A JSON array file, or UTF-16 JSON Lines: read whole, as the local reader does."""
    from .ingest.canonical import decode_bytes

    text, _ = decode_bytes(data)
    if text.lstrip().startswith("["):
        try:
            objs = json.loads(text)
        except json.JSONDecodeError as exc:
            yield {"file": file, "path": path, "record": exc.lineno, "text": None, "keys": [],
                   "error_field": None, "error": f"broken JSON: {exc.msg} at column {exc.colno}"}
            return
        for number, obj in enumerate(objs if isinstance(objs, list) else [objs], start=1):
            yield _record(file, path, number, obj)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield from _read_lines(file, path, [(number, line)])


def _read_lines(file: int, path: str, lines: Iterable[tuple[int, str]]) -> Iterator[dict[str, Any]]:
    for number, line in lines:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"file": file, "path": path, "record": number, "text": None, "keys": [],
                   "error_field": None, "error": f"broken JSON: {exc.msg} at column {exc.colno}"}
            continue
        yield _record(file, path, number, obj)


def _read_jsonl(file: int, path: str) -> Iterator[dict[str, Any]]:
    with _open(path) as fh:
        head = fh.read(4096)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 4 and 0 in head[:4]) or \
                head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
            yield from _read_whole(file, path, head + fh.read())
            return
        fh.seek(0)
        for number, raw in enumerate(fh, start=1):
            decoded = _decode(raw, number)
            if isinstance(decoded, str):
                yield {"file": file, "path": path, "record": number, "text": None, "keys": [],
                       "error_field": None, "error": decoded}
                continue
            line = decoded[0]
            if line.strip():
                yield from _read_lines(file, path, [(number, line)])


def _plain(value: Any) -> Any:
    """Parquet rows as plain JSON values (numpy arrays and timestamps from some writers)."""
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        value = value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _read_parquet(file: int, path: str) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    with _open(path) as fh:
        pf = pq.ParquetFile(fh)
        number = 0
        for batch in pf.iter_batches(batch_size=2048):
            for row in batch.to_pylist():
                number += 1
                obj = json.loads(row["json"]) if isinstance(row.get("json"), str) else _plain(row)
                yield _record(file, path, number, obj)


def _read_file(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    file, path = int(item["file"]), str(item["path"])
    try:
        if path.lower().endswith(".parquet"):
            yield from _read_parquet(file, path)
        else:
            yield from _read_jsonl(file, path)
    except FileNotFoundError:
        yield {"file": file, "path": path, "record": None, "text": None, "keys": [], "error_field": None,
               "error": "no such file"}
    except OSError as exc:
        yield {"file": file, "path": path, "record": None, "text": None, "keys": [], "error_field": None,
               "error": f"cannot read: {exc.strerror or exc}"}


def _read_files(batch: Any) -> Any:
    """Stage 1 as a Ray batch function: the records of the files in ``batch``, with one schema."""
    import pyarrow as pa

    schema = pa.schema([("file", pa.int64()), ("path", pa.string()), ("record", pa.int64()), ("text", pa.string()),
                        ("keys", pa.list_(pa.string())), ("error_field", pa.string()), ("error", pa.string())])
    rows = [r for item in batch.to_pylist() for r in _read_file(item)]
    return pa.Table.from_pylist(rows, schema=schema)


# --- stage 3: checking ---------------------------------------------------------------------------

_ENGINES: dict[bytes, Engine] = {}


def _engine(rulebook_blob: bytes) -> Engine:
    key = zlib.crc32(rulebook_blob).to_bytes(4, "big") + len(rulebook_blob).to_bytes(8, "big")
    engine = _ENGINES.get(key)
    if engine is None:
        from .engine import Engine

        rulebook: Rulebook = pickle.loads(rulebook_blob)  # the driver's own object, never outside data
        engine = _ENGINES[key] = Engine(rulebook)
    return engine


def check_rows(rows: list[dict[str, Any]], engine: Engine, mask_pii: bool) -> dict[str, list[dict[str, Any]]]:
    """Check records (rows of stage 1 with a ``group`` column); the export rows of their reports."""
    from .export import report_rows
    from .ingest.canonical import parse_conversation
    from .model import Source

    groups: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["file"], r["record"])):
        groups.setdefault(row["group"], []).append(row)
    out: dict[str, list[dict[str, Any]]] = {"contacts": [], "findings": [], "sections": []}
    version = engine.rulebook.version
    with collector.batch():  # a Ray worker also runs Ray's own code: thresholds only for the checks
        for members in groups.values():
            convs = [parse_conversation(json.loads(r["text"]), Source(r["path"], int(r["record"]))) for r in members]
            for rep in engine.check_many(convs):
                assert not isinstance(rep, RecordError)
                for name, new in report_rows(rep, mask_pii=mask_pii, rulebook_version=version).items():
                    out[name].extend(new)
    return out


def _group_of(keys: Sequence[str], file: int, record: int, linked: dict[str, int]) -> str:
    for k in keys:
        root = linked.get(k)
        if root is not None:
            return f"g{root}"
    return f"s{file}:{record}"


# --- the job -------------------------------------------------------------------------------------


def run_batch(
    inputs: Sequence[str],
    output: str,
    *,
    rulebook: Rulebook | None = None,
    address: str | None = None,
    mask_pii: bool = False,
    num_cpus: int | None = None,
    runtime_env: dict[str, Any] | None = None,
    buckets: int | None = None,
    progress: bool = False,
) -> BatchResult:
    """Check ``inputs`` on Ray and write Parquet to ``output`` (a folder path or fsspec URL).

    ``address``: an existing cluster (``ray://head:10001``, or ``auto`` on a cluster node); None
    starts a local Ray with ``num_cpus`` (default: all cores) unless one is already running here.
    Two executions on the cluster: reading (materialised in the object store) and checking, where
    each hash bucket of linked groups writes its own part file of every table.
    """
    import pyarrow as pa
    import ray
    import ray.data

    from .export import ERRORS, TABLES, error_row
    from .parallel import KeyLinker
    from .rulebook import load_rulebook

    rulebook = rulebook or load_rulebook()
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"runtime_env": runtime_env, "log_to_driver": progress}
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(num_cpus=num_cpus, include_dashboard=False, **kwargs)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = progress
    ctx.enable_operator_progress_bars = progress

    files = list_inputs(inputs)
    if not files:
        raise FileNotFoundError("no input files in " + ", ".join(inputs))
    records = ray.data.from_items([{"file": i, "path": f} for i, f in enumerate(files)],
                                  override_num_blocks=len(files))
    records = records.map_batches(_read_files, batch_size=1, batch_format="pyarrow").materialize()

    # 2. link contacts of one client: only keys (and the few unreadable records) reach the driver
    linker = KeyLinker()
    keyed: list[tuple[str, ...]] = []
    errors: list[dict[str, Any]] = []
    columns = ["keys", "error", "path", "record", "error_field"]
    for batch in records.select_columns(columns).iter_batches(batch_format="pyarrow", batch_size=65536):
        cols = [batch.column(c).to_pylist() for c in columns]
        for keys, error, path, record, field in zip(*cols, strict=True):
            if error is not None:
                errors.append(error_row(RecordError(path, record, field, error)))
            elif keys:
                linker.add(keys)
                keyed.append(tuple(keys))
    roots = linker.groups()
    sizes: dict[int, int] = {}
    for r in roots:
        sizes[r] = sizes.get(r, 0) + 1
    linked = {k: r for keys, r in zip(keyed, roots, strict=True) if sizes[r] > 1 for k in keys}
    del keyed, roots, sizes
    linked_ref = ray.put(linked)
    del linked
    rulebook_ref = ray.put(pickle.dumps(rulebook))
    cluster_resources: Any = ray.cluster_resources  # untyped in Ray
    nb = buckets or max(4 * int(cluster_resources().get("CPU", 1)), records.count() // 2000, 1)
    _clear_output(output)

    def add_bucket(batch: pa.Table) -> pa.Table:
        linked_map: dict[str, int] = ray.get(linked_ref)
        ok = [e is None for e in batch.column("error").to_pylist()]
        batch = batch.filter(pa.array(ok, pa.bool_()))
        groups = [
            _group_of(k or [], f, r, linked_map)
            for k, f, r in zip(batch.column("keys").to_pylist(), batch.column("file").to_pylist(),
                               batch.column("record").to_pylist(), strict=True)
        ]
        bucket = [zlib.crc32(g.encode()) % nb for g in groups]
        return batch.append_column("group", pa.array(groups, pa.string())).append_column(
            "bucket", pa.array(bucket, pa.int64()))

    def check_bucket(batch: pa.Table) -> pa.Table:
        engine = _engine(ray.get(rulebook_ref))
        rows = batch.to_pylist()
        out = check_rows(rows, engine, mask_pii)
        part = f"b{int(rows[0]['bucket']):05d}" if rows else "empty"
        for name, table_rows in out.items():
            if table_rows:
                _write_part(output, name, part, pa.Table.from_pylist(table_rows, schema=TABLES[name]))
        return pa.table({name: [len(table_rows)] for name, table_rows in out.items()})

    counts_ds = (records.map_batches(add_bucket, batch_format="pyarrow")
                 .groupby("bucket", num_partitions=nb).map_groups(check_bucket, batch_format="pyarrow"))
    counts = {name: 0 for name in TABLES}
    for batch in counts_ds.iter_batches(batch_format="pyarrow"):
        for name in ("contacts", "findings", "sections"):
            counts[name] += sum(batch.column(name).to_pylist())
    counts["errors"] = len(errors)
    _write_part(output, "errors", "driver", pa.Table.from_pylist(errors, schema=ERRORS))
    for name, schema in TABLES.items():  # every table has a file, an empty one too
        if not counts[name]:
            _write_part(output, name, "empty", schema.empty_table())
    return BatchResult(files=len(files), contacts=counts["contacts"], errors=counts["errors"],
                       findings=counts["findings"], output=output)


def _clear_output(output: str) -> None:
    """A folder is one run: old part files of the four tables are removed."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(output)
    for name in ("contacts", "findings", "sections", "errors"):
        folder = root.rstrip("/") + "/" + name
        if fs.exists(folder):
            for f in fs.glob(folder + "/*.parquet"):
                fs.rm(f)
        fs.makedirs(folder, exist_ok=True)


def _write_part(output: str, name: str, part: str, table: Any) -> None:
    import fsspec
    import pyarrow.parquet as pq

    fs, root = fsspec.core.url_to_fs(output)
    with fs.open(f"{root.rstrip('/')}/{name}/part-{part}.parquet", "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
