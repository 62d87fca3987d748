"""The AutoTrans registry: participants that receive documents in their AutoTrans inbox."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids


class Participant(Aggregate):
    """A company registered in AutoTrans as a recipient."""

    class Registered(Aggregate.Created):
        """A recipient joined the registry for these document types."""

        participant: str
        name: str
        document_types: list[str]

    class Deregistered(Aggregate.Event):
        """The recipient left the registry."""

    class Reregistered(Aggregate.Event):
        """The recipient came back or changed its name or document types."""

        name: str
        document_types: list[str]

    @staticmethod
    def create_id(participant: str, **_: Any) -> UUID:
        return ids.participant_id(participant)

    @event(Registered)
    def __init__(self, *, participant: str, name: str, document_types: list[str]) -> None:
        self.participant = participant
        self.name = name
        self.document_types = document_types
        self.active = True

    def accepts(self, document_type: str) -> bool:
        return self.active and document_type in self.document_types

    def deregister(self) -> None:
        """Leave the registry; invoices to it are routed by the sender's register from now on."""
        if self.active:
            self._deregistered()

    @event(Deregistered)
    def _deregistered(self) -> None:
        self.active = False

    def reregister(self, *, name: str, document_types: list[str]) -> None:
        """Come back, or change name or document types."""
        if not self.active or name != self.name or document_types != self.document_types:
            self._reregistered(name=name, document_types=document_types)

    @event(Reregistered)
    def _reregistered(self, *, name: str, document_types: list[str]) -> None:
        self.name = name
        self.document_types = document_types
        self.active = True
