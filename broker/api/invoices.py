"""Sending side: submit EHF documents and follow them (status, audit trail, document)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from adapters.documents import DocumentStore
from broker.api.auth import BrokerDep, require, wake
from broker.api.keys import Principal
from broker.api.problems import Problem
from broker.api.schemas import AuditEvent, InvoicePage, InvoiceState, Submitted
from broker.application import party
from broker.bootstrap import Broker
from domain.idempotency import SubmissionKey, idempotency_id
from domain.invoice import Invoice
from ops import metrics
from projections import tenancy
from projections.audit import audit_trail
from projections.base import iso

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])
Sender = Annotated[Principal, Depends(require("client", "accounting-office"))]
Reader = Annotated[Principal, Depends(require("client", "accounting-office", "operator"))]

XML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/xml": {"schema": {"type": "string"}}},
        "description": "One EHF (PEPPOL BIS Billing 3.0) Invoice or CreditNote, UBL 2.1 XML.",
    }
}


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, or 413 as soon as it is known to be over `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        metrics.INVOICES_REJECTED.labels("size").inc()
        raise Problem(413, f"document is {declared} bytes, over the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            metrics.INVOICES_REJECTED.labels("size").inc()
            raise Problem(413, f"document is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "",
    status_code=202,
    response_model=Submitted,
    openapi_extra=XML_BODY,
    responses={
        200: {"model": Submitted, "description": "Already submitted: the existing invoice."},
        413: {"description": "Over the size limit."},
        422: {"description": "Rejected, with the rule findings."},
    },
)
async def submit(
    request: Request,
    broker: BrokerDep,
    principal: Sender,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Submit one EHF document for delivery. Resubmitting the same invoice is idempotent (200);
    an `Idempotency-Key` used before for another document is refused (422)."""
    body = await read_limited(request, broker.settings.max_document_bytes)
    digest = DocumentStore.digest(body)
    if idempotency_key:
        earlier_key(broker, principal, idempotency_key, digest)
    async with request.app.state.checking:  # see ServiceSettings.submit_concurrency
        result = await run_in_threadpool(broker.app.submit, body, principal.tenant)
    if result.outcome == "rejected":
        metrics.INVOICES_REJECTED.labels(result.refusal).inc()
        raise Problem(
            422,
            result.reason,
            number=result.number,
            findings=[f.as_dict() for f in result.findings],
        )
    assert result.invoice_id is not None
    if result.outcome == "accepted":
        metrics.INVOICES_PRODUCED.inc()
        wake(request)
    else:
        metrics.INVOICES_DUPLICATE.inc()
    if idempotency_key:
        await run_in_threadpool(
            remember_key, broker, principal, idempotency_key, digest, result.invoice_id
        )
    url = f"/v1/invoices/{result.invoice_id}"
    answer = Submitted(
        invoice_id=result.invoice_id,
        number=result.number,
        outcome=result.outcome,
        reason=result.reason,
        status_url=url,
        warnings=[f.as_dict() for f in result.findings if f.flag == "warning"],
    )
    headers = {"Location": url}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return JSONResponse(
        answer.model_dump(mode="json"),
        status_code=202 if result.outcome == "accepted" else 200,
        headers=headers,
    )


def earlier_key(broker: Broker, principal: Principal, key: str, digest: str) -> None:
    """Refuse a key this tenant used before for another document."""
    earlier = broker.app._get(idempotency_id(principal.tenant, key), SubmissionKey)
    if earlier is not None and not earlier.same_document(digest):
        raise Problem(
            422,
            f"Idempotency-Key {key!r} was used before for another document (invoice "
            f"{earlier.invoice_id}); send a new document with a new key",
        )


def remember_key(
    broker: Broker, principal: Principal, key: str, digest: str, invoice_id: UUID
) -> None:
    """Record the key's first use; a racing first use with another document is refused."""
    if broker.app._get(idempotency_id(principal.tenant, key), SubmissionKey) is not None:
        earlier_key(broker, principal, key, digest)
        return
    record = SubmissionKey(
        tenant=principal.tenant, key=key, document_hash=digest, invoice_id=invoice_id
    )
    try:
        broker.app.save(record)
    except IntegrityError:
        earlier_key(broker, principal, key, digest)


def _cursor(row: dict[str, Any]) -> str:
    raw = json.dumps([row["produced_at"], row["invoice_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, invoice_id = json.loads(base64.urlsafe_b64decode(padded))
        return str(at), str(invoice_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise Problem(422, f"cursor {cursor!r} is not one this API gave out") from None


def _since(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Problem(422, f"since: {text!r} is not an ISO date or time") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return iso(at)


@router.get("", response_model=InvoicePage)
def list_invoices(
    broker: BrokerDep,
    principal: Reader,
    state: InvoiceState | None = None,
    since: Annotated[str | None, Query(max_length=40, description="ISO date or time")] = None,
    customer: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> InvoicePage:
    """The invoices this key may see (a client its own, an office its clients'), oldest first."""
    rows = tenancy.invoice_page(
        broker.store,
        role=principal.role,
        tenant=principal.tenant,
        state=state,
        since=_since(since),
        customer=party(customer, "customer") if customer else None,
        after=_after(cursor),
        limit=limit,
    )
    return InvoicePage(items=rows, next_cursor=_cursor(rows[-1]) if len(rows) == limit else None)


def may_see(principal: Principal, invoice: Invoice) -> bool:
    if principal.role == "operator":
        return True
    if principal.role == "client":
        return invoice.client == principal.tenant
    if principal.role == "accounting-office":
        return principal.tenant in (invoice.client, invoice.accounting_office)
    return False


def visible(broker: Broker, principal: Principal, invoice_id: UUID) -> Invoice:
    """The invoice, if this key may see it; otherwise 404 (never telling that it exists)."""
    invoice = broker.app.get_invoice(invoice_id)
    if invoice is None or not may_see(principal, invoice):
        raise Problem(404, f"no invoice {invoice_id} that this key may see")
    return invoice


@router.get("/{invoice_id}")
def invoice_status(invoice_id: UUID, broker: BrokerDep, principal: Reader) -> dict[str, Any]:
    """Status of one invoice: state, channel, attempts, last error, recipient's answer."""
    row = tenancy.visible_invoice(
        broker.store, role=principal.role, tenant=principal.tenant, invoice_id=str(invoice_id)
    )
    if row is not None:
        return row
    invoice = visible(broker, principal, invoice_id)  # recorded, not yet in the read model
    return {
        "invoice_id": str(invoice.id),
        "number": invoice.number,
        "document_type": invoice.document_type,
        "sender": invoice.sender,
        "receiver": invoice.receiver,
        "client": invoice.client,
        "accounting_office": invoice.accounting_office,
        "submitted_by": invoice.submitted_by,
        "state": invoice.state,
        "channel": invoice.channel,
        "destination": invoice.destination,
        "last_error": invoice.last_error,
        "recipient_state": invoice.recipient_state,
        "produced_at": iso(invoice.created_on),
    }


@router.get("/{invoice_id}/events", response_model=list[AuditEvent])
def invoice_events(invoice_id: UUID, broker: BrokerDep, principal: Reader) -> list[AuditEvent]:
    """The audit trail: every event of the invoice and its transmissions, in order."""
    visible(broker, principal, invoice_id)
    return [
        AuditEvent(**{**row, "data": json.loads(row["data"])})
        for row in audit_trail(broker.store, str(invoice_id))
    ]


@router.get(
    "/{invoice_id}/document",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "The EHF document."}},
)
def invoice_document(invoice_id: UUID, broker: BrokerDep, principal: Reader) -> Response:
    """The submitted EHF document, byte for byte."""
    invoice = visible(broker, principal, invoice_id)
    return Response(broker.app.document(invoice), media_type="application/xml")
