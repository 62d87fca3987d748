"""Projections follow the event log and keep read models; the runner tracks their positions."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import ApplicationRecorder, Mapper
from eventsourcing.utils import get_topic

from projections.store import Cursor, ReadStore

log = structlog.get_logger("autotrans.projections")

DDL_LOCK = 7_294_301  # PostgreSQL advisory lock id for creating read-model tables


def _lock_id(name: str) -> int:
    """A stable PostgreSQL advisory lock id for one projection."""
    return zlib.crc32(f"autotrans-projection:{name}".encode()) & 0x7FFFFFFF


POSITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS rm_positions (name TEXT PRIMARY KEY, position INTEGER NOT NULL)"
)


def topics(aggregate: type, *events: str) -> list[str]:
    """The stored topics of an aggregate's events, e.g. `domain.invoice:Invoice.Produced`."""
    return [get_topic(getattr(aggregate, name)) for name in events]


def iso(value: datetime | None) -> str | None:
    """Times in read models: UTC ISO 8601 text, which sorts in time order."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def plain(value: Any) -> Any:
    """A JSON-able copy of an event attribute."""
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return value


def event_data(event: Any) -> dict[str, Any]:
    """The facts an event carries, without the envelope."""
    skip = {"originator_id", "originator_version", "timestamp", "originator_topic"}
    return {k: plain(v) for k, v in event.__dict__.items() if k not in skip}


def dumps(data: Any) -> str:
    return json.dumps(plain(data), sort_keys=True, ensure_ascii=False)


class Projection:
    """A read model: its tables, the event topics it follows and how each event changes it."""

    name: str = ""
    topics: Sequence[str] = ()
    tables: Sequence[str] = ()
    ddl: Sequence[str] = ()

    def apply(self, cur: Cursor, event: DomainEventProtocol[Any], position: int) -> None:
        raise NotImplementedError


class ProjectionRunner:
    """Brings projections up to date with the log, in batches, each batch with its position."""

    def __init__(
        self,
        store: ReadStore,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        projections: Sequence[Projection],
        batch_size: int = 500,
    ) -> None:
        self.store = store
        self.recorder = recorder
        self.mapper = mapper
        self.projections = list(projections)
        self.batch_size = batch_size
        self.create_tables()

    def create_tables(self) -> None:
        with self.store.transaction() as cur:
            if self.store.dialect == "postgres":
                # Two processes starting on a fresh schema would race on CREATE TABLE.
                cur.execute("SELECT pg_advisory_xact_lock(?)", (DDL_LOCK,))
            cur.execute(POSITIONS_DDL)
            for projection in self.projections:
                for statement in projection.ddl:
                    cur.execute(statement)

    def position(self, name: str) -> int:
        rows = self.store.query("SELECT position FROM rm_positions WHERE name = ?", (name,))
        return int(rows[0]["position"]) if rows else 0

    def lag(self) -> dict[str, int]:
        """Events in the log not yet seen by each projection."""
        head = self.recorder.max_notification_id() or 0
        return {p.name: max(0, head - self.position(p.name)) for p in self.projections}

    def catch_up(self) -> int:
        """Apply every new event to every projection; return how many were applied."""
        return sum(self._catch_up(p) for p in self.projections)

    def _catch_up(self, projection: Projection) -> int:
        """Apply new events in batches. The position is read and written inside the batch's
        transaction, under a lock, so two processes never apply the same event twice."""
        applied = 0
        while True:
            head = self.recorder.max_notification_id() or 0
            with self.store.transaction() as cur:
                if self.store.dialect == "postgres":
                    cur.execute("SELECT pg_advisory_xact_lock(?)", (_lock_id(projection.name),))
                # SQLite: the store's transactions begin IMMEDIATE, one writer at a time.
                cur.execute("SELECT position FROM rm_positions WHERE name = ?", (projection.name,))
                row = cur.fetchone()
                position = int(row["position"]) if row else 0
                if position >= head:
                    return applied
                notifications = self.recorder.select_notifications(
                    start=position + 1,
                    limit=self.batch_size,
                    stop=head,
                    topics=list(projection.topics),
                )
                for notification in notifications:
                    event = self.mapper.to_domain_event(notification)
                    projection.apply(cur, event, notification.id)
                # Past the last batch, events of other topics are seen too: move to the head.
                full = len(notifications) == self.batch_size
                cur.execute(
                    "INSERT INTO rm_positions (name, position) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                    (projection.name, notifications[-1].id if full else head),
                )
            applied += len(notifications)

    def rebuild(self) -> int:
        """Drop every read model and build it again from the first event."""
        with self.store.transaction() as cur:
            for projection in self.projections:
                for table in projection.tables:
                    cur.execute(f"DROP TABLE IF EXISTS {table}")
            cur.execute("DELETE FROM rm_positions")
        self.create_tables()
        count = self.catch_up()
        log.info("projections.rebuilt", events=count)
        return count
