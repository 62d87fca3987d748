"""The UBL 2.1 schema check (family "xsd"): what the official validators run before Schematron."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

from lxml import etree

from domain.ehf.writer import InvoiceSpec, LineSpec, PartySpec, write_ehf
from domain.validation import validate
from domain.validation.schema import FULL_CHECK_ELEMENTS
from tests.documents import ehf

CLIENT_A = PartySpec("923456708", "Fjordkraft Konsult AS")
BUYER = PartySpec("956789001", "Nordlys Handel AS")
CAC = b"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = b"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


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


def with_empty_lines(count: int) -> bytes:
    """The invoice and `count` empty lines after its one real line (each breaks the schema)."""
    return invoice().replace(b"</Invoice>", b"<cac:InvoiceLine/>" * count + b"</Invoice>")


def test_every_schema_error_is_listed_and_located() -> None:
    data = with_empty_lines(300)
    assert data.count(b"<cac:InvoiceLine/>") == 300
    found = xsd(data)
    assert len(found) == 300
    assert found[0][0].startswith("Element 'cac:InvoiceLine': Missing child element(s).")
    assert [where for _, where in found] == [
        f"/ubl:Invoice/cac:InvoiceLine[{n}]" for n in range(2, 302)
    ]


def test_a_large_document_is_checked_up_to_its_first_schema_error() -> None:
    # libxml2 counts siblings for each error's path: all errors of 40,000 lines would take
    # seconds; past the limit the document is checked as a stream and its first error told
    data = with_empty_lines(FULL_CHECK_ELEMENTS + 100)
    [(message, where)] = xsd(data)
    assert message.startswith("Element 'cac:InvoiceLine': Missing child element(s).")
    assert message.endswith("elements is not located further)")
    assert where == "/ubl:Invoice"  # a stream check names no element
    # a large document without schema errors has no finding
    big = write_ehf(
        InvoiceSpec(
            number="B-1",
            issue_date=date(2026, 11, 2),
            due_date=date(2026, 11, 16),
            seller=CLIENT_A,
            buyer=BUYER,
            lines=tuple(LineSpec(f"Vare {n}", Decimal("1"), Decimal("10.00")) for n in range(2000)),
        )
    )
    assert etree.fromstring(big).xpath("count(//*)") > FULL_CHECK_ELEMENTS
    assert xsd(big) == []


def test_locations_follow_prefixes_bound_differently_in_different_subtrees() -> None:
    # 'x' is cbc in the seller's party and cac in the line: libxml2 writes 'x:' either way
    data = (
        invoice()
        .replace(
            b"<cac:AccountingSupplierParty>",
            b'<cac:AccountingSupplierParty xmlns:x="' + CBC + b'">',
            1,
        )
        .replace(b"<cac:InvoiceLine>", b'<cac:InvoiceLine xmlns:x="' + CAC + b'">', 1)
    )
    at = data.index(b"<cac:PartyName>")
    data = data[:at] + b"<x:Colour/>" + data[at:]
    [(message, where)] = xsd(data)
    assert message.startswith("Element 'cbc:Colour': This element is not expected.")
    assert where == "/ubl:Invoice/cac:AccountingSupplierParty/cac:Party/cbc:Colour"


def test_locations_of_elements_in_a_default_namespace() -> None:
    # the line written with cac as its default namespace: libxml2 writes '*[n]' steps there
    start = invoice().index(b"<cac:InvoiceLine>")
    head, line = invoice()[:start], invoice()[start:]
    line = line.replace(b"<cac:InvoiceLine>", b'<InvoiceLine xmlns="' + CAC + b'">', 1)
    line = line.replace(b"</cac:InvoiceLine>", b"</InvoiceLine>", 1)
    line = line.replace(b"<cac:", b"<").replace(b"</cac:", b"</")
    line = line.replace(b"<Item>", b"<Item><cbc:Colour/>", 1)
    [(message, where)] = xsd(head + line)
    assert message.startswith("Element 'cbc:Colour': This element is not expected.")
    assert where == "/ubl:Invoice/cac:InvoiceLine/cac:Item/cbc:Colour"


def test_a_long_value_from_the_document_is_cut_short_in_the_message() -> None:
    value = "SECRET-" + "9" * 5000
    data = invoice().replace(
        b"<cbc:DueDate>2026-11-16</cbc:DueDate>", f"<cbc:DueDate>{value}</cbc:DueDate>".encode()
    )
    [(message, _)] = xsd(data)
    assert message.startswith("Element 'cbc:DueDate': 'SECRET-999")
    assert len(message) < 300 and "9" * 100 not in message
