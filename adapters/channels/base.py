"""The channel interface: `Channel.deliver(document, destination) -> Evidence`.

A channel either returns evidence of delivery or raises a `DeliveryError` that says whether trying
again later can help (`TransientDeliveryError`) or not (`PermanentDeliveryError`). Retrying,
backoff and dead letters are the broker's business, never the channel's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, get_args


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a transmission goes: channel name, address and channel options (no secrets)."""

    channel: str
    address: str
    options: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


@dataclass(frozen=True, slots=True)
class OutgoingDocument:
    """An EHF document on its way to a recipient, with what a channel needs to label it."""

    transmission_id: str
    invoice_id: str
    document_type: str  # "Invoice" or "CreditNote"
    number: str
    seller_name: str
    buyer_name: str
    body: bytes
    sha256: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """Proof of delivery: a reference the recipient's side knows it by, and what it answered."""

    channel: str
    reference: str
    detail: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        return {"channel": self.channel, "reference": self.reference, **self.detail}


# What kind of failure it was, as a small fixed set of metric labels (`reason`), said by the
# channel where it knows it rather than guessed from the message afterwards.
FailureKind = Literal["not_configured", "timeout", "auth", "recipient", "connection", "other"]
FAILURE_KINDS: tuple[FailureKind, ...] = get_args(FailureKind)


class DeliveryError(Exception):
    """A delivery attempt did not succeed; `retryable` says whether a later attempt may, `kind`
    what went wrong: the destination or its settings (`not_configured`), no answer in time
    (`timeout`), credentials or the server's identity (`auth`), the recipient's side refusing the
    document (`recipient`), reaching the server (`connection`), or anything else."""

    retryable: bool = True

    def __init__(self, message: str, *, kind: FailureKind = "other") -> None:
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}")
        super().__init__(message)
        self.kind: FailureKind = kind


class TransientDeliveryError(DeliveryError):
    """Try again later: server down, 4xx reply, timeout, connection dropped."""

    retryable = True


class PermanentDeliveryError(DeliveryError):
    """Trying again will not help: 5xx reply, wrong password, unknown host key, no recipient."""

    retryable = False


class Channel(Protocol):
    """A way to reach a recipient."""

    name: str

    async def deliver(self, document: OutgoingDocument, destination: Destination) -> Evidence:
        """Deliver `document` to `destination`, or raise a `DeliveryError`."""
        ...
