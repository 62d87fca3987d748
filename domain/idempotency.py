"""Idempotency keys of submissions: a client's retry with the same key gets the same answer,
and the same key with another document is refused instead of silently meaning something else."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import ids


def idempotency_id(tenant: str, key: str) -> UUID:
    """One record per tenant and key (keys of different tenants never collide)."""
    return uuid5(ids.NAMESPACE, f"idempotency|{tenant}|{key}")


class SubmissionKey(Aggregate):
    """The first submission a tenant made under an `Idempotency-Key`."""

    class Used(Aggregate.Created):
        """`key` was first used by `tenant` for the document with `document_hash`."""

        tenant: str
        key: str
        document_hash: str
        invoice_id: UUID

    @staticmethod
    def create_id(tenant: str, key: str, **_: Any) -> UUID:
        return idempotency_id(tenant, key)

    @event(Used)
    def __init__(self, *, tenant: str, key: str, document_hash: str, invoice_id: UUID) -> None:
        self.tenant = tenant
        self.key = key
        self.document_hash = document_hash
        self.invoice_id = invoice_id

    def same_document(self, document_hash: str) -> bool:
        return self.document_hash == document_hash
