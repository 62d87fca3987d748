"""Invoices the tests send: a valid EHF document between two parties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.ehf.writer import InvoiceSpec, LineSpec, PartySpec, write_ehf


def ehf(number: str, seller: PartySpec, buyer: PartySpec) -> bytes:
    return write_ehf(
        InvoiceSpec(
            number=number,
            issue_date=date(2026, 11, 2),
            due_date=date(2026, 11, 16),
            seller=seller,
            buyer=buyer,
            lines=(LineSpec("Rådgivning", Decimal("2"), Decimal("1000.00")),),
        )
    )
