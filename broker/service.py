"""The long-running service: workers as asyncio tasks following the log, and their drain.

Each worker (routing, delivery, billing, projections) loops on one step of `Processor`: it runs
while there is work, then sleeps until woken (an API command, another worker's progress) or until
the poll interval passes (work recorded by other processes on the same store). Several processes
may run them on one store: reactions are saved with their tracking position and deliveries are
claimed by recording `Attempted` first, so nothing happens twice. A later Kafka ingress or relay is
one more worker with the same `step` shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog
from lxml import etree

from adapters.channels.base import FAILURE_KINDS, FailureKind
from broker.application import Validator
from broker.bootstrap import Broker, bootstrap
from broker.settings import Settings, SettingsError
from domain.billing import billing_month
from domain.client import CHANNELS
from domain.findings import Finding
from domain.invoice import Invoice
from domain.transmission import Transmission
from domain.validation import validate
from ops import metrics

log = structlog.get_logger("autotrans.service")


@dataclass(frozen=True)
class ServiceSettings:
    """How `serve` runs: where it listens, how often workers poll, how long a drain may take."""

    host: str = "127.0.0.1"
    port: int = 8080
    poll_seconds: float = 0.5
    batch_seconds: float = 0.02
    drain_seconds: float = 30.0
    ready_max_lag: int = 10_000
    workers: bool = True
    # Submissions checked at once. Checking is CPU work under one interpreter lock: more at once
    # is not faster, it only starves routing and delivery (measured: ops/bench/api.py).
    submit_concurrency: int = 1

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ServiceSettings:
        """From AUTOTRANS_HTTP_HOST/_PORT, AUTOTRANS_POLL_SECONDS, AUTOTRANS_BATCH_SECONDS,
        AUTOTRANS_DRAIN_SECONDS, AUTOTRANS_READY_MAX_LAG, AUTOTRANS_SUBMIT_CONCURRENCY; explicit
        overrides (CLI options) win when not None."""
        env = os.environ if environ is None else environ

        def number(name: str, default: float) -> float:
            text = env.get(name)
            try:
                value = float(text) if text else default
            except ValueError:
                raise SettingsError(f"{name}: {text!r} is not a number") from None
            if value < 0:
                raise SettingsError(f"{name}: {text!r} is negative")
            return value

        values: dict[str, Any] = {
            "host": env.get("AUTOTRANS_HTTP_HOST", cls.host),
            "port": int(number("AUTOTRANS_HTTP_PORT", cls.port)),
            "poll_seconds": number("AUTOTRANS_POLL_SECONDS", cls.poll_seconds),
            "batch_seconds": number("AUTOTRANS_BATCH_SECONDS", cls.batch_seconds),
            "drain_seconds": number("AUTOTRANS_DRAIN_SECONDS", cls.drain_seconds),
            "ready_max_lag": int(number("AUTOTRANS_READY_MAX_LAG", cls.ready_max_lag)),
            "submit_concurrency": max(
                1, int(number("AUTOTRANS_SUBMIT_CONCURRENCY", cls.submit_concurrency))
            ),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def count_delivery_outcome(
    transmission: Transmission, invoice: Invoice, failure: FailureKind | None
) -> None:
    """Count an attempt's outcome per channel (a failure by the kind its channel said), and the
    Produced -> Delivered time."""
    channel = transmission.channel
    if transmission.state == "delivered":
        metrics.TRANSMISSIONS_DELIVERED.labels(channel).inc()
        latency = (datetime.now(UTC) - invoice.created_on).total_seconds()
        metrics.DELIVERY_LATENCY.labels(channel).observe(max(0.0, latency))
        return
    retryable = bool(transmission.last_failure_retryable)
    reason = failure or "other"
    metrics.TRANSMISSIONS_FAILED.labels(channel, str(retryable).lower(), reason).inc()
    if transmission.state == "abandoned":
        metrics.TRANSMISSIONS_ABANDONED.labels(channel).inc()


def timed(validator: Validator | None) -> Validator | None:
    """The validator, observing its run time in `autotrans_validation_seconds`."""
    if validator is None:
        return None
    inner = validator

    def validate(root: etree._Element) -> list[Finding]:
        started = time.perf_counter()
        try:
            return inner(root)
        finally:
            metrics.VALIDATION_SECONDS.observe(time.perf_counter() - started)

    return validate


def build_broker(
    settings: Settings, validator: Validator | None = validate, **kwargs: Any
) -> Broker:
    """A Broker for the service: the composition root's, with metered validation and delivery."""
    broker = bootstrap(settings, validator=timed(validator), **kwargs)
    metrics.init_labels(CHANNELS, FAILURE_KINDS)
    broker.processor.delivery.observers.append(count_delivery_outcome)
    return broker


def refresh_gauges(broker: Broker) -> None:
    """Read the shared gauges from the store: pending deliveries, projection lag, billed NOK."""
    rows = broker.store.query(
        "SELECT state, COUNT(*) AS n FROM rm_transmissions WHERE state IN (?, ?, ?) GROUP BY state",
        metrics.PENDING_STATES,
    )
    counts = {r["state"]: int(r["n"]) for r in rows}
    for state in metrics.PENDING_STATES:
        metrics.PENDING_DELIVERIES.labels(state).set(counts.get(state, 0))
    for name, lag in broker.projections.lag().items():
        metrics.PROJECTION_LAG.labels(name).set(lag)
    month = billing_month(datetime.now(UTC))
    [billed] = broker.store.query(
        "SELECT SUM(CAST(unit_price AS NUMERIC)) AS nok FROM rm_statement_lines WHERE month = ?",
        (month,),
    )
    metrics.BILLED_MONTH_TO_DATE.set(float(Decimal(str(billed["nok"] or 0))))


Step = Callable[[], Awaitable[int]]


class Workers:
    """Routing, delivery, billing and projections as asyncio tasks of one event loop."""

    def __init__(
        self,
        broker: Broker,
        poll_seconds: float = 0.5,
        drain_seconds: float = 30.0,
        batch_window: float = 0.02,
    ) -> None:
        self.broker = broker
        self.poll_seconds = poll_seconds
        self.batch_window = batch_window
        self.drain_seconds = drain_seconds
        processor = broker.processor
        self.steps: dict[str, Step] = {
            "routing": lambda: asyncio.to_thread(processor.routing.catch_up),
            "projections": lambda: asyncio.to_thread(broker.projections.catch_up),
            "delivery": processor.delivery.deliver_due,
            "billing": lambda: asyncio.to_thread(processor.billing.catch_up),
        }
        self._wake: dict[str, asyncio.Event] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stopping = False
        self._deadline: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.rounds = 0
        self.drained_clean: bool | None = None

    @property
    def running(self) -> bool:
        return (
            bool(self._tasks)
            and not self._stopping
            and all(not t.done() for t in self._tasks.values())
        )

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.broker.processor.delivery.draining = False  # a broker may be served again
        for name, step in self.steps.items():
            self._wake[name] = asyncio.Event()
            self._tasks[name] = asyncio.create_task(self._run(name, step), name=f"worker-{name}")
        metrics.WORKERS_RUNNING.set(len(self._tasks))
        log.info("workers.started", workers=sorted(self._tasks), poll_seconds=self.poll_seconds)

    def wake(self) -> None:
        """New work may be there: let every worker look now. Safe from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if _in_loop(loop):
            self._wake_all()
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for event in self._wake.values():
            event.set()

    def request_stop(self) -> None:
        """No new rounds from now on (in-flight ones finish); the drain bound starts now.
        Safe from any thread and from a signal handler."""
        if self._deadline is None:
            self._deadline = time.monotonic() + self.drain_seconds
        self._stopping = True
        self.broker.processor.delivery.draining = True  # no new claims; what is claimed finishes
        self.wake()

    async def stop(self, timeout: float | None = None) -> bool:
        """Drain: let in-flight rounds finish within `timeout` (default: the drain setting), then
        cancel what is left; a cancelled delivery's claim is taken over after the attempt
        timeout. True when everything finished in time."""
        self.request_stop()
        if not self._tasks:
            return True
        assert self._deadline is not None
        bound = max(0.0, self._deadline - time.monotonic()) if timeout is None else timeout
        _, pending = await asyncio.wait(self._tasks.values(), timeout=bound)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)
            log.warning("workers.drain_timeout", cancelled=sorted(t.get_name() for t in pending))
        self._tasks.clear()
        metrics.WORKERS_RUNNING.set(0)
        self.drained_clean = not pending
        log.info("workers.stopped", clean=not pending)
        return not pending

    async def _run(self, name: str, step: Step) -> None:
        wake = self._wake[name]
        failures = 0
        while not self._stopping:
            wake.clear()
            try:
                done = await step()
                failures = 0
            except Exception:
                failures += 1
                metrics.WORKER_ERRORS.labels(name).inc()
                log.exception("worker.error", worker=name, failures=failures)
                done = 0
                await asyncio.sleep(min(5.0, self.poll_seconds * 2**failures))
            self.rounds += 1
            if done:
                for other, event in self._wake.items():
                    if other != name:
                        event.set()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=self.poll_seconds)
            # Let work gather for a moment: one round over many events costs far less than
            # one round per event, and leaves the CPU to the HTTP side in between.
            await asyncio.sleep(self.batch_window)


def _in_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
