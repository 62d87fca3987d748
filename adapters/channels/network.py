"""Where a channel may connect: the customer's server on the internet, not AutoTrans's own network.

A tenant chooses the FTP/SFTP address of its customers. Without a check, an address such as
`ftp://db.internal/` or a public name that resolves to 10.0.0.5 would make AutoTrans connect into
the network it runs in. The name is resolved once, here, and the channel connects only to the
addresses that passed, so DNS cannot answer differently between the check and the connection
(rebinding).
"""

from __future__ import annotations

import ipaddress
import socket

import structlog

from adapters.channels.base import PermanentDeliveryError, TransientDeliveryError

log = structlog.get_logger("autotrans.channels")

# IPv6 forms that carry an IPv4 address, or that are never on the internet
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the IPv4 address is in the last 32 bits
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: local use only
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")  # deprecated, still routed inside some networks


def is_internal(address: str) -> bool:
    """Loopback, private, link-local, shared, multicast or reserved: anything not on the public
    internet, looking through the IPv6 forms that embed an IPv4 address (mapped, 6to4, Teredo,
    NAT64)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_internal(str(embedded))
        if ip in _LOCAL_NAT64 or ip in _IPV4_COMPATIBLE or ip in _SITE_LOCAL:
            return True
    return not ip.is_global or ip.is_multicast


def connection_failure(target: object, doing: str, exc: BaseException) -> TransientDeliveryError:
    """A connection refused, dropped or timed out: 'cannot connect' while still connecting, else
    what was under way when it went (worth a retry either way)."""
    cause = (
        f"{type(exc).__name__}: {str(exc) or 'connection closed'}"  # an exception is always true
    )
    if doing == "connecting":
        return TransientDeliveryError(f"{target}: cannot connect: {cause}", kind="connection")
    if isinstance(exc, TimeoutError):
        return TransientDeliveryError(f"{target}: timed out while {doing}: {cause}", kind="timeout")
    return TransientDeliveryError(
        f"{target}: connection lost while {doing}: {cause}", kind="connection"
    )


def public_addresses(host: str, port: int, *, allow_internal: bool = False) -> list[str]:
    """The addresses to try, in the resolver's order, for host:port (blocking: call it from a
    worker thread): those on the internet; internal ones too only when allowed
    (AUTOTRANS_ALLOW_PRIVATE_DESTINATIONS=1, for test rigs and closed networks).

    What the name resolves to stays in the server log: a tenant reads only that the host is
    inside our network, not which addresses it has there."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError:
        raise PermanentDeliveryError(
            f"{host!r} is not a valid host name", kind="not_configured"
        ) from None
    except socket.gaierror as exc:
        raise TransientDeliveryError(
            f"{host}: the name does not resolve ({exc.strerror})", kind="connection"
        ) from None
    addresses: list[str] = []
    for *_, sockaddr in found:
        address = str(sockaddr[0])
        if len(sockaddr) == 4 and sockaddr[3]:
            address = f"{address}%{sockaddr[3]}"  # a link-local address needs its interface
        if address not in addresses:
            addresses.append(address)
    allowed = [a for a in addresses if allow_internal or not is_internal(a)]
    if not allowed:
        log.warning("delivery.internal_destination_refused", host=host, addresses=addresses)
        raise PermanentDeliveryError(
            f"{host} is inside AutoTrans's own network (a loopback, private or reserved address): "
            "AutoTrans delivers only to servers on the internet",
            kind="not_configured",
        )
    return allowed
