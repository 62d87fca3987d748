"""The Transmission aggregate: getting one invoice to one destination, attempt by attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids


class TransmissionStateError(Exception):
    """A command that does not fit the transmission's current state."""


class Transmission(Aggregate):
    """Delivery of an invoice over one channel to one destination, with its attempts and proof."""

    class Routed(Aggregate.Created):
        """The plan: channel, destination, options (no secrets), attempt limit and why."""

        invoice_id: UUID
        channel: str
        destination: str
        options: dict[str, str]
        max_attempts: int
        why: str

    class Attempted(Aggregate.Event):
        """Attempt number `attempt` started (recorded before anything is sent)."""

        attempt: int
        at: datetime

    class Delivered(Aggregate.Event):
        """The channel confirmed delivery; `evidence` is its proof."""

        evidence: dict[str, str]
        at: datetime

    class Failed(Aggregate.Event):
        """An attempt failed; the next one is due at `next_attempt_at` (None: not planned)."""

        reason: str
        retryable: bool
        next_attempt_at: datetime | None
        at: datetime

    class Abandoned(Aggregate.Event):
        """Dead letter: no more attempts unless an operator replays it."""

        reason: str
        at: datetime

    class Replayed(Aggregate.Event):
        """An operator gave the transmission a fresh set of attempts."""

        by: str
        at: datetime

    @staticmethod
    def create_id(invoice_id: UUID, channel: str, destination: str, **_: Any) -> UUID:
        return ids.transmission_id(invoice_id, channel, destination)

    @event(Routed)
    def __init__(
        self,
        *,
        invoice_id: UUID,
        channel: str,
        destination: str,
        options: dict[str, str],
        max_attempts: int,
        why: str,
    ) -> None:
        self.invoice_id = invoice_id
        self.channel = channel
        self.destination = destination
        self.options = options
        self.max_attempts = max_attempts
        self.why = why
        self.state = "pending"
        self.attempts = 0
        self.next_attempt_at: datetime | None = None
        self.last_error: str | None = None
        self.last_failure_retryable: bool | None = None
        self.evidence: dict[str, str] | None = None
        self.attempt_started_at: datetime | None = None

    @property
    def is_finished(self) -> bool:
        return self.state in ("delivered", "abandoned")

    def is_due(self, now: datetime, attempt_timeout: float) -> bool:
        """Whether an attempt should start now (a stale attempt is one whose process died)."""
        if self.state == "pending":
            return True
        if self.state == "retrying":
            return self.next_attempt_at is None or self.next_attempt_at <= now
        if self.state == "attempting" and self.attempt_started_at is not None:
            return (now - self.attempt_started_at).total_seconds() > attempt_timeout
        return False

    def attempt(self, *, at: datetime) -> None:
        """Record that an attempt starts now, before anything is sent."""
        if self.is_finished:
            raise TransmissionStateError(f"transmission {self.id} is already {self.state}")
        self._attempted(attempt=self.attempts + 1, at=at)

    @event(Attempted)
    def _attempted(self, *, attempt: int, at: datetime) -> None:
        self.attempts = attempt
        self.state = "attempting"
        self.attempt_started_at = at

    @event(Delivered)
    def deliver(self, *, evidence: dict[str, str], at: datetime) -> None:
        """The channel confirmed delivery; `evidence` is its proof."""
        self.state = "delivered"
        self.evidence = evidence
        self.last_error = None
        self.next_attempt_at = None

    @event(Failed)
    def fail(
        self, *, reason: str, retryable: bool, next_attempt_at: datetime | None, at: datetime
    ) -> None:
        """An attempt failed; `next_attempt_at` is when to try again (None: no retry planned)."""
        self.state = "retrying" if next_attempt_at is not None else "failed"
        self.last_error = reason
        self.last_failure_retryable = retryable
        self.next_attempt_at = next_attempt_at

    @event(Abandoned)
    def abandon(self, *, reason: str, at: datetime) -> None:
        """Dead letter: no further attempt until an operator replays it."""
        self.state = "abandoned"
        self.last_error = reason
        self.next_attempt_at = None

    def replay(self, *, by: str, at: datetime) -> bool:
        """Give a failing or abandoned transmission fresh attempts; False if nothing to do."""
        if self.state in ("delivered", "pending"):
            return False
        self._replayed(by=by, at=at)
        return True

    @event(Replayed)
    def _replayed(self, *, by: str, at: datetime) -> None:
        self.state = "pending"
        self.attempts = 0
        self.next_attempt_at = None
