"""Workers that follow the event log: routing, delivery and billing, plus the projections.

Routing and billing react to events in batches saved atomically with their tracked position.
Delivery picks due transmissions from the delivery status read model, claims them by recording
`Attempted` before sending (optimistic concurrency makes a claim exclusive; a claim older than
the attempt timeout is a crashed attempt and is retried), delivers concurrently and records the
channels' answers. `run_until_idle` drives all of them until nothing is left to do now.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from adapters.channels.base import (
    Channel,
    DeliveryError,
    Destination,
    FailureKind,
    OutgoingDocument,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from adapters.documents import DocumentNotFound
from broker.application import AutoTrans, Batch
from domain.invoice import Invoice
from domain.transmission import Transmission
from projections.base import ProjectionRunner, iso
from projections.store import ReadStore

log = structlog.get_logger("autotrans.workers")


@dataclass
class Claim:
    """A claimed delivery: the transmission (Attempted recorded), its invoice, the options to
    use, and the document (or why it could not be read)."""

    transmission: Transmission
    invoice: Invoice
    options: dict[str, str]
    body: bytes | None = None
    unreadable: DeliveryError | None = None  # why the document could not be read
    failure: FailureKind | None = None  # what kind of failure the attempt had, if it failed

    @property
    def settled(self) -> bool:
        """Whether the aggregates say what happened (delivered, failed, released)."""
        return self.transmission.state != "attempting"


T = TypeVar("T")


class LogFollower:
    """Feeds the events of some topics to a reaction, once each, in log order.

    The reaction changes aggregates in a `Batch`; a batch is saved with the position of its last
    event in one transaction, so a crash or a racing worker can never make it happen twice. When
    another worker got there first the batch is dropped and the events are read again.
    """

    def __init__(
        self,
        app: AutoTrans,
        name: str,
        topics: Sequence[str],
        react: Callable[[Any, Batch], None],
        batch_size: int = 100,
    ) -> None:
        self.app = app
        self.name = name
        self.topics = list(topics)
        self.react = react
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
            batch = self.app.batch()
            for notification in notifications:
                self.react(self.app.mapper.to_domain_event(notification), batch)
            last = notifications[-1].id
            try:
                batch.save(Tracking(self.name, last))
            except IntegrityError:
                # Another worker recorded some of these first: read the position again.
                self._position = None
                continue
            self._position = last
            handled += len(notifications)


class DeliveryWorker:
    """Attempts due transmissions over their channels and records the outcome."""

    def __init__(
        self,
        app: AutoTrans,
        store: ReadStore,
        channels: Mapping[str, Channel],
        attempt_timeout: float,
        rng: Callable[[], float] = random.random,
        batch_size: int = 100,
        concurrency: int = 8,
    ) -> None:
        self.app = app
        self.store = store
        self.channels = channels
        self.attempt_timeout = attempt_timeout
        self.rng = rng
        self.batch_size = batch_size
        self.concurrency = concurrency
        # Called with (transmission, invoice, failure kind or None) after each attempt, e.g. to
        # count outcomes.
        self.observers: list[Callable[[Transmission, Invoice, FailureKind | None], None]] = []
        # The worker's database and document-store calls, one at a time, off the event loop:
        # in order, as they ran before, without threads of one worker waiting on each other's
        # write locks.
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="delivery-io")
        # Set when the service drains: the round in flight finishes, nothing new is claimed.
        self.draining = False

    async def _off_loop(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._io, partial(fn, *args))

    def close(self) -> None:
        self._io.shutdown(wait=True)

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
        """Deliver what is due, up to `concurrency` at a time. A transmission is claimed (records
        `Attempted`) right before it is sent, as soon as a slot is free; each outcome is recorded
        as soon as it is known. The database and document-store work of a turn (outcomes of the
        deliveries that just finished, claims for the free slots, their documents) is one call
        off the event loop, so a slow or locked database never stalls the loop (and the API),
        and a busy loop costs one thread hand-over per turn, not one per call.

        However the round ends (done, cancelled by shutdown, a database error), every claim it
        made leaves with its outcome recorded: delivered, failed, or released for a retry."""
        due = deque(await self._off_loop(self.due, self.app.clock(), self.batch_size))
        done = 0
        running: dict[asyncio.Task[Claim], Claim] = {}
        finished: list[Claim] = []
        try:
            while (due and not self.draining) or running or finished:
                free = 0 if self.draining else self.concurrency - len(running)
                ids = [due.popleft() for _ in range(min(free, len(due)))]
                settled, finished = finished, []
                claimed = await self._settle(settled, ids)
                self._observe(settled)
                for claim in claimed:
                    running[asyncio.create_task(self._deliver(claim))] = claim
                done += len(claimed)
                if running:
                    completed, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    finished.extend(running.pop(task) for task in completed)
                    for task in completed:
                        task.result()  # a bug in an attempt surfaces here; its claim is kept
        except BaseException:
            await self._wind_down(running, finished)
            raise
        return done

    async def _wind_down(
        self, running: dict[asyncio.Task[Claim], Claim], finished: list[Claim]
    ) -> None:
        """Stop the attempts in flight and record every claim's outcome; an attempt that had no
        outcome yet releases its claim, so any worker may try again at once."""
        for task in running:
            task.cancel()
        await _to_the_end(asyncio.gather(*running, return_exceptions=True))
        claims = [*finished, *running.values()]
        for claim in claims:
            if not claim.settled:
                self._interrupted(claim)
        await _to_the_end(self._off_loop(self._record_all, claims))
        self._observe(claims)

    async def _settle(self, finished: list[Claim], due: list[UUID]) -> list[Claim]:
        """Record the finished outcomes, then claim `due`, in one call off the loop. Cancelled
        meanwhile: the call still completes (a thread cannot be stopped), and what it claimed
        is released before the cancellation goes on."""
        if not finished and not due:
            return []
        call = asyncio.get_running_loop().run_in_executor(
            self._io, self._settle_now, finished, due, self.app.clock()
        )
        try:
            return await asyncio.shield(call)
        except asyncio.CancelledError:
            claimed = await _to_the_end(call)
            for claim in claimed:
                self._interrupted(claim)
            await _to_the_end(self._off_loop(self._record_all, claimed))
            raise

    def _settle_now(self, finished: list[Claim], due: list[UUID], now: datetime) -> list[Claim]:
        self._record_all(finished)
        claimed = self._claim(due, now) if due else []
        for claim in claimed:
            try:
                claim.body = self.app.document(claim.invoice)
            except DocumentNotFound as e:
                claim.unreadable = PermanentDeliveryError(f"document missing from the store: {e}")
            except Exception as e:  # a disk or network-share error: worth another try later
                claim.unreadable = TransientDeliveryError(
                    f"document cannot be read: {type(e).__name__}: {e}"
                )
        return claimed

    async def _deliver(self, claim: Claim) -> Claim:
        """Send one claimed transmission; the claim comes back with the aggregates changed to say
        what happened, to be recorded."""
        await self._attempt(claim)
        return claim

    def _observe(self, settled: list[Claim]) -> None:
        for claim in settled:
            for observe in self.observers:
                try:
                    observe(claim.transmission, claim.invoice, claim.failure)
                except Exception:
                    log.exception(
                        "delivery.observer_failed", transmission_id=str(claim.transmission.id)
                    )

    def _record_all(self, claims: list[Claim]) -> None:
        """Record each outcome on its own: one that cannot be saved (its transmission stays
        'attempting' and is retried after the attempt timeout) does not hold back the others."""
        for claim in claims:
            try:
                self._record_outcome(claim)
            except Exception:
                log.exception(
                    "delivery.outcome_not_recorded", transmission_id=str(claim.transmission.id)
                )

    def _record_outcome(self, claim: Claim) -> None:
        transmission, invoice = claim.transmission, claim.invoice
        try:
            self.app.record(None, transmission, invoice)
        except IntegrityError:
            # Our claim went stale (older than the attempt timeout) and another worker took it.
            log.warning(
                "delivery.claim_taken_over",
                transmission_id=str(transmission.id),
                invoice_id=str(invoice.id),
            )

    def _interrupted(self, claim: Claim) -> None:
        transmission, invoice = claim.transmission, claim.invoice
        at = self.app.clock()
        reason = "delivery interrupted by shutdown; the peer may or may not have it"
        transmission.fail(reason=reason, retryable=True, next_attempt_at=at, at=at)
        invoice.fail(reason=reason, final=False, transmission_id=transmission.id, at=at)

    def _claim(self, due: list[UUID], now: datetime) -> list[Claim]:
        """Record `Attempted` for each due transmission before anything is sent; the event store's
        optimistic concurrency makes each claim exclusive between workers."""
        reads = self.app.batch()

        def claim(transmission: Transmission) -> Claim:
            invoice = reads.get(transmission.invoice_id, Invoice)
            assert invoice is not None, f"transmission {transmission.id} has no invoice"
            transmission.attempt(at=now)
            return Claim(
                transmission, invoice, self.app.delivery_options(invoice, transmission, reads)
            )

        claimed = []
        for transmission_id in due:
            transmission = reads.get(transmission_id, Transmission)
            if transmission is not None and transmission.is_due(now, self.attempt_timeout):
                claimed.append(claim(transmission))
        try:
            self.app.record(None, *(c.transmission for c in claimed))
        except IntegrityError:
            # Another worker claimed some of them: claim one by one, keep what we got.
            mine = []
            for stale in claimed:
                fresh = self.app.get_transmission(stale.transmission.id)
                if fresh is None or not fresh.is_due(now, self.attempt_timeout):
                    continue
                attempt = claim(fresh)
                try:
                    self.app.record(None, fresh)
                except IntegrityError:
                    continue
                mine.append(attempt)
            return mine
        return claimed

    async def _attempt(self, claim: Claim) -> None:
        """Send over the channel and change the aggregates to say what happened."""
        transmission, invoice, options = claim.transmission, claim.invoice, claim.options
        bound = log.bind(
            invoice_id=str(invoice.id), transmission_id=str(transmission.id), client=invoice.client
        )
        destination = Destination(transmission.channel, transmission.destination, options)
        channel = self.channels.get(transmission.channel)
        try:
            if claim.unreadable is not None:
                raise claim.unreadable
            body = claim.body
            assert body is not None, "a claim has its document or the reason it has none"
            outgoing = outgoing_document(transmission, invoice, body)
            if channel is None:
                raise PermanentDeliveryError(
                    f"channel {transmission.channel} is not configured", kind="not_configured"
                )
            evidence = await channel.deliver(outgoing, destination)
        except DeliveryError as e:
            self._failed(transmission, invoice, e, bound)
            claim.failure = e.kind
            return
        except Exception as e:  # a channel bug must not stop the worker: treat it as transient
            bound.exception("delivery.crashed", channel=transmission.channel)
            self._failed(transmission, invoice, DeliveryError(f"{type(e).__name__}: {e}"), bound)
            claim.failure = "other"
            return
        at = self.app.clock()
        transmission.deliver(evidence=evidence.as_dict(), at=at)
        invoice.deliver(
            transmission_id=transmission.id,
            channel=transmission.channel,
            evidence=evidence.as_dict(),
            at=at,
        )
        bound.info("delivery.delivered", channel=transmission.channel, reference=evidence.reference)

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
        bound.warning(
            "delivery.failed",
            channel=transmission.channel,
            reason=reason,
            retryable=error.retryable,
            attempt=transmission.attempts,
            next_attempt_at=iso(next_at),
        )


def outgoing_document(
    transmission: Transmission, invoice: Invoice, body: bytes
) -> OutgoingDocument:
    """What a channel is handed for one transmission of an invoice."""
    return OutgoingDocument(
        transmission_id=str(transmission.id),
        invoice_id=str(invoice.id),
        document_type=invoice.document_type,
        number=invoice.number,
        seller_name=invoice.seller_name,
        buyer_name=invoice.buyer_name,
        body=body,
        sha256=invoice.document_hash,
    )


async def _to_the_end(awaitable: Awaitable[T]) -> T:
    """Await to completion even when cancelled meanwhile (the caller is cleaning up after a
    cancellation, and the work cannot be stopped halfway: a thread, claims to release)."""
    future = asyncio.ensure_future(awaitable)
    while not future.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(future)
    return future.result()


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
            [get_topic(Invoice.Produced), get_topic(Invoice.RoutingRetried)],
            lambda event, batch: app.route_invoice(event.originator_id, batch),
        )
        self.billing = LogFollower(
            app,
            "billing",
            [get_topic(Invoice.Delivered)],
            lambda event, batch: app.bill_invoice(event.originator_id, event.at, batch),
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
