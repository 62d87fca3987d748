"""The invoice lifecycle on a real event store: SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from adapters.channels.base import (
    Destination,
    Evidence,
    OutgoingDocument,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from broker.application import CommandError
from broker.bootstrap import Broker, bootstrap
from broker.output import statements_csv
from broker.service import count_delivery_outcome
from broker.settings import Settings
from domain.ehf.writer import PartySpec
from domain.invoice import Invoice
from ops.metrics import REGISTRY
from projections import queries
from projections.audit import audit_trail
from projections.statements import statements_for
from tests.documents import ehf

OFFICE = PartySpec("912345602", "Regnskap Nord AS")
CLIENT_A = PartySpec("923456708", "Fjordkraft Konsult AS")
CLIENT_B = PartySpec("945678909", "Snekker Hansen AS")
BUYER = PartySpec("956789001", "Nordlys Handel AS")
OTHER = PartySpec("978901204", "Ukjent Kunde AS")


def invoice(number: str, seller: PartySpec = CLIENT_A, buyer: PartySpec = BUYER) -> bytes:
    return ehf(number, seller, buyer)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FlakyChannel:
    """A delivery channel that fails the first `failures` attempts with `error`."""

    name = "email"

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.attempts = 0

    async def deliver(self, document: OutgoingDocument, destination: Destination) -> Evidence:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise self.error
        return Evidence(
            self.name, f"<{document.transmission_id}@test>", {"to": destination.address}
        )


@pytest.fixture
def make_broker(tmp_path: Path, store_url: str | None) -> Iterator[Callable[..., Broker]]:
    opened: list[Broker] = []

    def make(clock: Clock | None = None, **channels: object) -> Broker:
        settings = Settings.load(str(tmp_path / "data"), store_url, environ={})
        broker = bootstrap(settings, channels=channels or None, clock=clock)  # type: ignore[arg-type]
        opened.append(broker)
        return broker

    yield make
    for broker in opened:
        broker.close()


def enrol(b: Broker) -> None:
    b.app.enrol_client(OFFICE.org_number, OFFICE.name)
    b.app.enrol_client(CLIENT_A.org_number, CLIENT_A.name, OFFICE.org_number)
    b.app.enrol_client(CLIENT_B.org_number, CLIENT_B.name, OFFICE.org_number)
    b.app.register_participant(BUYER.org_number, BUYER.name)


def process(b: Broker) -> None:
    asyncio.run(b.processor.run_until_idle())


def count_events(b: Broker, event_class: type) -> int:
    topic = get_topic(event_class)
    return len(b.app.recorder.select_notifications(start=1, limit=100_000, topics=[topic]))


def test_invoice_goes_from_submission_to_statement(make_broker: Callable[..., Broker]) -> None:
    b = make_broker(Clock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC)))
    enrol(b)
    by_office = b.app.submit(invoice("A-1"), OFFICE.org_number)  # the office sends for A
    by_itself = b.app.submit(invoice("B-1", seller=CLIENT_B), CLIENT_B.org_number)
    assert (by_office.outcome, by_itself.outcome) == ("accepted", "accepted")
    process(b)

    rows = {r["number"]: r for r in queries.invoices(b.store)}
    assert rows["A-1"]["state"] == rows["B-1"]["state"] == "delivered"
    assert rows["A-1"]["submitted_by"] == "0192:912345602"
    assert rows["A-1"]["client"] == "0192:923456708"
    assert rows["A-1"]["channel"] == "autotrans" and rows["A-1"]["billed_month"] == "2026-11"

    [office_statement] = statements_for(b.store, "2026-11", "0192:912345602")
    assert [(r.client, r.quantity, r.amount) for r in office_statement.rows] == [
        ("0192:923456708", 1, Decimal("5.00")),
        ("0192:945678909", 1, Decimal("5.00")),  # submitted by itself, paid by the office
    ]
    assert office_statement.total_incl_vat == Decimal("12.50")
    assert statements_for(b.store, "2026-11", "0192:945678909") == []

    trail = [(r["aggregate"], r["event"]) for r in audit_trail(b.store, str(by_office.invoice_id))]
    assert trail == [
        ("Invoice", "Produced"),
        ("Invoice", "Routed"),
        ("Transmission", "Routed"),
        ("Transmission", "Attempted"),
        ("Transmission", "Delivered"),
        ("Invoice", "Delivered"),
        ("Invoice", "Billed"),
        ("Statement", "Billed"),
    ]
    assert sorted(r["number"] for r in queries.inbox(b.store, "0192:956789001")) == ["A-1", "B-1"]
    b.app.approve("0192:956789001", by_office.invoice_id)
    b.projections.catch_up()
    states = {r["number"]: r["recipient_state"] for r in queries.inbox(b.store, "0192:956789001")}
    assert states == {"A-1": "approved", "B-1": "new"}


def test_resubmission_is_a_duplicate_and_stored_once(
    make_broker: Callable[..., Broker], tmp_path: Path
) -> None:
    b = make_broker()
    enrol(b)
    body = invoice("A-1")
    assert b.app.submit(body, CLIENT_A.org_number).outcome == "accepted"
    again = b.app.submit(body, OFFICE.org_number)
    assert again.outcome == "duplicate" and "the same document" in again.reason
    changed = b.app.submit(invoice("A-1", buyer=OTHER), CLIENT_A.org_number)
    assert changed.outcome == "duplicate" and "different document" in changed.reason
    assert count_events(b, Invoice.Produced) == 1
    stored = [p for p in (tmp_path / "data" / "documents").rglob("*") if p.is_file()]
    assert len(stored) == 1


def test_only_the_seller_or_its_accounting_office_may_submit(
    make_broker: Callable[..., Broker], tmp_path: Path
) -> None:
    b = make_broker()
    enrol(b)
    b.app.enrol_client(BUYER.org_number, BUYER.name)  # enrolled, but not the seller
    stranger = b.app.submit(invoice("A-1"), BUYER.org_number)
    assert stranger.outcome == "rejected"
    assert "neither 0192:956789001 nor a client of accounting office" in stranger.reason
    unknown = b.app.submit(invoice("A-2"), "0192:974760673")
    assert unknown.outcome == "rejected" and "not enrolled" in unknown.reason
    assert count_events(b, Invoice.Produced) == 0
    assert not (tmp_path / "data" / "documents").exists() or not any(
        p.is_file() for p in (tmp_path / "data" / "documents").rglob("*")
    )


def test_no_route_fails_the_invoice_visibly(make_broker: Callable[..., Broker]) -> None:
    b = make_broker()
    enrol(b)
    result = b.app.submit(invoice("A-9", buyer=OTHER), CLIENT_A.org_number)
    process(b)
    [row] = queries.invoices(b.store, state="failed")
    assert row["invoice_id"] == str(result.invoice_id)
    assert row["last_error"].startswith("no route: registry: 0192:978901204 not registered")
    assert statements_for(b.store, "2026-11") == []


def test_transient_failures_are_retried_with_backoff_and_billed_once(
    make_broker: Callable[..., Broker],
) -> None:
    clock = Clock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    channel = FlakyChannel(2, TransientDeliveryError("451 mailbox busy"))
    b = make_broker(clock, email=channel)
    enrol(b)
    b.app.set_customer(CLIENT_A.org_number, OTHER.org_number, "email", "ap@ukjent.no")
    b.app.submit(invoice("A-3", buyer=OTHER), CLIENT_A.org_number)
    process(b)
    [row] = queries.invoices(b.store)
    assert (row["state"], row["attempts"], row["last_error"]) == ("retrying", 1, "451 mailbox busy")
    process(b)  # not due yet: nothing happens
    assert channel.attempts == 1
    clock.now += timedelta(hours=2)
    process(b)
    clock.now += timedelta(hours=2)
    process(b)
    [row] = queries.invoices(b.store)
    assert (row["state"], row["attempts"], row["channel"]) == ("delivered", 3, "email")
    assert channel.attempts == 3
    [summary] = statements_for(b.store, "2026-11")
    assert summary.rows[0].quantity == 1


def test_a_failure_is_counted_by_the_kind_its_channel_said(
    make_broker: Callable[..., Broker],
) -> None:
    # the text alone reads as a connection failure ("refused"): the channel's kind decides
    channel = FlakyChannel(99, PermanentDeliveryError("refused", kind="recipient"))
    b = make_broker(email=channel)
    seen: list[tuple[str, str | None]] = []
    b.processor.delivery.observers.append(lambda t, i, kind: seen.append((t.state, kind)))
    b.processor.delivery.observers.append(count_delivery_outcome)
    labels = {"channel": "email", "retryable": "false", "reason": "recipient"}
    before = REGISTRY.get_sample_value("autotrans_transmissions_failed_total", labels) or 0.0
    enrol(b)
    b.app.set_customer(CLIENT_A.org_number, OTHER.org_number, "email", "nobody@ukjent.no")
    b.app.submit(invoice("A-5", buyer=OTHER), CLIENT_A.org_number)
    process(b)
    assert seen == [("abandoned", "recipient")]
    after = REGISTRY.get_sample_value("autotrans_transmissions_failed_total", labels)
    assert after == before + 1


def test_permanent_failure_is_abandoned_and_not_billed(make_broker: Callable[..., Broker]) -> None:
    channel = FlakyChannel(99, PermanentDeliveryError("550 no such user"))
    b = make_broker(email=channel)
    enrol(b)
    b.app.set_customer(CLIENT_A.org_number, OTHER.org_number, "email", "nobody@ukjent.no")
    b.app.submit(invoice("A-4", buyer=OTHER), CLIENT_A.org_number)
    process(b)
    [row] = queries.invoices(b.store)
    assert row["state"] == "failed" and row["last_error"] == "550 no such user"
    [t] = b.store.query("SELECT state, last_error FROM rm_transmissions")
    assert t["state"] == "abandoned" and t["last_error"] == "permanent failure: 550 no such user"
    assert channel.attempts == 1
    assert statements_for(b.store, "2026-11") == []


def test_reactions_happen_once_across_restarts_and_racing_workers(
    make_broker: Callable[..., Broker],
) -> None:
    first = make_broker()
    enrol(first)
    for n in range(6):
        first.app.submit(invoice(f"R-{n}"), CLIENT_A.org_number)
    second = make_broker()  # another process on the same store
    # Interleave the two: each step of each worker runs on both.
    for _ in range(4):
        asyncio.run(first.processor.run_once())
        asyncio.run(second.processor.run_once())
    process(first)
    process(second)
    assert count_events(first, Invoice.Billed) == 6
    [summary] = statements_for(first.store, "2026-11") or statements_for(
        first.store, datetime.now(UTC).strftime("%Y-%m")
    )
    assert summary.rows[0].quantity == 6

    # Billing an invoice again adds nothing, and an old position is refused by the store.
    some = queries.invoices(first.store)[0]
    batch = first.app.batch()
    first.app.bill_invoice(UUID(some["invoice_id"]), datetime.now(UTC), batch)
    assert batch.changed == {}
    with pytest.raises(IntegrityError):
        first.app.record(Tracking("billing", 1))
    assert count_events(first, Invoice.Billed) == 6


def test_projections_resume_and_rebuild_to_the_same_statement(
    make_broker: Callable[..., Broker],
) -> None:
    clock = Clock(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # already December in Oslo
    b = make_broker(clock)
    enrol(b)
    for n in range(3):
        b.app.submit(invoice(f"P-{n}"), CLIENT_A.org_number)
    process(b)
    before = statements_csv(statements_for(b.store, "2026-12"))
    assert "0192:923456708,3,5.00,15.00" in before
    assert statements_for(b.store, "2026-11") == []

    restarted = make_broker(clock)
    assert restarted.projections.catch_up() == 0  # positions survived the restart
    assert restarted.projections.rebuild() > 0
    assert statements_csv(statements_for(restarted.store, "2026-12")) == before
    assert restarted.projections.lag() == {p.name: 0 for p in restarted.projections.projections}


def test_a_batch_of_submissions_is_judged_one_by_one_and_recorded_together(
    make_broker: Callable[..., Broker],
) -> None:
    b = make_broker()
    enrol(b)
    bodies = [invoice("M-1"), b"<not xml", invoice("M-2"), invoice("M-1"), invoice("M-3")]
    results = b.app.submit_many(bodies, OFFICE.org_number)
    assert [r.outcome for r in results] == [
        "accepted",
        "rejected",
        "accepted",
        "duplicate",  # the same invoice twice in one batch
        "accepted",
    ]
    assert results[3].invoice_id == results[0].invoice_id
    assert count_events(b, Invoice.Produced) == 3
    again = b.app.submit_many([invoice("M-2"), invoice("M-4")], CLIENT_A.org_number)
    assert [r.outcome for r in again] == ["duplicate", "accepted"]


def test_two_projection_runners_never_apply_an_event_twice(
    make_broker: Callable[..., Broker],
) -> None:
    import threading

    a = make_broker()
    enrol(a)
    a.app.submit_many([invoice(f"Q-{n}") for n in range(20)], CLIENT_A.org_number)
    process(a)
    snapshot = (
        "SELECT invoice_id, state, attempts, billed_month FROM rm_invoices ORDER BY invoice_id"
    )
    expected = a.store.query(snapshot)
    audit_rows = a.store.query("SELECT COUNT(*) AS n FROM rm_audit")[0]["n"]
    with a.store.transaction() as cur:
        for projection in a.projections.projections:
            for table in projection.tables:
                cur.execute(f"DELETE FROM {table}")
        cur.execute("DELETE FROM rm_positions")
    b = make_broker()
    for runner in (a.projections, b.projections):
        runner.batch_size = 7  # many small batches, so the two interleave
    errors: list[BaseException] = []

    def catch_up(runner: object) -> None:
        try:
            runner.catch_up()  # type: ignore[attr-defined]
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=catch_up, args=(r,)) for r in (a.projections, b.projections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert a.store.query(snapshot) == expected
    assert all(row["attempts"] == 1 for row in expected)
    assert a.store.query("SELECT COUNT(*) AS n FROM rm_audit")[0]["n"] == audit_rows


def test_the_seller_endpoint_decides_who_may_submit(make_broker: Callable[..., Broker]) -> None:
    b = make_broker()
    enrol(b)
    b.app.enrol_client(BUYER.org_number, BUYER.name)  # unrelated to CLIENT_B
    # Endpoint says CLIENT_B, legal id says the submitter: still not the submitter's invoice.
    body = invoice("SPOOF-1", seller=CLIENT_B).replace(
        b'<cbc:CompanyID schemeID="0192">945678909</cbc:CompanyID>',
        b'<cbc:CompanyID schemeID="0192">956789001</cbc:CompanyID>',
    )
    assert b'<cbc:CompanyID schemeID="0192">956789001' in body
    result = b.app.submit(body, BUYER.org_number)
    assert result.outcome == "rejected" and "seller 0192:945678909 is neither" in result.reason
    assert b.app.submit(invoice("SPOOF-1", seller=CLIENT_B), CLIENT_B.org_number).outcome == (
        "accepted"
    )


def test_a_document_that_cannot_be_read_is_refused_with_every_rule_finding(
    make_broker: Callable[..., Broker],
) -> None:
    b = make_broker()
    enrol(b)
    body = invoice("NOEP-1").replace(
        b'<cbc:EndpointID schemeID="0192">956789001</cbc:EndpointID>', b""
    )
    body = body.replace(
        b'<cbc:PayableAmount currencyID="NOK">2500.00<',
        b'<cbc:PayableAmount currencyID="NOK">1.00<',
    )
    result = b.app.submit(body, CLIENT_A.org_number)
    assert result.outcome == "rejected"
    assert result.reason.startswith("missing cac:AccountingCustomerParty/cac:Party/cbc:EndpointID")
    # not only what stopped the reader: every fatal finding of the rules, to mend at once
    fired = {(f.rule_id, f.flag) for f in result.findings}
    assert {("PEPPOL-EN16931-R010", "fatal"), ("BR-CO-16", "fatal")} <= fired
    assert count_events(b, Invoice.Produced) == 0

    # a document that is not PEPPOL BIS keeps the reader's finding among the rules' ones
    other = invoice("NOEP-2").replace(b"#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", b"")
    refused = b.app.submit(other, CLIENT_A.org_number)
    assert refused.outcome == "rejected" and "is not PEPPOL BIS Billing 3.0" in refused.reason
    assert [f.rule_id for f in refused.findings].count("PEPPOL-EN16931-R004") == 1


def test_a_rejection_says_which_kind_it_is(make_broker: Callable[..., Broker]) -> None:
    b = make_broker()
    enrol(b)
    wrong_total = invoice("K-1").replace(
        b'<cbc:PayableAmount currencyID="NOK">2500.00<',
        b'<cbc:PayableAmount currencyID="NOK">1.00<',
    )
    kinds = [
        b.app.submit(b"<not xml", CLIENT_A.org_number).refusal,
        b.app.submit(wrong_total, CLIENT_A.org_number).refusal,
        b.app.submit(invoice("K-2"), OTHER.org_number).refusal,
        b.app.submit(invoice("K-3", seller=CLIENT_A), CLIENT_B.org_number).refusal,
        b.app.submit(invoice("K-4"), CLIENT_A.org_number).refusal,
    ]
    assert kinds == ["unreadable", "rules", "not_enrolled", "not_sender", None]


def test_a_batch_that_loses_a_race_saves_the_others(make_broker: Callable[..., Broker]) -> None:
    a, other = make_broker(), make_broker()
    enrol(a)
    record = a.app.record

    def racing_record(tracking: Tracking | None, *aggregates: object) -> None:
        a.app.record = record  # type: ignore[method-assign]
        # Another process submits X-1 between our check and our save.
        assert other.app.submit(invoice("X-1"), CLIENT_A.org_number).outcome == "accepted"
        record(tracking, *aggregates)  # type: ignore[arg-type]

    a.app.record = racing_record  # type: ignore[method-assign]
    results = a.app.submit_many([invoice("X-1"), invoice("X-2")], CLIENT_A.org_number)
    assert [r.outcome for r in results] == ["duplicate", "accepted"]
    assert count_events(a, Invoice.Produced) == 2


def test_a_document_missing_from_the_store_fails_only_its_own_delivery(
    make_broker: Callable[..., Broker], tmp_path: Path
) -> None:
    b = make_broker()
    enrol(b)
    lost, _ = b.app.submit_many([invoice("D-1"), invoice("D-2")], CLIENT_A.org_number)
    invoice_lost = b.app.get_invoice(lost.invoice_id)  # type: ignore[arg-type]
    assert invoice_lost is not None
    digest = invoice_lost.document_hash
    (tmp_path / "data" / "documents" / digest[:2] / digest[2:]).unlink()
    process(b)
    rows = {r["number"]: r for r in queries.invoices(b.store)}
    assert rows["D-2"]["state"] == "delivered"
    assert rows["D-1"]["state"] == "failed"
    assert rows["D-1"]["last_error"].startswith("document missing from the store")


def test_register_keeps_its_secret_when_only_options_change(
    make_broker: Callable[..., Broker],
) -> None:
    b = make_broker()
    enrol(b)
    url = "ftp://kunde@127.0.0.1:2121/incoming"
    b.app.set_customer(CLIENT_A.org_number, OTHER.org_number, "ftp", url, {"tls": "none"}, "pw-1")
    client = b.app.find_client("0192:" + CLIENT_A.org_number)
    assert client is not None
    ref = client.customers["0192:978901204"]["options"]["secret_ref"]
    b.app.set_customer(CLIENT_A.org_number, OTHER.org_number, "ftp", url, {"tls": "explicit"})
    client = b.app.find_client("0192:" + CLIENT_A.org_number)
    assert client is not None
    assert client.customers["0192:978901204"]["options"] == {"tls": "explicit", "secret_ref": ref}
    assert b.app.secrets is not None and b.app.secrets.get(ref) == "pw-1"
    with pytest.raises(CommandError, match="secret store"):
        b.app.set_customer(
            CLIENT_A.org_number, OTHER.org_number, "ftp", url, {"secret_ref": "secret:" + "0" * 32}
        )


def test_enrolling_again_keeps_the_accounting_office(make_broker: Callable[..., Broker]) -> None:
    b = make_broker()
    enrol(b)
    b.app.enrol_client(CLIENT_A.org_number, "Another Name AS")
    client = b.app.find_client("0192:" + CLIENT_A.org_number)
    assert client is not None and client.accounting_office == "0192:912345602"


def test_postgres_read_store_survives_a_lost_connection(tmp_path: Path, postgres_url: str) -> None:
    import psycopg

    from tests.conftest import PG_DSN

    b = bootstrap(Settings.load(str(tmp_path / "pg-data"), postgres_url, environ={}))
    enrol(b)
    [row] = b.store.query("SELECT pg_backend_pid() AS pid")
    with psycopg.connect(PG_DSN, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (row["pid"],))
    b.projections.catch_up()
    assert [r["client"] for r in queries.clients(b.store)][:1] == ["0192:912345602"]
    b.close()


class PacedChannel:
    """An e-mail channel whose peer takes `delays[number]` seconds per invoice; notes the order
    in which deliveries finish."""

    name = "email"

    def __init__(self, delays: dict[str, float]) -> None:
        self.delays = delays
        self.finished: list[str] = []

    async def deliver(self, document: OutgoingDocument, destination: Destination) -> Evidence:
        await asyncio.sleep(self.delays.get(document.number, 0.0))
        self.finished.append(document.number)
        return Evidence(self.name, f"<{document.transmission_id}@test>", {})


def test_a_slow_peer_does_not_hold_back_the_deliveries_behind_it(
    make_broker: Callable[..., Broker],
) -> None:
    channel = PacedChannel({"S-0": 1.0})
    b = make_broker(email=channel)
    b.processor.delivery.concurrency = 2
    enrol(b)
    b.app.set_customer(CLIENT_A.org_number, OTHER.org_number, "email", "ap@ukjent.no")
    for n in range(5):
        b.app.submit(invoice(f"S-{n}", buyer=OTHER), CLIENT_A.org_number)
    process(b)
    # One slot stays with the slow peer; the other slot works through the rest meanwhile.
    assert channel.finished[-1] == "S-0"
    assert sorted(channel.finished[:-1]) == ["S-1", "S-2", "S-3", "S-4"]
    assert {r["state"] for r in queries.invoices(b.store)} == {"delivered"}


def test_a_locked_database_does_not_stall_the_event_loop(
    make_broker: Callable[..., Broker], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = make_broker()
    worker = b.processor.delivery
    real_due = worker.due

    def locked_due(now: datetime, limit: int = 500) -> list[UUID]:
        time.sleep(0.5)  # as a query waiting for another process's write lock would
        return real_due(now, limit)

    monkeypatch.setattr(worker, "due", locked_due)

    async def scenario() -> int:
        ticks = 0

        async def heartbeat() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beating = asyncio.create_task(heartbeat())
        await worker.deliver_due()
        beating.cancel()
        return ticks

    # the loop keeps serving other work (the API, other workers) while the query waits
    assert asyncio.run(scenario()) >= 10


def test_a_register_change_that_loses_a_race_leaves_no_secret_behind(
    make_broker: Callable[..., Broker], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = make_broker()
    enrol(b)
    assert b.app.secrets is not None
    stored = b.app.secrets._dir  # the store's own folder: every secret is one file there

    def lost_race(*_: object) -> None:
        raise IntegrityError("another writer saved this client first")

    monkeypatch.setattr(b.app, "save", lost_race)
    url = "sftp://kunde@sftp.example.net/incoming"
    with pytest.raises(IntegrityError):
        b.app.set_customer(CLIENT_A.org_number, OTHER.org_number, "sftp", url, {}, "pw-1")
    assert not stored.exists() or list(stored.iterdir()) == []
    monkeypatch.undo()
    b.app.set_customer(CLIENT_A.org_number, OTHER.org_number, "sftp", url, {}, "pw-1")  # retried
    assert len(list(stored.iterdir())) == 1


def _paced_broker(make_broker: Callable[..., Broker], delays: dict[str, float]) -> Broker:
    b = make_broker(email=PacedChannel(delays))
    b.processor.delivery.concurrency = 2
    enrol(b)
    b.app.set_customer(CLIENT_A.org_number, OTHER.org_number, "email", "ap@ukjent.no")
    for number in delays:
        b.app.submit(invoice(number, buyer=OTHER), CLIENT_A.org_number)
    b.processor.routing.catch_up()
    b.projections.catch_up()
    return b


def _states(b: Broker) -> dict[str, str]:
    b.projections.catch_up()
    return {r["number"]: r["state"] for r in queries.invoices(b.store)}


def test_shutdown_while_the_database_is_slow_loses_no_outcome(
    make_broker: Callable[..., Broker], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = _paced_broker(make_broker, {"P-A": 0.0, "P-B": 0.1, "P-C": 5.0})
    worker = b.processor.delivery
    channel = worker.channels["email"]
    assert isinstance(channel, PacedChannel)
    settle, turns = worker._settle_now, [0]
    second_turn = threading.Event()

    def slow_second_turn(*args: Any) -> Any:
        turns[0] += 1
        if turns[0] == 2:
            second_turn.set()
            time.sleep(0.5)  # a locked database while P-B finishes
        return settle(*args)

    monkeypatch.setattr(worker, "_settle_now", slow_second_turn)

    async def shutdown_meanwhile() -> None:
        round_ = asyncio.create_task(worker.deliver_due())
        while not (second_turn.is_set() and "P-B" in channel.finished):
            await asyncio.sleep(0.01)
        round_.cancel()  # the drain timed out, while the worker waits for the database
        with pytest.raises(asyncio.CancelledError):
            await round_

    asyncio.run(shutdown_meanwhile())
    # P-B reached its peer: it is recorded as delivered, not left 'attempting' to be sent again
    assert _states(b) == {"P-A": "delivered", "P-B": "delivered", "P-C": "retrying"}
    [stuck] = b.store.query("SELECT COUNT(*) AS n FROM rm_transmissions WHERE state = 'attempting'")
    assert stuck["n"] == 0


def test_a_document_that_cannot_be_read_fails_only_its_own_delivery(
    make_broker: Callable[..., Broker], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = _paced_broker(make_broker, {"R-A": 0.0, "R-B": 0.0, "R-C": 0.0})
    read = b.app.document

    def unreadable(invoice: Invoice) -> bytes:
        if invoice.number == "R-B":
            raise PermissionError(13, "Permission denied")
        return read(invoice)

    monkeypatch.setattr(b.app, "document", unreadable)
    process(b)
    assert _states(b) == {"R-A": "delivered", "R-B": "retrying", "R-C": "delivered"}
    [row] = [r for r in queries.invoices(b.store) if r["number"] == "R-B"]
    assert (
        row["last_error"]
        == "document cannot be read: PermissionError: [Errno 13] Permission denied"
    )


def test_a_draining_worker_claims_nothing_new(make_broker: Callable[..., Broker]) -> None:
    b = _paced_broker(make_broker, {"D-A": 0.0})
    b.processor.delivery.draining = True
    assert asyncio.run(b.processor.delivery.deliver_due()) == 0
    assert _states(b) == {"D-A": "routed"}
    b.processor.delivery.draining = False
    assert asyncio.run(b.processor.delivery.deliver_due()) == 1
    assert _states(b) == {"D-A": "delivered"}
