"""Billing: the price list, the monthly Statement aggregate and what a statement sums up to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.money import DEFAULT_PRICE, nok, vat_of

OSLO = ZoneInfo("Europe/Oslo")


def billing_month(at: datetime) -> str:
    """The month (`2026-11`) a transaction delivered at `at` is billed in: Norwegian local time."""
    if at.tzinfo is None:
        raise ValueError("billing needs an aware datetime")
    return at.astimezone(OSLO).strftime("%Y-%m")


@dataclass(frozen=True)
class PriceList:
    """NOK per delivered transaction, per channel; a client's own price overrides it."""

    default: Decimal = DEFAULT_PRICE
    per_channel: Mapping[str, Decimal] = field(default_factory=dict)

    def unit_price(self, channel: str, client_price: Decimal | None = None) -> Decimal:
        if client_price is not None:
            return nok(client_price)
        return nok(self.per_channel.get(channel, self.default))


class Statement(Aggregate):
    """What one payer owes for one month: one billed line per delivered transaction.

    That an invoice is billed only once is guarded by the Invoice aggregate, whose `Billed` event
    is saved in the same transaction as the statement line; the statement stays small.
    """

    class Opened(Aggregate.Created):
        """The statement of `payer` for `month` exists."""

        payer: str
        month: str

    class Billed(Aggregate.Event):
        """One delivered transaction of `client`, at `unit_price`, delivered at `at`."""

        invoice_id: UUID
        client: str
        channel: str
        unit_price: Decimal
        at: datetime

    class Closed(Aggregate.Event):
        """The month is closed for this payer."""

        at: datetime

    @staticmethod
    def create_id(payer: str, month: str, **_: Any) -> UUID:
        return ids.statement_id(payer, month)

    @event(Opened)
    def __init__(self, *, payer: str, month: str) -> None:
        self.payer = payer
        self.month = month
        self.lines = 0
        self.closed = False

    @event(Billed)
    def bill(
        self, *, invoice_id: UUID, client: str, channel: str, unit_price: Decimal, at: datetime
    ) -> None:
        """Add a line for one delivered invoice."""
        self.lines += 1

    @event(Closed)
    def close(self, *, at: datetime) -> None:
        self.closed = True


@dataclass(frozen=True)
class StatementRow:
    """One client's transactions at one unit price."""

    client: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class StatementSummary:
    """A payer's month: rows per client, then totals excl. VAT, VAT and incl. VAT."""

    payer: str
    month: str
    rows: tuple[StatementRow, ...]
    total_excl_vat: Decimal
    vat: Decimal
    total_incl_vat: Decimal


def summarise(payer: str, month: str, lines: Iterable[tuple[str, Decimal]]) -> StatementSummary:
    """Sum billed lines `(client, unit_price)` into a statement, sorted by client then price."""
    counts: dict[tuple[str, Decimal], int] = {}
    for client, unit_price in lines:
        key = (client, nok(unit_price))
        counts[key] = counts.get(key, 0) + 1
    rows = tuple(
        StatementRow(client, quantity, price, nok(price * quantity))
        for (client, price), quantity in sorted(counts.items())
    )
    total = nok(sum((row.amount for row in rows), Decimal(0)))
    vat = vat_of(total)
    return StatementSummary(payer, month, rows, total, vat, nok(total + vat))
