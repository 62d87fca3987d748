"""The event-sourced application: commands on invoices, transmissions, clients and the registry.

Commands return an id or a result and save events; queries read aggregates and never save.
Reactions to events (routing, billing) are saved together with their tracking position, so each
happens exactly once even when a worker restarts or two workers race.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, TypeVar
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, ProcessRecorder, Tracking
from lxml import etree

from adapters.documents import DocumentStore
from adapters.secrets import SecretStore
from domain import ids
from domain.billing import PriceList, Statement, billing_month
from domain.client import CHANNELS, Client
from domain.ehf import (
    DocumentRejected,
    EhfDocument,
    check_peppol_bis3,
    minimum_findings,
    parse_xml,
    read_ehf,
)
from domain.findings import Finding, fatal
from domain.invoice import Invoice, InvoiceStateError
from domain.parties import ParticipantId
from domain.registry import Participant
from domain.retry import RetryPolicy
from domain.routing import NoRoute, Route, choose_route
from domain.transmission import Transmission

log = structlog.get_logger("autotrans.broker")

Outcome = Literal["accepted", "duplicate", "rejected"]
# why a document was rejected, for metrics: a small fixed set of labels
Refusal = Literal["unreadable", "rules", "not_enrolled", "not_sender"]
Validator = Callable[[etree._Element], list[Finding]]
DOCUMENT_TYPES = ("Invoice", "CreditNote")
T = TypeVar("T", bound=Aggregate)


class CommandError(Exception):
    """A command that cannot be carried out, with a message for the person who gave it."""


class SubmitterRefused(CommandError):
    """The submitter may not send this invoice: not enrolled, or not the seller nor its office."""

    def __init__(self, message: str, refusal: Refusal) -> None:
        super().__init__(message)
        self.refusal: Refusal = refusal


@dataclass(frozen=True)
class SubmitResult:
    """What became of one submitted document."""

    outcome: Outcome
    reason: str
    invoice_id: UUID | None = None
    number: str | None = None
    findings: Sequence[Finding] = field(default_factory=tuple)
    refusal: Refusal | None = None  # why, when rejected

    def __post_init__(self) -> None:
        if (self.outcome == "rejected") != (self.refusal is not None):
            raise ValueError("a rejected SubmitResult says why (refusal), no other does")


def party(text: str, what: str) -> str:
    """Normalise a participant id given by a user, or refuse it with the rule it breaks."""
    try:
        return str(ParticipantId.parse(text))
    except ValueError as e:
        raise CommandError(f"{what}: {e}") from None


class Batch:
    """Aggregates read and changed while reacting to a run of events, saved in one transaction
    together with the position of the last event. Within a batch an aggregate is read once and
    is the same object every time (clients, participants and statements are shared by many)."""

    def __init__(self, app: AutoTrans) -> None:
        self.app = app
        self.seen: dict[UUID, Aggregate | None] = {}
        self.changed: dict[UUID, Aggregate] = {}

    def get(self, aggregate_id: UUID, kind: type[T]) -> T | None:
        if aggregate_id not in self.seen:
            self.seen[aggregate_id] = self.app._get(aggregate_id, kind)
        found = self.seen[aggregate_id]
        assert found is None or isinstance(found, kind)
        return found

    def add(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            self.seen[aggregate.id] = aggregate
            self.changed[aggregate.id] = aggregate

    def save(self, tracking: Tracking | None) -> None:
        self.app.record(tracking, *self.changed.values())
        self.changed.clear()
        self.seen.clear()


class AutoTrans(Application[UUID]):
    """Invoices, transmissions, participants, clients and statements in one append-only log."""

    name = "autotrans"
    # Invoices pass through routing, delivery and billing soon after submission: keep them hot.
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "20000"}

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        documents: DocumentStore,
        prices: PriceList,
        retry_policy: Callable[[str], RetryPolicy],
        validator: Validator | None = None,
        max_document_bytes: int,
        secrets: SecretStore | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(env)
        self.documents = documents
        self.prices = prices
        self.retry_policy = retry_policy
        self.validator = validator
        self.max_document_bytes = max_document_bytes
        self.secrets = secrets
        self.clock = clock

    def construct_recorder(self) -> ProcessRecorder:
        # A process recorder stores tracking positions atomically with new events.
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        assert isinstance(self.recorder, ProcessRecorder)
        return self.recorder

    # -- saving ---------------------------------------------------------------------------------

    def record(self, tracking: Tracking | None, *aggregates: Aggregate | None) -> None:
        """Save the aggregates' new events and, atomically, the tracking position.

        The events are stored in the order they happened across the aggregates (each
        aggregate's own order kept), so an audit trail reads as the story went."""
        processing = ProcessingEvent[UUID](tracking=tracking)
        changed = [a for a in aggregates if a is not None]
        pending = [a.collect_events() for a in changed]
        processing.collect_events(*heapq.merge(*pending, key=lambda e: e.timestamp))
        processing.aggregates.update((a.id, a) for a in changed)
        recordings = self._record(processing)
        self._notify(recordings)

    def batch(self) -> Batch:
        """A unit of work for reactions: aggregates changed by several events, saved once."""
        return Batch(self)

    def _get(self, aggregate_id: UUID, kind: type[T]) -> T | None:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(aggregate, kind)
        return aggregate

    # -- clients, registry, customer register ------------------------------------------------------

    def enrol_client(self, client: str, name: str, accounting_office: str | None = None) -> str:
        """Enrol a sender: AutoTrans activated, terms accepted now. Idempotent."""
        client = party(client, "client")
        office = party(accounting_office, "accounting office") if accounting_office else None
        if office == client:
            raise CommandError(f"client {client} cannot be its own accounting office")
        if office is not None and self.find_client(office) is None:
            raise CommandError(
                f"accounting office {office} is not enrolled; enrol it first: "
                f"autotrans client add {office} --name NAME"
            )
        existing = self.find_client(client)
        if existing is None:
            self.save(
                Client(
                    client=client,
                    name=name,
                    accounting_office=office,
                    terms_accepted_at=self.clock(),
                )
            )
        elif office is not None and existing.accounting_office != office:
            existing.change_accounting_office(accounting_office=office)
            self.save(existing)
        return client

    def find_client(self, client: str) -> Client | None:
        return self._get(ids.client_id(client), Client)

    def require_client(self, client: str) -> Client:
        found = self.find_client(party(client, "client"))
        if found is None:
            raise CommandError(
                f"client {client} is not enrolled; enrol it with: autotrans client add {client} "
                "--name NAME"
            )
        return found

    def set_client_price(self, client: str, price: Any, channel: str = "*") -> None:
        """A price for one client that overrides the price list, for one channel or all (`*`)."""
        found = self.require_client(client)
        if channel != "*" and channel not in CHANNELS:
            raise CommandError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
        found.set_price(channel=channel, price=self.prices.unit_price(channel, price))
        self.save(found)

    def register_participant(
        self, participant: str, name: str, document_types: Sequence[str] = DOCUMENT_TYPES
    ) -> str:
        """Register a recipient in the AutoTrans registry (or update it). Idempotent."""
        participant = party(participant, "participant")
        unknown = set(document_types) - set(DOCUMENT_TYPES)
        if unknown:
            raise CommandError(f"document types {sorted(unknown)} are not {DOCUMENT_TYPES}")
        existing = self.find_participant(participant)
        if existing is None:
            self.save(
                Participant(participant=participant, name=name, document_types=list(document_types))
            )
        else:
            existing.reregister(name=name, document_types=list(document_types))
            self.save(existing)
        return participant

    def deregister_participant(self, participant: str) -> None:
        found = self.find_participant(party(participant, "participant"))
        if found is None:
            raise CommandError(f"participant {participant} is not in the registry")
        found.deregister()
        self.save(found)

    def find_participant(self, participant: str) -> Participant | None:
        return self._get(ids.participant_id(participant), Participant)

    def is_reachable(self, participant: str, document_type: str) -> bool:
        found = self.find_participant(participant)
        return found is not None and found.accepts(document_type)

    def set_customer(
        self,
        client: str,
        customer: str,
        channel: str,
        address: str | None = None,
        options: dict[str, str] | None = None,
        secret: str | None = None,
    ) -> None:
        """Record in `client`'s customer register how `customer` wants its invoices.

        A `secret` (FTP/SFTP password or private key) goes to the encrypted secret store; the
        register keeps only its reference, and the entry's previous secret is erased.
        """
        found = self.require_client(client)
        customer = party(customer, "customer")
        if channel not in CHANNELS:
            raise CommandError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
        if channel == "autotrans":
            address = customer
        if not address:
            raise CommandError(f"channel {channel} needs an address for customer {customer}")
        options = dict(options or {})
        if any("secret" in key for key in options):
            raise CommandError(
                "secrets go to the secret store, never into register options "
                "(give the password or key itself; AutoTrans keeps only its reference)"
            )
        before = found.customers.get(customer, {})
        previous = before.get("options", {}).get("secret_ref")
        if secret is not None:
            if self.secrets is None:
                raise CommandError("no secret store is configured")
            options["secret_ref"] = self.secrets.put(secret)
        elif previous and (before.get("channel"), before.get("address")) == (channel, address):
            options["secret_ref"] = previous  # same destination: the stored secret still applies
        found.set_customer(customer=customer, channel=channel, address=address, options=options)
        try:
            self.save(found)
        except Exception:
            if secret is not None and self.secrets is not None:
                self.secrets.delete(options["secret_ref"])  # not referenced by anything: erase
            raise
        if previous and previous != options.get("secret_ref") and self.secrets is not None:
            self.secrets.delete(previous)

    def remove_customer(self, client: str, customer: str) -> None:
        found = self.require_client(client)
        customer = party(customer, "customer")
        if customer in found.customers:
            found.remove_customer(customer=customer)
            self.save(found)

    # -- submission -----------------------------------------------------------------------------

    def submit(self, body: bytes, submitter: str) -> SubmitResult:
        """Check a document and, if it is new and acceptable, record it as Produced."""
        return self.submit_many([body], submitter)[0]

    def submit_many(self, bodies: Sequence[bytes], submitter: str) -> list[SubmitResult]:
        """Check each document; record the accepted ones as Produced in one transaction.

        One result per document, in order. A document rejected is not stored at all.
        """
        try:
            submitter = party(submitter, "client")
        except CommandError as e:
            return [SubmitResult("rejected", str(e), refusal="not_enrolled") for _ in bodies]
        results: list[SubmitResult] = []
        accepted: dict[UUID, tuple[int, Invoice, bytes]] = {}
        for body in bodies:
            result, invoice = self._check(body, submitter, accepted)
            if invoice is not None:
                accepted[invoice.id] = (len(results), invoice, body)
            results.append(result)
        if not accepted:
            return results
        try:
            self.record(None, *(invoice for _, invoice, _ in accepted.values()))
        except IntegrityError:
            # A concurrent submission of one of them won the race. The failed save used up the
            # aggregates' pending events, so judge and save each one afresh.
            for index, _, body in accepted.values():
                result, fresh = self._check(body, submitter, {})
                if fresh is not None:
                    try:
                        self.save(fresh)
                        continue
                    except IntegrityError:
                        raced = self._get(fresh.id, Invoice)
                        assert raced is not None
                        result = self._duplicate(raced, body)
                results[index] = result
        for index, invoice, _ in accepted.values():
            if results[index].outcome == "accepted":
                log.info(
                    "invoice.produced",
                    invoice_id=str(invoice.id),
                    client=invoice.client,
                    number=invoice.number,
                    receiver=invoice.receiver,
                )
        return results

    def _refused(self, root: etree._Element, refusal: DocumentRejected) -> tuple[Finding, ...]:
        """The findings of a document that could be parsed but not read (a missing endpoint, an
        amount that is not a number, not PEPPOL BIS): with the rule set wired in, every finding
        of the rules, so the sender can mend them all at once, not one refusal at a time."""
        if self.validator is None:
            return tuple(refusal.findings)
        findings = self.validator(root)
        known = {f.rule_id for f in findings}
        return (*findings, *(f for f in refusal.findings if f.rule_id not in known))

    def _check(
        self, body: bytes, submitter: str, pending: Mapping[UUID, tuple[int, Invoice, bytes]]
    ) -> tuple[SubmitResult, Invoice | None]:
        """Judge one document; an acceptable new one comes back as a Produced Invoice."""
        try:
            root = parse_xml(body, max_bytes=self.max_document_bytes)
        except DocumentRejected as e:
            unparsed = SubmitResult(
                "rejected", str(e), findings=tuple(e.findings), refusal="unreadable"
            )
            return unparsed, None
        try:
            document = read_ehf(root)
            check_peppol_bis3(document)
        except DocumentRejected as e:
            refused = self._refused(root, e)
            return SubmitResult("rejected", str(e), findings=refused, refusal="unreadable"), None
        # The full rule set when it is wired in; else the minimum checks routing relies on.
        findings = self.validator(root) if self.validator else minimum_findings(document)
        fatal_findings = fatal(findings)
        if fatal_findings:
            first = fatal_findings[0]
            more = f" (and {len(fatal_findings) - 1} more)" if len(fatal_findings) > 1 else ""
            reason = f"invoice {document.number!r} rejected: {first.rule_id} {first.text}{more}"
            return (
                SubmitResult(
                    "rejected",
                    reason,
                    number=document.number,
                    findings=tuple(findings),
                    refusal="rules",
                ),
                None,
            )
        try:
            client = self._sending_client(document, submitter)
        except SubmitterRefused as e:
            return SubmitResult("rejected", str(e), number=document.number, refusal=e.refusal), None

        sender = str(document.seller.endpoint)
        invoice_id = ids.invoice_id(sender, document.document_type, document.number)
        existing = (
            pending[invoice_id][1] if invoice_id in pending else self._get(invoice_id, Invoice)
        )
        if existing is not None:
            return self._duplicate(existing, body), None
        digest = self.documents.put(body)
        warnings = [f for f in findings if f.flag == "warning"]
        invoice = Invoice(
            sender=sender,
            receiver=str(document.buyer.endpoint),
            document_type=document.document_type,
            number=document.number,
            type_code=document.type_code,
            issue_date=document.issue_date.isoformat(),
            due_date=document.due_date.isoformat() if document.due_date else None,
            currency=document.currency,
            total_without_vat=document.totals.tax_exclusive,
            vat=document.totals.tax,
            total_with_vat=document.totals.tax_inclusive,
            payable=document.totals.payable,
            seller_name=document.seller.name,
            buyer_name=document.buyer.name,
            document_hash=digest,
            client=client.client,
            accounting_office=client.accounting_office,
            submitted_by=submitter,
            warnings=[f.as_dict() for f in warnings],
        )
        reason = f"{len(warnings)} warning(s) kept with the invoice" if warnings else "ok"
        result = SubmitResult(
            "accepted", reason, invoice.id, document.number, findings=tuple(findings)
        )
        return result, invoice

    def _sending_client(self, document: EhfDocument, submitter: str) -> Client:
        """The client the invoice is sent for; the submitter must be it or its accounting office.

        The seller is its endpoint id: that is who the recipient sees and what the invoice's
        identity is made of, so it is the only id that may authorise a submission.
        """
        submitting = self.find_client(submitter)
        if submitting is None:
            raise SubmitterRefused(
                f"client {submitter} is not enrolled in AutoTrans", "not_enrolled"
            )
        seller = str(document.seller.endpoint)
        if seller == submitter:
            return submitting
        seller_client = self.find_client(seller)
        if seller_client is not None and seller_client.accounting_office == submitter:
            return seller_client
        raise SubmitterRefused(
            f"invoice {document.number!r} rejected: seller {document.seller.endpoint} is neither "
            f"{submitter} nor a client of accounting office {submitter}",
            "not_sender",
        )

    def _duplicate(self, existing: Invoice, body: bytes) -> SubmitResult:
        same_body = DocumentStore.digest(body) == existing.document_hash
        what = "the same document" if same_body else "a different document with the same number"
        return SubmitResult(
            "duplicate",
            f"{existing.document_type} {existing.number!r} from {existing.sender} was already "
            f"submitted ({what}); state {existing.state}",
            existing.id,
            existing.number,
        )

    # -- operator: replay ------------------------------------------------------------------------

    def replay(self, invoice_ids: Sequence[UUID], by: str, dry_run: bool = False) -> list[str]:
        """New attempts for the invoices' failing or abandoned deliveries. Safe to repeat.

        When the route is still the same (same channel and destination) the transmission gets
        fresh attempts, with the register's current secret and options; when the registry or
        the customer register now says otherwise (or there was no route), the invoice is routed
        again. Delivered invoices are left alone; billing stays once per invoice. Returns what
        was (or would be) done.
        """
        done = []
        for invoice_id in invoice_ids:
            invoice = self._get(invoice_id, Invoice)
            if invoice is None or invoice.state == "delivered":
                continue
            transmission = (
                self._get(invoice.transmission_id, Transmission)
                if invoice.transmission_id
                else None
            )
            route = self._route(invoice, self.batch())
            same_route = (
                transmission is not None
                and isinstance(route, Route)
                and (route.channel, route.destination)
                == (transmission.channel, transmission.destination)
            )
            at = self.clock()
            if transmission is not None and same_route:
                if transmission.state in ("delivered", "pending", "attempting"):
                    continue
                was = f"{transmission.state}: {transmission.last_error}"
                if dry_run or transmission.replay(by=by, at=at):
                    done.append(
                        f"{invoice.id}  {invoice.number}  new attempts via {transmission.channel} "
                        f"to {transmission.destination} (was {was})"
                    )
                    if not dry_run:
                        self.save(transmission)
            elif invoice.state == "failed" and (dry_run or invoice.retry_routing(by=by, at=at)):
                now = (
                    route.reason if isinstance(route, NoRoute) else f"{route.channel}: {route.why}"
                )
                done.append(f"{invoice.id}  {invoice.number}  route again ({now})")
                if not dry_run:
                    self.save(invoice)
        return done

    def delivery_options(
        self, invoice: Invoice, transmission: Transmission, batch: Batch
    ) -> dict[str, str]:
        """The transmission's options, refreshed from the customer register when the entry still
        points at the same destination, so a rotated password or host key is used on retry."""
        options = dict(transmission.options)
        client = batch.get(ids.client_id(invoice.client), Client)
        entry = client.customers.get(invoice.receiver) if client else None
        if entry and (entry["channel"], entry["address"]) == (
            transmission.channel,
            transmission.destination,
        ):
            options.update({str(k): str(v) for k, v in entry.get("options", {}).items()})
        return options

    def _route(self, invoice: Invoice, batch: Batch) -> Route | NoRoute:
        client = batch.get(ids.client_id(invoice.client), Client)
        return choose_route(
            client=invoice.client,
            buyer=invoice.receiver,
            document_type=invoice.document_type,
            participant=batch.get(ids.participant_id(invoice.receiver), Participant),
            register_entry=client.customers.get(invoice.receiver) if client else None,
        )

    # -- routing (reaction to Invoice.Produced) ------------------------------------------------

    def route_invoice(self, invoice_id: UUID, batch: Batch) -> None:
        """Find how the buyer is reached and create the transmission, or fail with `no route`."""
        invoice = batch.get(invoice_id, Invoice)
        if invoice is None or invoice.state != "produced":
            return
        route = self._route(invoice, batch)
        bound = log.bind(invoice_id=str(invoice.id), client=invoice.client)
        if isinstance(route, NoRoute):
            invoice.fail(reason=route.reason, final=True, transmission_id=None, at=self.clock())
            batch.add(invoice)
            bound.warning("invoice.no_route", reason=route.reason)
            return
        transmission_id = ids.transmission_id(invoice.id, route.channel, route.destination)
        invoice.route(
            channel=route.channel,
            destination=route.destination,
            transmission_id=transmission_id,
            why=route.why,
        )
        batch.add(invoice)
        # Only an invoice routed before can meet one of its earlier transmissions again.
        earlier = transmission_id in invoice.transmission_ids[:-1]
        existing = batch.get(transmission_id, Transmission) if earlier else None
        if existing is not None:
            # Routed back to an earlier destination: that transmission gets fresh attempts.
            if existing.replay(by="routing", at=self.clock()):
                batch.add(existing)
        else:
            batch.add(
                Transmission(
                    invoice_id=invoice.id,
                    channel=route.channel,
                    destination=route.destination,
                    options=dict(route.options),
                    max_attempts=self.retry_policy(route.channel).max_attempts,
                    why=route.why,
                )
            )
        bound.info("invoice.routed", channel=route.channel, transmission_id=str(transmission_id))

    # -- billing (reaction to Invoice.Delivered) -----------------------------------------------

    def bill_invoice(self, invoice_id: UUID, delivered_at: datetime, batch: Batch) -> None:
        """Put a delivered invoice on its payer's statement for the month of delivery, once."""
        invoice = batch.get(invoice_id, Invoice)
        if invoice is None or invoice.is_billed or invoice.channel is None:
            return
        client = batch.get(ids.client_id(invoice.client), Client)
        assert client is not None, f"invoice {invoice.id} has no enrolled client"
        month = billing_month(delivered_at)
        payer = client.payer
        unit_price = self.prices.unit_price(invoice.channel, client.price_for(invoice.channel))
        statement_id = ids.statement_id(payer, month)
        statement = batch.get(statement_id, Statement) or Statement(payer=payer, month=month)
        # the invoice first: it refuses a second billing before the statement is touched
        invoice.bill(payer=payer, month=month, unit_price=unit_price, statement_id=statement.id)
        statement.bill(
            invoice_id=invoice.id,
            client=invoice.client,
            channel=invoice.channel,
            unit_price=unit_price,
            at=delivered_at,
        )
        batch.add(invoice, statement)
        log.info(
            "invoice.billed",
            invoice_id=str(invoice.id),
            client=invoice.client,
            payer=payer,
            month=month,
            unit_price=str(unit_price),
        )

    # -- recipient side ------------------------------------------------------------------------

    def _inbox_invoice(self, participant: str, invoice_id: UUID) -> Invoice:
        invoice = self._get(invoice_id, Invoice)
        if invoice is None or invoice.receiver != participant:
            raise CommandError(f"invoice {invoice_id} is not in the inbox of {participant}")
        return invoice

    def acknowledge(self, participant: str, invoice_id: UUID) -> Invoice:
        """The recipient has fetched the invoice."""
        return self._answer(participant, invoice_id, lambda invoice, who, at: None)

    def approve(self, participant: str, invoice_id: UUID) -> Invoice:
        """The recipient approves the invoice for payment."""
        return self._answer(
            participant,
            invoice_id,
            lambda invoice, who, at: invoice.approve(participant=who, at=at),
        )

    def reject(self, participant: str, invoice_id: UUID, reason: str) -> Invoice:
        """The recipient rejects the invoice; the sender sees the reason in its status."""
        return self._answer(
            participant,
            invoice_id,
            lambda invoice, who, at: invoice.reject(participant=who, reason=reason, at=at),
        )

    def _answer(
        self,
        participant: str,
        invoice_id: UUID,
        answer: Callable[[Invoice, str, datetime], None],
    ) -> Invoice:
        """Apply the answer and save; the invoice as saved."""
        participant = party(participant, "participant")
        invoice = self._inbox_invoice(participant, invoice_id)
        at = self.clock()
        try:
            invoice.receive(participant=participant, at=at)  # answering implies it was fetched
            answer(invoice, participant, at)
        except InvoiceStateError as e:
            raise CommandError(str(e)) from None
        self.save(invoice)
        return invoice

    # -- queries -------------------------------------------------------------------------------

    def get_invoice(self, invoice_id: UUID) -> Invoice | None:
        return self._get(invoice_id, Invoice)

    def get_transmission(self, transmission_id: UUID) -> Transmission | None:
        return self._get(transmission_id, Transmission)

    def document(self, invoice: Invoice) -> bytes:
        return self.documents.get(invoice.document_hash)
