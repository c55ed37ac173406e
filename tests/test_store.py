"""The store on SQLite and PostgreSQL: contacts, history across stored contacts, scopes, disputes."""

from __future__ import annotations

from typing import Any

import pytest

from vezhlivo.engine import Engine
from vezhlivo.ingest.canonical import parse_conversation
from vezhlivo.rulebook import load_rulebook
from vezhlivo.rules.examples import EXAMPLE_RULEBOOK
from vezhlivo.store.repo import AccessDenied, Filters, NotFound, Scope, Store

ENGINE = Engine(load_rulebook(overrides=EXAMPLE_RULEBOOK))


def chat(cid: str, operator: str, team: str, text: str, day: str = "2026-11-20", phone: str = "+7 916 000-00-01",
         **extra: Any) -> Any:
    return parse_conversation({
        "id": cid, "channel": "chat", "direction": "incoming", "company": "Интернет-магазин Kid Mir",
        "operator": {"id": operator, "name": operator.title(), "team": team},
        "client": {"name": "Наталья", "phone": phone}, "started_at": f"{day}T10:00:00+03:00",
        "messages": [
            {"role": "client", "text": "Здравствуйте! Где мой заказ?", "ts": f"{day}T10:00:00+03:00"},
            {"role": "operator", "text": text, "ts": f"{day}T10:00:20+03:00"}], **extra})


@pytest.fixture
def store(db_url: str) -> Store:
    s = Store(db_url)
    s.ingest([
        chat("a1", "op-a", "t1", "Я не знаю, где он.", "2026-11-20", "+7 916 000-00-01"),
        chat("a2", "op-a", "t1", "Интернет-магазин Kid Mir, Ахмед, здравствуйте! Сейчас проверю.", "2026-11-21",
             "+7 916 000-00-02"),
        chat("b1", "op-b", "t1", "Не знаю.", "2026-11-21", "+7 916 000-00-03"),
        chat("c1", "op-c", "t2", "Я не знаю.", "2026-11-22", "+7 916 000-00-04"),
    ], ENGINE)
    return s


def test_migrations_are_idempotent(db_url: str) -> None:
    Store(db_url)
    Store(db_url)  # a second start on the same database changes nothing


def test_list_filters_and_scopes(store: Store) -> None:
    admin = Scope("admin", "root")
    total, rows = store.list_contacts(admin, Filters())
    assert total == 4 and {r.external_id for r in rows} == {"a1", "a2", "b1", "c1"}
    assert store.list_contacts(admin, Filters(rule="F1"))[0] == 3
    assert {r.external_id for r in store.list_contacts(admin, Filters(team="t1"))[1]} == {"a1", "a2", "b1"}
    from datetime import date

    assert store.list_contacts(admin, Filters(since=date(2026, 11, 21), until=date(2026, 11, 21)))[0] == 2
    low = store.list_contacts(admin, Filters(max_score=99.9))[1]
    assert all(r.score <= 99.9 for r in low) and "a1" in {r.external_id for r in low}

    op_a = Scope("operator", "anna", operator_id="op-a")
    assert {r.external_id for r in store.list_contacts(op_a, Filters())[1]} == {"a1", "a2"}
    assert store.list_contacts(op_a, Filters(operator="op-b"))[0] == 0
    with pytest.raises(NotFound):
        store.contact(op_a, "b1")
    sup = Scope("supervisor", "sveta", team="t1")
    assert {r.external_id for r in store.list_contacts(sup, Filters())[1]} == {"a1", "a2", "b1"}
    with pytest.raises(NotFound):
        store.contact(sup, "c1")


def test_aggregates_by_operator_team_and_day(store: Store) -> None:
    admin = Scope("admin", "root")
    ops = {o["operator"]: o for o in store.aggregates(admin, "operator", Filters())}
    assert ops["op-a"]["contacts"] == 2 and ops["op-c"]["contacts"] == 1
    assert ops["op-a"]["top_rules"][0]["rule"] in {r.rule for c in store.list_contacts(
        admin, Filters(operator="op-a"))[1] for r in c.findings}
    days = [d["day"] for d in store.aggregates(admin, "day", Filters())]
    assert days == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert {t["team"] for t in store.aggregates(Scope("supervisor", "s", team="t2"), "team", Filters())} == {"t2"}
    with pytest.raises(ValueError):
        store.aggregates(admin, "colour", Filters())


def test_dispute_upheld_changes_the_score_and_rates(store: Store) -> None:
    rb = ENGINE.rulebook
    op_a, op_b = Scope("operator", "anna", operator_id="op-a"), Scope("operator", "boris", operator_id="op-b")
    sup = Scope("supervisor", "sveta", team="t1")
    contact = store.contact(op_a, "a1")
    f1 = next(f for f in contact.findings if f.rule == "F1")
    before = contact.score
    with pytest.raises(NotFound):
        store.open_dispute(op_b, f1.id, "not mine")  # another operator cannot even see it
    d = store.open_dispute(op_a, f1.id, "Клиент сам просил не уточнять")
    with pytest.raises(AccessDenied):
        store.decide_dispute(op_a, d.id, True, "", rb)
    store.decide_dispute(sup, d.id, True, "Согласна", rb)
    after = store.contact(sup, "a1")
    assert after.score > before and after.auto_score == before
    [rate] = [r for r in store.dispute_rates() if r["rule"] == "F1"]
    assert rate["disputed"] == 1 and rate["upheld"] == 1 and rate["findings"] == 3
    [example] = store.upheld_examples()
    assert example["rule"] == "F1" and example["example"] == {"text": "Я не знаю, где он."}
    store.reanalyse(ENGINE)  # re-scoring keeps the supervisor's decision
    assert store.contact(sup, "a1").score == after.score


def test_manual_scores_and_calibration(store: Store) -> None:
    rb = ENGINE.rulebook
    sup = Scope("supervisor", "sveta", team="t1")
    store.add_manual_score(sup, "a1", ["F1"], rb)
    store.add_manual_score(sup, "b1", [], rb)
    with pytest.raises(ValueError):
        store.add_manual_score(sup, "a2", ["Z9"], rb)
    with pytest.raises(AccessDenied):
        store.add_manual_score(Scope("operator", "anna", operator_id="op-a"), "a1", [], rb)
    cal = store.calibration(sup)
    assert cal["scored_by_hand"] == 2
    f1 = next(r for r in cal["rules"] if r["rule"] == "F1")
    assert (f1["both"], f1["auto_only"]) == (1, 1)  # b1 «Не знаю.» is F1 to the machine, not to this person


def test_checking_a_stored_contact_again_keeps_what_people_added_to_it(store: Store) -> None:
    """A supervisor's score by hand and an operator's open dispute outlive a re-analysis, a later
    contact of the same client (which re-checks the earlier ones) and a new rulebook; the finding
    disputed keeps its id. A finding the new rulebook no longer makes goes, with its dispute."""
    rb = ENGINE.rulebook
    sup, op_a = Scope("supervisor", "sveta", team="t1"), Scope("operator", "anna", operator_id="op-a")
    store.add_manual_score(sup, "a1", ["F1"], rb)
    f1 = next(f for f in store.contact(op_a, "a1").findings if f.rule == "F1")
    dispute = store.open_dispute(op_a, f1.id, "Клиент сам просил не уточнять")

    def still_there() -> None:
        again = store.contact(op_a, "a1")
        assert [f.id for f in again.findings if f.rule == "F1"] == [f1.id]
        assert [d.id for f in again.findings for d in f.disputes] == [dispute.id]
        assert store.calibration(sup)["scored_by_hand"] == 1

    store.reanalyse(ENGINE)
    still_there()
    store.analyse_and_save(chat("a1-later", "op-a", "t1", "Наталья, заказ у курьера.", "2026-11-23"), ENGINE)
    still_there()
    without_f1 = Engine(load_rulebook(overrides=EXAMPLE_RULEBOOK).select(None, ["F1"]))
    store.reanalyse(without_f1)
    again = store.contact(op_a, "a1")
    assert not [f for f in again.findings if f.rule == "F1"] and not [d for f in again.findings for d in f.disputes]
    assert store.calibration(sup)["scored_by_hand"] == 1
    assert again.findings  # the other findings were found again


def test_history_links_stored_contacts_of_one_client(store: Store) -> None:
    """A later contact of the same client (by phone) is found as history of the earlier one."""
    from vezhlivo.engine import client_keys

    late = chat("a1-followup", "op-a", "t1", "Наталья, перезваниваю, как обещала.", "2026-11-23", "8 916 000 00 01")
    store.analyse_and_save(late, ENGINE)
    with store.session() as s:
        others = store._conversations(s, client_keys(late), late.id)
    assert [c.id for c in others] == ["a1"]


def test_user_passwords_and_tokens(store: Store) -> None:
    store.create_user("anna", "s3cret-pass", "operator", operator_id="op-a")
    assert store.authenticate("anna", "s3cret-pass") is not None
    assert store.authenticate("anna", "wrong") is None
    assert store.authenticate("nobody", "s3cret-pass") is None
    token = store.create_token("anna")
    user = store.user_for_token(token)
    assert user is not None and user.username == "anna"
    assert store.user_for_token(token + "x") is None
    with store.session() as s:
        from sqlalchemy import select

        from vezhlivo.store.schema import ApiToken, User

        assert "s3cret" not in (s.scalar(select(User.password_hash).where(User.username == "anna")) or "")
        assert token not in [t.token_hash for t in s.scalars(select(ApiToken)).all()]
