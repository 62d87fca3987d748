"""Workers that follow the event log: routing, delivery and billing, plus the projections.

Routing and billing react to events with a tracked position (saved atomically with what they
record). Delivery picks due transmissions from the delivery status read model, claims each one
by recording `Attempted` (optimistic concurrency makes the claim exclusive) and records the
channel's answer. `run_until_idle` drives all of them until nothing is left to do now.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from adapters.channels.base import (
    Channel,
    DeliveryError,
    Destination,
    OutgoingDocument,
    PermanentDeliveryError,
)
from broker.application import AutoTrans
from domain.invoice import Invoice
from domain.transmission import Transmission
from projections.base import ProjectionRunner, iso
from projections.store import ReadStore

log = structlog.get_logger("autotrans.workers")


class LogFollower:
    """Feeds the events of some topics to a handler, once each, in log order."""

    def __init__(
        self,
        app: AutoTrans,
        name: str,
        topics: Sequence[str],
        handle: Callable[[Any, Tracking], None],
        batch_size: int = 200,
    ) -> None:
        self.app = app
        self.name = name
        self.topics = list(topics)
        self.handle = handle
        self.batch_size = batch_size
        self._position: int | None = None

    @property
    def position(self) -> int:
        if self._position is None:
            self._position = self.app.process_recorder.max_tracking_id(self.name) or 0
        return self._position

    def catch_up(self) -> int:
        handled = 0
        while True:
            notifications = self.app.recorder.select_notifications(
                start=self.position + 1, limit=self.batch_size, topics=self.topics
            )
            if not notifications:
                return handled
            for notification in notifications:
                event = self.app.mapper.to_domain_event(notification)
                try:
                    self.handle(event, Tracking(self.name, notification.id))
                except IntegrityError:
                    # Another worker handled it (or one of its aggregates) first: re-read.
                    self._position = None
                    break
                self._position = notification.id
                handled += 1


class DeliveryWorker:
    """Attempts due transmissions over their channels and records the outcome."""

    def __init__(
        self,
        app: AutoTrans,
        store: ReadStore,
        channels: Mapping[str, Channel],
        attempt_timeout: float,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.app = app
        self.store = store
        self.channels = channels
        self.attempt_timeout = attempt_timeout
        self.rng = rng

    def due(self, now: datetime, limit: int = 500) -> list[UUID]:
        """Transmissions whose next attempt is due (by the read model; the aggregate decides)."""
        stale = iso(now.fromtimestamp(now.timestamp() - self.attempt_timeout, now.tzinfo))
        rows = self.store.query(
            "SELECT transmission_id FROM rm_transmissions WHERE state = 'pending' "
            "OR (state = 'retrying' AND next_attempt_at <= ?) "
            "OR (state = 'attempting' AND attempt_started_at <= ?) "
            "ORDER BY updated_at LIMIT ?",
            (iso(now), stale, limit),
        )
        return [UUID(r["transmission_id"]) for r in rows]

    def next_due_at(self) -> datetime | None:
        rows = self.store.query(
            "SELECT MIN(next_attempt_at) AS at FROM rm_transmissions WHERE state = 'retrying'"
        )
        at = rows[0]["at"] if rows else None
        return datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None

    async def deliver_due(self) -> int:
        count = 0
        for transmission_id in self.due(self.app.clock()):
            if await self.deliver(transmission_id):
                count += 1
        return count

    async def deliver(self, transmission_id: UUID) -> bool:
        """One attempt; False when the transmission was not due after all (or taken)."""
        app = self.app
        now = app.clock()
        transmission = app.get_transmission(transmission_id)
        if transmission is None or not transmission.is_due(now, self.attempt_timeout):
            return False
        invoice = app.get_invoice(transmission.invoice_id)
        assert invoice is not None
        bound = log.bind(
            invoice_id=str(invoice.id), transmission_id=str(transmission.id), client=invoice.client
        )
        transmission.attempt(at=now)
        try:
            app.record(None, transmission)
        except IntegrityError:
            return False  # another worker claimed this attempt
        outgoing = OutgoingDocument(
            transmission_id=str(transmission.id),
            invoice_id=str(invoice.id),
            document_type=invoice.document_type,
            number=invoice.number,
            seller_name=invoice.seller_name,
            buyer_name=invoice.buyer_name,
            body=app.document(invoice),
            sha256=invoice.document_hash,
        )
        destination = Destination(
            transmission.channel, transmission.destination, transmission.options
        )
        channel = self.channels.get(transmission.channel)
        try:
            if channel is None:
                raise PermanentDeliveryError(f"channel {transmission.channel} is not configured")
            evidence = await channel.deliver(outgoing, destination)
        except DeliveryError as e:
            self._failed(transmission, invoice, e, bound)
            return True
        except Exception as e:  # a channel bug must not kill the worker: treat as transient
            bound.exception("delivery.crashed", channel=transmission.channel)
            self._failed(transmission, invoice, DeliveryError(f"{type(e).__name__}: {e}"), bound)
            return True
        at = app.clock()
        transmission.deliver(evidence=evidence.as_dict(), at=at)
        invoice.deliver(
            transmission_id=transmission.id,
            channel=transmission.channel,
            evidence=evidence.as_dict(),
            at=at,
        )
        app.record(None, transmission, invoice)
        bound.info("delivery.delivered", channel=transmission.channel, reference=evidence.reference)
        return True

    def _failed(
        self, transmission: Transmission, invoice: Invoice, error: DeliveryError, bound: Any
    ) -> None:
        at = self.app.clock()
        reason = str(error) or type(error).__name__
        policy = self.app.retry_policy(transmission.channel)
        next_at = (
            policy.next_attempt_at(transmission.attempts, at, self.rng())
            if error.retryable and transmission.attempts < transmission.max_attempts
            else None
        )
        transmission.fail(reason=reason, retryable=error.retryable, next_attempt_at=next_at, at=at)
        if next_at is None:
            why = "permanent failure" if not error.retryable else "retries exhausted"
            transmission.abandon(reason=f"{why}: {reason}", at=at)
        invoice.fail(reason=reason, final=next_at is None, transmission_id=transmission.id, at=at)
        self.app.record(None, transmission, invoice)
        bound.warning(
            "delivery.failed",
            channel=transmission.channel,
            reason=reason,
            retryable=error.retryable,
            attempt=transmission.attempts,
            next_attempt_at=iso(next_at),
        )


class Processor:
    """Everything that happens after a submission, run in-process until there is nothing to do."""

    def __init__(
        self,
        app: AutoTrans,
        projections: ProjectionRunner,
        delivery: DeliveryWorker,
    ) -> None:
        self.app = app
        self.projections = projections
        self.delivery = delivery
        self.routing = LogFollower(
            app,
            "routing",
            [get_topic(Invoice.Produced)],
            lambda event, tracking: app.route_invoice(event.originator_id, tracking),
        )
        self.billing = LogFollower(
            app,
            "billing",
            [get_topic(Invoice.Delivered)],
            lambda event, tracking: app.bill_invoice(event.originator_id, event.at, tracking),
        )

    async def run_once(self) -> int:
        done = self.routing.catch_up()
        done += self.projections.catch_up()
        done += await self.delivery.deliver_due()
        done += self.billing.catch_up()
        done += self.projections.catch_up()
        return done

    async def run_until_idle(self, max_rounds: int = 1000) -> None:
        for _ in range(max_rounds):
            if not await self.run_once():
                return
