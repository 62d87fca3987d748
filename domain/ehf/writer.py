"""A small EHF 3 / PEPPOL BIS Billing 3.0 writer for the demo, benchmarks and tests."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from domain.ehf.reader import PEPPOL_BIS3
from domain.ehf.ubl import NS_CAC, NS_CBC, NS_CREDIT_NOTE, NS_INVOICE
from domain.parties import NORWEGIAN_ORG, check_org_number, mod11_check_digit

PROFILE_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
DEFAULT_PAYMENT_TERMS = "Payment within 14 days"

_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_ACCOUNT_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# Characters XML 1.0 cannot carry at all, not even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


@dataclass(frozen=True)
class PartySpec:
    """A Norwegian party (organisation number, scheme 0192) as the writer puts it in a document."""

    org_number: str
    name: str
    street: str = "Storgata 1"
    city: str = "Oslo"
    postal_zone: str = "0155"
    country: str = "NO"
    vat_registered: bool = True


@dataclass(frozen=True)
class LineSpec:
    """One invoice line; the net amount is quantity x unit price, rounded half-up to cents."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal = Decimal("25")
    unit_code: str = "EA"


@dataclass(frozen=True)
class InvoiceSpec:
    """Everything the writer needs for one invoice or credit note."""

    number: str
    issue_date: date
    seller: PartySpec
    buyer: PartySpec
    lines: tuple[LineSpec, ...]
    due_date: date | None = None
    currency: str = "NOK"
    document_type: Literal["Invoice", "CreditNote"] = "Invoice"
    buyer_reference: str = "Ref 1"
    account: str = "86011117947"  # valid MOD11 Norwegian account (the EHF 3 sample's)
    kid: str | None = None
    note: str | None = None


def money(value: Decimal) -> Decimal:
    """Round an amount half-up to two decimals, as EN 16931 amounts must be."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def check_account_number(account: str) -> str:
    """Return a Norwegian 11-digit bank account whose MOD11 check digit holds, or raise."""
    if not re.fullmatch(r"\d{11}", account):
        raise ValueError(f"bank account {account!r} must be 11 digits")
    total = sum(int(d) * w for d, w in zip(account[:10], _ACCOUNT_WEIGHTS, strict=True))
    remainder = total % 11
    expected = 0 if remainder == 0 else 11 - remainder
    if remainder == 1 or int(account[10]) != expected:
        raise ValueError(f"bank account {account!r} fails the MOD11 check digit rule")
    return account


def kid_mod10(base: str) -> str:
    """A KID payment reference: the digits plus their MOD10 (Luhn) check digit."""
    total = 0
    for i, digit in enumerate(reversed(base)):
        n = int(digit) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return f"{base}{(10 - total % 10) % 10}"


def _text(value: str, what: str) -> str:
    if not value.strip():
        raise ValueError(f"{what} must not be empty (PEPPOL-EN16931-R008: no empty elements)")
    bad = _NOT_XML.search(value)
    if bad:
        raise ValueError(f"{what} {value!r} contains a character XML cannot carry: {bad.group()!r}")
    return value.translate(_ESCAPES)


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 25, 11.11, 1.5."""
    return format(value.normalize(), "f")


def _category(seller: PartySpec, rate: Decimal) -> tuple[str, Decimal | None]:
    """VAT category and rate: S for a positive rate, Z for zero, O when the seller has no VAT."""
    if not seller.vat_registered:
        return "O", None  # outside the scope of VAT: every line is O, the rate is ignored
    if rate > 0:
        return "S", rate
    if rate == 0:
        return "Z", _ZERO
    raise ValueError(f"VAT rate {rate} must not be negative")


def _tax_category(tag: str, category: str, rate: Decimal | None, indent: str) -> str:
    percent = "" if rate is None else f"{indent}  <cbc:Percent>{_plain(rate)}</cbc:Percent>\n"
    reason = (
        f"{indent}  <cbc:TaxExemptionReason>Not subject to VAT</cbc:TaxExemptionReason>\n"
        if category == "O"
        else ""
    )
    return (
        f"{indent}<cac:{tag}>\n"
        f"{indent}  <cbc:ID>{category}</cbc:ID>\n"
        f"{percent}{reason}"
        f"{indent}  <cac:TaxScheme>\n{indent}    <cbc:ID>VAT</cbc:ID>\n{indent}  </cac:TaxScheme>\n"
        f"{indent}</cac:{tag}>\n"
    )


def _vat_id(party: PartySpec) -> str:
    return (
        f"NO{party.org_number}MVA"
        if party.country == "NO"
        else f"{party.country}{party.org_number}"
    )


def _party(tag: str, party: PartySpec, *, seller: bool, with_vat: bool) -> str:
    org = check_org_number(party.org_number)
    tax_schemes = ""
    if with_vat and party.vat_registered:
        tax_schemes += (
            "      <cac:PartyTaxScheme>\n"
            f"        <cbc:CompanyID>{_text(_vat_id(party), 'VAT id')}</cbc:CompanyID>\n"
            "        <cac:TaxScheme>\n          <cbc:ID>VAT</cbc:ID>\n        </cac:TaxScheme>\n"
            "      </cac:PartyTaxScheme>\n"
        )
    if seller and party.country == "NO":
        # Norwegian companies registered in Foretaksregisteret must say so on invoices (NO-R-002).
        tax_schemes += (
            "      <cac:PartyTaxScheme>\n"
            "        <cbc:CompanyID>Foretaksregisteret</cbc:CompanyID>\n"
            "        <cac:TaxScheme>\n          <cbc:ID>TAX</cbc:ID>\n        </cac:TaxScheme>\n"
            "      </cac:PartyTaxScheme>\n"
        )
    name = _text(party.name, "party name")
    return (
        f"  <cac:{tag}>\n"
        "    <cac:Party>\n"
        f'      <cbc:EndpointID schemeID="{NORWEGIAN_ORG}">{org}</cbc:EndpointID>\n'
        f"      <cac:PartyName>\n        <cbc:Name>{name}</cbc:Name>\n      </cac:PartyName>\n"
        "      <cac:PostalAddress>\n"
        f"        <cbc:StreetName>{_text(party.street, 'street')}</cbc:StreetName>\n"
        f"        <cbc:CityName>{_text(party.city, 'city')}</cbc:CityName>\n"
        f"        <cbc:PostalZone>{_text(party.postal_zone, 'postal zone')}</cbc:PostalZone>\n"
        "        <cac:Country>\n"
        f"          <cbc:IdentificationCode>{_text(party.country, 'country')}"
        "</cbc:IdentificationCode>\n"
        "        </cac:Country>\n"
        "      </cac:PostalAddress>\n"
        f"{tax_schemes}"
        "      <cac:PartyLegalEntity>\n"
        f"        <cbc:RegistrationName>{name}</cbc:RegistrationName>\n"
        f'        <cbc:CompanyID schemeID="{NORWEGIAN_ORG}">{org}</cbc:CompanyID>\n'
        "      </cac:PartyLegalEntity>\n"
        "    </cac:Party>\n"
        f"  </cac:{tag}>\n"
    )


def write_ehf(spec: InvoiceSpec) -> bytes:
    """Write the spec as a PEPPOL BIS Billing 3.0 / EHF 3 document: UTF-8 bytes with declaration."""
    if not spec.lines:
        raise ValueError(f"{spec.document_type} {spec.number!r} needs at least one line")
    if not spec.buyer_reference.strip():
        raise ValueError("buyer_reference is required (PEPPOL-EN16931-R003: buyer or order ref)")
    if not re.fullmatch(r"[A-Z]{3}", spec.currency):
        raise ValueError(f"currency {spec.currency!r} must be an ISO 4217 code such as NOK")
    if re.fullmatch(r"\d+", spec.account):
        check_account_number(spec.account)
    credit = spec.document_type == "CreditNote"
    cur = f' currencyID="{spec.currency}"'
    line_tag, quantity_tag = (
        ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    )

    # Lines first: their net amounts feed the VAT breakdown and the document totals.
    groups: dict[tuple[str, Decimal | None], Decimal] = {}
    line_parts: list[str] = []
    line_total = _ZERO
    for number, line in enumerate(spec.lines, start=1):
        if line.unit_price < 0:
            raise ValueError(f"line {number}: unit price {line.unit_price} must not be negative")
        category, rate = _category(spec.seller, line.vat_rate)
        amount = money(line.quantity * line.unit_price)
        line_total += amount
        key = (category, rate)
        groups[key] = groups.get(key, _ZERO) + amount
        line_parts.append(
            f"  <cac:{line_tag}>\n"
            f"    <cbc:ID>{number}</cbc:ID>\n"
            f'    <cbc:{quantity_tag} unitCode="{_text(line.unit_code, "unit code")}">'
            f"{_plain(line.quantity)}</cbc:{quantity_tag}>\n"
            f"    <cbc:LineExtensionAmount{cur}>{amount}</cbc:LineExtensionAmount>\n"
            "    <cac:Item>\n"
            f"      <cbc:Name>{_text(line.description, 'line description')}</cbc:Name>\n"
            f"{_tax_category('ClassifiedTaxCategory', category, rate, '      ')}"
            "    </cac:Item>\n"
            "    <cac:Price>\n"
            f"      <cbc:PriceAmount{cur}>{_plain(line.unit_price)}</cbc:PriceAmount>\n"
            "    </cac:Price>\n"
            f"  </cac:{line_tag}>\n"
        )

    subtotals: list[str] = []
    tax_total = _ZERO
    for (category, rate), taxable in groups.items():
        tax = money(taxable * rate / 100) if rate else _ZERO.quantize(_CENT)
        tax_total += tax
        subtotals.append(
            "    <cac:TaxSubtotal>\n"
            f"      <cbc:TaxableAmount{cur}>{taxable}</cbc:TaxableAmount>\n"
            f"      <cbc:TaxAmount{cur}>{tax}</cbc:TaxAmount>\n"
            f"{_tax_category('TaxCategory', category, rate, '      ')}"
            "    </cac:TaxSubtotal>\n"
        )
    tax_total = money(tax_total)
    line_total = money(line_total)
    tax_inclusive = line_total + tax_total

    root, ns, type_code = (
        ("CreditNote", NS_CREDIT_NOTE, "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>")
        if credit
        else ("Invoice", NS_INVOICE, "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>")
    )
    due = spec.due_date
    head_due = f"  <cbc:DueDate>{due.isoformat()}</cbc:DueDate>\n" if due and not credit else ""
    means_due = (
        f"    <cbc:PaymentDueDate>{due.isoformat()}</cbc:PaymentDueDate>\n"
        if due and credit
        else ""
    )
    note = f"  <cbc:Note>{_text(spec.note, 'note')}</cbc:Note>\n" if spec.note else ""
    payment_id = (
        f"    <cbc:PaymentID>{_text(spec.kid, 'KID')}</cbc:PaymentID>\n" if spec.kid else ""
    )
    # BR-CO-25: a positive amount due needs a due date or payment terms.
    terms = (
        f"  <cac:PaymentTerms>\n    <cbc:Note>{DEFAULT_PAYMENT_TERMS}</cbc:Note>\n"
        "  </cac:PaymentTerms>\n"
        if due is None
        else ""
    )
    buyer_vat = spec.seller.vat_registered  # category O forbids every VAT id (BR-O-02)
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="{ns}"\n  xmlns:cac="{NS_CAC}"\n  xmlns:cbc="{NS_CBC}">\n'
        f"  <cbc:CustomizationID>{PEPPOL_BIS3}</cbc:CustomizationID>\n"
        f"  <cbc:ProfileID>{PROFILE_BILLING}</cbc:ProfileID>\n"
        f"  <cbc:ID>{_text(spec.number, 'invoice number')}</cbc:ID>\n"
        f"  <cbc:IssueDate>{spec.issue_date.isoformat()}</cbc:IssueDate>\n"
        f"{head_due}"
        f"  {type_code}\n"
        f"{note}"
        f"  <cbc:DocumentCurrencyCode>{spec.currency}</cbc:DocumentCurrencyCode>\n"
        f"  <cbc:BuyerReference>{_text(spec.buyer_reference, 'buyer reference')}"
        "</cbc:BuyerReference>\n"
        f"{_party('AccountingSupplierParty', spec.seller, seller=True, with_vat=True)}"
        f"{_party('AccountingCustomerParty', spec.buyer, seller=False, with_vat=buyer_vat)}"
        "  <cac:PaymentMeans>\n"
        "    <cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>\n"
        f"{means_due}{payment_id}"
        "    <cac:PayeeFinancialAccount>\n"
        f"      <cbc:ID>{_text(spec.account, 'account')}</cbc:ID>\n"
        "    </cac:PayeeFinancialAccount>\n"
        "  </cac:PaymentMeans>\n"
        f"{terms}"
        "  <cac:TaxTotal>\n"
        f"    <cbc:TaxAmount{cur}>{tax_total}</cbc:TaxAmount>\n"
        f"{''.join(subtotals)}"
        "  </cac:TaxTotal>\n"
        "  <cac:LegalMonetaryTotal>\n"
        f"    <cbc:LineExtensionAmount{cur}>{line_total}</cbc:LineExtensionAmount>\n"
        f"    <cbc:TaxExclusiveAmount{cur}>{line_total}</cbc:TaxExclusiveAmount>\n"
        f"    <cbc:TaxInclusiveAmount{cur}>{tax_inclusive}</cbc:TaxInclusiveAmount>\n"
        f"    <cbc:PayableAmount{cur}>{tax_inclusive}</cbc:PayableAmount>\n"
        "  </cac:LegalMonetaryTotal>\n"
    )
    return (head + "".join(line_parts) + f"</{root}>\n").encode("utf-8")


def org_numbers(start: int, count: int) -> list[str]:
    """`count` valid organisation numbers from the 8-digit prefix `start` upwards (test data)."""
    found: list[str] = []
    prefix = start
    while len(found) < count:
        first_eight = f"{prefix:08d}"
        check = mod11_check_digit(first_eight)
        if check is not None:
            found.append(f"{first_eight}{check}")
        prefix += 1
    return found


DEMO_SELLER = PartySpec(org_number="991825827", name="Demo Leverandør AS")
DEMO_BUYERS = tuple(
    PartySpec(org_number=org, name=f"Demo Kunde {i + 1} AS", street=f"Kundeveien {i + 1}")
    for i, org in enumerate(org_numbers(92000000, 10))
)
_ITEMS = ("Konsulenttime", "Lisens", "Support", "Reisekostnad", "Kursavgift", "Bok", "Frakt")
_RATES = (Decimal("25"), Decimal("25"), Decimal("15"), Decimal("12"), Decimal("0"))


def generated_specs(
    n: int,
    *,
    lines: int = 3,
    seed: int = 0,
    seller: PartySpec = DEMO_SELLER,
    buyers: Sequence[PartySpec] = DEMO_BUYERS,
    issue_date: date = date(2025, 1, 15),
) -> Iterator[InvoiceSpec]:
    """`n` deterministic invoice specs (same seed, same specs), buyers taken in turn."""
    if not buyers:
        raise ValueError("generated invoices need at least one buyer")
    rng = random.Random(seed)
    for i in range(n):
        spec_lines = tuple(
            LineSpec(
                description=f"{rng.choice(_ITEMS)} {j + 1}",
                quantity=Decimal(rng.randint(1, 20)),
                unit_price=Decimal(rng.randint(100, 500_000)) / 100,
                vat_rate=rng.choice(_RATES),
            )
            for j in range(lines)
        )
        yield InvoiceSpec(
            number=f"INV-{seed}-{i + 1:06d}",
            issue_date=issue_date,
            due_date=issue_date + timedelta(days=14),
            seller=seller,
            buyer=buyers[i % len(buyers)],
            lines=spec_lines,
            buyer_reference=f"Ref {i % 97 + 1}",
            kid=kid_mod10(f"{seed % 1000:03d}{i + 1:08d}"),
        )


def generated_invoices(
    n: int,
    *,
    lines: int = 3,
    seed: int = 0,
    seller: PartySpec = DEMO_SELLER,
    buyers: Sequence[PartySpec] = DEMO_BUYERS,
    issue_date: date = date(2025, 1, 15),
) -> Iterator[bytes]:
    """`n` deterministic EHF 3 invoices for benchmarks and tests (see generated_specs)."""
    for spec in generated_specs(
        n, lines=lines, seed=seed, seller=seller, buyers=buyers, issue_date=issue_date
    ):
        yield write_ehf(spec)
