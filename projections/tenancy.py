"""What each tenant may see: invoices scoped to a client, an accounting office or everyone,
page by page (keyset on production time and id, so pages stay stable while invoices arrive)."""

from __future__ import annotations

from typing import Any

from projections.queries import INVOICE_COLUMNS, equal_to
from projections.store import ReadStore


def scope_sql(role: str, tenant: str) -> tuple[str, list[str]]:
    """The WHERE clause (without WHERE) limiting invoices to what `tenant` in `role` may see."""
    if role == "operator":
        return "1 = 1", []
    if role == "client":
        return "client = ?", [tenant]
    if role == "accounting-office":
        return "(client = ? OR accounting_office = ?)", [tenant, tenant]
    if role == "recipient":
        return "(receiver = ? AND channel = 'autotrans' AND state = 'delivered')", [tenant]
    return "1 = 0", []


def invoice_page(
    store: ReadStore,
    *,
    role: str,
    tenant: str,
    state: str | None = None,
    since: str | None = None,
    customer: str | None = None,
    client: str | None = None,
    after: tuple[str, str] | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Up to `limit` invoices visible to the tenant, oldest first, after the (time, id) `after`."""
    scope, params = scope_sql(role, tenant)
    where = [scope]
    equal_to(where, params, ("state", state), ("receiver", customer), ("client", client))
    if since is not None:
        where.append("produced_at >= ?")
        params.append(since)
    if after is not None:
        where.append("(produced_at > ? OR (produced_at = ? AND invoice_id > ?))")
        params.extend([after[0], after[0], after[1]])
    sql = (
        f"SELECT {INVOICE_COLUMNS} FROM rm_invoices WHERE {' AND '.join(where)} "
        f"ORDER BY produced_at, invoice_id LIMIT {int(limit)}"
    )
    return store.query(sql, params)


def visible_invoice(
    store: ReadStore, *, role: str, tenant: str, invoice_id: str
) -> dict[str, Any] | None:
    """One invoice's status row if the tenant may see it."""
    scope, params = scope_sql(role, tenant)
    rows = store.query(
        f"SELECT {INVOICE_COLUMNS} FROM rm_invoices WHERE invoice_id = ? AND {scope}",
        [invoice_id, *params],
    )
    return rows[0] if rows else None
