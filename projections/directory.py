"""The recipient directory and the clients' customer registers, for look-ups and suggestions."""

from __future__ import annotations

from typing import Any

from domain.client import Client
from domain.registry import Participant
from projections.base import Projection, dumps, iso, topics
from projections.store import Cursor


class Directory(Projection):
    """Participants in the AutoTrans registry, enrolled clients and their customer registers."""

    name = "directory"
    topics = (
        *topics(Participant, "Registered", "Deregistered", "Reregistered"),
        *topics(Client, "Enrolled", "AccountingOfficeChanged", "CustomerSet", "CustomerRemoved"),
    )
    tables = ("rm_participants", "rm_clients", "rm_customers")
    ddl = (
        """CREATE TABLE IF NOT EXISTS rm_participants (
            participant_uuid TEXT PRIMARY KEY, participant TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL, document_types TEXT NOT NULL, active INTEGER NOT NULL,
            registered_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS rm_clients (
            client_uuid TEXT PRIMARY KEY, client TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
            accounting_office TEXT, enrolled_at TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS rm_customers (
            client TEXT NOT NULL, customer TEXT NOT NULL, channel TEXT NOT NULL,
            address TEXT NOT NULL, options TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (client, customer))""",
    )

    def apply(self, cur: Cursor, event: Any, position: int) -> None:
        oid = str(event.originator_id)
        at = iso(event.timestamp)
        if isinstance(event, Participant.Registered):
            cur.execute(
                "INSERT INTO rm_participants (participant_uuid, participant, name, "
                "document_types, active, registered_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?) "
                "ON CONFLICT (participant_uuid) DO NOTHING",
                (oid, event.participant, event.name, ",".join(event.document_types), at, at),
            )
        elif isinstance(event, Participant.Deregistered):
            cur.execute(
                "UPDATE rm_participants SET active = 0, updated_at = ? WHERE participant_uuid = ?",
                (at, oid),
            )
        elif isinstance(event, Participant.Reregistered):
            cur.execute(
                "UPDATE rm_participants SET active = 1, name = ?, document_types = ?, "
                "updated_at = ? WHERE participant_uuid = ?",
                (event.name, ",".join(event.document_types), at, oid),
            )
        elif isinstance(event, Client.Enrolled):
            cur.execute(
                "INSERT INTO rm_clients (client_uuid, client, name, accounting_office, "
                "enrolled_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (client_uuid) DO NOTHING",
                (oid, event.client, event.name, event.accounting_office, at),
            )
        elif isinstance(event, Client.AccountingOfficeChanged):
            cur.execute(
                "UPDATE rm_clients SET accounting_office = ? WHERE client_uuid = ?",
                (event.accounting_office, oid),
            )
        elif isinstance(event, Client.CustomerSet):
            cur.execute(
                "INSERT INTO rm_customers (client, customer, channel, address, options, "
                "updated_at) SELECT client, ?, ?, ?, ?, ? FROM rm_clients WHERE client_uuid = ? "
                "ON CONFLICT (client, customer) DO UPDATE SET channel = excluded.channel, "
                "address = excluded.address, options = excluded.options, "
                "updated_at = excluded.updated_at",
                (event.customer, event.channel, event.address, dumps(event.options), at, oid),
            )
        elif isinstance(event, Client.CustomerRemoved):
            cur.execute(
                "DELETE FROM rm_customers WHERE customer = ? AND client = "
                "(SELECT client FROM rm_clients WHERE client_uuid = ?)",
                (event.customer, oid),
            )
