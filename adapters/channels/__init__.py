"""Delivery channels: each one gets a document to one destination and returns proof."""

from adapters.channels.base import (
    Channel,
    DeliveryError,
    Destination,
    Evidence,
    OutgoingDocument,
    PermanentDeliveryError,
    TransientDeliveryError,
)

__all__ = [
    "Channel",
    "DeliveryError",
    "Destination",
    "Evidence",
    "OutgoingDocument",
    "PermanentDeliveryError",
    "TransientDeliveryError",
]
