"""A client's customer register (how each customer wants invoices) and the AutoTrans directory."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response

from adapters.channels.network import is_internal
from broker.api.auth import BrokerDep, require, retrying, wake
from broker.api.keys import Principal
from broker.api.problems import Problem
from broker.api.schemas import (
    CustomerEntry,
    CustomerView,
    DirectoryAnswer,
    DirectoryEntry,
    DirectoryMatch,
)
from broker.application import CommandError, party
from broker.bootstrap import Broker
from domain.client import Client

router = APIRouter(tags=["customers"])
Sender = Annotated[Principal, Depends(require("client", "accounting-office", "operator"))]
Anyone = Annotated[
    Principal, Depends(require("client", "accounting-office", "operator", "recipient"))
]
ClientParam = Annotated[
    str | None,
    Query(
        max_length=100,
        description="Whose register: an office's client, or any client for the operator. "
        "Default: the caller itself.",
    ),
]


def register_owner(broker: Broker, principal: Principal, client: str | None) -> Client:
    """The client whose register the caller may read and change."""
    if client is None:
        if principal.role == "operator":
            raise Problem(422, "the operator must say whose register: ?client=PARTICIPANT")
        client = principal.tenant
    wanted = party(client, "client")
    found = broker.app.find_client(wanted)
    allowed = principal.role == "operator" or wanted == principal.tenant
    if principal.role == "accounting-office" and found is not None:
        allowed = allowed or found.accounting_office == principal.tenant
    if not allowed:
        raise Problem(403, f"{principal.tenant} may not use the customer register of {wanted}")
    if found is None:
        raise Problem(404, f"client {wanted} is not enrolled")
    return found


def view(owner: Client, customer: str, entry: dict[str, Any]) -> CustomerView:
    options = dict(entry.get("options") or {})
    has_secret = options.pop("secret_ref", None) is not None
    return CustomerView(
        client=owner.client,
        customer=customer,
        channel=entry["channel"],
        address=entry["address"],
        options=options,
        has_secret=has_secret,
    )


@router.get("/v1/customers", response_model=list[CustomerView])
def list_customers(
    broker: BrokerDep, principal: Sender, client: ClientParam = None
) -> list[CustomerView]:
    """The whole customer register."""
    owner = register_owner(broker, principal, client)
    return [view(owner, c, e) for c, e in sorted(owner.customers.items())]


@router.get("/v1/customers/{participant}", response_model=CustomerView)
def get_customer(
    participant: str, broker: BrokerDep, principal: Sender, client: ClientParam = None
) -> CustomerView:
    """How one customer gets the client's invoices (secrets are never shown)."""
    owner = register_owner(broker, principal, client)
    customer = party(participant, "customer")
    entry = owner.customers.get(customer)
    if entry is None:
        raise Problem(404, f"customer {customer} is not in the register of {owner.client}")
    return view(owner, customer, entry)


def refuse_internal_host(address: str) -> None:
    """A tenant may not point AutoTrans at its own network: loopback, private, link-local or
    reserved addresses are refused (AUTOTRANS_ALLOW_PRIVATE_DESTINATIONS=1 allows them)."""
    host = (urlsplit(address).hostname or "").lower()
    if host in ("localhost", "") or host.endswith(".localhost"):
        internal = True
    else:
        try:
            internal = is_internal(host)
        except ValueError:
            return  # a name: the channel resolves it and checks the address when delivering
    if internal:
        raise Problem(
            422,
            f"destination host {host or address!r} is a loopback, private or reserved address; "
            "give the customer's public server",
        )


@router.put("/v1/customers/{participant}", response_model=CustomerView)
def put_customer(
    participant: str,
    entry: CustomerEntry,
    request: Request,
    broker: BrokerDep,
    principal: Sender,
    client: ClientParam = None,
) -> CustomerView:
    """Set how a customer wants invoices: channel, address, options; `secret` is write-only."""
    owner = register_owner(broker, principal, client)
    customer = party(participant, "customer")
    if entry.channel in ("ftp", "sftp") and not broker.settings.allow_private_destinations:
        refuse_internal_host(entry.address or "")
    extra = {"secret": entry.secret} if entry.secret is not None else {}

    def command() -> None:
        broker.app.set_customer(
            owner.client, customer, entry.channel, entry.address, dict(entry.options), **extra
        )

    retrying(command)
    wake(request)
    found = broker.app.find_client(owner.client)
    assert found is not None
    return view(found, customer, found.customers[customer])


@router.delete("/v1/customers/{participant}", status_code=204, response_class=Response)
def delete_customer(
    participant: str, broker: BrokerDep, principal: Sender, client: ClientParam = None
) -> Response:
    """Take a customer out of the register (invoices to it are routed by the registry)."""
    owner = register_owner(broker, principal, client)
    customer = party(participant, "customer")
    if customer not in owner.customers:
        raise Problem(404, f"customer {customer} is not in the register of {owner.client}")
    retrying(lambda: broker.app.remove_customer(owner.client, customer))
    return Response(status_code=204)


@router.post("/v1/directory/match", response_model=list[DirectoryAnswer], tags=["directory"])
def directory_match(
    query: DirectoryMatch, broker: BrokerDep, principal: Anyone
) -> list[DirectoryAnswer]:
    """Which of these participants receive this document type in their AutoTrans inbox."""
    answers = []
    for text in query.participants:
        try:
            participant = party(text, "participant")
        except CommandError as e:
            answers.append(DirectoryAnswer(participant=text, reachable=False, error=str(e)))
            continue
        found = broker.app.find_participant(participant)
        answers.append(
            DirectoryAnswer(
                participant=participant,
                reachable=found is not None and found.accepts(query.document_type),
                name=found.name if found is not None else None,
            )
        )
    return answers


@router.get("/v1/directory/{participant}", response_model=DirectoryEntry, tags=["directory"])
def directory_entry(participant: str, broker: BrokerDep, principal: Anyone) -> DirectoryEntry:
    """A participant's entry in the AutoTrans registry."""
    wanted = party(participant, "participant")
    found = broker.app.find_participant(wanted)
    if found is None:
        raise Problem(404, f"participant {wanted} is not in the AutoTrans registry")
    return DirectoryEntry(
        participant=found.participant,
        name=found.name,
        document_types=list(found.document_types),
        active=found.active,
    )
