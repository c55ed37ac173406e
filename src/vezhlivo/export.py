"""Results as Parquet for analytics (DuckDB, Spark, pandas): four flat tables in one folder.

    OUT/contacts/part-*.parquet   one row per contact: score, counts, card, who and when
    OUT/findings/part-*.parquet   one row per finding (waived ones too, marked)
    OUT/sections/part-*.parquet   one row per contact and checklist section: its score
    OUT/errors/part-*.parquet     one row per unreadable record

``vezhlivo check --parquet OUT`` and ``vezhlivo batch`` (Ray) write the same layout and schemas, so
one query reads either: ``SELECT operator_team, avg(score) FROM 'OUT/contacts/*.parquet' GROUP BY 1``.
A contact is identified by (``source_path``, ``source_record``) — its file and line — in every
table (``contact_id`` is the conversation's own id, which need not be unique across files).
Columns are flat: scalars, and lists of strings where a value is a set of rule codes. Text
columns hold what the JSON report holds (with ``--mask-pii``, masked the same way). Rows are
written in batches (row groups of ``batch_rows``): memory stays flat whatever the run's size.

The schemas are ``CONTACTS``, ``FINDINGS``, ``SECTIONS`` and ``ERRORS`` below; a column may be
added, none is removed or renamed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import RecordError

if TYPE_CHECKING:
    from .engine import ContactReport

SCHEMA_VERSION = "vezhlivo.parquet.v1"
TS = pa.timestamp("us", tz="UTC")

_KEY = [
    pa.field("source_path", pa.string()),  # the file the contact was read from
    pa.field("source_record", pa.int64()),  # its line (JSONL) or record number, 1-based
    pa.field("contact_id", pa.string()),
]

CONTACTS = pa.schema([
    *_KEY,
    pa.field("channel", pa.string()),  # chat | email | review | phone
    pa.field("direction", pa.string()),  # incoming | outgoing
    pa.field("company", pa.string()),
    pa.field("operator_id", pa.string()),
    pa.field("operator_name", pa.string()),
    pa.field("operator_team", pa.string()),
    pa.field("client_id", pa.string()),
    pa.field("started_at", TS),  # UTC; null when the contact has no time
    pa.field("started_at_local", pa.string()),  # ISO 8601 with the original offset
    pa.field("score", pa.float64()),  # 0–100
    pa.field("critical", pa.list_(pa.string())),  # critical rules broken (score is then 0)
    pa.field("failed_rules", pa.list_(pa.string())),  # codes with an active (not waived) finding
    pa.field("findings", pa.int32()),  # active findings
    pa.field("waived", pa.int32()),  # findings waived by a supervisor
    pa.field("turns", pa.int32()),
    pa.field("operator_turns", pa.int32()),
    pa.field("silent_rules", pa.list_(pa.string())),  # rules that could not judge this contact
    pa.field("unused_waivers", pa.list_(pa.string())),
    pa.field("client_name", pa.string()),  # from the card
    pa.field("question", pa.string()),
    pa.field("promises", pa.int32()),
    pa.field("transfers", pa.int32()),
    pa.field("complained", pa.bool_()),
    pa.field("resolved", pa.bool_()),  # null: no complaint to resolve
    pa.field("rulebook_version", pa.string()),
])

FINDINGS = pa.schema([
    *_KEY,
    pa.field("channel", pa.string()),
    pa.field("operator_id", pa.string()),
    pa.field("operator_team", pa.string()),
    pa.field("started_at", TS),
    pa.field("rule", pa.string()),
    pa.field("name", pa.string()),
    pa.field("severity", pa.string()),  # error | warning | info
    pa.field("turn", pa.int32()),  # index in messages; null for the whole contact
    pa.field("start", pa.int32()),  # character offsets into that message's original text
    pa.field("end", pa.int32()),
    pa.field("quote", pa.string()),
    pa.field("message", pa.string()),
    pa.field("suggestion", pa.string()),
    pa.field("waived", pa.bool_()),
])

SECTIONS = pa.schema([
    *_KEY,
    pa.field("section", pa.string()),
    pa.field("title", pa.string()),
    pa.field("weight", pa.float64()),
    pa.field("score", pa.float64()),
    pa.field("failed_rules", pa.list_(pa.string())),
])

ERRORS = pa.schema([
    pa.field("source_path", pa.string()),
    pa.field("source_record", pa.int64()),
    pa.field("field", pa.string()),
    pa.field("message", pa.string()),
])

TABLES: dict[str, pa.Schema] = {"contacts": CONTACTS, "findings": FINDINGS, "sections": SECTIONS, "errors": ERRORS}
_NAMES = {name: schema.names for name, schema in TABLES.items()}


def _utc(iso: str | None) -> datetime | None:
    if not iso:
        return None
    t = datetime.fromisoformat(iso)
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC)


def _row_tuples(c: ContactReport, mask_pii: bool, rulebook_version: str | None,
                out: dict[str, list[tuple[Any, ...]]]) -> None:
    """The rows one contact adds to each table, as tuples in the order of the table's columns,
    appended to ``out``: what the JSON report (``contact_dict``) holds, without building it (its
    messages, masked or not, are no column)."""
    conv = c.conv
    mask: Callable[[str | None], str | None] | None = None
    if mask_pii:
        from .report.model import contact_masker

        mask = contact_masker(c)
    src = conv.source
    key = (src.path, src.record, conv.id) if src is not None else (None, None, conv.id)
    channel = conv.channel._value_
    op = conv.operator
    local = conv.started_at.isoformat() if conv.started_at else None
    started = _utc(local)
    findings = c.findings
    failed = sorted({f.rule for f in findings if not f.waived})
    active = sum(1 for f in findings if not f.waived)
    card = c.card
    out["contacts"].append((
        *key, channel, conv.direction._value_, conv.company, op.id, op.name, op.team, conv.client.id, started, local,
        float(c.score.total), list(c.score.critical), failed, active, len(findings) - active, c.turns,
        c.operator_turns, [code for code, _ in c.silent], [w.rule for w in c.unused_waivers],
        mask(card.client_name) if mask else card.client_name, mask(card.question) if mask else card.question,
        len(card.promises or ()), card.transfers, card.complained, card.resolved, rulebook_version,
    ))
    rows = out["findings"]
    for f in findings:
        rows.append((
            *key, channel, op.id, op.team, started, f.rule, f.name, f.severity._value_, f.turn, f.start, f.end,
            mask(f.quote) if mask else f.quote, f.message, mask(f.suggestion) if mask else f.suggestion, f.waived,
        ))
    rows = out["sections"]
    for s in c.score.sections:
        rows.append((*key, s.key, s.title, float(s.weight), float(s.score), list(s.failed)))


def report_rows(c: ContactReport, *, mask_pii: bool = False,
                rulebook_version: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The rows one contact adds to each table (what the JSON report's ``contact_dict`` holds)."""
    out: dict[str, list[tuple[Any, ...]]] = {"contacts": [], "findings": [], "sections": []}
    _row_tuples(c, mask_pii, rulebook_version, out)
    return {name: [dict(zip(_NAMES[name], row, strict=True)) for row in rows] for name, rows in out.items()}


def report_tables(reports: Iterable[ContactReport], *, mask_pii: bool = False,
                  rulebook_version: str | None = None) -> dict[str, pa.Table]:
    """The rows of several contacts as Arrow tables (contacts, findings, sections): built in the
    worker that checked them, so the writing process only appends them (``ParquetSink.add_tables``).
    Built column by column: the rows as tuples, turned into columns (≈ 4× cheaper than a dict a row)."""
    out: dict[str, list[tuple[Any, ...]]] = {"contacts": [], "findings": [], "sections": []}
    for report in reports:
        _row_tuples(report, mask_pii, rulebook_version, out)
    return {name: _columns_table(rows, TABLES[name]) for name, rows in out.items()}


def _columns_table(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    """Rows (tuples in the schema's column order) as a table: what ``to_table`` makes of them as dicts."""
    if not rows:
        return schema.empty_table()
    columns = zip(*rows, strict=True)
    return pa.Table.from_arrays([pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)],
                                schema=schema)


def error_row(e: RecordError) -> dict[str, Any]:
    return {"source_path": e.path, "source_record": e.record, "field": e.field, "message": e.message}


def to_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


class ParquetSink:
    """Writes contacts and errors as they come into ``OUT/<table>/part-<part>.parquet``.

    Existing ``*.parquet`` files in those four folders are removed first (a folder is one run).
    """

    def __init__(self, out_dir: str | Path, *, mask_pii: bool = False, rulebook_version: str | None = None,
                 batch_rows: int = 10_000, part: str = "00000", compression: str = "zstd") -> None:
        self.out = Path(out_dir)
        self.mask_pii = mask_pii
        self.rulebook_version = rulebook_version
        self.batch_rows = batch_rows
        self.compression = compression
        self.counts = dict.fromkeys(TABLES, 0)
        self._rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
        self._tables: dict[str, list[pa.Table]] = {t: [] for t in TABLES}  # built elsewhere, in order with _rows
        self._pending = dict.fromkeys(TABLES, 0)
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._part = part
        for name in TABLES:
            folder = self.out / name
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("*.parquet"):
                old.unlink()

    def add(self, item: ContactReport | RecordError) -> None:
        if isinstance(item, RecordError):
            self._push("errors", [error_row(item)])
            return
        for name, rows in report_rows(item, mask_pii=self.mask_pii, rulebook_version=self.rulebook_version).items():
            self._push(name, rows)

    def add_tables(self, tables: dict[str, pa.Table]) -> None:
        """Rows already made into tables (``report_tables``), appended as they are."""
        for name, table in tables.items():
            self._seal(name)
            self._tables[name].append(table)
            self._count(name, table.num_rows)

    def _push(self, name: str, rows: list[dict[str, Any]]) -> None:
        self._rows[name].extend(rows)
        self._count(name, len(rows))

    def _count(self, name: str, n: int) -> None:
        self.counts[name] += n
        self._pending[name] += n
        if self._pending[name] >= self.batch_rows:
            self._flush(name)

    def _seal(self, name: str) -> None:
        """Rows added one contact at a time become a table, keeping their place among the tables."""
        buf = self._rows[name]
        if buf:
            self._tables[name].append(to_table(buf, TABLES[name]))
            buf.clear()

    def _flush(self, name: str) -> None:
        self._seal(name)
        parts = self._tables[name]
        writer = self._writers.get(name)
        if writer is None:
            path = self.out / name / f"part-{self._part}.parquet"
            writer = self._writers[name] = pq.ParquetWriter(path, TABLES[name], compression=self.compression)
        if parts:
            writer.write_table(pa.concat_tables(parts))  # one row group, however many parts
        parts.clear()
        self._pending[name] = 0

    def close(self) -> dict[str, int]:
        """Flush and close; every table gets its file (empty ones too, so queries never miss one)."""
        for name in TABLES:
            self._flush(name)
            self._writers.pop(name).close()
        return dict(self.counts)

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._writers or any(self._rows.values()) or any(self._tables.values()):
            self.close()


def write_parquet(items: Iterable[ContactReport | RecordError], out_dir: str | Path, *, mask_pii: bool = False,
                  rulebook_version: str | None = None) -> dict[str, int]:
    """Write a run (what ``Engine.check_many`` yields) as Parquet; returns the rows per table."""
    sink = ParquetSink(out_dir, mask_pii=mask_pii, rulebook_version=rulebook_version)
    for item in items:
        sink.add(item)
    return sink.close()


def read_table(out_dir: str | Path, name: str) -> pa.Table:
    """One table of an export (every part file), for tests and quick looks."""
    folder = Path(out_dir) / name
    parts = sorted(folder.glob("*.parquet"))
    if not parts:
        return TABLES[name].empty_table()
    return pa.concat_tables([pq.read_table(p, schema=TABLES[name]) for p in parts])
