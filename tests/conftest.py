"""Shared fixtures: real databases (SQLite files and a PostgreSQL server), never mocks."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_DSN = os.environ.get("VEZHLIVO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_admin_url() -> str | None:
    try:
        import psycopg
    except ImportError:
        return None
    plain = PG_DSN.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(plain, connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception:
        return None
    return plain


@pytest.fixture(scope="session")
def pg_server() -> str | None:
    url = _pg_admin_url()
    if url is None and os.environ.get("VEZHLIVO_REQUIRE_PG"):
        pytest.fail(f"PostgreSQL is required (VEZHLIVO_REQUIRE_PG) but not reachable at {PG_DSN}")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database of each kind for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'vz.sqlite'}"
        return
    admin = request.getfixturevalue("pg_server")
    if admin is None:
        pytest.skip("PostgreSQL not reachable (set VEZHLIVO_TEST_PG)")
    import psycopg

    name = f"vz_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_DSN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        from sqlalchemy import create_engine

        create_engine(f"{base}/{name}").dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
