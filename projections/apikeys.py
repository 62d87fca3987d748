"""API keys read model: which keys exist, for whom, in which role; never the key or its hash."""

from __future__ import annotations

from typing import Any

from domain.apikeys import ApiKey
from projections.base import Projection, iso, topics
from projections.store import Cursor, ReadStore


class ApiKeyList(Projection):
    """One row per API key: id, tenant, role, label, when issued and revoked."""

    name = "apikeys"
    topics = topics(ApiKey, "Issued", "Revoked")
    tables = ("rm_apikeys",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS rm_apikeys (
            key_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, role TEXT NOT NULL,
            label TEXT NOT NULL, issued_at TEXT NOT NULL, revoked_at TEXT)""",
    )

    def apply(self, cur: Cursor, event: Any, position: int) -> None:
        oid = str(event.originator_id)
        if isinstance(event, ApiKey.Issued):
            cur.execute(
                "INSERT INTO rm_apikeys (key_id, tenant, role, label, issued_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING",
                (oid, event.tenant, event.role, event.label, iso(event.at)),
            )
        elif isinstance(event, ApiKey.Revoked):
            cur.execute(
                "UPDATE rm_apikeys SET revoked_at = ? WHERE key_id = ?", (iso(event.at), oid)
            )


def api_keys(store: ReadStore, tenant: str | None = None) -> list[dict[str, Any]]:
    """Every key (or one tenant's), oldest first."""
    sql = "SELECT key_id, tenant, role, label, issued_at, revoked_at FROM rm_apikeys"
    params: list[str] = []
    if tenant:
        sql += " WHERE tenant = ?"
        params.append(tenant)
    return store.query(sql + " ORDER BY issued_at, key_id", params)
