"""The HTTP service over a real database: API v1, access by role, bad requests, hints, disputes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from vezhlivo.service.app import create_app

ROOT = Path(__file__).resolve().parents[1]


def conv(cid: str, operator: str, team: str, text: str, phone: str = "+7 916 000-00-01",
         day: str = "2026-11-20", **extra: Any) -> dict[str, Any]:
    return {"id": cid, "channel": "chat", "direction": "incoming", "company": "Интернет-магазин Kid Mir",
            "operator": {"id": operator, "name": operator.title(), "team": team},
            "client": {"name": "Наталья", "phone": phone, "email": "nata@example.ru"},
            "started_at": f"{day}T10:00:00+03:00",
            "messages": [{"role": "client", "text": "Здравствуйте! Где мой заказ? Мой номер +7 916 000-00-01",
                          "ts": f"{day}T10:00:00+03:00"},
                         {"role": "operator", "text": text, "ts": f"{day}T10:00:20+03:00"}], **extra}


@pytest.fixture
def app_client(db_url: str) -> tuple[TestClient, dict[str, str]]:
    app = create_app(db_url, str(ROOT / "examples" / "rulebook.yaml"), secret="test-secret")
    store = app.state.vz.store
    store.create_user("admin", "admin-pass", "admin")
    store.create_user("sup1", "sup-pass", "supervisor", team="t1")
    store.create_user("anna", "anna-pass", "operator", operator_id="op-a", team="t1")
    store.create_user("boris", "boris-pass", "operator", operator_id="op-b", team="t1")
    tokens = {u: store.create_token(u) for u in ("admin", "sup1", "anna", "boris")}
    client = TestClient(app)
    h = {"Authorization": f"Bearer {tokens['admin']}"}
    r = client.post("/v1/conversations", headers=h, json={"conversations": [
        conv("a1", "op-a", "t1", "Наталья, я не знаю, где он."),
        conv("b1", "op-b", "t1", "Не знаю. Вы должны были сами проверить!", phone="+7 916 000-00-02"),
        conv("c1", "op-c", "t2", "Добрый день! Сейчас проверю.", phone="+7 916 000-00-03")]})
    assert r.status_code == 201, r.text
    return client, tokens


def auth(tokens: dict[str, str], user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[user]}"}


def test_ingest_list_get_and_aggregates(app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = app_client
    h = auth(tokens, "admin")
    listing = client.get("/v1/conversations", headers=h).json()
    assert listing["total"] == 3
    assert client.get("/v1/conversations?rule=F1", headers=h).json()["total"] == 2
    assert client.get("/v1/conversations?team=t2", headers=h).json()["items"][0]["id"] == "c1"
    assert client.get("/v1/conversations?max_score=101", headers=h).status_code == 422
    one = client.get("/v1/conversations/a1", headers=h).json()
    f1 = [f for f in one["findings"] if f["rule"] == "F1"]
    assert f1 and f1[0]["quote"] == "я не знаю" and one["conversation"]["messages"][1]["text"].startswith("Наталья")
    ops = client.get("/v1/aggregates?by=operator", headers=h).json()["items"]
    assert {o["operator"] for o in ops} == {"op-a", "op-b", "op-c"}
    assert client.get("/v1/aggregates?by=day", headers=h).json()["items"][0]["day"] == "2026-11-20"
    assert client.get("/v1/aggregates?by=colour", headers=h).status_code == 422
    rules = client.get("/v1/rules", headers=h).json()
    assert any(r["code"] == "F1" for r in rules["rules"]) and client.get("/v1/rules/F1").status_code == 200


def test_an_operator_sees_only_own_contacts_everywhere(app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = app_client
    anna = auth(tokens, "anna")
    assert [c["id"] for c in client.get("/v1/conversations", headers=anna).json()["items"]] == ["a1"]
    assert client.get("/v1/conversations?operator=op-b", headers=anna).json()["total"] == 0
    assert client.get("/v1/conversations/b1", headers=anna).status_code == 404
    assert client.get("/v1/conversations/c1", headers=anna).status_code == 404
    assert {o["operator"] for o in client.get("/v1/aggregates?by=operator", headers=anna).json()["items"]} == {"op-a"}
    b1 = client.get("/v1/conversations/b1", headers=auth(tokens, "admin")).json()
    fid = b1["findings"][0]["id"]
    assert client.post(f"/v1/findings/{fid}/disputes", headers=anna, json={"comment": "x"}).status_code == 404
    assert client.post("/v1/conversations/b1/manual-score", headers=anna, json={}).status_code in (403, 404)
    assert client.get("/v1/calibration", headers=anna).status_code == 403
    assert client.get("/v1/disputes/rates", headers=anna).status_code == 403
    assert client.post("/v1/conversations", headers=anna, json=conv("x", "op-a", "t1", "Привет")).status_code == 403
    assert client.post("/v1/reanalyse", headers=anna).status_code == 403
    # pages: log in as anna and try the other operator's contact and page
    login(client, "anna", "anna-pass")
    assert client.get("/contacts/b1").status_code == 404
    assert client.get("/operators/op-b").status_code == 404
    page = client.get("/").text
    assert "b1" not in re.findall(r'/contacts/([\w-]+)', page) and "/contacts/a1" in page
    # a supervisor sees the team, not other teams; names and phones are masked for them
    sup = auth(tokens, "sup1")
    assert {c["id"] for c in client.get("/v1/conversations", headers=sup).json()["items"]} == {"a1", "b1"}
    assert client.get("/v1/conversations/c1", headers=sup).status_code == 404
    masked = client.get("/v1/conversations/a1", headers=sup).json()
    dumped = json.dumps(masked, ensure_ascii=False)
    assert "Наталья" not in dumped and "000-00-01" not in dumped and "nata@example.ru" not in dumped


def login(client: TestClient, user: str, password: str) -> str:
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    r = client.post("/login", data={"username": user, "password": password, "csrf": csrf.group(1), "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text)
    assert token
    return token.group(1)


def test_pages_need_login_and_session_posts_need_csrf(app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = app_client
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    bad = client.post("/login", data={"username": "admin", "password": "nope", "csrf": csrf.group(1)})
    assert bad.status_code == 401
    assert client.post("/login", data={"username": "admin", "password": "admin-pass", "csrf": "forged"}
                       ).status_code == 403
    token = login(client, "admin", "admin-pass")
    for path in ("/", "/operators/op-a", "/contacts/a1", "/rules", "/rules/F1", "/rulebook", "/console",
                 "/disputes", "/calibration"):
        assert client.get(path).status_code == 200, path
    assert "я не знаю" in client.get("/contacts/a1").text
    body = {"draft": "Я не знаю.", "conversation": {"messages": [{"role": "client", "text": "Где заказ?"}]}}
    assert client.post("/v1/hints", json=body).status_code == 403  # session without the CSRF header
    r = client.post("/v1/hints", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["findings"][0]["rule"] == "F1"


def test_hints_point_into_the_draft(app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = app_client
    h = auth(tokens, "anna")
    context = {"channel": "chat", "messages": [
        {"role": "client", "text": f"Сообщение {i}: где мой заказ?", "ts": f"2026-11-20T10:{i:02d}:00+03:00"}
        for i in range(20)]}
    draft = "Добрый день! Я не знаю, вы должны сами позвонить курьеру."
    r = client.post("/v1/hints", headers=h, json={"draft": draft, "conversation": context})
    assert r.status_code == 200
    found = r.json()["findings"]
    f1 = [f for f in found if f["rule"] == "F1"]
    assert f1 and draft[f1[0]["start"]:f1[0]["end"]] == f1[0]["quote"] == "Я не знаю"
    assert f1[0]["suggestion"] == "Вам удобно подождать минуту, я уточню вопрос?"
    clean = client.post("/v1/hints", headers=h, json={"draft": "Сейчас уточню, минуту.", "conversation": context})
    assert not [f for f in clean.json()["findings"] if f["rule"] == "F1"]
    slow = {"messages": [{"role": "client", "text": "Почему у вас так долго везут заказы?"}]}
    answers = client.post("/v1/hints", headers=h, json={"draft": "", "conversation": slow}).json()["answers"]
    assert answers and "достав" in (answers[0]["title"] + answers[0]["text"]).lower()


def test_bad_requests_get_clear_4xx_and_nothing_half_stored(app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = app_client
    h = auth(tokens, "admin")
    r = client.post("/v1/conversations", headers={**h, "content-type": "application/json"}, content=b"{broken")
    assert r.status_code == 400 and "malformed JSON" in r.json()["detail"]
    r = client.post("/v1/conversations", headers=h, json={"conversations": [
        conv("ok-new", "op-a", "t1", "Добрый день!"), {"id": "bad", "channel": "fax", "messages": []}]})
    assert r.status_code == 422 and "conversations[1]" in r.json()["detail"] and "channel" in r.json()["detail"]
    assert client.get("/v1/conversations/ok-new", headers=h).status_code == 404  # all or nothing
    r = client.post("/v1/hints", headers=h, json={"draft": "x", "unknown": 1})
    assert r.status_code == 422 and "unknown" in r.json()["detail"]
    r = client.post("/v1/hints", headers=h, json={"draft": "x" * 6000})
    assert r.status_code == 422
    big = b'{"draft": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    r = client.post("/v1/hints", headers={**h, "content-type": "application/json"}, content=big)
    assert r.status_code == 413
    assert client.get("/v1/conversations", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/v1/conversations").status_code == 401
    assert client.get("/v1/health").json()["status"] == "ok"
    assert client.get("/v1/conversations", headers=h).json()["total"] == 3  # the service stayed up, intact


def test_disputes_and_calibration_over_http(app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = app_client
    anna, sup = auth(tokens, "anna"), auth(tokens, "sup1")
    a1 = client.get("/v1/conversations/a1", headers=anna).json()
    fid = next(f["id"] for f in a1["findings"] if f["rule"] == "F1")
    d = client.post(f"/v1/findings/{fid}/disputes", headers=anna, json={"comment": "Я уточнила позже"}).json()
    assert client.post(f"/v1/disputes/{d['id']}/decision", headers=anna, json={"upheld": True}).status_code == 403
    r = client.post(f"/v1/disputes/{d['id']}/decision", headers=sup, json={"upheld": True, "comment": "ок"})
    assert r.status_code == 200 and r.json()["score"] > a1["score"]
    assert client.get("/v1/disputes?status=upheld", headers=sup).json()["items"][0]["rule"] == "F1"
    assert client.get("/v1/disputes/examples", headers=auth(tokens, "admin")).json()["examples"][0]["rule"] == "F1"
    r = client.post("/v1/conversations/b1/manual-score", headers=sup, json={"failed_rules": ["F1", "F4"]})
    assert r.status_code == 201
    cal = client.get("/v1/calibration", headers=sup).json()
    assert cal["scored_by_hand"] == 1 and cal["rules"]


def test_reanalyse_records_the_rulebook_version(app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = app_client
    h = auth(tokens, "admin")
    r = client.post("/v1/reanalyse", headers=h, json={"rulebook": {"version": "kidmir-2", "rules": {
        "F1": {"enabled": False}}}})
    assert r.status_code == 200 and r.json() == {"reanalysed": 3, "rulebook_version": "kidmir-2"}
    a1 = client.get("/v1/conversations/a1", headers=h).json()
    assert a1["rulebook_version"] == "kidmir-2" and not [f for f in a1["findings"] if f["rule"] == "F1"]
    bad = client.post("/v1/reanalyse", headers=h, json={"rulebook": {"rules": {"Z1": {}}}})
    assert bad.status_code == 422


def test_store_is_the_history_for_promises(app_client: tuple[TestClient, dict[str, str]]) -> None:
    """A call-back promised in one stored contact is judged kept by a later contact of the same client."""
    client, tokens = app_client
    h = auth(tokens, "admin")
    promise = conv("p1", "op-a", "t1", "Наталья, я уточню у склада и перезвоню Вам в течение часа.",
                   phone="+7 916 555-00-01", day="2026-11-24")
    client.post("/v1/conversations", headers=h, json=promise)
    first = client.get("/v1/conversations/p1", headers=h).json()
    follow = conv("p2", "op-a", "t1", "Наталья, перезваниваю, как обещала: заказ на складе.",
                  phone="8 916 555 00 01", day="2026-11-24")
    follow["started_at"] = "2026-11-24T10:40:00+03:00"
    for m in follow["messages"]:
        m["ts"] = "2026-11-24T10:40:00+03:00"
    client.post("/v1/conversations", headers=h, json=follow)
    again = client.get("/v1/conversations/p1", headers=h).json()
    assert again["card"]["promises"], first["card"]
    assert not [f for f in again["findings"] if f["rule"] == "S3"]


def test_jivo_webhook_stores_the_finished_chat(app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = app_client
    h = auth(tokens, "admin")
    event = {"event_name": "chat_finished", "chat_id": 9001,
             "agents": [{"id": 11, "name": "Елизавета"}],
             "visitor": {"name": "Ольга", "phone": "+79160000009"},
             "chat": {"messages": [
                 {"type": "visitor", "message": "Здравствуйте, где заказ?", "timestamp": 1763622000},
                 {"type": "agent", "agent_id": 11, "message": "Я не знаю.", "timestamp": 1763622030}]}}
    r = client.post("/v1/webhooks/jivo", headers=h, json=event)
    assert r.status_code == 201, r.text
    stored = client.get(f"/v1/conversations/{r.json()['id']}", headers=h).json()
    assert [m["role"] for m in stored["conversation"]["messages"]] == ["client", "operator"]
    assert any(f["rule"] == "F1" for f in stored["findings"])
    assert client.post("/v1/webhooks/jivo", headers=h, json={"event_name": "chat_accepted"}).json()["stored"] == 0
