"""Document facts several rule families ask about, computed once per document."""

from __future__ import annotations

from decimal import Decimal

from domain.validation.engine import NS, Doc, Element, clark, doc_fact
from domain.validation.values import (
    ascii_digits,
    cat_id,
    dec,
    each,
    every,
    first,
    is_vat,
    norm,
    sv,
    xround,
)

ROOT = "/ubl:Invoice | /cn:CreditNote"
LINE = "cac:InvoiceLine | cac:CreditNoteLine"


def charge_indicator(el: Element) -> bool | None:
    """cbc:ChargeIndicator as xs:boolean, None when absent or not a boolean literal."""
    found = first(el, "cbc:ChargeIndicator")
    if found is None:
        return None
    value = norm(sv(found))
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    return None


def is_allowance(el: Element, _doc: Doc | None = None) -> bool:
    """[cbc:ChargeIndicator = false()]"""
    return charge_indicator(el) is False


def is_charge(el: Element, _doc: Doc | None = None) -> bool:
    """[cbc:ChargeIndicator = true()]"""
    return charge_indicator(el) is True


def lines(doc: Doc) -> list[Element]:
    """The invoice or credit note lines directly under the root."""
    return [el for el in doc.root if el.tag in _LINE_TAGS]


_LINE_TAGS = frozenset({clark("cac:InvoiceLine"), clark("cac:CreditNoteLine")})


def doc_allowance_charges(doc: Doc) -> list[Element]:
    return every(doc.root, "cac:AllowanceCharge")


@doc_fact
def breakdown_categories(doc: Doc) -> list[Element]:
    """cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory under the root."""
    return every(doc.root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory")


def line_category(line: Element) -> Element | None:
    return first(line, "cac:Item/cac:ClassifiedTaxCategory")


def rounded_percent(cat: Element) -> Decimal | None:
    """xs:decimal(round(cbc:Percent)), None when absent."""
    found = first(cat, "cbc:Percent")
    if found is None:
        return None
    value = dec(sv(found))
    if value is None:
        raise ValueError("percent is not a number")
    return xround(value)


def vat_ids(cats: list[Element]) -> list[str]:
    """normalize-space(cbc:ID) of the VAT categories among cats."""
    return [cat_id(c) for c in cats if is_vat(c)]


def supplier_vat_ids(doc: Doc) -> list[str]:
    return [
        sv(x)
        for pts in each(doc.root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme")
        if _scheme_is_vat(pts)
        for x in each(pts, "cbc:CompanyID")
    ]


def _scheme_is_vat(pts: Element) -> bool:
    return any(norm(sv(x)).upper() == "VAT" for x in each(pts, "cac:TaxScheme/cbc:ID"))


def has_party_vat(doc: Doc, party_path: str) -> bool:
    """exists(//<party_path>/cac:PartyTaxScheme[VAT]/cbc:CompanyID) over the whole document."""
    for party in each(doc.root, ".//" + party_path):
        for pts in each(party, "cac:PartyTaxScheme"):
            if _scheme_is_vat(pts) and first(pts, "cbc:CompanyID") is not None:
                return True
    return False


@doc_fact
def has_seller_company_id_any_scheme(doc: Doc) -> bool:
    return (
        doc.root.find(
            ".//cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID", NS
        )
        is not None
    )


@doc_fact
def seller_vat(doc: Doc) -> bool:
    return has_party_vat(doc, "cac:AccountingSupplierParty/cac:Party")


@doc_fact
def taxrep_vat(doc: Doc) -> bool:
    return has_party_vat(doc, "cac:TaxRepresentativeParty")


@doc_fact
def buyer_vat(doc: Doc) -> bool:
    return has_party_vat(doc, "cac:AccountingCustomerParty/cac:Party")


@doc_fact
def buyer_legal_id(doc: Doc) -> bool:
    return (
        doc.root.find(
            ".//cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", NS
        )
        is not None
    )


def tin_ok(value: str) -> bool:
    """u:TinVerification: Greek TIN check digit."""
    if len(value) < 9 or not ascii_digits(value[:9]):
        return False
    digits = [int(c) for c in value[:9]]
    checksum: int = sum(d * (2 ** (8 - i)) for i, d in enumerate(digits[:8]))
    return (checksum % 11) % 10 == digits[8]


def mod11_no(value: str) -> bool:
    """u:mod11 of the PEPPOL rules (Norwegian organisation number)."""
    if not value or not ascii_digits(value) or int(value) <= 0:
        return False
    body, check = value[:-1], int(value[-1])
    total = sum(int(d) * ((i % 6) + 2) for i, d in enumerate(reversed(body)))
    return (11 - total % 11) % 11 == check
