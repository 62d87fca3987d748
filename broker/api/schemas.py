"""Request and response bodies of the HTTP API (what /openapi.json describes)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["autotrans", "email", "ftp", "sftp"]
DocumentType = Literal["Invoice", "CreditNote"]
InvoiceState = Literal["produced", "routed", "retrying", "delivered", "failed"]
DOCUMENT_TYPES: tuple[DocumentType, ...] = ("Invoice", "CreditNote")
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Submitted(BaseModel):
    """What became of a submitted document that was accepted or already known."""

    invoice_id: UUID
    number: str | None
    outcome: Literal["accepted", "duplicate"]
    reason: str
    status_url: str
    warnings: list[dict[str, Any]] = []


class InvoicePage(BaseModel):
    """A page of invoices, oldest first; pass `next_cursor` as `cursor` for the next page."""

    items: list[dict[str, Any]]
    next_cursor: str | None


class AuditEvent(BaseModel):
    position: int
    at: str
    aggregate: str
    aggregate_id: str
    version: int
    event: str
    data: dict[str, Any]


class CustomerEntry(Strict):
    """How a customer wants invoices. `secret` (FTP/SFTP password or key) is write-only."""

    channel: Channel
    address: str | None = Field(default=None, max_length=500)
    options: dict[str, str] = Field(default_factory=dict, max_length=50)
    secret: str | None = Field(
        default=None, max_length=20000, json_schema_extra={"writeOnly": True}
    )


class CustomerView(BaseModel):
    client: str
    customer: str
    channel: str
    address: str
    options: dict[str, str]
    has_secret: bool


class DirectoryMatch(Strict):
    participants: list[str] = Field(max_length=1000)
    document_type: DocumentType = "Invoice"


class DirectoryAnswer(BaseModel):
    participant: str
    reachable: bool
    name: str | None = None
    error: str | None = None


class DirectoryEntry(BaseModel):
    participant: str
    name: str
    document_types: list[str]
    active: bool


class Rejection(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class InboxAction(BaseModel):
    invoice_id: UUID
    recipient_state: str


class ParticipantRegistration(Strict):
    name: str = Field(min_length=1, max_length=300)
    document_types: list[DocumentType] = Field(
        default_factory=lambda: list(DOCUMENT_TYPES), min_length=1, max_length=2
    )


class ClientEnrolment(Strict):
    name: str = Field(min_length=1, max_length=300)
    accounting_office: str | None = Field(default=None, max_length=100)


class Replay(Strict):
    """Which failing invoices get new attempts: given ids, or every one matching the filters."""

    invoice_ids: list[UUID] | None = Field(default=None, max_length=10000)
    channel: Channel | None = None
    client: str | None = Field(default=None, max_length=100)
    since: str | None = Field(default=None, max_length=40)
    dry_run: bool = False


class Replayed(BaseModel):
    dry_run: bool
    done: list[str]


class KeyRequest(Strict):
    tenant: str = Field(min_length=1, max_length=100)
    role: Literal["client", "recipient", "accounting-office", "operator"]
    label: str = Field(default="", max_length=200)


class KeyIssued(BaseModel):
    key_id: UUID
    tenant: str
    role: str
    key: str = Field(description="Shown once; only its hash is kept.")
