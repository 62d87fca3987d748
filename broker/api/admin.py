"""Operator endpoints: failed deliveries, replay, registry and enrolment, API keys."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from broker.api.auth import BrokerDep, require, retrying, wake
from broker.api.invoices import _since
from broker.api.keys import Principal, issue_key, revoke_key
from broker.api.problems import Problem
from broker.api.schemas import (
    Channel,
    ClientEnrolment,
    KeyIssued,
    KeyRequest,
    ParticipantRegistration,
    Replay,
    Replayed,
)
from broker.application import CommandError, party
from projections import queries
from projections.apikeys import api_keys

router = APIRouter(prefix="/v1/admin", tags=["operator"])
Operator = Annotated[Principal, Depends(require("operator"))]


@router.get("/failed")
def failed(
    broker: BrokerDep,
    principal: Operator,
    channel: Channel | None = None,
    client: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
) -> list[dict[str, Any]]:
    """Dead letters, failing deliveries and invoices with no route, with the last error."""
    return queries.failing(
        broker.store,
        channel=channel,
        client=party(client, "client") if client else None,
        since=_since(since),
    )


@router.post("/replay", response_model=Replayed)
def replay(body: Replay, request: Request, broker: BrokerDep, principal: Operator) -> Replayed:
    """New attempts for the given failing invoices, or for every one matching the filters."""
    if body.invoice_ids is not None:
        wanted = list(body.invoice_ids)
    else:
        rows = queries.failing(
            broker.store,
            channel=body.channel,
            client=party(body.client, "client") if body.client else None,
            since=_since(body.since),
        )
        wanted = [UUID(r["invoice_id"]) for r in rows]
    done = retrying(lambda: broker.app.replay(wanted, by=str(principal), dry_run=body.dry_run))
    if done and not body.dry_run:
        wake(request)
    return Replayed(dry_run=body.dry_run, done=done)


@router.put("/participants/{participant}")
def register_participant(
    participant: str,
    body: ParticipantRegistration,
    request: Request,
    broker: BrokerDep,
    principal: Operator,
) -> dict[str, Any]:
    """Register a recipient in the AutoTrans registry (or change its entry)."""
    registered = retrying(
        lambda: broker.app.register_participant(participant, body.name, body.document_types)
    )
    wake(request)
    return {"participant": registered, "name": body.name, "document_types": body.document_types}


@router.delete("/participants/{participant}", status_code=204, response_class=Response)
def deregister_participant(participant: str, broker: BrokerDep, principal: Operator) -> Response:
    """Take a recipient out of the registry (its history stays)."""
    retrying(lambda: broker.app.deregister_participant(participant))
    return Response(status_code=204)


@router.get("/participants")
def list_participants(broker: BrokerDep, principal: Operator) -> list[dict[str, Any]]:
    """The AutoTrans registry."""
    return queries.participants(broker.store)


@router.put("/clients/{client}")
def enrol_client(
    client: str, body: ClientEnrolment, broker: BrokerDep, principal: Operator
) -> dict[str, Any]:
    """Enrol a sender (AutoTrans activated, terms accepted), or change its accounting office."""
    enrolled = retrying(lambda: broker.app.enrol_client(client, body.name, body.accounting_office))
    found = broker.app.find_client(enrolled)
    assert found is not None
    return {"client": enrolled, "name": found.name, "accounting_office": found.accounting_office}


@router.get("/clients")
def list_clients(broker: BrokerDep, principal: Operator) -> list[dict[str, Any]]:
    """Enrolled clients."""
    return queries.clients(broker.store)


@router.post("/apikeys", status_code=201, response_model=KeyIssued)
def create_key(body: KeyRequest, broker: BrokerDep, principal: Operator) -> KeyIssued:
    """Create an API key; the answer is the only time the key is shown."""
    key, key_id = issue_key(broker.app, body.tenant, body.role, body.label)
    tenant = body.tenant if body.role == "operator" else party(body.tenant, body.role)
    return KeyIssued(key_id=key_id, tenant=tenant, role=body.role, key=key)


@router.get("/apikeys")
def list_keys(broker: BrokerDep, principal: Operator) -> list[dict[str, Any]]:
    """Every API key: id, tenant, role, label, issued and revoked (never the key)."""
    return api_keys(broker.store)


@router.delete("/apikeys/{key_id}", status_code=204, response_class=Response)
def delete_key(key_id: UUID, broker: BrokerDep, principal: Operator) -> Response:
    """Revoke an API key at once."""
    if key_id == principal.key_id:
        raise Problem(409, "a key cannot revoke itself; use another operator key")
    try:
        revoke_key(broker.app, key_id, by=str(principal))
    except CommandError as e:
        raise Problem(404, str(e)) from None
    return Response(status_code=204)
