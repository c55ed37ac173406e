"""`vezhlivo serve --demo`: the bundled examples and one user of each role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi import FastAPI

from ..ingest.canonical import read_canonical
from ..model import Conversation

DEMO_PASSWORDS = {"admin": "admin-demo", "supervisor": "supervisor-demo", "operator": "operator-demo"}


def examples_dir() -> Path | None:
    for candidate in (Path.cwd() / "examples", Path(__file__).resolve().parents[3] / "examples"):
        if candidate.is_dir():
            return candidate
    return None


def load_demo(app: FastAPI) -> Iterator[str]:
    st = app.state.vz
    folder = examples_dir()
    convs: list[Conversation] = []
    if folder is not None:
        for path in sorted(folder.glob("*.jsonl")):
            convs.extend(c for c in read_canonical(path) if isinstance(c, Conversation))
    for conv in convs:
        st.store.analyse_and_save(conv, st.engine, relink=False)
    st.store.reanalyse(st.engine)  # now every contact sees its whole client history
    first = next((c for c in convs if c.operator.id and c.operator.team), None)
    team = first.operator.team if first else None
    operator_id = first.operator.id if first else None
    st.store.create_user("admin", DEMO_PASSWORDS["admin"], "admin")
    st.store.create_user("supervisor", DEMO_PASSWORDS["supervisor"], "supervisor", team=team)
    st.store.create_user("operator", DEMO_PASSWORDS["operator"], "operator", operator_id=operator_id, team=team)
    token = st.store.create_token("admin", "demo")
    yield f"demo contacts loaded: {len(convs)}"
    yield f"demo API token: {token}"
    for role, password in DEMO_PASSWORDS.items():
        extra = {"supervisor": f" (team {team})", "operator": f" (operator {operator_id})"}.get(role, "")
        yield f"demo login: {role} / {password}{extra}"
