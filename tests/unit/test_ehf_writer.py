"""The EHF 3 writer: valid structure, consistent sums, round trip through the reader."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from domain.ehf import PEPPOL_BIS3, load_ehf, minimum_findings, parse_xml
from domain.ehf.ubl import NS_CAC, NS_CBC
from domain.ehf.writer import (
    DEMO_BUYERS,
    DEMO_SELLER,
    InvoiceSpec,
    LineSpec,
    PartySpec,
    check_account_number,
    generated_invoices,
    generated_specs,
    kid_mod10,
    money,
    org_numbers,
    write_ehf,
)
from domain.parties import InvalidParticipantId

NS = {"cac": NS_CAC, "cbc": NS_CBC}
SELLER = PartySpec(org_number="991825827", name="Blåbær & Sønner AS", city="Bergen")
BUYER = PartySpec(org_number="987654325", name="Kunde <Holding> AS", postal_zone="5003")
LINES = (
    LineSpec("Konsulenttime", Decimal("7.5"), Decimal("1250.00")),
    LineSpec("Bok", Decimal("3"), Decimal("199.90"), vat_rate=Decimal("0")),
    LineSpec("Mat", Decimal("2"), Decimal("33.335"), vat_rate=Decimal("15")),
    LineSpec("Kino", Decimal("1"), Decimal("120"), vat_rate=Decimal("12"), unit_code="C62"),
    LineSpec("Lisens", Decimal("-1"), Decimal("100.00")),
)
SPEC = InvoiceSpec(
    number="INV-2025-0001",
    issue_date=date(2025, 3, 1),
    due_date=date(2025, 3, 15),
    seller=SELLER,
    buyer=BUYER,
    lines=LINES,
    kid=kid_mod10("1234567"),
    note="Takk for handelen",
)


def _decimals(root: etree._Element, path: str) -> list[Decimal]:
    return [Decimal(e.text or "") for e in root.iterfind(path, NS)]


def _local_names(elements: Iterable[etree._Element]) -> list[str]:
    return [etree.QName(e).localname for e in elements if isinstance(e.tag, str)]


def _is_subsequence(ours: list[str], theirs: list[str]) -> bool:
    remaining = iter(theirs)
    return all(any(name == other for other in remaining) for name in ours)


def test_output_is_utf8_xml_with_declaration() -> None:
    data = write_ehf(SPEC)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice ')
    assert "Blåbær &amp; Sønner AS".encode() in data
    assert b"Kunde &lt;Holding&gt; AS" in data


def test_round_trip_through_the_reader() -> None:
    doc, _ = load_ehf(write_ehf(SPEC))
    assert doc.document_type == "Invoice"
    assert doc.customization_id == PEPPOL_BIS3
    assert doc.profile_id == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert (doc.number, doc.issue_date, doc.due_date) == (
        "INV-2025-0001",
        date(2025, 3, 1),
        date(2025, 3, 15),
    )
    assert (doc.type_code, doc.currency, doc.buyer_reference) == ("380", "NOK", "Ref 1")
    assert doc.order_reference is None
    assert str(doc.seller.endpoint) == "0192:991825827"
    assert doc.seller.name == "Blåbær & Sønner AS"
    assert (doc.seller.legal_id, doc.seller.legal_scheme) == ("991825827", "0192")
    assert doc.seller.vat_id == "NO991825827MVA"
    assert doc.seller.country == "NO"
    assert str(doc.buyer.endpoint) == "0192:987654325"
    assert doc.buyer.name == "Kunde <Holding> AS"
    assert doc.buyer.vat_id == "NO987654325MVA"
    assert doc.line_count == len(LINES)
    assert minimum_findings(doc) == []


def test_totals_follow_the_en16931_sums() -> None:
    data = write_ehf(SPEC)
    root = parse_xml(data)
    doc, _ = load_ehf(data)
    lines = _decimals(root, "cac:InvoiceLine/cbc:LineExtensionAmount")
    # half-up to cents: 7.5 x 1250, 3 x 199.90, 2 x 33.335 = 66.67, 120, -100
    assert lines == [Decimal(v) for v in ("9375.00", "599.70", "66.67", "120.00", "-100.00")]
    totals = doc.totals
    assert totals.line_extension == sum(lines)  # BR-CO-10
    assert totals.tax_exclusive == totals.line_extension  # BR-CO-13, no document allowances
    subtotal_tax = _decimals(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount")
    assert totals.tax == sum(subtotal_tax)  # BR-CO-14
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax  # BR-CO-15
    assert totals.payable == totals.tax_inclusive  # BR-CO-16, nothing prepaid
    taxable = _decimals(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount")
    assert sum(taxable) == totals.line_extension
    for subtotal in root.iterfind("cac:TaxTotal/cac:TaxSubtotal", NS):
        rate = Decimal(subtotal.findtext("cac:TaxCategory/cbc:Percent", "0", NS))
        amount = Decimal(subtotal.findtext("cbc:TaxableAmount", "", NS))
        assert Decimal(subtotal.findtext("cbc:TaxAmount", "", NS)) == money(amount * rate / 100)
    for amount in root.iterfind(".//cbc:*[@currencyID]", NS):
        assert amount.get("currencyID") == "NOK"
        if etree.QName(amount).localname != "PriceAmount":
            assert "." in (amount.text or "") and len((amount.text or "").split(".")[1]) == 2


def test_vat_breakdown_has_one_group_per_category_and_rate() -> None:
    root = parse_xml(write_ehf(SPEC))
    groups = {
        (
            s.findtext("cac:TaxCategory/cbc:ID", "", NS),
            s.findtext("cac:TaxCategory/cbc:Percent", "", NS),
        ): Decimal(s.findtext("cbc:TaxableAmount", "", NS))
        for s in root.iterfind("cac:TaxTotal/cac:TaxSubtotal", NS)
    }
    assert groups == {
        ("S", "25"): Decimal("9275.00"),
        ("Z", "0"): Decimal("599.70"),
        ("S", "15"): Decimal("66.67"),
        ("S", "12"): Decimal("120.00"),
    }
    assert len(root.findall("cac:TaxTotal", NS)) == 1


def test_structure_follows_the_official_norwegian_sample(ehf_dir: Path) -> None:
    sample = parse_xml((ehf_dir / "valid/no/ehf-3-faktura-1.xml").read_bytes())
    ours = parse_xml(write_ehf(dataclasses.replace(SPEC, due_date=None)))
    assert _is_subsequence(_local_names(ours), _local_names(sample))
    for path in (
        "cac:AccountingSupplierParty/cac:Party",
        "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress",
        "cac:AccountingCustomerParty/cac:Party",
        "cac:PaymentMeans",
        "cac:TaxTotal/cac:TaxSubtotal",
        "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory",
        "cac:LegalMonetaryTotal",
        "cac:InvoiceLine",
        "cac:InvoiceLine/cac:Item",
        "cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory",
    ):
        mine, theirs = ours.find(path, NS), sample.find(path, NS)
        assert mine is not None and theirs is not None, path
        assert _is_subsequence(_local_names(mine), _local_names(theirs)), path


def test_norwegian_seller_registration_and_payment() -> None:
    root = parse_xml(write_ehf(SPEC))
    party = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert party is not None
    schemes = [
        (p.findtext("cbc:CompanyID", "", NS), p.findtext("cac:TaxScheme/cbc:ID", "", NS))
        for p in party.iterfind("cac:PartyTaxScheme", NS)
    ]
    assert schemes == [("NO991825827MVA", "VAT"), ("Foretaksregisteret", "TAX")]
    endpoint = party.find("cbc:EndpointID", NS)
    assert endpoint is not None and endpoint.get("schemeID") == "0192"
    legal = party.find("cac:PartyLegalEntity/cbc:CompanyID", NS)
    assert legal is not None and (legal.get("schemeID"), legal.text) == ("0192", "991825827")
    buyer_schemes = root.findall("cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme", NS)
    assert len(buyer_schemes) == 1  # no Foretaksregisteret for the buyer
    assert root.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", "", NS) == "30"
    assert root.findtext("cac:PaymentMeans/cbc:PaymentID", "", NS) == SPEC.kid
    assert root.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", "", NS) == (
        "86011117947"
    )
    assert root.findtext("cbc:Note", "", NS) == "Takk for handelen"
    assert root.find("cac:PaymentTerms", NS) is None  # a due date is given


def test_without_a_due_date_payment_terms_are_given() -> None:
    data = write_ehf(dataclasses.replace(SPEC, due_date=None, kid=None))
    root = parse_xml(data)
    assert root.find("cbc:DueDate", NS) is None
    assert root.findtext("cac:PaymentTerms/cbc:Note", "", NS)  # BR-CO-25
    assert root.find("cac:PaymentMeans/cbc:PaymentID", NS) is None
    assert load_ehf(data)[0].due_date is None


def test_credit_note() -> None:
    spec = dataclasses.replace(SPEC, document_type="CreditNote", number="CN-1")
    data = write_ehf(spec)
    root = parse_xml(data)
    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", "", NS) == "381"
    assert root.find("cbc:DueDate", NS) is None  # not in the UBL 2.1 CreditNote schema
    assert root.findtext("cac:PaymentMeans/cbc:PaymentDueDate", "", NS) == "2025-03-15"
    assert len(root.findall("cac:CreditNoteLine/cbc:CreditedQuantity", NS)) == len(LINES)
    assert root.find("cac:InvoiceLine", NS) is None
    doc, _ = load_ehf(data)
    assert (doc.document_type, doc.type_code, doc.number) == ("CreditNote", "381", "CN-1")
    assert doc.due_date == date(2025, 3, 15)
    assert doc.totals == load_ehf(write_ehf(SPEC))[0].totals
    assert minimum_findings(doc) == []


def test_a_seller_outside_vat_uses_category_o_without_vat_ids() -> None:
    seller = dataclasses.replace(SELLER, vat_registered=False)
    data = write_ehf(dataclasses.replace(SPEC, seller=seller))
    root = parse_xml(data)
    categories = {e.text for e in root.iterfind(".//cac:ClassifiedTaxCategory/cbc:ID", NS)}
    assert categories == {"O"}
    assert root.find(".//cac:ClassifiedTaxCategory/cbc:Percent", NS) is None
    subtotals = root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    assert len(subtotals) == 1
    assert subtotals[0].findtext("cac:TaxCategory/cbc:TaxExemptionReason", "", NS)
    doc, _ = load_ehf(data)
    assert doc.seller.vat_id is None and doc.buyer.vat_id is None
    assert doc.totals.tax == 0
    assert doc.totals.tax_inclusive == doc.totals.tax_exclusive
    assert minimum_findings(doc) == []


def test_a_thousand_lines() -> None:
    lines = tuple(next(generated_specs(1, lines=1000, seed=9)).lines)
    spec = dataclasses.replace(SPEC, lines=lines)
    doc, root = load_ehf(write_ehf(spec))
    assert doc.line_count == 1000
    assert [e.text for e in root.iterfind("cac:InvoiceLine/cbc:ID", NS)][-1] == "1000"
    assert doc.totals.line_extension == sum(money(x.quantity * x.unit_price) for x in lines)
    assert minimum_findings(doc) == []


def test_generated_invoices_are_deterministic_and_valid() -> None:
    first = list(generated_invoices(20, seed=3))
    assert first == list(generated_invoices(20, seed=3))
    assert first != list(generated_invoices(20, seed=4))
    docs = [load_ehf(data)[0] for data in first]
    assert len({d.number for d in docs}) == 20
    assert {str(d.buyer.endpoint) for d in docs} == {f"0192:{b.org_number}" for b in DEMO_BUYERS}
    assert all(d.seller.endpoint.value == DEMO_SELLER.org_number for d in docs)
    assert all(d.line_count == 3 and minimum_findings(d) == [] for d in docs)


def test_generated_invoices_take_seller_buyers_and_line_count() -> None:
    buyer = PartySpec(org_number=org_numbers(93000000, 1)[0], name="Eneste Kunde AS")
    docs = [
        load_ehf(data)[0] for data in generated_invoices(3, lines=7, seller=SELLER, buyers=[buyer])
    ]
    assert {d.buyer.name for d in docs} == {"Eneste Kunde AS"}
    assert {d.seller.name for d in docs} == {SELLER.name}
    assert {d.line_count for d in docs} == {7}


def test_helpers_make_valid_numbers() -> None:
    assert all(len(o) == 9 for o in org_numbers(10_000_000, 50))
    assert check_account_number("86011117947") == "86011117947"
    with pytest.raises(ValueError, match="MOD11"):
        check_account_number("15036200000")
    assert kid_mod10("7992739871") == "79927398713"  # the classic Luhn example


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"lines": ()}, ValueError, "at least one line"),
        ({"buyer_reference": " "}, ValueError, "PEPPOL-EN16931-R003"),
        ({"currency": "kr"}, ValueError, "ISO 4217"),
        ({"account": "12345678901"}, ValueError, "MOD11"),
        ({"note": "bell \x07"}, ValueError, "cannot carry"),
        ({"seller": PartySpec(org_number="991825828", name="X")}, InvalidParticipantId, "MOD11"),
        ({"buyer": PartySpec(org_number="987654325", name="")}, ValueError, "must not be empty"),
        (
            {"lines": (LineSpec("Rabatt", Decimal(1), Decimal("-5")),)},
            ValueError,
            "must not be negative",
        ),
    ],
)
def test_the_writer_refuses_what_would_not_be_valid(
    change: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        write_ehf(dataclasses.replace(SPEC, **change))  # type: ignore[arg-type]
