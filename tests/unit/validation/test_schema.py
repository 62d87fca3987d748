"""The UBL 2.1 schema check (family "xsd"): what the official validators run before Schematron."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from domain.ehf.writer import InvoiceSpec, LineSpec, PartySpec, write_ehf
from domain.validation import schema, validate
from domain.validation.schema import MAX_FINDINGS, WHOLE_CHECK_ELEMENTS
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


def test_a_large_document_is_checked_in_pieces_with_every_error_located() -> None:
    # libxml2 counts siblings for each error's path: 40,000 erroring lines checked whole would
    # take seconds; in pieces each error is found where it is, and the list is capped
    data = with_empty_lines(WHOLE_CHECK_ELEMENTS + 1500)
    found = xsd(data)
    assert len(found) == MAX_FINDINGS + 1
    assert found[0] == (
        "Element 'cac:InvoiceLine': Missing child element(s). Expected is ( cbc:ID ).",
        "/ubl:Invoice/cac:InvoiceLine[2]",
    )
    assert [where for _, where in found[:MAX_FINDINGS]] == [
        f"/ubl:Invoice/cac:InvoiceLine[{n}]" for n in range(2, MAX_FINDINGS + 2)
    ]
    assert found[-1] == ("and 2,500 more schema errors, not listed", "/ubl:Invoice")
    # a large document without schema errors has no finding
    big = write_ehf(
        InvoiceSpec(
            number="B-1",
            issue_date=date(2026, 11, 2),
            due_date=date(2026, 11, 16),
            seller=CLIENT_A,
            buyer=BUYER,
            lines=tuple(LineSpec(f"Vare {n}", Decimal("1"), Decimal("10.00")) for n in range(300)),
        )
    )
    assert etree.fromstring(big).xpath("count(//*)") > WHOLE_CHECK_ELEMENTS
    assert xsd(big) == []


def broken_documents() -> list[bytes]:
    """Schema errors of every kind, at the top and deep inside, for comparing the two checks."""
    good = invoice()
    cut = good.index(b"<cac:PartyName>")
    party_name = good[cut : good.index(b"</cac:PartyName>") + 16]
    return [
        good,
        good.replace(b"<cbc:InvoicedQuantity", b"<cbc:Colour/><cbc:InvoicedQuantity", 1),
        good.replace(b"<cac:PartyName>", b"<cac:PartyNameX>", 1).replace(
            b"</cac:PartyName>", b"</cac:PartyNameX>", 1
        ),
        good[:cut]
        + good[cut + len(party_name) :].replace(
            b"</cac:PostalAddress>", b"</cac:PostalAddress>" + party_name, 1
        ),
        good.replace(b'currencyID="NOK">2', b'currencyID="NOK">x2'),
        good.replace(b"<cbc:IssueDate>", b"<cbc:IssueDate>not a date", 1),
        good.replace(b"<cbc:ID>X-1</cbc:ID>", b"<cbc:ID>X-1</cbc:ID><cbc:ID>X-2</cbc:ID>", 1),
        good.replace(
            b"<cac:LegalMonetaryTotal>", b"<cbc:Note>late</cbc:Note><cac:LegalMonetaryTotal>", 1
        ),
        good.replace(b"</Invoice>", b"<cac:InvoiceLine/><cbc:Note>after</cbc:Note></Invoice>"),
        good.replace(b"<cac:AccountingSupplierParty>", b"<cac:AccountingSupplierParty>stray"),
        good.replace(b' currencyID="NOK"', b' currencyID="NOK" colour="red"', 1),
        good.replace(b"<cac:LegalMonetaryTotal>", b"", 1).replace(
            b"</cac:LegalMonetaryTotal>", b"", 1
        ),
        with_empty_lines(5),
    ]


def test_pieces_find_the_same_errors_at_the_same_places_as_the_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents = broken_documents()
    whole = [sorted(xsd(data)) for data in documents]
    assert sum(1 for found in whole if found) == len(documents) - 1  # all but the good one
    monkeypatch.setattr(schema, "WHOLE_CHECK_ELEMENTS", 3)  # every element of any size in pieces
    assert [sorted(xsd(data)) for data in documents] == whole


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


def test_a_check_reports_only_its_own_documents_errors() -> None:
    # lxml's per-thread error log holds earlier documents' errors: none may leak into a finding
    secret = invoice().replace(
        b'<cbc:PayableAmount currencyID="NOK">', b'<cbc:PayableAmount currencyID="NOK">SECRET-A'
    )
    assert "SECRET-A" in xsd(secret)[0][0]
    large = with_empty_lines(WHOLE_CHECK_ELEMENTS + 10).replace(
        b"<cbc:InvoicedQuantity", b"<cbc:Colour/><cbc:InvoicedQuantity", 1
    )
    found = xsd(large)
    assert not any("SECRET" in message for message, _ in found)
    assert found[0] == (
        "Element 'cbc:Colour': This element is not expected. Expected is one of ( cbc:UUID, "
        "cbc:Note, cbc:InvoicedQuantity, cbc:LineExtensionAmount ).",
        "/ubl:Invoice/cac:InvoiceLine[1]/cbc:Colour",
    )
