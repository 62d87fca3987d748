"""Workers in the service: two of them on one store deliver each transmission once; a drain
lets in-flight deliveries finish, and past its bound leaves them to be taken over."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.channels.base import Destination, Evidence, OutgoingDocument
from broker.bootstrap import Broker
from broker.service import Workers, build_broker
from broker.settings import Settings
from domain.ehf.writer import PartySpec
from projections import queries
from tests.documents import ehf
from tests.integration.api.server import CLIENT_B, enrol_world, wait_for

BY_EMAIL = PartySpec("978901204", "Ukjent Kunde AS")  # not in the registry: the register decides


class RecordingChannel:
    """An e-mail stand-in that takes `seconds` per delivery and records every call."""

    name = "email"

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.calls: list[str] = []
        self.lock = threading.Lock()
        self.started = threading.Event()

    async def deliver(self, document: OutgoingDocument, destination: Destination) -> Evidence:
        with self.lock:
            self.calls.append(document.transmission_id)
        self.started.set()
        await asyncio.sleep(self.seconds)
        return Evidence(self.name, f"<{document.transmission_id}@test>", {})


@pytest.fixture
def brokers(tmp_path: Path, store_url: str | None) -> Iterator[list[Broker]]:
    opened: list[Broker] = []
    yield opened
    for broker in opened:
        broker.close()


def open_broker(tmp_path: Path, store_url: str | None, opened: list[Broker], **channels: object):
    settings = Settings.load(
        str(tmp_path / "data"), store_url, environ={"AUTOTRANS_ATTEMPT_TIMEOUT": "300"}
    )
    broker = build_broker(settings, channels=channels)  # type: ignore[arg-type]
    opened.append(broker)
    return broker


def submit_by_email(broker: Broker, count: int) -> None:
    enrol_world(broker)
    broker.app.set_customer(CLIENT_B.org_number, BY_EMAIL.org_number, "email", "ap@ukjent.no")
    for n in range(count):
        result = broker.app.submit(ehf(f"E-{n}", CLIENT_B, BY_EMAIL), CLIENT_B.org_number)
        assert result.outcome == "accepted", result.reason


class Running:
    """Workers on their own event loop in a thread, like a second process would run them."""

    def __init__(self, workers: Workers) -> None:
        self.workers = workers
        self.started = threading.Event()
        self.stop_requested = threading.Event()
        self.clean: bool | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self.thread.start()
        assert self.started.wait(10)

    async def _main(self) -> None:
        await self.workers.start()
        self.started.set()
        while not self.stop_requested.is_set():
            await asyncio.sleep(0.01)
        self.clean = await self.workers.stop()

    def stop(self) -> None:
        self.workers.request_stop()
        self.stop_requested.set()
        self.thread.join(timeout=30)


def test_two_workers_on_one_store_deliver_each_transmission_once(
    tmp_path: Path, store_url: str | None, brokers: list[Broker]
) -> None:
    n = 24
    channels = [RecordingChannel(0.02), RecordingChannel(0.02)]
    first = open_broker(tmp_path, store_url, brokers, email=channels[0])
    second = open_broker(tmp_path, store_url, brokers, email=channels[1])
    submit_by_email(first, n)
    for broker in (first, second):  # small claims, so that both workers go for the same ones
        broker.processor.delivery.batch_size = 3
    running = [Running(Workers(b, poll_seconds=0.01, drain_seconds=10)) for b in (first, second)]
    try:
        wait_for(
            lambda: (
                len(queries.invoices(first.store, state="delivered")) == n
                and all(r["billed_month"] for r in queries.invoices(first.store))
            ),
            timeout=60,
            what="every invoice delivered and billed",
        )
    finally:
        for r in running:
            r.stop()
    calls = Counter(channels[0].calls + channels[1].calls)
    assert len(calls) == n and set(calls.values()) == {1}, calls.most_common(3)
    attempts = first.store.query("SELECT attempts FROM rm_transmissions")
    assert [r["attempts"] for r in attempts] == [1] * n
    assert all(r.clean for r in running)


def test_drain_lets_an_in_flight_delivery_finish(
    tmp_path: Path, store_url: str | None, brokers: list[Broker]
) -> None:
    channel = RecordingChannel(0.5)
    broker = open_broker(tmp_path, store_url, brokers, email=channel)
    submit_by_email(broker, 1)
    running = Running(Workers(broker, poll_seconds=0.01, drain_seconds=5))
    assert channel.started.wait(20)
    started = time.monotonic()
    running.stop()
    assert running.clean is True and time.monotonic() - started < 5
    broker.projections.catch_up()
    [row] = queries.invoices(broker.store)
    assert row["state"] == "delivered"
    # served again after the drain: the workers take new work
    broker.app.submit(ehf("E-again", CLIENT_B, BY_EMAIL), CLIENT_B.org_number)
    again = Running(Workers(broker, poll_seconds=0.01, drain_seconds=5))
    try:
        wait_for(lambda: len(channel.calls) == 2, what="a delivery after serving again")
    finally:
        again.stop()


def test_past_the_drain_bound_a_delivery_is_released_for_another_worker(
    tmp_path: Path, store_url: str | None, brokers: list[Broker]
) -> None:
    stuck = RecordingChannel(30)
    broker = open_broker(tmp_path, store_url, brokers, email=stuck)
    submit_by_email(broker, 1)
    running = Running(Workers(broker, poll_seconds=0.01, drain_seconds=0.5))
    assert stuck.started.wait(20)
    started = time.monotonic()
    running.stop()
    assert running.clean is False and time.monotonic() - started < 8
    broker.projections.catch_up()
    [row] = broker.store.query("SELECT state, attempts, last_error FROM rm_transmissions")
    assert (row["state"], row["attempts"]) == ("retrying", 1)  # released, due at once
    assert row["last_error"].startswith("delivery interrupted by shutdown")

    # Another process picks it up straight away: no need to wait for the attempt timeout.
    settings = Settings.load(str(tmp_path / "data"), store_url, environ={})
    quick = RecordingChannel(0)
    other = build_broker(settings, channels={"email": quick})  # type: ignore[dict-item]
    brokers.append(other)
    asyncio.run(other.processor.run_until_idle())
    [row] = queries.invoices(other.store)
    assert row["state"] == "delivered" and len(quick.calls) == 1
