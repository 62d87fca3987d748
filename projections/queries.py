"""Questions answered from the read models: invoice status, inbox, directory, suggestions."""

from __future__ import annotations

from typing import Any

from projections.store import ReadStore

INVOICE_COLUMNS = (
    "invoice_id, number, document_type, sender, receiver, seller_name, buyer_name, client, "
    "accounting_office, submitted_by, currency, payable, issue_date, due_date, state, channel, "
    "destination, transmission_id, attempts, last_error, why, produced_at, delivered_at, "
    "billed_month, unit_price, recipient_state, recipient_reason, updated_at"
)


class AmbiguousId(LookupError):
    """A shortened id that matches more than one invoice."""


def equal_to(where: list[str], params: list[Any], *pairs: tuple[str, object | None]) -> None:
    """Add `column = ?` to `where` for each (column, value) whose value is given."""
    for column, value in pairs:
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)


def find_invoice_ids(store: ReadStore, text: str, receiver: str | None = None) -> list[str]:
    """Invoice ids matching a full id, a unique prefix (8+ characters) or an invoice number;
    with `receiver`, only among the invoices sent to it."""
    text = text.strip()
    key = text.lower()
    sql = (
        "SELECT invoice_id FROM rm_invoices WHERE (invoice_id = ? OR number = ? "
        "OR (? AND invoice_id LIKE ?))"
    )
    params: list[Any] = [key, text, len(key) >= 8, key.replace("%", "") + "%"]
    if receiver is not None:
        sql += " AND receiver = ?"
        params.append(receiver)
    rows = store.query(sql + " ORDER BY produced_at", params)
    return [r["invoice_id"] for r in rows]


def invoices(
    store: ReadStore,
    *,
    state: str | None = None,
    invoice_id: str | None = None,
    client: str | None = None,
    receiver: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Invoices by state, id, client or receiver, oldest first."""
    where: list[str] = []
    params: list[Any] = []
    equal_to(
        where,
        params,
        ("state", state),
        ("invoice_id", invoice_id),
        ("client", client),
        ("receiver", receiver),
    )
    sql = f"SELECT {INVOICE_COLUMNS} FROM rm_invoices"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY produced_at, invoice_id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return store.query(sql, params)


def inbox(store: ReadStore, participant: str) -> list[dict[str, Any]]:
    """What a participant has received in its AutoTrans inbox, oldest first."""
    return store.query(
        "SELECT invoice_id, number, document_type, sender, seller_name, currency, payable, "
        "issue_date, due_date, delivered_at, COALESCE(recipient_state, 'new') AS recipient_state, "
        "recipient_reason FROM rm_invoices WHERE receiver = ? AND channel = 'autotrans' "
        "AND state = 'delivered' ORDER BY delivered_at, invoice_id",
        (participant,),
    )


def participants(store: ReadStore) -> list[dict[str, Any]]:
    return store.query(
        "SELECT participant, name, document_types, active, registered_at FROM rm_participants "
        "ORDER BY participant"
    )


def clients(store: ReadStore) -> list[dict[str, Any]]:
    return store.query(
        "SELECT client, name, accounting_office, enrolled_at FROM rm_clients ORDER BY client"
    )


def customers(store: ReadStore, client: str) -> list[dict[str, Any]]:
    return store.query(
        "SELECT customer, channel, address, options FROM rm_customers WHERE client = ? "
        "ORDER BY customer",
        (client,),
    )


def suggestions(store: ReadStore, client: str) -> list[dict[str, Any]]:
    """Customers of `client` (in its register or invoiced before) reachable in the registry
    but not yet set to the AutoTrans channel."""
    return store.query(
        "SELECT p.participant AS customer, p.name AS name, "
        "COALESCE(c.channel, 'none') AS current_channel "
        "FROM rm_participants p LEFT JOIN rm_customers c "
        "ON c.client = ? AND c.customer = p.participant "
        "WHERE p.active = 1 AND COALESCE(c.channel, '') <> 'autotrans' AND ("
        "c.customer IS NOT NULL OR EXISTS (SELECT 1 FROM rm_invoices i "
        "WHERE i.client = ? AND i.receiver = p.participant)) ORDER BY p.participant",
        (client, client),
    )


def failing(
    store: ReadStore,
    *,
    channel: str | None = None,
    client: str | None = None,
    since: str | None = None,
    invoice_id: str | None = None,
) -> list[dict[str, Any]]:
    """Dead letters and failing deliveries (and invoices with no route), with the last error.

    `since` is an ISO date or time (UTC); it filters on the last change.
    """
    where = [
        "(t.state IN ('retrying', 'failed', 'abandoned') OR (t.transmission_id IS NULL "
        "AND i.state = 'failed'))"
    ]
    params: list[Any] = []
    equal_to(
        where, params, ("i.channel", channel), ("i.client", client), ("i.invoice_id", invoice_id)
    )
    if since is not None:
        where.append("i.updated_at >= ?")
        params.append(since)
    return store.query(
        "SELECT i.invoice_id, i.number, i.client, i.receiver, i.channel, i.destination, "
        "COALESCE(t.state, i.state) AS state, COALESCE(t.attempts, 0) AS attempts, "
        "t.next_attempt_at, COALESCE(t.last_error, i.last_error) AS last_error, i.updated_at "
        "FROM rm_invoices i LEFT JOIN rm_transmissions t ON t.transmission_id = i.transmission_id "
        "WHERE " + " AND ".join(where) + " ORDER BY i.updated_at, i.invoice_id",
        params,
    )
