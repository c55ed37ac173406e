"""-j N and the two-pass streaming reader give exactly what Engine.check_many gives, in its order."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vezhlivo.engine import ContactReport, Engine
from vezhlivo.errors import RecordError
from vezhlivo.ingest import read_paths
from vezhlivo.model import Conversation
from vezhlivo.parallel import KeyLinker, check_parallel, plan
from vezhlivo.report.model import contact_dict
from vezhlivo.stream import stream_check, stream_converted

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MALFORMED = Path(__file__).parent / "fixtures" / "malformed.jsonl"


@dataclass(frozen=True, slots=True)
class _Tagged(Conversation):
    """A subclass with a field of its own (at module level, so that pickle finds it)."""

    tag: str = ""


def linked_corpus(path: Path, n: int = 48, seed: int = 7, people_count: int = 6,
                  forms: tuple[str, ...] = ("id", "phone", "email", "id+phone", "none"), broken: bool = True) -> Path:
    """The examples again and again, their clients shuffled among a few people known by id, phone
    or e-mail in different contacts (so groups link through different keys), times spread out."""
    rnd = random.Random(seed)
    base = [json.loads(line) for f in sorted(EXAMPLES.glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    people = [{"id": f"p{i}", "phone": f"+7 916 000-00-{i:02d}", "email": f"p{i}@example.ru"}
              for i in range(people_count)]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            obj = json.loads(json.dumps(base[i % len(base)]))
            obj["id"] = f"{obj['id']}-{i}"
            who = rnd.choice(people)
            form = rnd.choice(forms)
            client = dict(obj.get("client") or {})
            client.update({"id": None, "phone": None, "email": None})
            if form != "none":
                for key in form.split("+"):
                    client[key] = who[key]
            obj["client"] = client
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
        if broken:
            fh.write("{broken json\n")
    return path


def as_dicts(items: Any) -> list[Any]:
    return [contact_dict(i) if isinstance(i, ContactReport) else i for i in items]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    path = linked_corpus(tmp_path_factory.mktemp("par") / "linked.jsonl")
    return [path, EXAMPLES, MALFORMED]


@pytest.fixture(scope="module")
def reference(engine: Engine, corpus: list[Path]) -> list[Any]:
    return as_dicts(engine.check_many(read_paths(corpus)))


def test_linker_joins_contacts_through_any_shared_key() -> None:
    linker = KeyLinker()
    for keys in (["id:a"], ["tel:1"], ["id:a", "tel:1"], [], ["mail:x"], ["mail:x", "id:b"], ["id:b"]):
        linker.add(keys)
    assert linker.groups() == [0, 0, 0, 3, 4, 4, 4]


def test_plan_keeps_groups_whole_and_in_order() -> None:
    tasks = plan([0, 0, 2, 0, 4, 2, 6], chunk=2)
    assert tasks == [[[0, 1, 3]], [[2, 5]], [[4], [6]]]


def test_history_links_exist_in_the_corpus(reference: list[Any]) -> None:
    # the corpus must exercise history: promise keeping (S3) judged from a later contact
    reports = [r for r in reference if isinstance(r, dict)]
    assert len(reports) > 40
    assert any(isinstance(r, RecordError) for r in reference)


@pytest.mark.parametrize("jobs", [1, 2])
def test_check_parallel_equals_check_many(engine: Engine, corpus: list[Path], reference: list[Any],
                                          jobs: int) -> None:
    seen: list[tuple[int, int]] = []
    got = as_dicts(check_parallel(engine, read_paths(corpus), jobs=jobs, chunk=4,
                                  progress=lambda d, t: seen.append((d, t))))
    assert got == reference
    total = sum(1 for r in reference if isinstance(r, dict))
    assert seen[-1] == (total, total)


@pytest.mark.parametrize("jobs", [1, 2])
def test_stream_check_equals_check_many(engine: Engine, corpus: list[Path], reference: list[Any], jobs: int) -> None:
    assert as_dicts(stream_check(engine, corpus, jobs=jobs)) == reference


def test_unordered_stream_gives_the_same_reports(engine: Engine, corpus: list[Path], reference: list[Any]) -> None:
    got = as_dicts(stream_check(engine, corpus, jobs=2, ordered=False))

    def key(r: Any) -> str:
        return json.dumps(r, ensure_ascii=False, sort_keys=True, default=str)

    assert sorted(map(key, got)) == sorted(map(key, reference))


def json_reports(reports: list[ContactReport]) -> list[str]:
    """A converter run in the worker (module level, so that it pickles)."""
    return [json.dumps(contact_dict(r), ensure_ascii=False, sort_keys=True, default=str) for r in reports]


@pytest.mark.parametrize("jobs", [1, 2])
def test_converted_in_workers_equal_the_reports(engine: Engine, corpus: list[Path], reference: list[Any],
                                                jobs: int) -> None:
    seen: list[tuple[int, int]] = []
    items = list(stream_converted(engine, corpus, json_reports, jobs=jobs, progress=lambda d, t: seen.append((d, t))))
    errors = [i for i in items if isinstance(i, RecordError)]
    converted = [r for i in items if not isinstance(i, RecordError) for r in i]
    assert errors == [r for r in reference if isinstance(r, RecordError)]
    expected = [json.dumps(r, ensure_ascii=False, sort_keys=True, default=str)
                for r in reference if not isinstance(r, RecordError)]
    assert sorted(converted) == sorted(expected)
    assert len(items) - len(errors) > 1  # several tasks, so -j 2 really ran on two workers
    assert seen[-1] == (len(expected), len(expected))


def test_stream_reads_arrays_and_utf16_through_a_spill(engine: Engine, tmp_path: Path) -> None:
    lines = [line for line in (EXAMPLES / "chats.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    array = tmp_path / "array.json"
    array.write_text("[" + ",\n".join(lines) + "]", encoding="utf-8")
    utf16 = tmp_path / "wide.jsonl"
    utf16.write_text("\n".join(lines) + "\n", encoding="utf-16")
    cp = tmp_path / "old.jsonl"
    cp.write_bytes(("\n".join(lines[:2]) + "\n").encode("cp1251", errors="replace"))
    paths = [array, utf16, cp, tmp_path / "missing.jsonl"]
    reference = as_dicts(engine.check_many(read_paths(paths)))
    assert sum(isinstance(r, dict) for r in reference) >= 2 * len(lines)
    assert as_dicts(stream_check(engine, paths, jobs=2)) == reference


def _same(a: Any, b: Any) -> None:
    """Equal field for field, of the same types; times with the same offset, zone name and fold."""
    from dataclasses import fields, is_dataclass
    from datetime import datetime

    assert type(a) is type(b)
    if is_dataclass(a):
        for f in fields(a):
            _same(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    else:
        assert a == b and repr(a) == repr(b)
        if isinstance(a, datetime):
            assert (a.isoformat(), a.tzname(), a.fold) == (b.isoformat(), b.tzname(), b.fold)


def test_model_pickles_field_for_field() -> None:
    """The model's own ``__reduce__`` (spill file, workers): every field comes back, timestamps
    with their own offset and zone name (timezones shared only where equal in both)."""
    import pickle
    from dataclasses import fields
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from vezhlivo.model import Channel, Client, Direction, Event, Message, Operator, Role, Source, Waiver

    msk, named = timezone(timedelta(hours=3)), timezone(timedelta(hours=3), "MSK")
    t = datetime(2026, 3, 1, 10, 0, 5, 123, tzinfo=msk)
    messages = (
        Message(0, Role.CLIENT, "Здравствуйте", t, 0.5, 1.5, None, "Ольга"),
        Message(1, Role.OPERATOR, "Добрый день", t.replace(tzinfo=named), author="op"),
        Message(2, Role.SYSTEM, "", t.replace(tzinfo=timezone(timedelta(hours=3))), event=Event.TRANSFER),
        Message(3, Role.OPERATOR, "…", datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=ZoneInfo("Europe/London"))),
        Message(4, Role.CLIENT, "naive", datetime(2026, 3, 1, 10, 1)),
        Message(5, Role.CLIENT, "fold", t.replace(fold=1, tzinfo=timezone(timedelta(hours=3)))),
        Message(6, Role.CLIENT),
    )
    full = Conversation("c1", Channel.PHONE, messages, Direction.OUTGOING, "ООО Ромашка", Operator("o1", "Анна", "A"),
                        Client("k1", "Ольга", "Петровна", "+7 916 000-00-01", "o@example.ru"),
                        datetime(2026, 3, 1, 9, 59, tzinfo=timezone(timedelta(hours=5, minutes=30))), 12.5,
                        Role.CLIENT, (Waiver("R1", "ok", "sup"), Waiver("R2")), Source("f.jsonl", 7))
    bare = Conversation("c2", Channel.CHAT, ())
    assert len(full.__reduce__()[1]) == len(fields(Conversation))
    assert len(full.__reduce__()[1][2][0]) == len(fields(Message))
    for conv in (full, bare):
        back = pickle.loads(pickle.dumps(conv, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == conv
        _same(back, conv)
    for obj in (*messages, full.operator, full.client, *full.waivers, full.source):
        assert len(obj.__reduce__()[1]) == len(fields(obj))
        _same(pickle.loads(pickle.dumps(obj)), obj)


def test_a_subclass_of_conversation_pickles_its_own_fields() -> None:
    import pickle

    from vezhlivo.model import Channel

    back = pickle.loads(pickle.dumps(_Tagged("c", Channel.CHAT, (), tag="x")))
    assert type(back) is _Tagged and back == _Tagged("c", Channel.CHAT, (), tag="x")


def test_terminal_progress_is_off_when_piped_and_a_callback_when_asked() -> None:
    from vezhlivo.parallel import terminal_progress

    with terminal_progress(enabled=False) as bar:
        assert bar is None
    with terminal_progress(enabled=True) as bar:
        assert bar is not None
        bar(1, 2)
        bar(2, 2)


def _jsonl_inputs(tmp_path: Path) -> list[Path]:
    """JSONL files with what line-by-line reading must keep: a BOM, blank and broken lines, a record
    without messages, a cp1251 line, a line that is no text, no newline at the end; and a folder."""
    lines = [line for f in sorted(EXAMPLES.glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    first = tmp_path / "a.jsonl"
    empty = json.dumps({"id": "empty", "channel": "chat", "messages": []})
    first.write_bytes(b"\xef\xbb\xbf" + "\n".join([*lines[:5], "", "{broken", empty, *lines[5:]]).encode())
    folder = tmp_path / "day"
    folder.mkdir()
    (folder / "b.jsonl").write_bytes(("\n".join(lines[:3]) + "\n").encode("cp1251", errors="replace")
                                     + b"\xff\xfe\x00 not text\n" + "\n".join(lines[3:9]).encode())
    (folder / "c.ndjson").write_text("\n".join(lines * 2) + "\n", encoding="utf-8")
    return [first, folder]


@pytest.mark.parametrize("piece_bytes", [1, 700, 5_000, 1 << 20])
def test_line_pieces_read_what_read_paths_reads(tmp_path: Path, piece_bytes: int) -> None:
    from vezhlivo.ingest import line_pieces

    paths = _jsonl_inputs(tmp_path)
    pieces = line_pieces(paths, piece_bytes=piece_bytes)
    assert pieces is not None
    if piece_bytes == 1:
        assert len(pieces) > 60  # a piece a line
    read = [item for p in pieces for item in p.read()]
    assert read == list(read_paths(paths))
    assert {i.field for i in read if isinstance(i, RecordError)} >= {None, "messages"}


def test_line_pieces_leave_other_inputs_to_read_paths(tmp_path: Path) -> None:
    from vezhlivo.ingest import ReadOptions, line_pieces

    lines = (EXAMPLES / "chats.jsonl").read_text(encoding="utf-8")
    array = tmp_path / "array.json"
    array.write_text("[" + ",\n".join(line for line in lines.splitlines() if line.strip()) + "]", encoding="utf-8")
    wide = tmp_path / "wide.jsonl"
    wide.write_text(lines, encoding="utf-16")
    plain = tmp_path / "plain.jsonl"
    plain.write_text(lines, encoding="utf-8")
    assert line_pieces([plain]) is not None
    for other in ([array], [wide], [plain, tmp_path / "missing.jsonl"], [plain, EXAMPLES / "rulebook.yaml"]):
        assert line_pieces(other) is None, other
    assert line_pieces([plain], ReadOptions(format="telegram")) is None


@pytest.mark.parametrize("jobs", [1, 2])
def test_stream_with_jsonl_read_in_parallel_pieces_equals_check_many(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    import vezhlivo.stream as stream

    paths = [linked_corpus(tmp_path / "linked.jsonl"), *_jsonl_inputs(tmp_path)]
    reference = as_dicts(engine.check_many(read_paths(paths)))
    monkeypatch.setattr(stream, "PIECE_BYTES", 3_000)
    monkeypatch.setattr(stream, "PARALLEL_READ_BYTES", 0)
    built: list[int] = []
    real = stream.build_index_parallel
    monkeypatch.setattr(stream, "build_index_parallel",
                        lambda pieces, *a: built.append(len(pieces)) or real(pieces, *a))
    warmed: list[int] = []  # contacts this process checked to warm up while the others read
    real_warm = stream._warm
    monkeypatch.setattr(stream, "_warm", lambda e, piece: warmed.append(
        sum(1 for _ in piece.read())) or real_warm(e, piece))
    assert as_dicts(stream_check(engine, paths, jobs=jobs)) == reference
    assert (built[0] > 10) if jobs == 2 else not built  # one process reads it all itself
    assert (warmed and warmed[0] > 0) if jobs == 2 else not warmed  # the workers forked from a warm engine


@pytest.mark.parametrize("parallel", [False, True])
def test_reading_hears_how_many_records_pass_1_has_read(engine: Engine, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch, parallel: bool) -> None:
    import vezhlivo.stream as stream

    path = linked_corpus(tmp_path / "linked.jsonl", n=250)
    records = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    if parallel:
        monkeypatch.setattr(stream, "PIECE_BYTES", 20_000)
        monkeypatch.setattr(stream, "PARALLEL_READ_BYTES", 0)
    heard: list[int] = []
    checked: list[int] = []
    items = stream_converted(engine, [path], json_reports, jobs=2, reading=heard.append,
                             progress=lambda done, total: checked.append(done))
    first = next(items)
    assert heard and heard[-1] == records  # all of pass 1 is heard before anything comes out
    assert heard == sorted(heard) and len(heard) >= 3
    rest = [first, *items]
    assert sum(len(i) for i in rest if not isinstance(i, RecordError)) == records - 1  # one broken line
    assert checked[-1] == records - 1
