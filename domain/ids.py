"""Deterministic aggregate ids: the same business key always gives the same id (idempotency)."""

from __future__ import annotations

from uuid import UUID, uuid5

# Fixed forever: changing it would orphan every stored aggregate.
NAMESPACE = UUID("6f1c8f8e-6a53-4c39-9a8e-1f2b8d6c0a11")


def invoice_id(sender: str, document_type: str, number: str) -> UUID:
    """An invoice is its sender, its type (Invoice/CreditNote) and its number."""
    return uuid5(NAMESPACE, f"invoice|{sender}|{document_type}|{number}")


def transmission_id(invoice: UUID, channel: str, destination: str) -> UUID:
    """One transmission per invoice, channel and destination."""
    return uuid5(NAMESPACE, f"transmission|{invoice}|{channel}|{destination}")


def participant_id(participant: str) -> UUID:
    """A recipient in the AutoTrans registry, by its participant id (`0192:991825827`)."""
    return uuid5(NAMESPACE, f"participant|{participant}")


def client_id(client: str) -> UUID:
    """An enrolled sender, by its participant id."""
    return uuid5(NAMESPACE, f"client|{client}")


def statement_id(payer: str, month: str) -> UUID:
    """The statement of one payer for one month (`2026-11`)."""
    return uuid5(NAMESPACE, f"statement|{payer}|{month}")
