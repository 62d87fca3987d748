"""Recipient side: the AutoTrans inbox, its documents, and the recipient's answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from broker.api.auth import BrokerDep, require, retrying, wake
from broker.api.keys import Principal
from broker.api.problems import Problem
from broker.api.schemas import InboxAction, Rejection
from broker.application import CommandError
from broker.bootstrap import Broker
from domain.invoice import Invoice
from projections import queries

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])
Recipient = Annotated[Principal, Depends(require("recipient"))]


def in_inbox(broker: Broker, principal: Principal, invoice_id: UUID) -> Invoice:
    invoice = broker.app.get_invoice(invoice_id)
    if (
        invoice is None
        or invoice.receiver != principal.tenant
        or invoice.channel != "autotrans"
        or invoice.state != "delivered"
    ):
        raise Problem(404, f"no invoice {invoice_id} in the inbox of {principal.tenant}")
    return invoice


@router.get("")
def list_inbox(broker: BrokerDep, principal: Recipient) -> list[dict[str, Any]]:
    """What this recipient has received, oldest first, with its answer (new, received, ...)."""
    return queries.inbox(broker.store, principal.tenant)


@router.get(
    "/{invoice_id}/document",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "The EHF document."}},
)
def inbox_document(invoice_id: UUID, broker: BrokerDep, principal: Recipient) -> Response:
    """The received EHF document."""
    invoice = in_inbox(broker, principal, invoice_id)
    return Response(broker.app.document(invoice), media_type="application/xml")


def answer(
    request: Request,
    broker: Broker,
    principal: Principal,
    invoice_id: UUID,
    command: Callable[[], Invoice],
) -> InboxAction:
    in_inbox(broker, principal, invoice_id)
    try:
        invoice = retrying(command)
    except CommandError as e:
        raise Problem(409, str(e)) from None
    wake(request)
    return InboxAction(invoice_id=invoice_id, recipient_state=invoice.recipient_state or "new")


@router.post("/{invoice_id}/ack", response_model=InboxAction)
def acknowledge(
    invoice_id: UUID, request: Request, broker: BrokerDep, principal: Recipient
) -> InboxAction:
    """Acknowledge that the invoice was fetched."""
    return answer(
        request,
        broker,
        principal,
        invoice_id,
        lambda: broker.app.acknowledge(principal.tenant, invoice_id),
    )


@router.post("/{invoice_id}/approve", response_model=InboxAction)
def approve(
    invoice_id: UUID, request: Request, broker: BrokerDep, principal: Recipient
) -> InboxAction:
    """Approve the invoice for payment."""
    return answer(
        request,
        broker,
        principal,
        invoice_id,
        lambda: broker.app.approve(principal.tenant, invoice_id),
    )


@router.post("/{invoice_id}/reject", response_model=InboxAction)
def reject(
    invoice_id: UUID,
    rejection: Rejection,
    request: Request,
    broker: BrokerDep,
    principal: Recipient,
) -> InboxAction:
    """Reject the invoice, saying why; the sender sees the reason in the invoice status."""
    return answer(
        request,
        broker,
        principal,
        invoice_id,
        lambda: broker.app.reject(principal.tenant, invoice_id, rejection.reason),
    )
