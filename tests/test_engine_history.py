"""A contact's history and future in ``Engine.check_many``: every other contact of the same client
(sharing any of id, phone or e-mail), earlier or later in time, in time order — listed only when read."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from test_parallel import linked_corpus
from vezhlivo.engine import ContactReport, Engine, Related, _sort_key, client_keys
from vezhlivo.ingest import read_paths
from vezhlivo.model import Conversation
from vezhlivo.nlp.annotate import Annotated


class _Recording(Engine):
    """Keeps what each contact was given as history and future (as contact ids), then checks as usual."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, tuple[list[str], list[str]]] = {}

    def check(self, conv: Conversation, history: Iterable[Annotated] = (), future: Iterable[Annotated] = (),
              ann: Annotated | None = None, with_card: bool = True) -> ContactReport:
        self.seen[conv.id] = ([a.conv.id for a in history], [a.conv.id for a in future])
        return super().check(conv, history, future, ann, with_card)


def _expected(convs: list[Conversation]) -> dict[str, tuple[list[str], list[str]]]:
    order = sorted(convs, key=_sort_key)  # stable: equal times keep the input order
    out = {}
    for c in convs:
        keys = set(client_keys(c))
        mine = [g for g in order if g is not c and keys & set(client_keys(g))]
        pos = order.index(c)
        out[c.id] = ([g.id for g in mine if order.index(g) < pos], [g.id for g in mine if order.index(g) > pos])
    return out


def test_history_and_future_are_the_clients_other_contacts_in_time_order(tmp_path: Path) -> None:
    path = linked_corpus(tmp_path / "linked.jsonl", n=60, people_count=4, broken=False)
    convs = [c for c in read_paths([path]) if isinstance(c, Conversation)]
    engine = _Recording()
    list(engine.check_many(convs))
    want = _expected(convs)
    assert engine.seen == want
    # the corpus links contacts through one key and through several
    assert sum(1 for h, f in want.values() if h and f) > 20
    assert any(len(client_keys(c)) > 1 for c in convs) and any(len(client_keys(c)) == 1 for c in convs)


def test_related_contacts_are_listed_only_when_read() -> None:
    calls: list[int] = []

    def make() -> list[Any]:
        calls.append(1)
        return ["a", "b"]

    related = Related(make)
    assert calls == []
    assert len(related) == 2 and list(related) == ["a", "b"] and related[-1] == "b" and bool(related)
    assert calls == [1]  # listed once
    assert not Related(list)


def test_one_id_many_phones_and_a_phone_of_two_ids() -> None:
    """A client's id with another phone on every call (one list serves them all: no list per key set),
    and a phone shared by two ids (their union is that contact's history)."""
    from vezhlivo.ingest.canonical import parse_conversation

    def call(i: int, client: dict[str, Any]) -> Conversation:
        return parse_conversation({"id": f"c{i}", "channel": "phone", "direction": "outgoing", "client": client,
                                   "started_at": f"2026-11-{1 + i % 28:02d}T10:00:00+03:00",
                                   "messages": [{"role": "operator", "text": "Здравствуйте!", "start": 0, "end": 1}]})

    convs = [call(i, {"id": "same", "phone": f"+7 916 000-00-{i:02d}"}) for i in range(40)]
    convs += [call(40, {"id": "other", "phone": "+7 916 000-00-05"}), call(41, {"id": "other"}),
              call(42, {"phone": "+7 916 000-00-05"})]
    engine = _Recording()
    list(engine.check_many(convs))
    assert engine.seen == _expected(convs)
    assert len(engine.seen["c7"][0]) + len(engine.seen["c7"][1]) == 39  # every other call of «same»
    history, future = engine.seen["c40"]
    assert {*history, *future} == {"c41", "c42", "c5"}  # through its id and its shared phone
