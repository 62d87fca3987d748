"""Where a channel may connect: the customer's server on the internet, not AutoTrans's own network.

A tenant chooses the FTP/SFTP address of its customers. Without a check, an address such as
`ftp://db.internal/` or a public name that resolves to 10.0.0.5 would make AutoTrans connect into
the network it runs in. The name is resolved once, here, and the channel connects to the address
that passed, so DNS cannot answer differently between the check and the connection (rebinding).
"""

from __future__ import annotations

import ipaddress
import socket

from adapters.channels.base import PermanentDeliveryError, TransientDeliveryError


def is_internal(address: str) -> bool:
    """Loopback, private, link-local, shared, multicast or reserved: anything not global."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def public_address(host: str, port: int, *, allow_internal: bool = False) -> str:
    """The address to connect to for host:port (blocking: call it from a worker thread).

    The first global address the name resolves to; an internal one only when allowed
    (AUTOTRANS_ALLOW_PRIVATE_DESTINATIONS=1, for test rigs and closed networks)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise TransientDeliveryError(f"{host}: the name does not resolve ({reason})") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    for address in addresses:
        if allow_internal or not is_internal(address):
            return address
    raise PermanentDeliveryError(
        f"{host} resolves to {', '.join(addresses)}, inside AutoTrans's own network (loopback, "
        "private or reserved): AutoTrans delivers only to servers on the internet"
    )
