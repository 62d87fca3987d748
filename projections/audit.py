"""Audit index: every event of an invoice and its transmissions, in order, with its time."""

from __future__ import annotations

from typing import Any

from domain.billing import Statement
from domain.invoice import Invoice
from domain.transmission import Transmission
from projections.base import Projection, dumps, event_data, iso, topics
from projections.delivery_status import INVOICE_EVENTS, TRANSMISSION_EVENTS
from projections.store import Cursor, ReadStore


class AuditIndex(Projection):
    """Invoice id -> its events (and its transmissions' and billing events), time-indexed."""

    name = "audit"
    topics = (
        *topics(Invoice, *INVOICE_EVENTS),
        *topics(Transmission, *TRANSMISSION_EVENTS),
        *topics(Statement, "Billed"),
    )
    tables = ("rm_audit", "rm_audit_links")
    ddl = (
        """CREATE TABLE IF NOT EXISTS rm_audit (
            position INTEGER PRIMARY KEY, invoice_id TEXT NOT NULL, aggregate TEXT NOT NULL,
            aggregate_id TEXT NOT NULL, version INTEGER NOT NULL, event TEXT NOT NULL,
            at TEXT NOT NULL, data TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS rm_audit_invoice ON rm_audit (invoice_id, position)",
        "CREATE INDEX IF NOT EXISTS rm_audit_at ON rm_audit (at)",
        """CREATE TABLE IF NOT EXISTS rm_audit_links (
            transmission_id TEXT PRIMARY KEY, invoice_id TEXT NOT NULL)""",
    )

    def apply(self, cur: Cursor, event: Any, position: int) -> None:
        oid = str(event.originator_id)
        aggregate = type(event).__qualname__.split(".")[0]
        if isinstance(event, Invoice.Event):
            invoice_id = oid
        elif isinstance(event, Statement.Billed):
            invoice_id = str(event.invoice_id)
        else:
            if isinstance(event, Transmission.Routed):
                invoice_id = str(event.invoice_id)
                cur.execute(
                    "INSERT INTO rm_audit_links (transmission_id, invoice_id) VALUES (?, ?) "
                    "ON CONFLICT (transmission_id) DO NOTHING",
                    (oid, invoice_id),
                )
            else:
                cur.execute(
                    "SELECT invoice_id FROM rm_audit_links WHERE transmission_id = ?", (oid,)
                )
                row = cur.fetchone()
                if row is None:
                    return
                invoice_id = row["invoice_id"]
        cur.execute(
            "INSERT INTO rm_audit (position, invoice_id, aggregate, aggregate_id, version, event, "
            "at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (position) DO NOTHING",
            (
                position,
                invoice_id,
                aggregate,
                oid,
                event.originator_version,
                type(event).__name__,
                iso(event.timestamp),
                dumps(event_data(event)),
            ),
        )


def audit_trail(store: ReadStore, invoice_id: str) -> list[dict[str, Any]]:
    """The invoice's events in the order they were recorded."""
    return store.query(
        "SELECT position, at, aggregate, aggregate_id, version, event, data FROM rm_audit "
        "WHERE invoice_id = ? ORDER BY position",
        (invoice_id,),
    )
