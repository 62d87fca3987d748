"""Shared fixtures: the official EHF material, and services that must not be skipped in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest_plugins = ["tests.servers"]  # SMTP, FTP and SFTP servers on loopback

REPO = Path(__file__).resolve().parent.parent
EHF_DIR = REPO.parent / "shared" / "ehf"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip a test whose service or material is absent; in CI that is a failure, never a skip."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def ehf_dir() -> Path:
    """The official EHF/PEPPOL test material (../shared/ehf relative to the repository)."""
    if not EHF_DIR.is_dir():
        skip_or_fail(f"official EHF test material not found at {EHF_DIR} (../shared/ehf)")
    return EHF_DIR


PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres connect_timeout=3"


def postgres_available() -> str | None:
    """None when the test PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_DSN) as conn:
            conn.execute("SELECT 1")
    except Exception as e:
        return f"PostgreSQL at 127.0.0.1:5432 database 'test' unavailable: {e}"
    return None


@contextmanager
def _postgres_schema() -> Iterator[str]:
    """A fresh schema in the test PostgreSQL, dropped afterwards; its store URL."""
    reason = postgres_available()
    if reason:
        skip_or_fail(reason)
    import uuid

    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """An empty event store: SQLite in the test's data dir, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield None
        return
    with _postgres_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty PostgreSQL event store (a fresh schema), for PostgreSQL-only tests."""
    with _postgres_schema() as url:
        yield url
