"""Server-rendered pages for supervisors and operators (same store, same access scopes as the API)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ..docs import rule_markdown
from ..report.html import highlight
from ..store.repo import Filters, NotFound, Store
from ..store.repo import Scope as AccessScope
from .app import State, contact_full, contact_summary, state

router = APIRouter(include_in_schema=False)
_env = Environment(loader=PackageLoader("vezhlivo", "templates/service"), autoescape=select_autoescape(["html"]))


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def _render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("user", request.session.get("user"))
    ctx.setdefault("role", request.session.get("role"))
    ctx["csrf"] = _csrf(request)
    return HTMLResponse(_env.get_template(template).render(**ctx), status_code=status)


def page_scope(request: Request, st: Annotated[State, Depends(state)]) -> AccessScope:
    username = request.session.get("user")
    user = st.store.user(username) if username else None
    if user is None:
        raise HTTPException(303, headers={"Location": "/login?next=" + quote(request.url.path)})
    return Store.scope_of(user)


def _check_csrf(request: Request, token: str) -> None:
    if not secrets.compare_digest(token or "", request.session.get("csrf", "")):
        raise HTTPException(403, "missing or wrong CSRF token")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _render(request, "login.html", next=next, error=None)


@router.post("/login", response_model=None)
def login(request: Request, st: Annotated[State, Depends(state)], username: Annotated[str, Form()],
          password: Annotated[str, Form()], csrf: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/") -> Response:
    _check_csrf(request, csrf)
    user = st.store.authenticate(username, password)
    if user is None:
        return _render(request, "login.html", status=401, next=next, error="Неверный логин или пароль")
    request.session.clear()
    request.session.update({"user": user.username, "role": user.role, "csrf": secrets.token_urlsafe(24)})
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> RedirectResponse:
    _check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _chart(points: list[tuple[str, float]], width: int = 640, height: int = 160) -> Markup:
    """An inline SVG line chart of a score trend (0–100)."""
    if not points:
        return Markup('<p class="meta">Нет данных</p>')
    pad = 30
    n = len(points)
    xs = [pad + (width - 2 * pad) * (i / max(n - 1, 1)) for i in range(n)]
    ys = [height - pad - (height - 2 * pad) * (v / 100) for _, v in points]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(zip(xs, ys, strict=True)))
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(d)}: {v}</title></circle>'
                   for x, y, (d, v) in zip(xs, ys, points, strict=True))
    labels = "".join(f'<text x="{x:.1f}" y="{height - 8}" font-size="10" text-anchor="middle">{escape(d[5:])}</text>'
                     for x, (d, _) in zip(xs, points, strict=True) if n <= 14 or points.index((d, _)) % 3 == 0)
    grid = "".join(f'<line x1="{pad}" x2="{width - pad}" y1="{height - pad - (height - 2 * pad) * g / 100}" '
                   f'y2="{height - pad - (height - 2 * pad) * g / 100}" stroke="#eee"/>'
                   f'<text x="4" y="{height - pad - (height - 2 * pad) * g / 100 + 4}" font-size="10">{g}</text>'
                   for g in (0, 50, 100))
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                  f'role="img" aria-label="Оценка по дням">{grid}<path d="{path}" fill="none" stroke="#2a6ebb" '
                  f'stroke-width="2"/>{dots}{labels}</svg>')


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, st: Annotated[State, Depends(state)],
             scope: Annotated[AccessScope, Depends(page_scope)]) -> HTMLResponse:
    days = st.store.aggregates(scope, "day", Filters())
    ops = st.store.aggregates(scope, "operator", Filters())
    rules: dict[str, int] = defaultdict(int)
    for o in ops:
        for r in o["top_rules"]:
            rules[r["rule"]] += r["count"]
    ranked = sorted(ops, key=lambda o: o["average_score"])
    total, recent = st.store.list_contacts(scope, Filters(limit=20))
    return _render(request, "overview.html", chart=_chart([(d["day"], d["average_score"]) for d in days if d["day"]]),
                   operators=ranked, top_rules=sorted(rules.items(), key=lambda kv: -kv[1])[:10], total=total,
                   recent=[contact_summary(c, scope) for c in recent], rulebook=st.rulebook)


@router.get("/operators/{operator_id}", response_class=HTMLResponse)
def operator_page(operator_id: str, request: Request, st: Annotated[State, Depends(state)],
                  scope: Annotated[AccessScope, Depends(page_scope)]) -> HTMLResponse:
    f = Filters(operator=operator_id, limit=200)
    total, rows = st.store.list_contacts(scope, f)
    if not total:
        raise NotFound(operator_id)
    days = st.store.aggregates(scope, "day", Filters(operator=operator_id))
    team = rows[0].team
    team_avg = None
    if team:
        teams = st.store.aggregates(scope, "team", Filters(team=team))
        team_avg = teams[0]["average_score"] if teams else None
    mine = st.store.aggregates(scope, "operator", Filters(operator=operator_id))
    examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in rows:
        for fr in c.findings:
            if not fr.overturned and not fr.waived and fr.quote and len(examples[fr.rule]) < 3:
                examples[fr.rule].append({"contact": c.external_id, "quote": fr.quote, "suggestion": fr.suggestion})
    return _render(request, "operator.html", operator_id=operator_id, name=rows[0].operator_name, team=team,
                   me=mine[0] if mine else None, team_avg=team_avg,
                   chart=_chart([(d["day"], d["average_score"]) for d in days if d["day"]]),
                   examples=sorted(examples.items(), key=lambda kv: -len(kv[1])),
                   contacts=[contact_summary(c, scope) for c in rows])


@router.get("/contacts/{cid}", response_class=HTMLResponse)
def contact_page(cid: str, request: Request, st: Annotated[State, Depends(state)],
                 scope: Annotated[AccessScope, Depends(page_scope)]) -> HTMLResponse:
    c = contact_full(st.store.contact(scope, cid), scope)
    messages = []
    for i, m in enumerate(c["conversation"].get("messages", [])):
        found = [f for f in c["findings"] if f["turn"] == i]
        html = highlight(m.get("text") or "", found)  # masks keep the length: offsets still hold
        messages.append({"role": m.get("role"), "event": m.get("event"), "html": html, "findings": found,
                         "time": m.get("ts") or (f"{m['start']:.1f} с" if m.get("start") is not None else "")})
    return _render(request, "contact.html", c=c, messages=messages, role=scope.role,
                   contact_findings=[f for f in c["findings"] if f["turn"] is None])


@router.post("/contacts/{cid}/findings/{finding_id}/dispute")
def dispute_form(cid: str, finding_id: int, request: Request, st: Annotated[State, Depends(state)],
                 scope: Annotated[AccessScope, Depends(page_scope)], comment: Annotated[str, Form()],
                 csrf: Annotated[str, Form()] = "") -> RedirectResponse:
    _check_csrf(request, csrf)
    st.store.open_dispute(scope, finding_id, comment)
    return RedirectResponse(f"/contacts/{quote(cid)}", status_code=303)


@router.post("/disputes/{dispute_id}/decision")
def decision_form(dispute_id: int, request: Request, st: Annotated[State, Depends(state)],
                  scope: Annotated[AccessScope, Depends(page_scope)], upheld: Annotated[str, Form()],
                  comment: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> RedirectResponse:
    _check_csrf(request, csrf)
    st.store.decide_dispute(scope, dispute_id, upheld == "yes", comment, st.rulebook)
    return RedirectResponse("/disputes", status_code=303)


@router.get("/disputes", response_class=HTMLResponse)
def disputes_page(request: Request, st: Annotated[State, Depends(state)],
                  scope: Annotated[AccessScope, Depends(page_scope)]) -> HTMLResponse:
    rates = st.store.dispute_rates() if scope.role != "operator" else []
    return _render(request, "disputes.html", disputes=st.store.disputes(scope), rates=rates, role=scope.role)


@router.get("/calibration", response_class=HTMLResponse)
def calibration_page(request: Request, st: Annotated[State, Depends(state)],
                     scope: Annotated[AccessScope, Depends(page_scope)]) -> HTMLResponse:
    if scope.role == "operator":
        raise HTTPException(403, "supervisors and admins only")
    return _render(request, "calibration.html", cal=st.store.calibration(scope))


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request, st: Annotated[State, Depends(state)],
               scope: Annotated[AccessScope, Depends(page_scope)]) -> HTMLResponse:
    return _render(request, "rules.html", rules=list(st.rulebook.rules.values()), rulebook=st.rulebook)


@router.get("/rules/{code}", response_class=HTMLResponse)
def rule_page(code: str, request: Request, st: Annotated[State, Depends(state)],
              scope: Annotated[AccessScope, Depends(page_scope)]) -> HTMLResponse:
    spec = st.rulebook.rules.get(code.upper())
    if spec is None:
        raise NotFound(code)
    return _render(request, "rule.html", spec=spec, doc=rule_markdown(spec))


@router.get("/rulebook", response_class=HTMLResponse)
def rulebook_page(request: Request, st: Annotated[State, Depends(state)],
                  scope: Annotated[AccessScope, Depends(page_scope)]) -> HTMLResponse:
    if scope.role != "admin":
        raise HTTPException(403, "admins only")
    import yaml

    settings = yaml.safe_dump(st.rulebook.settings, allow_unicode=True, sort_keys=False)
    return _render(request, "rulebook.html", rulebook=st.rulebook, settings=settings)


@router.get("/console", response_class=HTMLResponse)
def console_page(request: Request, scope: Annotated[AccessScope, Depends(page_scope)]) -> HTMLResponse:
    return _render(request, "console.html")
