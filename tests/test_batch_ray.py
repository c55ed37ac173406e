"""`vezhlivo batch` on a local Ray (2 CPUs): the same Parquet as a local run, row for row."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow")
ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from test_parallel import linked_corpus  # noqa: E402
from vezhlivo.engine import Engine  # noqa: E402
from vezhlivo.export import TABLES, read_table, write_parquet  # noqa: E402
from vezhlivo.ingest import read_paths  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MALFORMED = Path(__file__).parent / "fixtures" / "malformed.jsonl"


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield
    finally:
        ray.shutdown()


def _rows(out: Path, name: str) -> list[dict[str, Any]]:
    rows = read_table(out, name).to_pylist()

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        return (r["source_path"], r["source_record"] or 0, r.get("turn") if r.get("turn") is not None else -1,
                r.get("start") or 0, r.get("rule") or "", r.get("section") or "", r.get("message") or "")

    return sorted(rows, key=key)


def test_batch_on_local_ray_equals_the_local_run(local_ray: None, tmp_path: Path) -> None:
    from vezhlivo.batch import run_batch

    data = tmp_path / "in"
    data.mkdir()
    linked_corpus(data / "linked.jsonl", n=40, seed=3, people_count=5, forms=("id", "phone", "email", "id+phone"),
                  broken=False)
    (data / "bad.jsonl").write_bytes(MALFORMED.read_bytes())
    lines = [line for line in (EXAMPLES / "emails.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    (data / "array.json").write_text("[" + ",\n".join(lines) + "]", encoding="utf-8")
    (data / "wide.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-16")
    inputs = [str(data), str(EXAMPLES / "chats.jsonl")]

    engine = Engine()
    local = tmp_path / "local"
    write_parquet(engine.check_many(read_paths([Path(p) for p in inputs])), local,
                  rulebook_version=engine.rulebook.version)
    remote = tmp_path / "ray"
    result = run_batch(inputs, str(remote), rulebook=engine.rulebook)

    assert result.contacts == read_table(local, "contacts").num_rows > 40
    assert result.errors == read_table(local, "errors").num_rows > 0
    for name in TABLES:
        assert read_table(remote, name).schema.equals(TABLES[name])
        assert _rows(remote, name) == _rows(local, name), name


def test_batch_reads_parquet_input(local_ray: None, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vezhlivo.batch import run_batch

    lines = [line for line in (EXAMPLES / "chats.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    src = tmp_path / "chats.parquet"
    pq.write_table(pa.table({"json": lines}), src)
    out = tmp_path / "out"
    result = run_batch([str(src)], str(out))
    assert result.contacts == len(lines)
    ids = [r["contact_id"] for r in _rows(out, "contacts")]
    assert ids == [json.loads(line)["id"] for line in lines]
