"""The Invoice aggregate: one document from production to billing and the recipient's answer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids


class InvoiceStateError(Exception):
    """A command that does not fit the invoice's current state."""


class Invoice(Aggregate):
    """An EHF invoice or credit note that a client submitted to AutoTrans."""

    class Produced(Aggregate.Created):
        """A client submitted a valid document; it is stored under `document_hash`."""

        sender: str
        receiver: str
        document_type: str
        number: str
        type_code: str
        issue_date: str
        due_date: str | None
        currency: str
        total_without_vat: Decimal
        vat: Decimal
        total_with_vat: Decimal
        payable: Decimal
        seller_name: str
        buyer_name: str
        document_hash: str
        client: str
        accounting_office: str | None
        submitted_by: str
        warnings: list[dict[str, str]]

    class Routed(Aggregate.Event):
        """The recipient is reached on `channel` at `destination`; `why` is the answer used."""

        channel: str
        destination: str
        transmission_id: UUID
        why: str

    class Delivered(Aggregate.Event):
        """The recipient has the document; `evidence` is the channel's proof."""

        transmission_id: UUID
        channel: str
        evidence: dict[str, str]
        at: datetime

    class Failed(Aggregate.Event):
        """Delivery did not happen; `final` when it will not without an operator."""

        reason: str
        final: bool
        transmission_id: UUID | None
        at: datetime

    class RoutingRetried(Aggregate.Event):
        """An operator asked to route a failed invoice again (the registry or register changed)."""

        by: str
        at: datetime

    class Billed(Aggregate.Event):
        """The transaction is on `payer`'s statement for `month` at `unit_price`."""

        payer: str
        month: str
        unit_price: Decimal
        statement_id: UUID

    class Received(Aggregate.Event):
        """The recipient acknowledged receipt."""

        participant: str
        at: datetime

    class Approved(Aggregate.Event):
        """The recipient approved the invoice."""

        participant: str
        at: datetime

    class Rejected(Aggregate.Event):
        """The recipient rejected the invoice, saying why."""

        participant: str
        reason: str
        at: datetime

    @staticmethod
    def create_id(sender: str, document_type: str, number: str, **_: Any) -> UUID:
        return ids.invoice_id(sender, document_type, number)

    @event(Produced)
    def __init__(
        self,
        *,
        sender: str,
        receiver: str,
        document_type: str,
        number: str,
        type_code: str,
        issue_date: str,
        due_date: str | None,
        currency: str,
        total_without_vat: Decimal,
        vat: Decimal,
        total_with_vat: Decimal,
        payable: Decimal,
        seller_name: str,
        buyer_name: str,
        document_hash: str,
        client: str,
        accounting_office: str | None,
        submitted_by: str,
        warnings: list[dict[str, str]],
    ) -> None:
        self.sender = sender
        self.receiver = receiver
        self.document_type = document_type
        self.number = number
        self.type_code = type_code
        self.issue_date = issue_date
        self.due_date = due_date
        self.currency = currency
        self.total_without_vat = total_without_vat
        self.vat = vat
        self.total_with_vat = total_with_vat
        self.payable = payable
        self.seller_name = seller_name
        self.buyer_name = buyer_name
        self.document_hash = document_hash
        self.client = client
        self.accounting_office = accounting_office
        self.submitted_by = submitted_by
        self.warnings = warnings
        self.state = "produced"
        self.channel: str | None = None
        self.destination: str | None = None
        self.transmission_id: UUID | None = None
        self.transmission_ids: list[UUID] = []
        self.delivered_at: datetime | None = None
        self.billed_month: str | None = None
        self.last_error: str | None = None
        self.recipient_state: str | None = None

    @property
    def is_billed(self) -> bool:
        return self.billed_month is not None

    @event(Routed)
    def route(self, *, channel: str, destination: str, transmission_id: UUID, why: str) -> None:
        """The recipient can be reached on `channel` at `destination`, for the reason `why`."""
        self.channel = channel
        self.destination = destination
        self.transmission_id = transmission_id
        self.transmission_ids.append(transmission_id)
        self.state = "routed"
        self.last_error = None

    @event(Delivered)
    def deliver(
        self, *, transmission_id: UUID, channel: str, evidence: dict[str, str], at: datetime
    ) -> None:
        """The recipient has the document; `evidence` says how we know."""
        self.state = "delivered"
        self.delivered_at = at
        self.last_error = None

    @event(Failed)
    def fail(self, *, reason: str, final: bool, transmission_id: UUID | None, at: datetime) -> None:
        """Delivery did not happen (`final`: it will not without an operator's replay)."""
        self.state = "failed" if final else "retrying"
        self.last_error = reason

    def retry_routing(self, *, by: str, at: datetime) -> bool:
        """Route a failed invoice again (the registry or the register changed since)."""
        if self.state != "failed":
            return False
        self._routing_retried(by=by, at=at)
        return True

    @event(RoutingRetried)
    def _routing_retried(self, *, by: str, at: datetime) -> None:
        self.state = "produced"
        self.last_error = None
        self.channel = None
        self.destination = None
        self.transmission_id = None

    def bill(self, *, payer: str, month: str, unit_price: Decimal, statement_id: UUID) -> None:
        """The delivered transaction is on `payer`'s statement for `month`, once."""
        if self.billed_month is not None:
            raise InvoiceStateError(
                f"invoice {self.number!r} is already billed in {self.billed_month}"
            )
        self._billed(payer=payer, month=month, unit_price=unit_price, statement_id=statement_id)

    @event(Billed)
    def _billed(self, *, payer: str, month: str, unit_price: Decimal, statement_id: UUID) -> None:
        self.billed_month = month

    def _require_delivered_to(self, participant: str) -> None:
        if self.state != "delivered" or self.channel != "autotrans" or self.receiver != participant:
            raise InvoiceStateError(
                f"invoice {self.number!r} is not in the AutoTrans inbox of {participant}"
            )

    def receive(self, *, participant: str, at: datetime) -> None:
        """The recipient acknowledged that it has fetched the invoice."""
        self._require_delivered_to(participant)
        if self.recipient_state is None:
            self._received(participant=participant, at=at)

    @event(Received)
    def _received(self, *, participant: str, at: datetime) -> None:
        self.recipient_state = "received"

    def approve(self, *, participant: str, at: datetime) -> None:
        """The recipient approved the invoice for payment."""
        self._require_delivered_to(participant)
        if self.recipient_state in ("approved", "rejected"):
            raise InvoiceStateError(f"invoice {self.number!r} is already {self.recipient_state}")
        self._approved(participant=participant, at=at)

    @event(Approved)
    def _approved(self, *, participant: str, at: datetime) -> None:
        self.recipient_state = "approved"

    def reject(self, *, participant: str, reason: str, at: datetime) -> None:
        """The recipient rejected the invoice, with a reason the sender can read."""
        self._require_delivered_to(participant)
        if not reason.strip():
            raise InvoiceStateError("a rejection needs a reason")
        if self.recipient_state in ("approved", "rejected"):
            raise InvoiceStateError(f"invoice {self.number!r} is already {self.recipient_state}")
        self._rejected(participant=participant, reason=reason, at=at)

    @event(Rejected)
    def _rejected(self, *, participant: str, reason: str, at: datetime) -> None:
        self.recipient_state = "rejected"
