"""The UBL 2.1 schema check (family "xsd"): what the official validators run before Schematron."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

from lxml import etree

from domain.ehf.writer import InvoiceSpec, LineSpec, write_ehf
from domain.validation import validate
from tests.documents import ehf
from tests.integration.test_lifecycle import BUYER, CLIENT_A


def invoice() -> bytes:
    return ehf("X-1", CLIENT_A, BUYER)


def xsd(data: bytes) -> list[tuple[str, str]]:
    findings = validate(etree.fromstring(data), families={"xsd"})
    assert all(f.rule_id == "UBL-XSD" and f.flag == "fatal" for f in findings)
    return [(f.message, f.location) for f in findings]


def test_a_document_the_schema_describes_has_no_schema_finding() -> None:
    assert xsd(invoice()) == []
    credit = InvoiceSpec(
        number="C-1",
        issue_date=date(2026, 11, 2),
        due_date=None,
        seller=CLIENT_A,
        buyer=BUYER,
        lines=(LineSpec("Retur", Decimal("1"), Decimal("100.00")),),
        document_type="CreditNote",
    )
    assert xsd(write_ehf(credit)) == []


def test_an_element_the_schema_does_not_have_deep_in_a_line_is_fatal() -> None:
    # the rules never look at it; the receiving access point's schema check would refuse it
    data = invoice().replace(
        b"<cbc:InvoicedQuantity", b"<cbc:Colour>red</cbc:Colour><cbc:InvoicedQuantity", 1
    )
    [(message, where)] = xsd(data)
    assert message.startswith("Element 'cbc:Colour': This element is not expected. Expected is")
    assert "cbc:InvoicedQuantity" in message  # prefixed names, not {urn:...} ones
    assert where == "/ubl:Invoice/cac:InvoiceLine/cbc:Colour"
    assert "UBL-XSD" in {f.rule_id for f in validate(etree.fromstring(data)) if f.flag == "fatal"}


def test_order_inside_an_aggregate_and_value_types_are_checked() -> None:
    # PartyName after PostalAddress inside the seller's Party
    data = invoice()
    start, end = data.index(b"<cac:PartyName>"), data.index(b"</cac:PartyName>") + 16
    party_name = data[start:end]
    moved = data[:start] + data[end:]
    at = moved.index(b"</cac:PostalAddress>") + len(b"</cac:PostalAddress>")
    moved = moved[:at] + party_name + moved[at:]
    [(message, where)] = xsd(moved)
    assert message.startswith("Element 'cac:PartyName': This element is not expected.")
    assert where == "/ubl:Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyName"

    not_a_number = invoice().replace(
        b'<cbc:PayableAmount currencyID="NOK">', b'<cbc:PayableAmount currencyID="NOK">x', 1
    )
    [(message, where)] = xsd(not_a_number)
    assert (
        message
        == "Element 'cbc:PayableAmount': 'x2500.00' is not a valid value of the local atomic type."
    )
    assert where == "/ubl:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount"


def test_locations_follow_the_documents_own_prefixes() -> None:
    cac = b"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    data = (
        invoice()
        .replace(b"xmlns:cac=", b"xmlns:a=")
        .replace(b"<cac:", b"<a:")
        .replace(b"</cac:", b"</a:")
        .replace(b"<cbc:InvoicedQuantity", b"<cbc:Colour/><cbc:InvoicedQuantity", 1)
    )
    assert cac in data and b"<a:InvoiceLine>" in data
    [(_, where)] = xsd(data)
    assert where == "/ubl:Invoice/cac:InvoiceLine/cbc:Colour"


def test_concurrent_checks_each_get_their_own_errors() -> None:
    good = invoice()
    bad = good.replace(b"<cbc:InvoicedQuantity", b"<cbc:Colour/><cbc:InvoicedQuantity", 1)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(xsd, [good, bad] * 20))
    assert answers[0::2] == [[]] * 20
    assert all(len(a) == 1 and "cbc:Colour" in a[0][0] for a in answers[1::2])


def test_the_schema_finding_is_kept_out_when_the_family_or_id_is_not_asked() -> None:
    bad = etree.fromstring(
        invoice().replace(b"<cbc:InvoicedQuantity", b"<cbc:X/><cbc:InvoicedQuantity", 1)
    )
    assert [f for f in validate(bad, families={"cen"}) if f.rule_id == "UBL-XSD"] == []
    assert [f for f in validate(bad, rule_ids={"BR-01"}) if f.rule_id == "UBL-XSD"] == []
    assert [f.rule_id for f in validate(bad, rule_ids={"UBL-XSD"})] == ["UBL-XSD"]


def test_the_vendored_schemas_are_the_recorded_files() -> None:
    import hashlib
    from importlib import resources

    folder = resources.files("domain.validation.schemas")
    recorded = (folder / "SHA256SUMS").read_text("utf-8").split("\n")
    sums = dict(reversed(line.split("  ", 1)) for line in recorded if line)
    for name, digest in sums.items():
        content = (folder / "ubl-2.1" / name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == digest, name
    assert len(sums) == 15
