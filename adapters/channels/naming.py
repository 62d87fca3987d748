"""Names a delivered document gets on the recipient's side, the same on every attempt."""

from __future__ import annotations

import re

from adapters.channels.base import OutgoingDocument
from adapters.printable import seller_org_number

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def sanitise(text: str, limit: int = 60) -> str:
    """`text` reduced to letters, digits, '.', '_' and '-' (others become '-'), never empty."""
    cleaned = _UNSAFE.sub("-", text).strip(".-")[:limit]
    return cleaned or "x"


def transmission_short(document: OutgoingDocument) -> str:
    """The first 8 hex digits of the transmission id: enough to tell attempts' documents apart."""
    return re.sub(r"[^0-9A-Za-z]", "", document.transmission_id)[:8].lower() or "0"


def remote_file_name(document: OutgoingDocument) -> str:
    """`<seller-org>_<number>_<transmission-short>.xml`: a retry overwrites the same name."""
    seller = seller_org_number(document.body) or "unknown"
    return f"{sanitise(seller, 20)}_{sanitise(document.number)}_{transmission_short(document)}.xml"


def temporary_name(final_name: str) -> str:
    """The name a file is uploaded under before the rename; not `*.xml`, so pickup skips it."""
    return f".{final_name}.part"
