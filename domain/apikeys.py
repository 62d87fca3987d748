"""API keys: who may call the HTTP API, for which tenant and in which role. Only a hash is kept.

A key is a high-entropy random token shown once to whoever created it; the aggregate stores the
SHA-256 of it, and its id is derived from that hash, so a presented key is looked up directly and
a leaked event log reveals no usable key.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import ids

Role = Literal["client", "recipient", "accounting-office", "operator"]
ROLES: tuple[Role, ...] = ("client", "recipient", "accounting-office", "operator")
KEY_PREFIX = "atk_"


class ApiKeyStateError(Exception):
    """A change to an API key that its state does not allow."""


def hash_key(key: str) -> str:
    """The SHA-256 (hex) of a presented key; plain SHA-256 suffices for 256-bit random tokens."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_key_id(key_hash: str) -> UUID:
    """The aggregate id of the key with this hash."""
    return uuid5(ids.NAMESPACE, f"apikey|{key_hash}")


class ApiKey(Aggregate):
    """One API key of one tenant (a participant id, or an operator's name) in one role."""

    class Issued(Aggregate.Created):
        """A key was created for `tenant` in `role`; only its hash is recorded."""

        key_hash: str
        tenant: str
        role: str
        label: str
        at: datetime

    class Revoked(Aggregate.Event):
        """The key no longer opens anything."""

        by: str
        at: datetime

    @staticmethod
    def create_id(key_hash: str, **_: Any) -> UUID:
        return api_key_id(key_hash)

    @event(Issued)
    def __init__(self, *, key_hash: str, tenant: str, role: str, label: str, at: datetime) -> None:
        if role not in ROLES:
            raise ApiKeyStateError(f"role {role!r} is not one of {', '.join(ROLES)}")
        self.key_hash = key_hash
        self.tenant = tenant
        self.role = role
        self.label = label
        self.issued_at = at
        self.revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, *, by: str, at: datetime) -> None:
        """Revoke the key; revoking it again changes nothing."""
        if self.revoked_at is None:
            self._revoked(by=by, at=at)

    @event(Revoked)
    def _revoked(self, *, by: str, at: datetime) -> None:
        self.revoked_at = at
