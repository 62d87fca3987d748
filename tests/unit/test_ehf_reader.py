"""Reading EHF 3 documents: the official material, and what must be rejected and why."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from domain.ehf import (
    PEPPOL_BIS3,
    DocumentRejected,
    EhfDocument,
    check_peppol_bis3,
    is_peppol_bis3,
    load_ehf,
    minimum_findings,
    parse_xml,
    read_ehf,
)
from domain.ehf.reader import BR_CO_15_MESSAGE
from domain.ehf.ubl import NS_CAC, NS_CBC

NS = {"cac": NS_CAC, "cbc": NS_CBC}
SAMPLE = "valid/no/ehf-3-faktura-1.xml"


def _load(path: Path) -> EhfDocument:
    doc, _ = load_ehf(path.read_bytes())
    return doc


def _sample_root(ehf_dir: Path) -> etree._Element:
    return parse_xml((ehf_dir / SAMPLE).read_bytes())


def _rejection(root: etree._Element) -> str:
    with pytest.raises(DocumentRejected) as caught:
        read_ehf(root)
    reason = str(caught.value)
    assert "\n" not in reason
    return reason


def _set(root: etree._Element, path: str, text: str) -> None:
    element = root.find(path, NS)
    assert element is not None, path
    element.text = text


def _remove(root: etree._Element, path: str) -> None:
    element = root.find(path, NS)
    assert element is not None, path
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)


def test_every_valid_document_reads_with_sensible_fields(ehf_dir: Path) -> None:
    paths = sorted((ehf_dir / "valid").rglob("*.xml"))
    assert len(paths) >= 19
    for path in paths:
        doc = _load(path)
        name = path.name
        assert doc.document_type in ("Invoice", "CreditNote"), name
        assert is_peppol_bis3(doc.customization_id), name
        assert doc.profile_id.startswith("urn:fdc:peppol.eu:2017:poacc:billing:"), name
        assert doc.number, name
        assert date(2010, 1, 1) < doc.issue_date < date(2030, 1, 1), name
        assert doc.due_date is None or doc.due_date >= doc.issue_date, name
        expected_type = "380" if doc.document_type == "Invoice" else "381"
        assert doc.type_code == expected_type, name
        assert len(doc.currency) == 3 and doc.currency.isupper(), name
        assert doc.seller.endpoint != doc.buyer.endpoint, name
        assert doc.seller.name and doc.buyer.name, name
        assert doc.line_count >= 1, name
        totals = doc.totals
        assert totals.tax_inclusive == totals.tax_exclusive + totals.tax, name
        assert minimum_findings(doc) == [], name


def test_the_norwegian_sample_gives_all_its_fields(ehf_dir: Path) -> None:
    doc = _load(ehf_dir / SAMPLE)
    assert doc.document_type == "Invoice"
    assert doc.customization_id == PEPPOL_BIS3
    assert doc.profile_id == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert (doc.number, doc.issue_date, doc.due_date) == (
        "TOSL108",
        date(2013, 6, 30),
        date(2013, 7, 20),
    )
    assert (doc.type_code, doc.currency) == ("380", "NOK")
    assert (doc.buyer_reference, doc.order_reference) == ("3150bdn", "123")
    assert str(doc.seller.endpoint) == "0192:123456785"
    assert doc.seller.name == "The Sellercompany ASA"  # RegistrationName wins over PartyName
    assert (doc.seller.legal_id, doc.seller.legal_scheme) == ("123456785", "0192")
    assert doc.seller.vat_id == "NO123456785MVA"  # not the Foretaksregisteret TAX scheme
    assert doc.seller.country == "NO"
    assert str(doc.buyer.endpoint) == "0192:987654325"
    assert doc.buyer.name == "Buyercompany ASA"
    assert doc.buyer.vat_id == "NO987654325MVA"
    assert doc.totals.line_extension == Decimal("1436.5")
    assert doc.totals.tax_exclusive == Decimal("1436.5")
    assert doc.totals.tax == Decimal("365.28")
    assert doc.totals.tax_inclusive == Decimal("1801.78")
    assert doc.totals.payable == Decimal("802.00")
    assert doc.line_count == 5


def test_a_credit_note_reads_as_credit_note(ehf_dir: Path) -> None:
    doc = _load(ehf_dir / "valid/peppol-examples/base-creditnote-correction.xml")
    assert (doc.document_type, doc.type_code, doc.number) == ("CreditNote", "381", "Snippet1")
    assert doc.due_date is None
    assert doc.line_count == 2
    assert doc.totals.tax_inclusive == Decimal("1656.25")


def test_party_name_is_used_when_there_is_no_registration_name(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    _remove(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName")
    assert read_ehf(root).seller.name == "Salescompany ltd."


def test_ehf_2_is_rejected_with_the_reason_and_what_to_send(ehf_dir: Path) -> None:
    with pytest.raises(DocumentRejected) as caught:
        load_ehf((ehf_dir / "invalid/ehf-2-faktura-1.xml").read_bytes())
    reason = str(caught.value)
    assert reason.startswith("EHF 2.0 documents are no longer accepted: CustomizationID ")
    assert "urn:www.difi.no:ehf:faktura:ver2.0" in reason
    assert reason.endswith("send EHF 3 (PEPPOL BIS Billing 3.0)")


@pytest.mark.parametrize(
    "name", ["GR-base-example-correct.xml", "GR-base-example-TaxRepresentative.xml"]
)
def test_the_greek_examples_break_ubl_element_order_and_are_rejected(
    ehf_dir: Path, name: str
) -> None:
    with pytest.raises(DocumentRejected) as caught:
        load_ehf((ehf_dir / "invalid" / name).read_bytes())
    assert str(caught.value).startswith(
        "not a valid UBL 2.1 Invoice: cac:AdditionalDocumentReference"
    )
    assert "must come before cac:AccountingCustomerParty" in str(caught.value)


def test_every_invalid_document_is_rejected(ehf_dir: Path) -> None:
    paths = sorted((ehf_dir / "invalid").glob("*.xml"))
    assert len(paths) == 3
    for path in paths:
        with pytest.raises(DocumentRejected):
            load_ehf(path.read_bytes())


def test_cen_only_documents_with_endpoints_are_readable_but_not_all_are(ehf_dir: Path) -> None:
    read, rejected = [], []
    for path in sorted((ehf_dir / "cen-only").rglob("*.xml")):
        try:
            read.append(load_ehf(path.read_bytes(), require_peppol=False)[0])
        except DocumentRejected as exc:
            rejected.append(str(exc))
    assert len(read) >= 15
    assert all(doc.customization_id.startswith("urn:cen.eu:en16931:2017") for doc in read)
    # the CEN examples without endpoints or ProfileID cannot be routed
    assert rejected
    assert all("EndpointID" in reason or "cbc:ProfileID" in reason for reason in rejected)


def test_plain_en16931_is_readable_but_not_sendable(ehf_dir: Path) -> None:
    data = (ehf_dir / SAMPLE).read_bytes().replace(PEPPOL_BIS3.encode(), b"urn:cen.eu:en16931:2017")
    doc, _ = load_ehf(data, require_peppol=False)
    assert doc.customization_id == "urn:cen.eu:en16931:2017"
    assert not is_peppol_bis3(doc.customization_id)
    with pytest.raises(DocumentRejected) as caught:
        load_ehf(data)
    assert "is not PEPPOL BIS Billing 3.0" in str(caught.value)
    assert [f.rule_id for f in caught.value.findings] == ["PEPPOL-EN16931-R004"]
    with pytest.raises(DocumentRejected):
        check_peppol_bis3(doc)


@pytest.mark.parametrize(
    ("customization_id", "peppol"),
    [
        (PEPPOL_BIS3, True),
        (f"{PEPPOL_BIS3}#compliant#urn:www.difi.no:ehf:ver3.0", True),  # R004 test set
        (f"  {PEPPOL_BIS3}  ", True),
        ("urn:cen.eu:en16931:2017#compliant#compliant#urn:www.difi.no:ehf:ver3.0", False),
        ("urn:cen.eu:en16931:2017#conformant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", False),
        ("urn:cen.eu:en16931:2017", False),
    ],
)
def test_peppol_bis3_is_recognised_as_rule_r004_reads_it(
    customization_id: str, peppol: bool
) -> None:
    assert is_peppol_bis3(customization_id) is peppol


def test_an_unknown_customization_id_is_rejected(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    _set(root, "cbc:CustomizationID", "urn:example:something-else")
    assert _rejection(root).startswith("unsupported CustomizationID 'urn:example:something-else'")


@pytest.mark.parametrize(
    ("xml", "shown"),
    [
        (b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>", "Order-2}Order"),
        (b"<Invoice/>", "root element is Invoice"),
        (b"<html><body>hello</body></html>", "root element is html"),
    ],
)
def test_xml_that_is_not_a_ubl_invoice_or_credit_note_is_rejected(xml: bytes, shown: str) -> None:
    with pytest.raises(DocumentRejected) as caught:
        load_ehf(xml)
    assert str(caught.value).startswith("not a UBL Invoice or CreditNote: root element is ")
    assert shown in str(caught.value)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (
            "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
            "missing cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
        ),
        (
            "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
            "missing cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
        ),
        ("cbc:ID", "missing cbc:ID"),
        ("cbc:IssueDate", "missing cbc:IssueDate"),
        ("cbc:DocumentCurrencyCode", "missing cbc:DocumentCurrencyCode"),
        ("cbc:ProfileID", "missing cbc:ProfileID"),
        ("cbc:CustomizationID", "missing cbc:CustomizationID"),
        (
            "cac:LegalMonetaryTotal/cbc:PayableAmount",
            "missing cac:LegalMonetaryTotal/cbc:PayableAmount",
        ),
        ("cac:LegalMonetaryTotal", "missing cac:LegalMonetaryTotal"),
        ("cac:AccountingCustomerParty", "missing cac:AccountingCustomerParty/cac:Party"),
    ],
)
def test_a_missing_routing_field_is_rejected_naming_the_element(
    ehf_dir: Path, path: str, reason: str
) -> None:
    root = _sample_root(ehf_dir)
    _remove(root, path)
    assert _rejection(root).startswith(reason)


def test_an_endpoint_without_scheme_is_rejected(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert endpoint is not None
    del endpoint.attrib["schemeID"]
    assert _rejection(root).startswith(
        "missing @schemeID on cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"
    )


def test_an_invalid_participant_id_names_the_party_and_the_rule(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    _set(root, "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", "123456789")
    reason = _rejection(root)
    assert reason.startswith("seller endpoint 0192:123456789")
    assert "MOD11" in reason


def test_an_unknown_endpoint_scheme_is_rejected(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert endpoint is not None
    endpoint.set("schemeID", "NO:ORGNR")
    reason = _rejection(root)
    assert reason.startswith("buyer endpoint NO:ORGNR:987654325")
    assert "not an EAS code" in reason


@pytest.mark.parametrize("value", ["2013-02-30", "30.06.2013", "20130630", "2013-06-30Z"])
def test_a_bad_date_is_rejected_with_the_value(ehf_dir: Path, value: str) -> None:
    root = _sample_root(ehf_dir)
    _set(root, "cbc:IssueDate", value)
    assert _rejection(root) == f"cbc:IssueDate {value!r} is not a valid date (YYYY-MM-DD)"


@pytest.mark.parametrize("value", ["802,00", "NaN", "1e3", "Infinity", "12.5.0", ""])
def test_a_bad_amount_is_rejected_with_the_value(ehf_dir: Path, value: str) -> None:
    root = _sample_root(ehf_dir)
    _set(root, "cac:LegalMonetaryTotal/cbc:PayableAmount", value)
    reason = _rejection(root)
    assert reason.startswith("cac:LegalMonetaryTotal/cbc:PayableAmount")
    if value:
        assert repr(value) in reason


def test_elements_out_of_ubl_order_are_rejected(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    due = root.find("cbc:DueDate", NS)
    assert due is not None
    root.append(due)  # after the lines
    reason = _rejection(root)
    assert reason.startswith("not a valid UBL 2.1 Invoice: cbc:DueDate")
    assert "must come before cac:InvoiceLine" in reason


def test_a_repeated_single_element_is_rejected(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    number = root.find("cbc:ID", NS)
    assert number is not None
    number.addnext(etree.fromstring(f'<cbc:ID xmlns:cbc="{NS_CBC}">again</cbc:ID>'))
    assert "cbc:ID (line" in _rejection(root)
    assert "occurs more than once" in _rejection(root)


def test_an_element_unknown_to_ubl_is_rejected(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    root.insert(3, etree.Element("{urn:example}Extra"))
    assert "{urn:example}Extra (line" in _rejection(root)
    assert "is not an element of a UBL 2.1 Invoice" in _rejection(root)


def test_a_document_without_lines_is_rejected(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    for line in root.findall("cac:InvoiceLine", NS):
        root.remove(line)
    assert _rejection(root) == "missing cac:InvoiceLine: every Invoice needs at least one line"


def test_line_count_counts_every_line(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    line = root.find("cac:InvoiceLine", NS)
    assert line is not None
    root.append(etree.fromstring(etree.tostring(line)))
    assert read_ehf(root).line_count == 6


def test_tax_counts_only_tax_totals_in_the_document_currency(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    tax_total = root.find("cac:TaxTotal", NS)
    assert tax_total is not None
    tax_total.addnext(
        etree.fromstring(
            f'<cac:TaxTotal xmlns:cac="{NS_CAC}" xmlns:cbc="{NS_CBC}">'
            '<cbc:TaxAmount currencyID="EUR">40.00</cbc:TaxAmount></cac:TaxTotal>'
        )
    )
    assert read_ehf(root).totals.tax == Decimal("365.28")


def test_no_tax_total_means_zero_tax(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    _remove(root, "cac:TaxTotal")
    assert read_ehf(root).totals.tax == Decimal(0)


def test_a_tampered_total_gives_br_co_15(ehf_dir: Path) -> None:
    root = _sample_root(ehf_dir)
    _set(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "1901.78")
    doc = read_ehf(root)  # readable: a wrong total is a rule finding, not unreadable
    findings = minimum_findings(doc)
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.rule_id, finding.flag) == ("BR-CO-15", "fatal")
    assert finding.message == BR_CO_15_MESSAGE
    assert finding.message == (
        "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) "
        "+ Invoice total VAT amount (BT-110)."
    )
    assert finding.location == "/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"


@pytest.mark.parametrize(
    ("exclusive", "tax", "inclusive", "fires"),
    [
        ("1000", "300", "1300", False),
        ("-100", "300", "200", False),
        ("1000.00", "250", "1250.01", True),
        ("1000.00", "0", "1250.00", True),
        ("1000.004", "0", "1000.00", False),  # rounded to cents as the rule does
        ("1000.005", "0", "1000.01", False),  # XPath round(): halves go up
        ("-1000.005", "0", "-1000.00", False),  # ... towards positive infinity
    ],
)
def test_br_co_15_arithmetic_matches_the_official_rule(
    ehf_dir: Path, exclusive: str, tax: str, inclusive: str, fires: bool
) -> None:
    doc = read_ehf(_sample_root(ehf_dir))
    totals = dataclasses.replace(
        doc.totals,
        tax_exclusive=Decimal(exclusive),
        tax=Decimal(tax),
        tax_inclusive=Decimal(inclusive),
    )
    findings = minimum_findings(dataclasses.replace(doc, totals=totals))
    assert [f.rule_id for f in findings] == (["BR-CO-15"] if fires else [])


def test_the_document_is_immutable(ehf_dir: Path) -> None:
    doc = read_ehf(_sample_root(ehf_dir))
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.number = "other"  # type: ignore[misc]
