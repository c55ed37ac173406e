"""Practice in the service: operators rehearse scenarios in the browser, supervisors assign them and
follow results over time. The rehearsal itself is vezhlivo.practice; runs and assignments are stored."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import Field
from sqlalchemy import select

from ..practice.scenarios import Scenario, load_scenarios
from ..practice.session import PracticeError, PracticeSession
from ..store.repo import Scope as AccessScope
from ..store.schema import PracticeAssignment, PracticeRun, User
from .app import State, Strict, current_user, scope_of, state
from .pages import _render, page_scope

router = APIRouter()
pages = APIRouter(include_in_schema=False)


class StartRequest(Strict):
    scenario: str = Field(min_length=1, max_length=100)


class ReplyRequest(Strict):
    text: str = Field(min_length=1, max_length=5000)


class AssignRequest(Strict):
    operator_id: str = Field(min_length=1, max_length=100)
    scenario: str = Field(min_length=1, max_length=100)
    due: date | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _scenarios() -> dict[str, Scenario]:
    return load_scenarios()


def _scenario(scenario_id: str) -> Scenario:
    sc = _scenarios().get(scenario_id)
    if sc is None:
        raise HTTPException(404, f"no scenario {scenario_id!r}")
    return sc


def _session(st: State, sc: Scenario, run: PracticeRun, user: User) -> PracticeSession:
    return PracticeSession.restore(sc, run.state, rulebook_path=st.rulebook_path)


def _own_run(st: State, run_id: str, user: User) -> PracticeRun:
    with st.store.session() as s:
        run = s.scalar(select(PracticeRun).where(PracticeRun.public_id == run_id))
        if run is None or run.username != user.username:
            raise HTTPException(404, "no such practice run")
        return run


def _save(st: State, run_id: str, session: PracticeSession, card: dict[str, Any] | None = None) -> None:
    with st.store.session() as s:
        run = s.scalar(select(PracticeRun).where(PracticeRun.public_id == run_id))
        assert run is not None
        run.state = session.to_state()
        if card is not None:
            run.card, run.score, run.passed, run.finished_at = card, card["score"], card["passed"], _now()
            for a in s.scalars(select(PracticeAssignment).where(
                    PracticeAssignment.operator_id == run.operator_id,
                    PracticeAssignment.scenario_id == run.scenario_id,
                    PracticeAssignment.completed_at.is_(None))).all():
                a.run_id, a.completed_at = run.public_id, run.finished_at


@router.get("/v1/practice/scenarios")
def scenarios(user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    return {"scenarios": [sc.summary() for sc in _scenarios().values()]}


@router.post("/v1/practice/sessions", status_code=201)
def start(body: StartRequest, st: Annotated[State, Depends(state)],
          user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    """Start a rehearsal: the client's opening message comes back."""
    sc = _scenario(body.scenario)
    run_id = secrets.token_urlsafe(12)
    session = PracticeSession(sc, rulebook_path=st.rulebook_path, operator_id=user.operator_id,
                              session_id=run_id)
    opening = session.start()
    with st.store.session() as s:
        s.add(PracticeRun(public_id=run_id, username=user.username, operator_id=user.operator_id, team=user.team,
                          scenario_id=sc.id, state=session.to_state(), started_at=_now()))
    return {"id": run_id, "scenario": sc.summary(), "client": opening}


@router.post("/v1/practice/sessions/{run_id}/reply")
def reply(run_id: str, body: ReplyRequest, st: Annotated[State, Depends(state)],
          user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    run = _own_run(st, run_id, user)
    session = _session(st, _scenario(run.scenario_id), run, user)
    try:
        result = session.reply(body.text)
    except PracticeError as exc:
        raise HTTPException(409, str(exc)) from None
    _save(st, run_id, session)
    return result.to_dict()


@router.get("/v1/practice/sessions/{run_id}/hints")
def hints(run_id: str, st: Annotated[State, Depends(state)],
          user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    run = _own_run(st, run_id, user)
    h = _session(st, _scenario(run.scenario_id), run, user).hints()
    return {**h.to_dict(), "lines": h.lines()}


@router.post("/v1/practice/sessions/{run_id}/finish")
def finish(run_id: str, st: Annotated[State, Depends(state)],
           user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    """End the rehearsal: the score card with findings, suggestions and the model answer."""
    run = _own_run(st, run_id, user)
    if run.card is not None:
        return run.card
    session = _session(st, _scenario(run.scenario_id), run, user)
    try:
        card = session.finish().to_dict()
    except PracticeError as exc:
        raise HTTPException(409, str(exc)) from None
    _save(st, run_id, session, card)
    return card


@router.post("/v1/practice/assignments", status_code=201)
def assign(body: AssignRequest, st: Annotated[State, Depends(state)],
           scope: Annotated[AccessScope, Depends(scope_of)]) -> dict[str, Any]:
    """A supervisor asks an operator of the team to rehearse a scenario."""
    if scope.role not in ("supervisor", "admin"):
        raise HTTPException(403, "supervisors and admins assign practice")
    _scenario(body.scenario)
    with st.store.session() as s:
        operator = s.scalar(select(User).where(User.operator_id == body.operator_id, User.role == "operator"))
        if operator is None or (scope.role == "supervisor" and operator.team != scope.team):
            raise HTTPException(404, "no such operator in your team")
        due = datetime.combine(body.due, datetime.min.time(), UTC) if body.due else None
        a = PracticeAssignment(operator_id=body.operator_id, scenario_id=body.scenario, assigned_by=scope.username,
                               assigned_at=_now(), due_at=due)
        s.add(a)
        s.flush()
        return {"id": a.id, "operator_id": a.operator_id, "scenario": a.scenario_id}


def _assignments(st: State, scope: AccessScope) -> list[dict[str, Any]]:
    with st.store.session() as s:
        q = select(PracticeAssignment).order_by(PracticeAssignment.assigned_at.desc())
        if scope.role == "operator":
            q = q.where(PracticeAssignment.operator_id == (scope.operator_id or ""))
        elif scope.role == "supervisor":
            team_ops = select(User.operator_id).where(User.team == scope.team)
            q = q.where(PracticeAssignment.operator_id.in_(team_ops))
        return [{"id": a.id, "operator_id": a.operator_id, "scenario": a.scenario_id, "assigned_by": a.assigned_by,
                 "due": a.due_at.date().isoformat() if a.due_at else None, "run": a.run_id,
                 "completed_at": a.completed_at.isoformat() if a.completed_at else None}
                for a in s.scalars(q).all()]


@router.get("/v1/practice/assignments")
def assignments(st: Annotated[State, Depends(state)],
                scope: Annotated[AccessScope, Depends(scope_of)]) -> dict[str, Any]:
    return {"items": _assignments(st, scope)}


def _results(st: State, scope: AccessScope) -> list[dict[str, Any]]:
    with st.store.session() as s:
        q = select(PracticeRun).where(PracticeRun.finished_at.is_not(None)).order_by(PracticeRun.finished_at)
        if scope.role == "operator":
            q = q.where(PracticeRun.username == scope.username)
        elif scope.role == "supervisor":
            q = q.where(PracticeRun.team == scope.team)
        by_op: dict[str, list[PracticeRun]] = defaultdict(list)
        for run in s.scalars(q).all():
            by_op[run.operator_id or run.username].append(run)
    out = []
    for op, runs in sorted(by_op.items()):
        out.append({
            "operator_id": op, "runs": len(runs), "passed": sum(1 for r in runs if r.passed),
            "average_score": round(sum(r.score or 0 for r in runs) / len(runs), 1),
            "history": [{"scenario": r.scenario_id, "score": r.score, "passed": r.passed,
                         "finished_at": r.finished_at.isoformat() if r.finished_at else None} for r in runs],
        })
    return out


@router.get("/v1/practice/results")
def results(st: Annotated[State, Depends(state)],
            scope: Annotated[AccessScope, Depends(scope_of)]) -> dict[str, Any]:
    """Practice results per operator over time (an operator sees their own)."""
    return {"operators": _results(st, scope)}


@pages.get("/practice", response_class=HTMLResponse)
def practice_page(request: Request, st: Annotated[State, Depends(state)],
                  scope: Annotated[AccessScope, Depends(page_scope)]) -> HTMLResponse:
    return _render(request, "practice.html", scenarios=[sc.summary() for sc in _scenarios().values()],
                   assignments=_assignments(st, scope), results=_results(st, scope), role=scope.role)
