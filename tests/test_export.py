"""Parquet export: flat schemas, the same content as the JSON report, streaming, masking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow")

from vezhlivo.engine import ContactReport, Engine
from vezhlivo.errors import RecordError
from vezhlivo.export import CONTACTS, FINDINGS, SECTIONS, TABLES, ParquetSink, read_table, write_parquet
from vezhlivo.ingest import read_paths
from vezhlivo.report.model import contact_dict

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MALFORMED = Path(__file__).parent / "fixtures" / "malformed.jsonl"


@pytest.fixture(scope="module")
def run() -> list[ContactReport | RecordError]:
    return list(Engine().check_many(read_paths([EXAMPLES, MALFORMED])))


def test_tables_match_the_json_report(run: list[ContactReport | RecordError], tmp_path: Path) -> None:
    counts = write_parquet(run, tmp_path, rulebook_version="v-test")
    reports = [contact_dict(r) for r in run if isinstance(r, ContactReport)]
    errors = [r for r in run if isinstance(r, RecordError)]
    assert counts == {"contacts": len(reports), "findings": sum(len(r["findings"]) for r in reports),
                      "sections": sum(len(r["sections"]) for r in reports), "errors": len(errors)}
    contacts = read_table(tmp_path, "contacts")
    assert contacts.schema.equals(CONTACTS)
    rows = contacts.to_pylist()
    for row, rep in zip(rows, reports, strict=True):
        assert (row["contact_id"], row["source_path"], row["source_record"]) == (
            rep["id"], rep["source"]["path"], rep["source"]["record"])
        assert row["score"] == rep["score"]
        assert row["findings"] + row["waived"] == len(rep["findings"])
        assert row["rulebook_version"] == "v-test"
        assert row["started_at_local"] == rep["started_at"]
    findings = read_table(tmp_path, "findings")
    assert findings.schema.equals(FINDINGS)
    expected = [(r["id"], f["rule"], f["turn"], f["start"], f["quote"], f["waived"])
                for r in reports for f in r["findings"]]
    got = [(f["contact_id"], f["rule"], f["turn"], f["start"], f["quote"], f["waived"]) for f in findings.to_pylist()]
    assert got == expected
    assert read_table(tmp_path, "sections").schema.equals(SECTIONS)
    err = read_table(tmp_path, "errors").to_pylist()
    assert [(e["source_path"], e["source_record"], e["message"]) for e in err] == [
        (e.path, e.record, e.message) for e in errors]


def test_schemas_are_flat() -> None:
    import pyarrow as pa

    for schema in TABLES.values():
        for field in schema:
            t = field.type
            assert not pa.types.is_struct(t) and not pa.types.is_map(t), field
            if pa.types.is_list(t):
                assert pa.types.is_string(t.value_type), field


def test_masking_and_a_second_run_replaces_the_first(run: list[ContactReport | RecordError], tmp_path: Path) -> None:
    write_parquet(run, tmp_path)
    write_parquet([r for r in run if isinstance(r, ContactReport)][:3], tmp_path, mask_pii=True)
    contacts = read_table(tmp_path, "contacts").to_pylist()
    assert len(contacts) == 3
    assert read_table(tmp_path, "errors").num_rows == 0  # an empty table still has its file
    masked = [contact_dict(r, mask_pii=True) for r in run if isinstance(r, ContactReport)][:3]
    assert [c["client_name"] for c in contacts] == [m["card"]["client_name"] for m in masked]
    quotes = [f["quote"] for f in read_table(tmp_path, "findings").to_pylist()]
    assert quotes == [f["quote"] for m in masked for f in m["findings"]]


def test_sink_writes_row_groups_as_it_goes(run: list[ContactReport | RecordError], tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    with ParquetSink(tmp_path, batch_rows=5) as sink:
        for item in run:
            sink.add(item)
    meta = pq.ParquetFile(next((tmp_path / "contacts").glob("*.parquet"))).metadata
    assert meta.num_row_groups >= 4
    assert read_table(tmp_path, "contacts").num_rows == sum(isinstance(r, ContactReport) for r in run)


def _rows(out: Path, name: str) -> list[str]:
    """A table's rows in a canonical order: parallel runs write contacts as they are done."""
    return sorted(repr(sorted(row.items())) for row in read_table(out, name).to_pylist())


def test_tables_built_in_workers_equal_rows_added_one_by_one(run: list[ContactReport | RecordError],
                                                             tmp_path: Path) -> None:
    from vezhlivo.export import report_tables

    reports = [r for r in run if isinstance(r, ContactReport)]
    write_parquet(run, tmp_path / "one")
    with ParquetSink(tmp_path / "tables", batch_rows=7) as sink:
        sink.add(reports[0])  # rows of single contacts and whole tables mix, in order
        for i in range(1, len(reports), 4):
            sink.add_tables(report_tables(reports[i:i + 4]))
        for item in run:
            if isinstance(item, RecordError):
                sink.add(item)
    for name in TABLES:
        assert read_table(tmp_path / "tables", name).to_pylist() == read_table(tmp_path / "one", name).to_pylist()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_to_parquet_equals_the_engine_run(run: list[ContactReport | RecordError], tmp_path: Path,
                                                jobs: str) -> None:
    from typer.testing import CliRunner

    from vezhlivo.cli import app
    from vezhlivo.rulebook import load_rulebook

    write_parquet(run, tmp_path / "engine", rulebook_version=load_rulebook().version)
    result = CliRunner().invoke(app, ["check", str(EXAMPLES), str(MALFORMED), "-f", "parquet",
                                      "-o", str(tmp_path / "cli"), "-j", jobs])
    assert "written to" in result.output, result.output
    for name in TABLES:
        assert _rows(tmp_path / "cli", name) == _rows(tmp_path / "engine", name)
    assert read_table(tmp_path / "cli", "errors").num_rows > 0  # the malformed records are reported, not lost


def _rows_of_the_json_report(c: ContactReport, mask_pii: bool, version: str | None) -> dict[str, list[dict[str, Any]]]:
    """The rows as they were first made: from the JSON report (``contact_dict``) of the contact."""
    from vezhlivo.export import _utc

    d = contact_dict(c, mask_pii)
    src = d["source"] or {"path": None, "record": None}
    key = {"source_path": src["path"], "source_record": src["record"], "contact_id": d["id"]}
    op, card, started = d["operator"], d["card"], _utc(d["started_at"])
    active = [f for f in d["findings"] if not f["waived"]]
    contact = {
        **key, "channel": d["channel"], "direction": d["direction"], "company": c.conv.company,
        "operator_id": op["id"], "operator_name": op["name"], "operator_team": op["team"],
        "client_id": c.conv.client.id, "started_at": started, "started_at_local": d["started_at"],
        "score": float(d["score"]), "critical": d["critical"],
        "failed_rules": sorted({f["rule"] for f in active}), "findings": len(active),
        "waived": len(d["findings"]) - len(active), "turns": d["turns"], "operator_turns": d["operator_turns"],
        "silent_rules": [s["rule"] for s in d["silent"]], "unused_waivers": [w["rule"] for w in d["unused_waivers"]],
        "client_name": card["client_name"], "question": card["question"], "promises": len(card["promises"]),
        "transfers": card["transfers"], "complained": card["complained"], "resolved": card["resolved"],
        "rulebook_version": version,
    }
    findings = [{**key, "channel": d["channel"], "operator_id": op["id"], "operator_team": op["team"],
                 "started_at": started, **{k: f[k] for k in ("rule", "name", "severity", "turn", "start", "end",
                                                              "quote", "message", "suggestion", "waived")}}
                for f in d["findings"]]
    sections = [{**key, "section": s["section"], "title": s["title"], "weight": float(s["weight"]),
                 "score": float(s["score"]), "failed_rules": s["failed"]} for s in d["sections"]]
    return {"contacts": [contact], "findings": findings, "sections": sections}


def _typed(rows: list[dict[str, Any]]) -> list[list[tuple[str, str, Any]]]:
    return [[(k, type(v).__name__, v) for k, v in row.items()] for row in rows]


@pytest.mark.parametrize("mask_pii", [False, True])
def test_rows_and_tables_hold_what_the_json_report_holds(run: list[ContactReport | RecordError],
                                                         mask_pii: bool) -> None:
    """``report_rows`` and ``report_tables`` build the rows without the JSON report: the same
    values, of the same types, in the same column order, as the rows made from it."""
    import pyarrow as pa

    from vezhlivo.export import report_rows, report_tables

    reports = [r for r in run if isinstance(r, ContactReport)]
    expected: dict[str, list[dict[str, Any]]] = {"contacts": [], "findings": [], "sections": []}
    for r in reports:
        rows = report_rows(r, mask_pii=mask_pii, rulebook_version="v-test")
        reference = _rows_of_the_json_report(r, mask_pii, "v-test")
        for name in expected:
            assert _typed(rows[name]) == _typed(reference[name])
            expected[name].extend(reference[name])
    for chunk in (reports, reports[:1], reports[:0]):
        tables = report_tables(chunk, mask_pii=mask_pii, rulebook_version="v-test")
        for name, table in tables.items():
            rows = [row for r in chunk for row in _rows_of_the_json_report(r, mask_pii, "v-test")[name]]
            reference_table = pa.Table.from_pylist(rows, schema=TABLES[name])
            assert table.schema.equals(TABLES[name], check_metadata=True)
            assert table.equals(reference_table), name
    assert sum(len(v) for v in expected.values()) > len(reports)
