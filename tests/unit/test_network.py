"""Which addresses a delivery channel may connect to."""

from __future__ import annotations

import pytest

from adapters.channels.base import PermanentDeliveryError, TransientDeliveryError
from adapters.channels.network import connection_failure, is_internal, public_addresses


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "fe80::1%eth0",
        "0.0.0.0",
        "224.0.0.1",
    ],
)
def test_internal_addresses(address: str) -> None:
    assert is_internal(address)


def test_a_public_address_is_used_as_it_is() -> None:
    assert not is_internal("193.75.75.75")
    assert public_addresses("193.75.75.75", 21) == ["193.75.75.75"]


def test_a_name_for_an_internal_address_is_refused_and_said_why() -> None:
    with pytest.raises(PermanentDeliveryError, match="localhost is inside AutoTrans's own") as e:
        public_addresses("localhost", 22)
    assert e.value.kind == "not_configured"
    assert "127.0.0.1" not in str(e.value)  # the tenant does not learn our addresses
    assert "127.0.0.1" in public_addresses("localhost", 22, allow_internal=True)


def test_a_name_that_does_not_resolve_is_worth_retrying() -> None:
    with pytest.raises(TransientDeliveryError, match="does not resolve") as failed:
        public_addresses("no-such-host.invalid", 21)
    assert failed.value.kind == "connection"


def test_a_malformed_name_is_not_worth_retrying() -> None:
    with pytest.raises(PermanentDeliveryError, match="not a valid host name") as failed:
        public_addresses("a" * 64 + ".example.net", 21)
    assert failed.value.kind == "not_configured"


@pytest.mark.parametrize(
    "address",
    [
        "::ffff:10.0.0.5",  # IPv4-mapped
        "64:ff9b::a00:5",  # NAT64 of 10.0.0.5
        "64:ff9b:1::a00:5",  # local-use NAT64
        "2002:a00:5::1",  # 6to4 of 10.0.0.5
        "::a00:5",  # IPv4-compatible
        "fec0::1",  # site-local
    ],
)
def test_ipv6_forms_of_internal_addresses_are_internal(address: str) -> None:
    assert is_internal(address)


def test_ipv6_forms_of_public_addresses_are_public() -> None:
    assert not is_internal("64:ff9b::c14b:4b4b")  # NAT64 of 193.75.75.75
    assert not is_internal("2a02:c7f:7e3e:9700::1")


def test_a_connection_failure_says_what_was_under_way() -> None:
    refused = connection_failure("ftp://x@h:21/in", "connecting", ConnectionRefusedError(111, "no"))
    assert (str(refused), refused.kind) == (
        "ftp://x@h:21/in: cannot connect: ConnectionRefusedError: [Errno 111] no",
        "connection",
    )
    slow = connection_failure("sftp://x@h:22/", "uploading a.xml", TimeoutError())
    assert (str(slow), slow.kind) == (
        "sftp://x@h:22/: timed out while uploading a.xml: TimeoutError: connection closed",
        "timeout",
    )
    dropped = connection_failure("sftp://x@h:22/", "renaming a.xml", EOFError())
    assert dropped.kind == "connection" and "connection lost while renaming a.xml" in str(dropped)
    assert isinstance(dropped, TransientDeliveryError)
