"""A delivery whose process died between sending and recording is found and sent again."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from adapters.channels.base import Destination
from broker.bootstrap import bootstrap
from broker.processing import outgoing_document
from broker.settings import Settings
from domain.ehf.writer import InvoiceSpec, LineSpec, PartySpec, write_ehf
from projections import queries
from projections.statements import statements_for
from tests.servers import SmtpServer

SELLER = PartySpec("923456708", "Fjordkraft Konsult AS")
BUYER = PartySpec("956789001", "E-post Kunde AS")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_crashed_attempt_is_retried_after_the_timeout_with_the_same_message_id(
    tmp_path: Path, store_url: str | None, smtpd: SmtpServer
) -> None:
    env = {**smtpd.env(), "AUTOTRANS_ATTEMPT_TIMEOUT": "120"}
    settings = Settings.load(str(tmp_path / "data"), store_url, environ=env)
    clock = Clock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    with bootstrap(settings, clock=clock) as first:
        first.app.enrol_client(SELLER.org_number, SELLER.name)
        first.app.set_customer(SELLER.org_number, BUYER.org_number, "email", "ap@epost.no")
        body = write_ehf(
            InvoiceSpec(
                number="C-1",
                issue_date=date(2026, 11, 2),
                seller=SELLER,
                buyer=BUYER,
                lines=(LineSpec("Kurs", Decimal("1"), Decimal("900")),),
            )
        )
        assert first.app.submit(body, SELLER.org_number).outcome == "accepted"
        processor = first.processor
        processor.routing.catch_up()
        first.projections.catch_up()
        # The first process claims the delivery and sends it ... and dies before recording.
        worker = processor.delivery
        [claim] = worker._claim(worker.due(clock.now), clock.now)
        transmission, invoice = claim.transmission, claim.invoice
        channel = worker.channels["email"]
        document = outgoing_document(transmission, invoice, first.app.document(invoice))
        asyncio.run(channel.deliver(document, Destination("email", "ap@epost.no", {})))
        first.projections.catch_up()
        [row] = queries.invoices(first.store)
        assert row["state"] == "routed" and row["attempts"] == 1

    clock.now += timedelta(seconds=60)
    with bootstrap(settings, clock=clock) as restarted:
        asyncio.run(restarted.processor.run_until_idle())
        assert len(smtpd.mailbox.received) == 1  # still within the attempt timeout: wait
        clock.now += timedelta(seconds=120)
        asyncio.run(restarted.processor.run_until_idle())
        [row] = queries.invoices(restarted.store)
        assert (row["state"], row["attempts"]) == ("delivered", 2)
        first_copy, second_copy = smtpd.mailbox.messages()
        assert first_copy["Message-ID"] == second_copy["Message-ID"]
        assert first_copy["Message-ID"] == f"<{transmission.id}@autotrans>"
        [summary] = statements_for(restarted.store, "2026-11")
        assert summary.rows[0].quantity == 1
