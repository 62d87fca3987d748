"""Who is calling: `Authorization: Bearer KEY` -> a Principal; and which roles may call what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from eventsourcing.persistence import IntegrityError
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from broker.api.keys import Principal, authenticate
from broker.api.problems import Problem
from broker.bootstrap import Broker
from broker.service import Workers

bearer = HTTPBearer(auto_error=False, description="An API key: `autotrans apikey create`.")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="autotrans"'}
T = TypeVar("T")


def get_broker(request: Request) -> Broker:
    broker: Broker = request.app.state.broker
    return broker


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise Problem(
            401,
            "this endpoint needs an API key: send 'Authorization: Bearer KEY' "
            "(create one with: autotrans apikey create ID --role ROLE)",
            headers=CHALLENGE,
        )
    principal = authenticate(get_broker(request).app, credentials.credentials)
    if principal is None:
        raise Problem(
            401, "the API key is not valid: unknown, mistyped or revoked", headers=CHALLENGE
        )
    request.state.principal = principal
    return principal


def require(*roles: str) -> Callable[..., Principal]:
    """A dependency: the caller, if its role is one of `roles`; else 403."""

    def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in roles:
            raise Problem(
                403,
                f"role {principal.role} may not do this; it needs one of: {', '.join(roles)}",
            )
        return principal

    return check


BrokerDep = Annotated[Broker, Depends(get_broker)]


def wake(request: Request) -> None:
    """Tell this process's workers there is new work."""
    workers: Workers | None = request.app.state.workers
    if workers is not None:
        workers.wake()


def retrying(command: Callable[[], T], attempts: int = 5) -> T:
    """Run a command again when a worker changed the same aggregate at the same moment."""
    for _ in range(attempts - 1):
        try:
            return command()
        except IntegrityError:
            continue
    return command()
