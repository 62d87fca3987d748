"""A small SQL store for read models: SQLite by default, PostgreSQL when scaled out.

Projections write plain SQL with `?` placeholders; this store adapts them for psycopg. A
projection's rows and its position are written in one transaction, so a restart never counts
an event twice and never skips one.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

Row = dict[str, Any]


class Cursor(Protocol):
    """What a projection sees inside a transaction."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def fetchall(self) -> list[Row]: ...

    def fetchone(self) -> Row | None: ...


class ReadStore:
    """Connection to the read-model database, with `transaction()` and `query()`."""

    dialect: str

    def transaction(self) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.transaction() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())

    def close(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class _SQLiteCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._c = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._c.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._c.executemany(sql, rows)

    def fetchall(self) -> list[Row]:
        return [dict(r) for r in self._c.fetchall()]

    def fetchone(self) -> Row | None:
        r = self._c.fetchone()
        return None if r is None else dict(r)


class SQLiteReadStore(ReadStore):
    """Read models in a SQLite file (WAL, so readers never wait for the projection writer)."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=30
        )
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self._lock:
            cursor = self._conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield _SQLiteCursor(cursor)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            else:
                cursor.execute("COMMIT")
            finally:
                cursor.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


_PLACEHOLDER = re.compile(r"\?")


class _PostgresCursor:
    def __init__(self, cursor: Any) -> None:
        self._c = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._c.execute(_PLACEHOLDER.sub("%s", sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._c.executemany(_PLACEHOLDER.sub("%s", sql), rows)

    def fetchall(self) -> list[Row]:
        return list(self._c.fetchall())

    def fetchone(self) -> Row | None:
        row = self._c.fetchone()
        return None if row is None else dict(row)


class PostgresReadStore(ReadStore):
    """Read models in PostgreSQL, in the schema the event store uses. A small connection pool
    checks connections before use, so the store survives a database restart."""

    dialect = "postgres"

    def __init__(self, conninfo: str, schema: str = "", max_size: int = 4) -> None:
        import psycopg
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        if schema:
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')

        def configure(conn: Any) -> None:
            if schema:
                conn.execute(f'SET search_path TO "{schema}"')

        self._pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_size,
            kwargs={"row_factory": dict_row, "autocommit": True, "connect_timeout": 5},
            configure=configure,
            check=ConnectionPool.check_connection,
            open=True,
            timeout=30,
        )

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with (
            self._pool.connection() as conn,
            conn.transaction(),
            conn.cursor() as cursor,
        ):
            yield _PostgresCursor(cursor)

    def close(self) -> None:
        self._pool.close()
