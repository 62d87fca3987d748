"""Issuing, revoking and checking API keys; the key itself is shown once and never stored."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from uuid import UUID

from broker.application import AutoTrans, CommandError, party
from domain.apikeys import KEY_PREFIX, ROLES, ApiKey, api_key_id, hash_key

OPERATOR_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant (participant id, or operator name), its role and its key id."""

    tenant: str
    role: str
    key_id: UUID

    def __str__(self) -> str:
        return f"{self.role}:{self.tenant}"


def tenant_for(app: AutoTrans, tenant: str, role: str) -> str:
    """Check that `tenant` can hold a key in `role`; return it normalised."""
    if role not in ROLES:
        raise CommandError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "operator":
        if not OPERATOR_NAME.fullmatch(tenant):
            raise CommandError(
                f"operator name {tenant!r} must be 1-64 letters, digits or ._@- characters"
            )
        return tenant
    tenant = party(tenant, role)
    if role in ("client", "accounting-office") and app.find_client(tenant) is None:
        raise CommandError(
            f"{role} {tenant} is not enrolled; enrol it first: autotrans client add {tenant} "
            "--name NAME"
        )
    if role == "recipient" and app.find_participant(tenant) is None:
        raise CommandError(
            f"recipient {tenant} is not in the AutoTrans registry; register it first: "
            f"autotrans participant add {tenant} --name NAME"
        )
    return tenant


def issue_key(app: AutoTrans, tenant: str, role: str, label: str = "") -> tuple[str, UUID]:
    """Create a key for `tenant` in `role`; returns the key (to show once) and its id."""
    tenant = tenant_for(app, tenant, role)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(key_hash=hash_key(key), tenant=tenant, role=role, label=label, at=app.clock())
    app.save(api_key)
    return key, api_key.id


def revoke_key(app: AutoTrans, key_id: UUID, by: str) -> ApiKey:
    """Revoke a key by its id (as `apikey list` shows it)."""
    found = app._get(key_id, ApiKey)
    if found is None:
        raise CommandError(f"no API key with id {key_id} (see: autotrans apikey list)")
    found.revoke(by=by, at=app.clock())
    app.save(found)
    return found


def authenticate(app: AutoTrans, key: str) -> Principal | None:
    """The principal a presented key stands for, or None when it is unknown or revoked."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    found = app._get(api_key_id(hash_key(key)), ApiKey)
    if (
        found is None
        or not found.active
        or not secrets.compare_digest(found.key_hash, hash_key(key))
    ):
        return None
    return Principal(found.tenant, found.role, found.id)
