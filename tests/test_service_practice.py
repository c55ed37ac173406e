"""Practice through the service: an operator rehearses, a supervisor assigns and follows results."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from vezhlivo.practice.scenarios import load_scenarios
from vezhlivo.service.app import create_app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def client_tokens(db_url: str) -> tuple[TestClient, dict[str, str]]:
    app = create_app(db_url, None, secret="t")
    store = app.state.vz.store
    store.create_user("sup", "p", "supervisor", team="t1")
    store.create_user("anna", "p", "operator", operator_id="op-a", team="t1")
    store.create_user("boris", "p", "operator", operator_id="op-b", team="t2")
    return TestClient(app), {u: store.create_token(u) for u in ("sup", "anna", "boris")}


def h(tokens: dict[str, str], user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[user]}"}


def test_rehearsal_assignment_and_results(client_tokens: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = client_tokens
    sc = load_scenarios()["courier-no-show"]
    assert sc.good is not None
    r = client.post("/v1/practice/assignments", headers=h(tokens, "sup"),
                    json={"operator_id": "op-a", "scenario": sc.id, "due": "2026-12-01"})
    assert r.status_code == 201, r.text
    assert client.post("/v1/practice/assignments", headers=h(tokens, "sup"),
                       json={"operator_id": "op-b", "scenario": sc.id}).status_code == 404  # another team
    assert client.post("/v1/practice/assignments", headers=h(tokens, "anna"),
                       json={"operator_id": "op-a", "scenario": sc.id}).status_code == 403
    mine = client.get("/v1/practice/assignments", headers=h(tokens, "anna")).json()["items"]
    assert [a["scenario"] for a in mine] == [sc.id] and mine[0]["completed_at"] is None

    start = client.post("/v1/practice/sessions", headers=h(tokens, "anna"), json={"scenario": sc.id})
    assert start.status_code == 201 and start.json()["client"]
    run = start.json()["id"]
    assert client.post(f"/v1/practice/sessions/{run}/reply", headers=h(tokens, "boris"),
                       json={"text": "Добрый день"}).status_code == 404  # not boris's run
    for text in sc.good.replies:
        step = client.post(f"/v1/practice/sessions/{run}/reply", headers=h(tokens, "anna"), json={"text": text})
        assert step.status_code == 200, step.text
        if step.json()["finished"]:
            break
    assert client.get(f"/v1/practice/sessions/{run}/hints", headers=h(tokens, "anna")).status_code == 200
    card = client.post(f"/v1/practice/sessions/{run}/finish", headers=h(tokens, "anna")).json()
    assert card["schema"] == "vezhlivo.practice.v1" and card["passed"] and card["score"] >= 90
    done = client.get("/v1/practice/assignments", headers=h(tokens, "anna")).json()["items"][0]
    assert done["run"] == run and done["completed_at"]
    results = client.get("/v1/practice/results", headers=h(tokens, "sup")).json()["operators"]
    assert results[0]["operator_id"] == "op-a" and results[0]["history"][0]["score"] == card["score"]
    assert client.get("/v1/practice/results", headers=h(tokens, "boris")).json()["operators"] == []


def test_bad_practice_requests(client_tokens: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = client_tokens
    assert client.post("/v1/practice/sessions", headers=h(tokens, "anna"), json={"scenario": "nope"}).status_code == 404
    assert client.post("/v1/practice/sessions", headers=h(tokens, "anna"),
                       json={"scenario": "courier-no-show", "x": 1}).status_code == 422
    assert client.get("/v1/practice/scenarios", headers=h(tokens, "anna")).json()["scenarios"]
