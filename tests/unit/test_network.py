"""Which addresses a delivery channel may connect to."""

from __future__ import annotations

import pytest

from adapters.channels.base import PermanentDeliveryError, TransientDeliveryError
from adapters.channels.network import is_internal, public_address


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
    assert public_address("193.75.75.75", 21) == "193.75.75.75"


def test_a_name_for_an_internal_address_is_refused_and_said_why() -> None:
    with pytest.raises(PermanentDeliveryError, match=r"localhost resolves to .*127\.0\.0\.1"):
        public_address("localhost", 22)
    assert public_address("localhost", 22, allow_internal=True) in ("127.0.0.1", "::1")


def test_a_name_that_does_not_resolve_is_worth_retrying() -> None:
    with pytest.raises(TransientDeliveryError, match="does not resolve"):
        public_address("no-such-host.invalid", 21)
