"""Routing: the AutoTrans registry first, then the sender's customer register, else no route."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.registry import Participant


@dataclass(frozen=True)
class Route:
    """Where to send an invoice, and why that answer was chosen."""

    channel: str
    destination: str
    why: str
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NoRoute:
    """Nobody can be reached; `reason` says what was looked at."""

    reason: str


def choose_route(
    *,
    client: str,
    buyer: str,
    document_type: str,
    participant: Participant | None,
    register_entry: Mapping[str, Any] | None,
) -> Route | NoRoute:
    """Decide how `buyer` gets a document from `client`."""
    if participant is not None and participant.accepts(document_type):
        return Route(
            channel="autotrans",
            destination=buyer,
            why=f"registry: {buyer} ({participant.name}) receives {document_type} in AutoTrans",
        )
    registry_answer = (
        f"registry: {buyer} not registered"
        if participant is None
        else f"registry: {buyer} does not receive {document_type}"
        if participant.active
        else f"registry: {buyer} has left AutoTrans"
    )
    if register_entry is None:
        return NoRoute(
            f"no route: {registry_answer}; {buyer} not in the customer register of {client}"
        )
    channel = str(register_entry["channel"])
    options = {str(k): str(v) for k, v in dict(register_entry.get("options", {})).items()}
    if channel == "autotrans":
        fallback = options.get("fallback")
        if fallback and options.get("fallback_address"):
            return Route(
                channel=fallback,
                destination=options["fallback_address"],
                why=f"{registry_answer}; customer register of {client}: fallback to {fallback}",
                options={k: v for k, v in options.items() if not k.startswith("fallback")},
            )
        return NoRoute(
            f"no route: {registry_answer}; customer register of {client} says autotrans "
            "and has no fallback"
        )
    return Route(
        channel=channel,
        destination=str(register_entry["address"]),
        why=f"{registry_answer}; customer register of {client}: {channel}",
        options=options,
    )
