"""The AutoTrans inbox channel: the recipient is registered with us, so delivery is a handover."""

from __future__ import annotations

from collections.abc import Callable

from adapters.channels.base import Destination, Evidence, OutgoingDocument, PermanentDeliveryError


class InboxChannel:
    """Puts a document in a registered participant's AutoTrans inbox.

    The inbox itself is a read model of `Invoice.Delivered` events on this channel; this adapter
    checks the recipient is still in the registry and issues the inbox reference.
    """

    name = "autotrans"

    def __init__(self, is_registered: Callable[[str, str], bool]) -> None:
        self._is_registered = is_registered

    async def deliver(self, document: OutgoingDocument, destination: Destination) -> Evidence:
        if not self._is_registered(destination.address, document.document_type):
            raise PermanentDeliveryError(
                f"{destination.address} no longer receives {document.document_type} in AutoTrans",
                kind="recipient",
            )
        return Evidence(
            channel=self.name,
            reference=f"inbox:{destination.address}/{document.invoice_id}",
            detail={"participant": destination.address, "sha256": document.sha256},
        )
