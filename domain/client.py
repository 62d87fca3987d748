"""The Client aggregate: an enrolled sender, its accounting office, prices and customer register."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids

CHANNELS = ("autotrans", "email", "ftp", "sftp")


class Client(Aggregate):
    """A company that sends invoices through AutoTrans, itself or through its accounting office."""

    class Enrolled(Aggregate.Created):
        """A sender enrolled: AutoTrans activated and terms accepted at `terms_accepted_at`."""

        client: str
        name: str
        accounting_office: str | None
        terms_accepted_at: datetime

    class AccountingOfficeChanged(Aggregate.Event):
        """Another accounting office (or none) pays from now on."""

        accounting_office: str | None

    class CustomerSet(Aggregate.Event):
        """How `customer` wants invoices: channel, address, options (secrets by reference)."""

        customer: str
        channel: str
        address: str
        options: dict[str, str]

    class CustomerRemoved(Aggregate.Event):
        """The customer is no longer in the register."""

        customer: str

    class PriceSet(Aggregate.Event):
        """The client's own price per transaction on `channel` (`*`: every channel)."""

        channel: str
        price: Decimal

    @staticmethod
    def create_id(client: str, **_: Any) -> UUID:
        return ids.client_id(client)

    @event(Enrolled)
    def __init__(
        self,
        *,
        client: str,
        name: str,
        accounting_office: str | None,
        terms_accepted_at: datetime,
    ) -> None:
        self.client = client
        self.name = name
        self.accounting_office = accounting_office
        self.terms_accepted_at = terms_accepted_at
        self.autotrans_active = True
        self.customers: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, Decimal] = {}

    @property
    def payer(self) -> str:
        """Who pays for this client's transactions: its accounting office, else itself."""
        return self.accounting_office or self.client

    @event(AccountingOfficeChanged)
    def change_accounting_office(self, *, accounting_office: str | None) -> None:
        self.accounting_office = accounting_office

    def set_customer(
        self, *, customer: str, channel: str, address: str, options: dict[str, str]
    ) -> None:
        """Record how `customer` wants invoices; no event when nothing changes."""
        if channel not in CHANNELS:
            raise ValueError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
        entry = {"channel": channel, "address": address, "options": options}
        if self.customers.get(customer) != entry:
            self._customer_set(customer=customer, channel=channel, address=address, options=options)

    @event(CustomerSet)
    def _customer_set(
        self, *, customer: str, channel: str, address: str, options: dict[str, str]
    ) -> None:
        self.customers[customer] = {"channel": channel, "address": address, "options": options}

    @event(CustomerRemoved)
    def remove_customer(self, *, customer: str) -> None:
        self.customers.pop(customer, None)

    @event(PriceSet)
    def set_price(self, *, channel: str, price: Decimal) -> None:
        """A price for this client that overrides the price list (`*` = every channel)."""
        self.prices[channel] = price

    def price_for(self, channel: str) -> Decimal | None:
        return self.prices.get(channel, self.prices.get("*"))
