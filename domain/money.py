"""Money: NOK amounts as Decimal with two decimals, rounded half up as on an invoice."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
VAT_RATE = Decimal("0.25")
DEFAULT_PRICE = Decimal("5.00")


def nok(value: Decimal | int | str) -> Decimal:
    """Round an amount to whole øre, half up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_of(amount: Decimal) -> Decimal:
    """25 % Norwegian VAT on an amount, rounded to øre."""
    return nok(amount * VAT_RATE)
