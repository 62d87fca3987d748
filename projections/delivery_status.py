"""Delivery status: one row per invoice and per transmission, for `status`, `inbox` and workers."""

from __future__ import annotations

from typing import Any

from domain.invoice import Invoice
from domain.transmission import Transmission
from projections.base import Projection, iso, topics
from projections.store import Cursor

INVOICE_EVENTS = (
    "Produced",
    "Routed",
    "Delivered",
    "Failed",
    "Billed",
    "RoutingRetried",
    "Received",
    "Approved",
    "Rejected",
)
TRANSMISSION_EVENTS = ("Routed", "Attempted", "Delivered", "Failed", "Abandoned", "Replayed")


class DeliveryStatus(Projection):
    """Where every invoice and transmission stands now."""

    name = "delivery_status"
    topics = (*topics(Invoice, *INVOICE_EVENTS), *topics(Transmission, *TRANSMISSION_EVENTS))
    tables = ("rm_invoices", "rm_transmissions")
    ddl = (
        """CREATE TABLE IF NOT EXISTS rm_invoices (
            invoice_id TEXT PRIMARY KEY, number TEXT NOT NULL, document_type TEXT NOT NULL,
            sender TEXT NOT NULL, receiver TEXT NOT NULL, seller_name TEXT, buyer_name TEXT,
            client TEXT NOT NULL, accounting_office TEXT, submitted_by TEXT NOT NULL,
            currency TEXT, payable TEXT, issue_date TEXT, due_date TEXT, document_hash TEXT,
            state TEXT NOT NULL, channel TEXT, destination TEXT, transmission_id TEXT,
            attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, why TEXT,
            produced_at TEXT NOT NULL, delivered_at TEXT, billed_month TEXT, unit_price TEXT,
            recipient_state TEXT, recipient_reason TEXT, updated_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS rm_invoices_state ON rm_invoices (state, updated_at)",
        "CREATE INDEX IF NOT EXISTS rm_invoices_receiver ON rm_invoices (receiver, channel)",
        "CREATE INDEX IF NOT EXISTS rm_invoices_client ON rm_invoices (client)",
        "CREATE INDEX IF NOT EXISTS rm_invoices_transmission ON rm_invoices (transmission_id)",
        """CREATE TABLE IF NOT EXISTS rm_transmissions (
            transmission_id TEXT PRIMARY KEY, invoice_id TEXT NOT NULL, client TEXT,
            channel TEXT NOT NULL, destination TEXT NOT NULL, state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL,
            next_attempt_at TEXT, attempt_started_at TEXT, last_error TEXT,
            updated_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS rm_transmissions_state ON rm_transmissions (state)",
    )

    def apply(self, cur: Cursor, event: Any, position: int) -> None:
        at = iso(event.timestamp)
        oid = str(event.originator_id)
        if isinstance(event, Invoice.Event):
            self._invoice(cur, event, oid, at)
        else:
            self._transmission(cur, event, oid, at)

    def _invoice(self, cur: Cursor, event: Any, oid: str, at: str | None) -> None:
        def update(sql: str, *params: Any) -> None:
            cur.execute(
                f"UPDATE rm_invoices SET {sql}, updated_at = ? WHERE invoice_id = ?",
                (*params, at, oid),
            )

        if isinstance(event, Invoice.Produced):
            cur.execute(
                "INSERT INTO rm_invoices (invoice_id, number, document_type, sender, receiver, "
                "seller_name, buyer_name, client, accounting_office, submitted_by, currency, "
                "payable, issue_date, due_date, document_hash, state, produced_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'produced', ?, ?) "
                "ON CONFLICT (invoice_id) DO NOTHING",
                (
                    oid,
                    event.number,
                    event.document_type,
                    event.sender,
                    event.receiver,
                    event.seller_name,
                    event.buyer_name,
                    event.client,
                    event.accounting_office,
                    event.submitted_by,
                    event.currency,
                    str(event.payable),
                    event.issue_date,
                    event.due_date,
                    event.document_hash,
                    at,
                    at,
                ),
            )
        elif isinstance(event, Invoice.Routed):
            update(
                "state = 'routed', channel = ?, destination = ?, transmission_id = ?, why = ?, "
                "last_error = NULL",
                event.channel,
                event.destination,
                str(event.transmission_id),
                event.why,
            )
        elif isinstance(event, Invoice.Delivered):
            update("state = 'delivered', delivered_at = ?, last_error = NULL", iso(event.at))
        elif isinstance(event, Invoice.Failed):
            update(
                "state = ?, last_error = ?", "failed" if event.final else "retrying", event.reason
            )
        elif isinstance(event, Invoice.RoutingRetried):
            update("state = 'produced', last_error = NULL")
        elif isinstance(event, Invoice.Billed):
            update("billed_month = ?, unit_price = ?", event.month, str(event.unit_price))
        elif isinstance(event, Invoice.Received):
            update("recipient_state = 'received'")
        elif isinstance(event, Invoice.Approved):
            update("recipient_state = 'approved'")
        elif isinstance(event, Invoice.Rejected):
            update("recipient_state = 'rejected', recipient_reason = ?", event.reason)

    def _transmission(self, cur: Cursor, event: Any, oid: str, at: str | None) -> None:
        def update(sql: str, *params: Any) -> None:
            cur.execute(
                f"UPDATE rm_transmissions SET {sql}, updated_at = ? WHERE transmission_id = ?",
                (*params, at, oid),
            )

        if isinstance(event, Transmission.Routed):
            cur.execute(
                "INSERT INTO rm_transmissions (transmission_id, invoice_id, client, channel, "
                "destination, state, max_attempts, updated_at) "
                "SELECT ?, ?, client, ?, ?, 'pending', ?, ? FROM rm_invoices WHERE invoice_id = ? "
                "ON CONFLICT (transmission_id) DO NOTHING",
                (
                    oid,
                    str(event.invoice_id),
                    event.channel,
                    event.destination,
                    event.max_attempts,
                    at,
                    str(event.invoice_id),
                ),
            )
        elif isinstance(event, Transmission.Attempted):
            update(
                "state = 'attempting', attempts = ?, attempt_started_at = ?",
                event.attempt,
                iso(event.at),
            )
            cur.execute(
                "UPDATE rm_invoices SET attempts = attempts + 1 WHERE transmission_id = ?", (oid,)
            )
        elif isinstance(event, Transmission.Delivered):
            update("state = 'delivered', next_attempt_at = NULL, last_error = NULL")
        elif isinstance(event, Transmission.Failed):
            update(
                "state = ?, next_attempt_at = ?, last_error = ?",
                "retrying" if event.next_attempt_at is not None else "failed",
                iso(event.next_attempt_at),
                event.reason,
            )
        elif isinstance(event, Transmission.Abandoned):
            update("state = 'abandoned', next_attempt_at = NULL, last_error = ?", event.reason)
        elif isinstance(event, Transmission.Replayed):
            update("state = 'pending', attempts = 0, next_attempt_at = NULL")
            cur.execute(
                "UPDATE rm_invoices SET state = 'routed', last_error = NULL, updated_at = ? "
                "WHERE transmission_id = ? AND state <> 'delivered'",
                (at, oid),
            )
