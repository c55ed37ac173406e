"""The HTTP service: a thin FastAPI shell over the engine and the store (API v1 + web pages)."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..engine import Engine
from ..errors import FieldError, RecordError
from ..ingest.canonical import parse_conversation
from ..model import Conversation, Role
from ..pii import Masker
from ..report.model import contact_dict
from ..rulebook import Rulebook, load_rulebook
from ..store.repo import AccessDenied, Filters, NotFound, Store
from ..store.repo import Scope as AccessScope
from ..store.schema import Contact, FindingRow, User

API_VERSION = "v1"
MAX_BODY = 2 * 1024 * 1024  # bytes; a whole conversation is far smaller
MAX_DRAFT = 5000  # characters
HINT_CONTEXT = 10  # messages before the draft that live hints look at (keystroke-pause latency)


class BodyLimit:
    """Refuse oversized bodies before they are read into memory (413)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _send_json(send, 413, {"detail": f"request body over {self.limit} bytes"})
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _send_json(send, 413, {"detail": f"request body over {self.limit} bytes"})


class _TooLarge(Exception):
    pass


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


@dataclass
class State:
    store: Store
    engine: Engine
    rulebook_path: str | None

    @property
    def rulebook(self) -> Rulebook:
        return self.engine.rulebook


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HintRequest(Strict):
    draft: str = Field(max_length=MAX_DRAFT)
    conversation: dict[str, Any] = Field(default_factory=dict)


class DisputeRequest(Strict):
    comment: str = Field(min_length=1, max_length=4000)


class DecisionRequest(Strict):
    upheld: bool
    comment: str = Field(default="", max_length=4000)


class ManualScoreRequest(Strict):
    failed_rules: list[str] = Field(default_factory=list, max_length=200)


class ReanalyseRequest(Strict):
    rulebook: dict[str, Any] | None = None  # overrides applied on top of the service's rulebook


def state(request: Request) -> State:
    st: State = request.app.state.vz
    return st


def current_user(request: Request, st: Annotated[State, Depends(state)]) -> User:
    """A Bearer token (integrations) or the browser session (then state-changing calls need CSRF)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = st.store.user_for_token(auth[7:].strip())
        if user is None:
            raise HTTPException(401, "invalid API token", headers={"WWW-Authenticate": "Bearer"})
        return user
    username = request.session.get("user")
    if username:
        user = st.store.user(username)
        if user is not None:
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                sent = request.headers.get("x-csrf-token", "")
                if not secrets.compare_digest(sent, request.session.get("csrf", "")):
                    raise HTTPException(403, "missing or wrong CSRF token (header X-CSRF-Token)")
            return user
    raise HTTPException(401, "log in or send Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"})


def scope_of(user: Annotated[User, Depends(current_user)]) -> AccessScope:
    return Store.scope_of(user)


def _parse(obj: Any, where: str = "conversation") -> Conversation:
    try:
        return parse_conversation(obj)
    except FieldError as exc:
        raise HTTPException(422, f"{where}: field '{exc.field}': {exc.message}") from None


def _masker(c: Contact, scope: AccessScope) -> Masker | None:
    if scope.sees_pii:
        return None
    client = c.payload.get("client") or {}
    return Masker([n for n in (client.get("name"), client.get("patronymic"), (c.card or {}).get("client_name")) if n])


def contact_summary(c: Contact, scope: AccessScope) -> dict[str, Any]:
    active = [f for f in c.findings if not f.overturned and not f.waived]
    return {"id": c.external_id, "channel": c.channel, "direction": c.direction,
            "operator": {"id": c.operator_id, "name": c.operator_name, "team": c.team},
            "started_at": c.started_at.isoformat() if c.started_at else None, "score": c.score,
            "auto_score": c.auto_score, "rulebook_version": c.rulebook_version,
            "findings": len(active), "rules": sorted({f.rule for f in active})}


def contact_full(c: Contact, scope: AccessScope) -> dict[str, Any]:
    mask = _masker(c, scope)

    def m(text: str | None) -> str | None:
        return mask(text) if mask and text is not None else text

    payload = json.loads(json.dumps(c.payload))
    if mask:
        for msg in payload.get("messages", []):
            if msg.get("text"):
                msg["text"] = m(msg["text"])
        payload["client"] = {k: (None if v else v) for k, v in (payload.get("client") or {}).items()}
    card = dict(c.card or {})
    if mask:
        card["client_name"] = m(card.get("client_name"))
        card["question"] = m(card.get("question"))
        card["phones"] = [m(p) for p in card.get("phones", [])]
        card["emails"] = [m(e) for e in card.get("emails", [])]
    return {**contact_summary(c, scope), "conversation": payload, "sections": c.sections, "card": card,
            "masked": mask is not None,
            "findings": [{"id": f.id, "rule": f.rule, "name": f.name, "severity": f.severity, "turn": f.turn,
                          "start": f.start, "end": f.end, "quote": m(f.quote), "message": f.message,
                          "suggestion": m(f.suggestion), "waived": f.waived, "overturned": f.overturned,
                          "disputes": [{"id": d.id, "status": d.status, "author": d.author, "comment": d.comment,
                                        "decided_by": d.decided_by, "decision_comment": d.decision_comment}
                                       for d in f.disputes]}
                         for f in sorted(c.findings, key=_text_order)]}


def _text_order(f: FindingRow) -> tuple[int, int, str, int]:
    """Findings as the report lists them (a finding kept through a re-analysis keeps its older id)."""
    return (f.turn if f.turn is not None else -1, f.start or 0, f.rule, f.id)


def hints(engine: Engine, draft: str, conversation: dict[str, Any]) -> list[dict[str, Any]]:
    """Findings on a draft reply, with offsets into the draft, given the conversation so far."""
    if not draft.strip():
        return []
    raw = dict(conversation or {})
    raw.setdefault("id", "draft")
    raw.setdefault("channel", "chat")
    if not isinstance(raw.get("messages", []), list):
        raise HTTPException(422, "conversation: field 'messages': expected a list")
    messages = list(raw.get("messages") or [])[-HINT_CONTEXT:]
    draft_msg: dict[str, Any] = {"role": "operator", "text": draft}
    if messages and isinstance(messages[-1], dict) and messages[-1].get("ts"):
        draft_msg["ts"] = messages[-1]["ts"]
    raw["messages"] = [*messages, draft_msg]
    conv = _parse(raw)
    turn = len(conv.messages) - 1
    report = engine.check(conv, with_card=False)  # the engine keeps the context's analysed texts
    out = []
    for f in report.findings:
        if f.turn == turn and f.start is not None and conv.messages[turn].role is Role.OPERATOR:
            out.append({"rule": f.rule, "name": f.name, "severity": f.severity.value, "start": f.start, "end": f.end,
                        "quote": f.quote, "message": f.message, "suggestion": f.suggestion})
    return out


def ready_answers(conversation: dict[str, Any], k: int = 2) -> list[dict[str, Any]]:
    """Ready answers (vezhlivo.practice) that fit the client's last message, found by meaning."""
    messages = conversation.get("messages") if isinstance(conversation, dict) else None
    last = next((m.get("text") for m in reversed(messages or []) if isinstance(m, dict)
                 and m.get("role") == "client" and isinstance(m.get("text"), str)), None)
    if not last:
        return []
    return [m.to_dict() for m in _answer_library().match(last, k=k)]


@cache
def _answer_library() -> Any:
    from ..practice.answers import default_library

    return default_library()


def create_app(db_url: str = "sqlite:///vezhlivo.sqlite", rulebook: str | None = None,
               secret: str | None = None) -> FastAPI:
    from .pages import router as pages_router

    app = FastAPI(title="vezhlivo", version="1.0",
                  description="Checks support conversations against a company's communication standard. "
                              "API v1: authenticate with `Authorization: Bearer <token>`.")
    rb = load_rulebook(rulebook)
    app.state.vz = State(Store(db_url), Engine(rb), rulebook)
    app.add_middleware(SessionMiddleware, secret_key=secret or os.environ.get("VEZHLIVO_SECRET")
                       or secrets.token_urlsafe(32), same_site="strict", https_only=False)
    app.add_middleware(BodyLimit, limit=MAX_BODY)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
            problems.append(f"{loc or 'body'}: {err.get('msg')}")
        return JSONResponse({"detail": "; ".join(problems) or "invalid request"}, status_code=422)

    @app.exception_handler(NotFound)
    async def _nf(request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": "not found"}, status_code=404)

    @app.exception_handler(AccessDenied)
    async def _ad(request: Request, exc: AccessDenied) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.get("/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "api": API_VERSION}

    @app.post("/v1/conversations", status_code=201)
    async def ingest(request: Request, st: Annotated[State, Depends(state)],
                     user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
        """Store and analyse one conversation (canonical v1) or {"conversations": [...]}."""
        if user.role == "operator":
            raise HTTPException(403, "operators cannot ingest contacts")
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HTTPException(400, f"malformed JSON: {exc}") from None
        items = body.get("conversations") if isinstance(body, dict) and "conversations" in body else [body]
        if not isinstance(items, list) or not items:
            raise HTTPException(422, "expected a conversation object or {\"conversations\": [...]}")
        convs = [_parse(obj, f"conversations[{i}]") for i, obj in enumerate(items)]  # all valid, or none stored
        reports = [st.store.analyse_and_save(c, st.engine) for c in convs]
        return {"stored": len(reports), "conversations": [contact_dict(r) for r in reports]}

    @app.post("/v1/ingest/file", status_code=201)
    async def ingest_file(request: Request, st: Annotated[State, Depends(state)],
                          user: Annotated[User, Depends(current_user)],
                          filename: Annotated[str, Query(max_length=200)] = "upload.jsonl") -> dict[str, Any]:
        """Any format the ingest layer reads, sent as the raw body; ``filename`` gives its kind."""
        if user.role == "operator":
            raise HTTPException(403, "operators cannot ingest contacts")
        from ..ingest import ReadOptions, read_path

        data = await request.body()
        suffix = Path(filename).suffix or ".jsonl"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(data)
            items = list(read_path(path, ReadOptions(settings=st.rulebook.settings)))
        errors = [str(e).replace(str(path), filename) for e in items if isinstance(e, RecordError)]
        convs = [c for c in items if isinstance(c, Conversation)]
        reports = [st.store.analyse_and_save(c, st.engine) for c in convs]
        return {"stored": len(reports), "errors": errors, "ids": [r.conv.id for r in reports]}

    @app.post("/v1/webhooks/jivo", status_code=201)
    async def jivo(request: Request, st: Annotated[State, Depends(state)],
                   user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
        """Jivo's «chat_finished» event: the finished chat is analysed and stored."""
        from ..ingest import ReadOptions
        from ..ingest.helpdesk import read_jivo

        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HTTPException(400, f"malformed JSON: {exc}") from None
        if not isinstance(body, dict):
            raise HTTPException(422, "expected the chat_finished event object")
        if body.get("event_name") not in (None, "chat_finished"):
            return {"stored": 0, "ignored": body.get("event_name")}
        items = list(read_jivo(Path("jivo-webhook"), body, ReadOptions(settings=st.rulebook.settings)))
        if not items or not isinstance(items[0], Conversation):
            raise HTTPException(422, str(items[0]) if items else "the event holds no chat")
        conv = items[0]
        report = st.store.analyse_and_save(conv, st.engine)
        return {"stored": 1, "id": report.conv.id, "score": report.score.total}

    @app.get("/v1/conversations")
    def list_conversations(
        st: Annotated[State, Depends(state)], scope: Annotated[AccessScope, Depends(scope_of)],
        operator: str | None = None, team: str | None = None, channel: str | None = None,
        since: date | None = None, until: date | None = None, rule: str | None = None,
        min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
        max_score: Annotated[float | None, Query(ge=0, le=100)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        total, rows = st.store.list_contacts(scope, Filters(operator, team, channel, since, until, rule, min_score,
                                                            max_score, limit, offset))
        return {"total": total, "items": [contact_summary(c, scope) for c in rows]}

    @app.get("/v1/conversations/{cid}")
    def get_conversation(cid: str, st: Annotated[State, Depends(state)],
                         scope: Annotated[AccessScope, Depends(scope_of)]) -> dict[str, Any]:
        return contact_full(st.store.contact(scope, cid), scope)

    @app.get("/v1/aggregates")
    def aggregates(st: Annotated[State, Depends(state)], scope: Annotated[AccessScope, Depends(scope_of)],
                   by: str = "operator", since: date | None = None, until: date | None = None,
                   channel: str | None = None, team: str | None = None) -> dict[str, Any]:
        try:
            items = st.store.aggregates(scope, by, Filters(team=team, channel=channel, since=since, until=until))
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return {"by": by, "items": items}

    @app.get("/v1/rules")
    def rules(st: Annotated[State, Depends(state)]) -> dict[str, Any]:
        return {"version": st.rulebook.version, "rules": [_rule_dict(s) for s in st.rulebook.rules.values()]}

    @app.get("/v1/rules/{code}")
    def rule(code: str, st: Annotated[State, Depends(state)]) -> dict[str, Any]:
        spec = st.rulebook.rules.get(code.upper())
        if spec is None:
            raise HTTPException(404, f"no rule {code}")
        return _rule_dict(spec)

    @app.post("/v1/hints")
    def post_hints(body: HintRequest, st: Annotated[State, Depends(state)],
                   user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
        return {"findings": hints(st.engine, body.draft, body.conversation),
                "answers": ready_answers(body.conversation)}

    @app.post("/v1/reanalyse")
    def reanalyse(st: Annotated[State, Depends(state)], user: Annotated[User, Depends(current_user)],
                  body: ReanalyseRequest | None = None) -> dict[str, Any]:
        """Re-score every stored contact with the current (or an overridden) rulebook."""
        if user.role != "admin":
            raise HTTPException(403, "only an admin re-analyses the store")
        if body and body.rulebook:
            from ..errors import RulebookError

            try:
                st.engine = Engine(load_rulebook(st.rulebook_path, overrides=body.rulebook))
            except RulebookError as exc:
                raise HTTPException(422, str(exc)) from None
        n = st.store.reanalyse(st.engine)
        return {"reanalysed": n, "rulebook_version": st.rulebook.version}

    @app.post("/v1/findings/{finding_id}/disputes", status_code=201)
    def dispute(finding_id: int, body: DisputeRequest, st: Annotated[State, Depends(state)],
                scope: Annotated[AccessScope, Depends(scope_of)]) -> dict[str, Any]:
        d = st.store.open_dispute(scope, finding_id, body.comment)
        return {"id": d.id, "status": d.status, "rule": d.rule}

    @app.post("/v1/disputes/{dispute_id}/decision")
    def decide(dispute_id: int, body: DecisionRequest, st: Annotated[State, Depends(state)],
               scope: Annotated[AccessScope, Depends(scope_of)]) -> dict[str, Any]:
        d = st.store.decide_dispute(scope, dispute_id, body.upheld, body.comment, st.rulebook)
        contact = st.store.contact(scope, d.finding.contact.external_id)
        return {"id": d.id, "status": d.status, "contact": contact.external_id, "score": contact.score}

    @app.get("/v1/disputes")
    def disputes(st: Annotated[State, Depends(state)], scope: Annotated[AccessScope, Depends(scope_of)],
                 status: str | None = None) -> dict[str, Any]:
        return {"items": [{"id": d.id, "rule": d.rule, "status": d.status, "author": d.author, "comment": d.comment,
                           "finding": d.finding_id, "contact": d.finding.contact.external_id}
                          for d in st.store.disputes(scope, status)]}

    @app.get("/v1/disputes/rates")
    def dispute_rates(st: Annotated[State, Depends(state)],
                      user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
        if user.role == "operator":
            raise HTTPException(403, "supervisors and admins only")
        return {"rules": st.store.dispute_rates()}

    @app.get("/v1/disputes/examples")
    def dispute_examples(st: Annotated[State, Depends(state)],
                         user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
        """Upheld disputes, ready to become good examples of their rules."""
        if user.role != "admin":
            raise HTTPException(403, "admins only")
        return {"examples": st.store.upheld_examples()}

    @app.post("/v1/conversations/{cid}/manual-score", status_code=201)
    def manual_score(cid: str, body: ManualScoreRequest, st: Annotated[State, Depends(state)],
                     scope: Annotated[AccessScope, Depends(scope_of)]) -> dict[str, Any]:
        try:
            m = st.store.add_manual_score(scope, cid, body.failed_rules, st.rulebook)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return {"id": m.id, "score": m.score, "failed_rules": m.failed_rules}

    @app.get("/v1/calibration")
    def calibration(st: Annotated[State, Depends(state)],
                    scope: Annotated[AccessScope, Depends(scope_of)]) -> dict[str, Any]:
        if scope.role == "operator":
            raise HTTPException(403, "supervisors and admins only")
        return st.store.calibration(scope)

    from .practice import pages as practice_pages
    from .practice import router as practice_router

    app.include_router(practice_router)
    app.include_router(pages_router)
    app.include_router(practice_pages)
    return app


def _rule_dict(s: Any) -> dict[str, Any]:
    return {"code": s.code, "name": s.name, "title": s.title, "section": s.section, "severity": s.severity.value,
            "channels": sorted(c.value for c in s.channels), "enabled": s.enabled, "source": s.source,
            "doc": {"what": s.doc.what, "why": s.doc.why, "example": s.doc.example, "instead": s.doc.instead},
            "suggestion": s.suggestion}
