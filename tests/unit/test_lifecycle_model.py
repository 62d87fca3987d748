"""The aggregates, billing, routing and retry rules, without any I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from domain import ids
from domain.billing import PriceList, Statement, billing_month, summarise
from domain.client import Client
from domain.invoice import Invoice, InvoiceStateError
from domain.registry import Participant
from domain.retry import RetryPolicy
from domain.routing import NoRoute, Route, choose_route
from domain.transmission import Transmission

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def make_invoice(**overrides: object) -> Invoice:
    fields: dict[str, object] = dict(
        sender="0192:991825827",
        receiver="0192:987654325",
        document_type="Invoice",
        number="INV-1",
        type_code="380",
        issue_date="2026-11-01",
        due_date="2026-11-15",
        currency="NOK",
        total_without_vat=Decimal("1000.00"),
        vat=Decimal("250.00"),
        total_with_vat=Decimal("1250.00"),
        payable=Decimal("1250.00"),
        seller_name="Seller AS",
        buyer_name="Buyer AS",
        document_hash="0" * 64,
        client="0192:991825827",
        accounting_office=None,
        submitted_by="0192:991825827",
        warnings=[],
    )
    fields.update(overrides)
    return Invoice(**fields)  # type: ignore[arg-type]


def test_invoice_id_is_seller_type_and_number() -> None:
    a = make_invoice()
    b = make_invoice(payable=Decimal("1.00"))
    c = make_invoice(document_type="CreditNote")
    assert a.id == b.id == ids.invoice_id("0192:991825827", "Invoice", "INV-1")
    assert c.id != a.id


def test_invoice_is_billed_once() -> None:
    invoice = make_invoice()
    invoice.bill(
        payer="0192:991825827", month="2026-11", unit_price=Decimal("5.00"), statement_id=uuid4()
    )
    with pytest.raises(InvoiceStateError, match="already billed in 2026-11"):
        invoice.bill(
            payer="0192:991825827",
            month="2026-11",
            unit_price=Decimal("5.00"),
            statement_id=uuid4(),
        )


def test_recipient_can_answer_only_when_delivered_to_its_inbox() -> None:
    invoice = make_invoice()
    with pytest.raises(InvoiceStateError, match="not in the AutoTrans inbox"):
        invoice.approve(participant="0192:987654325", at=NOW)
    t = uuid4()
    invoice.route(
        channel="autotrans", destination="0192:987654325", transmission_id=t, why="registry"
    )
    invoice.deliver(transmission_id=t, channel="autotrans", evidence={}, at=NOW)
    with pytest.raises(InvoiceStateError):
        invoice.approve(participant="0192:974760673", at=NOW)  # somebody else
    invoice.receive(participant="0192:987654325", at=NOW)
    invoice.receive(participant="0192:987654325", at=NOW)  # acknowledging twice is harmless
    invoice.reject(participant="0192:987654325", reason="wrong amount", at=NOW)
    with pytest.raises(InvoiceStateError, match="already rejected"):
        invoice.approve(participant="0192:987654325", at=NOW)
    names = [type(e).__name__ for e in invoice.collect_events()]
    assert names == ["Produced", "Routed", "Delivered", "Received", "Rejected"]


def test_reject_needs_a_reason() -> None:
    invoice = make_invoice()
    invoice.route(
        channel="autotrans", destination="0192:987654325", transmission_id=uuid4(), why=""
    )
    invoice.deliver(transmission_id=uuid4(), channel="autotrans", evidence={}, at=NOW)
    with pytest.raises(InvoiceStateError, match="needs a reason"):
        invoice.reject(participant="0192:987654325", reason="  ", at=NOW)


def make_transmission(max_attempts: int = 3) -> Transmission:
    return Transmission(
        invoice_id=uuid4(),
        channel="email",
        destination="ap@example.no",
        options={},
        max_attempts=max_attempts,
        why="register",
    )


def test_transmission_attempts_failures_and_replay() -> None:
    t = make_transmission()
    assert t.is_due(NOW, attempt_timeout=60)
    t.attempt(at=NOW)
    assert t.attempts == 1 and not t.is_due(NOW, attempt_timeout=60)
    # An attempt whose process died is due again after the timeout.
    assert t.is_due(NOW + timedelta(seconds=61), attempt_timeout=60)
    t.fail(
        reason="451 try later", retryable=True, next_attempt_at=NOW + timedelta(minutes=1), at=NOW
    )
    assert t.state == "retrying"
    assert not t.is_due(NOW, attempt_timeout=60)
    assert t.is_due(NOW + timedelta(minutes=1), attempt_timeout=60)
    t.attempt(at=NOW)
    t.abandon(reason="550 no such user", at=NOW)
    assert t.state == "abandoned" and not t.is_due(NOW + timedelta(days=1), attempt_timeout=60)
    assert t.replay(by="operator", at=NOW) is True
    assert t.replay(by="operator", at=NOW) is False  # twice is safe
    assert t.state == "pending" and t.attempts == 0
    t.attempt(at=NOW)
    t.deliver(evidence={"reference": "x"}, at=NOW)
    assert t.replay(by="operator", at=NOW) is False
    with pytest.raises(Exception, match="already delivered"):
        t.attempt(at=NOW)


def test_statement_counts_its_lines() -> None:
    s = Statement(payer="0192:991825827", month="2026-11")
    for _ in range(2):
        s.bill(invoice_id=uuid4(), client="c", channel="autotrans", unit_price=Decimal("5"), at=NOW)
    assert s.lines == 2
    assert s.id == ids.statement_id("0192:991825827", "2026-11")


def test_summary_per_client_with_vat() -> None:
    lines = [("0192:b", Decimal("5.00"))] * 3 + [("0192:a", Decimal("4.50"))] * 7
    summary = summarise("0192:office", "2026-11", lines)
    assert [(r.client, r.quantity, r.unit_price, r.amount) for r in summary.rows] == [
        ("0192:a", 7, Decimal("4.50"), Decimal("31.50")),
        ("0192:b", 3, Decimal("5.00"), Decimal("15.00")),
    ]
    assert summary.total_excl_vat == Decimal("46.50")
    assert summary.vat == Decimal("11.63")  # 11.625 rounds half up
    assert summary.total_incl_vat == Decimal("58.13")
    assert all(isinstance(v, Decimal) for v in (summary.vat, summary.total_incl_vat))


def test_billing_month_is_norwegian_local_time() -> None:
    # 23:30 UTC on 30 November is already 1 December in Oslo (UTC+1 in winter).
    assert billing_month(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "2026-12"
    assert billing_month(datetime(2026, 11, 30, 22, 59, tzinfo=UTC)) == "2026-11"
    # Summer time: UTC+2.
    assert billing_month(datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == "2026-07"
    with pytest.raises(ValueError):
        billing_month(datetime(2026, 6, 30, 22, 30))


def test_price_list_and_client_override() -> None:
    prices = PriceList(per_channel={"email": Decimal("6")})
    assert prices.unit_price("autotrans") == Decimal("5.00")
    assert prices.unit_price("email") == Decimal("6.00")
    client = Client(
        client="0192:991825827", name="C", accounting_office=None, terms_accepted_at=NOW
    )
    assert client.price_for("email") is None
    client.set_price(channel="*", price=Decimal("4.00"))
    client.set_price(channel="email", price=Decimal("4.50"))
    assert prices.unit_price("email", client.price_for("email")) == Decimal("4.50")
    assert prices.unit_price("autotrans", client.price_for("autotrans")) == Decimal("4.00")


def test_customer_register_records_only_changes() -> None:
    client = Client(
        client="0192:991825827", name="C", accounting_office="0192:974760673", terms_accepted_at=NOW
    )
    assert client.payer == "0192:974760673"
    client.set_customer(
        customer="0192:987654325", channel="autotrans", address="0192:987654325", options={}
    )
    client.set_customer(
        customer="0192:987654325", channel="autotrans", address="0192:987654325", options={}
    )
    assert [type(e).__name__ for e in client.collect_events()] == ["Enrolled", "CustomerSet"]
    with pytest.raises(ValueError, match="not one of"):
        client.set_customer(customer="0192:987654325", channel="fax", address="x", options={})


def test_routing_prefers_the_registry_then_the_register() -> None:
    buyer = "0192:987654325"
    registered = Participant(participant=buyer, name="Buyer AS", document_types=["Invoice"])
    route = choose_route(
        client="c",
        buyer=buyer,
        document_type="Invoice",
        participant=registered,
        register_entry=None,
    )
    assert isinstance(route, Route) and route.channel == "autotrans" and "registry" in route.why

    # Registered but not for credit notes: the register decides.
    entry = {"channel": "email", "address": "ap@buyer.no", "options": {}}
    route = choose_route(
        client="c",
        buyer=buyer,
        document_type="CreditNote",
        participant=registered,
        register_entry=entry,
    )
    assert (
        isinstance(route, Route) and route.channel == "email" and route.destination == "ap@buyer.no"
    )
    assert "does not receive CreditNote" in route.why

    none = choose_route(
        client="c", buyer=buyer, document_type="Invoice", participant=None, register_entry=None
    )
    assert isinstance(none, NoRoute) and none.reason.startswith("no route")

    registered.deregister()
    gone = choose_route(
        client="c",
        buyer=buyer,
        document_type="Invoice",
        participant=registered,
        register_entry={"channel": "autotrans", "address": buyer, "options": {}},
    )
    assert isinstance(gone, NoRoute) and "left AutoTrans" in gone.reason


def test_backoff_grows_exponentially_with_jitter_then_stops() -> None:
    policy = RetryPolicy(max_attempts=4, base_delay=10, max_delay=25, jitter=0.2)
    delays = [(policy.next_attempt_at(n, NOW, 0.5) - NOW).total_seconds() for n in (1, 2, 3)]  # type: ignore[operator]
    assert delays == [10, 20, 25]
    low = policy.next_attempt_at(1, NOW, 0.0)
    high = policy.next_attempt_at(1, NOW, 0.999)
    assert low is not None and high is not None
    assert (low - NOW).total_seconds() == pytest.approx(8)
    assert (high - NOW).total_seconds() == pytest.approx(12, abs=0.01)
    assert policy.next_attempt_at(4, NOW, 0.5) is None
