"""National rules of PEPPOL BIS Billing 3.0.19 where the official XPath reads a value otherwise
than a plain reading would: sequences where one value is expected, XPath regexes and number()
casts, tokens of a raw attribute. Each case is a small hand-made fragment."""

from __future__ import annotations

from lxml import etree

from domain.validation import validate
from domain.validation.rules import national
from tests.unit.validation import fragments
from tests.unit.validation.fragments import ids, party


def tax_scheme(company: str | None, scheme: str) -> str:
    company_id = "" if company is None else f"<cbc:CompanyID>{company}</cbc:CompanyID>"
    return (
        f"<cac:PartyTaxScheme>{company_id}<cac:TaxScheme><cbc:ID>{scheme}</cbc:ID>"
        "</cac:TaxScheme></cac:PartyTaxScheme>"
    )


def doc(
    body: str,
    supplier: str,
    customer: str = "",
    *,
    supplier_inner: str = "",
    after: str = "",
    credit_note: bool = False,
) -> etree._Element:
    """An invoice (or credit note) fragment: body, the parties, then what comes after them."""
    parties = party("AccountingSupplierParty", supplier, supplier_inner)
    if customer:
        parties += party("AccountingCustomerParty", customer)
    return fragments.doc(body + parties + after, "CreditNote" if credit_note else "Invoice")


# ---- Norway ---------------------------------------------------------------------------------


def test_norwegian_vat_number_in_two_vat_schemes_fails() -> None:
    good = tax_scheme("NO974760673MVA", "VAT")
    other = tax_scheme("NO123", "VAT")
    assert ids(doc("", "NO", supplier_inner=good), "NO-R-001") == []
    # matches() and substring() get two values once one starts with NO: the assert fails
    assert ids(doc("", "NO", supplier_inner=good + other), "NO-R-001") == ["NO-R-001"]


def test_norwegian_vat_number_ends_with_mva_exactly() -> None:
    # XPath '$' is the end of the value; a final line break is not allowed before it
    trailing = tax_scheme("NO974760673MVA\n", "VAT")
    assert ids(doc("", "NO", supplier_inner=trailing), "NO-R-001") == ["NO-R-001"]


def test_foretaksregisteret_is_the_one_company_id_of_the_tax_schemes() -> None:
    register = tax_scheme("Foretaksregisteret", "TAX")
    vat = tax_scheme("NO974760673MVA", "VAT")
    # a TAX scheme without CompanyID adds no value: the one value is Foretaksregisteret
    first_empty = tax_scheme(None, "TAX") + register + vat
    assert ids(doc("", "NO", supplier_inner=first_empty), "NO-R-002") == []
    # two TAX CompanyIDs: normalize-space() of two values raises, the warning fires
    twice = tax_scheme("Annet", "TAX") + register + vat
    assert ids(doc("", "NO", supplier_inner=twice), "NO-R-002") == ["NO-R-002"]


# ---- Denmark --------------------------------------------------------------------------------


def test_danish_giro_account_ends_with_its_digits() -> None:
    means = (
        "<cac:PaymentMeans><cbc:PaymentMeansCode>50</cbc:PaymentMeansCode>"
        "<cbc:PaymentID>01#1</cbc:PaymentID><cac:PayeeFinancialAccount>"
        "<cbc:ID>1234567\n</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>"
    )
    assert ids(doc("", "DK", "DK", after=means), "DK-R-008") == ["DK-R-008"]


def test_danish_credit_note_total_is_negative_as_a_double() -> None:
    def credit_note(amount: str) -> etree._Element:
        total = (
            f"<cac:LegalMonetaryTotal><cbc:PayableAmount>{amount}</cbc:PayableAmount>"
            "</cac:LegalMonetaryTotal>"
        )
        return doc("", "DK", "DK", after=total, credit_note=True)

    assert ids(credit_note("10.00"), "DK-R-016") == []
    assert ids(credit_note("abc"), "DK-R-016") == []
    for negative in ("-0.01", "-1e2", "-INF"):
        assert ids(credit_note(negative), "DK-R-016") == ["DK-R-016"], negative


# ---- Sweden ---------------------------------------------------------------------------------


def test_swedish_vat_number_in_two_vat_schemes_fails() -> None:
    one = tax_scheme("SE556677889901", "VAT")
    assert ids(doc("", "SE", supplier_inner=one), "SE-R-001", "SE-R-002") == []
    two = one + tax_scheme("SE556677889901", "VAT")
    assert ids(doc("", "SE", supplier_inner=two), "SE-R-001", "SE-R-002") == [
        "SE-R-001",
        "SE-R-002",
    ]


def test_swedish_numeric_checks_are_number_not_nan() -> None:
    # string(number('INF')) is 'INF': a number for SE-R-003, though not 10 digits
    legal = (
        "<cac:PartyLegalEntity><cbc:CompanyID>INF</cbc:CompanyID></cac:PartyLegalEntity>"
        + tax_scheme("SE556677889901", "VAT")
    )
    assert ids(doc("", "SE", supplier_inner=legal), "SE-R-003", "SE-R-004") == ["SE-R-004"]
    assert national.is_nan("12 3") and national.is_nan("NaN") and national.is_nan("")
    assert not national.is_nan(" -1.5e3 ") and not national.is_nan("-INF")


# ---- Greece ---------------------------------------------------------------------------------


def greek_invoice_id(third: str) -> etree._Element:
    vat = tax_scheme("EL061828591", "VAT")
    body = (
        f"<cbc:ID>061828591|10/10/2020|{third}|1.1|A|1</cbc:ID>"
        "<cbc:IssueDate>2020-10-10</cbc:IssueDate>"
    )
    return doc(body, "GR", supplier_inner=vat)


def test_greek_invoice_id_third_segment_is_an_integer() -> None:
    assert ids(greek_invoice_id("7"), "GR-R-001-4") == []
    assert ids(greek_invoice_id(" 7 "), "GR-R-001-4") == []
    # a number, but xs:integer() of it raises
    for bad in ("7.0", "7e0", "INF", "-1", "x"):
        assert ids(greek_invoice_id(bad), "GR-R-001-4") == ["GR-R-001-4"], bad


# ---- Iceland --------------------------------------------------------------------------------


def icelandic(after: str, body: str = "") -> etree._Element:
    return doc(body, "IS", after=after)


def means(code: str, account: str | None) -> str:
    payee = (
        ""
        if account is None
        else f"<cac:PayeeFinancialAccount><cbc:ID>{account}</cbc:ID></cac:PayeeFinancialAccount>"
    )
    return (
        f"<cac:PaymentMeans><cbc:PaymentMeansCode>{code}</cbc:PaymentMeansCode>{payee}"
        "</cac:PaymentMeans>"
    )


def test_icelandic_account_is_the_one_account_of_those_payment_means() -> None:
    first_bare = means("9", None) + means("9", "012345678901")
    assert ids(icelandic(first_bare), "IS-R-006") == []
    both = means("42", "012345678901") + means("42", "012345678902")
    assert ids(icelandic(both), "IS-R-007") == ["IS-R-007"]


def eindagi(value: str | None) -> str:
    id_ = "" if value is None else f"<cbc:ID>{value}</cbc:ID>"
    return (
        f"<cac:AdditionalDocumentReference>{id_}"
        "<cbc:DocumentDescription>EINDAGI</cbc:DocumentDescription>"
        "</cac:AdditionalDocumentReference>"
    )


def test_icelandic_eindagi_date_is_the_one_eindagi_id() -> None:
    due = "<cbc:DueDate>2024-01-10</cbc:DueDate>"
    assert ids(icelandic("", due + eindagi("2024-01-15")), "IS-R-008", "IS-R-010") == []
    two = due + eindagi("2024-01-15") + eindagi("2024-01-20")
    assert ids(icelandic("", two), "IS-R-008", "IS-R-010") == ["IS-R-008"]


def test_icelandic_eindagi_without_id_has_nothing_to_compare() -> None:
    empty_due = "<cbc:DueDate></cbc:DueDate>"
    assert ids(icelandic("", empty_due + eindagi(None)), "IS-R-010") == ["IS-R-010"]


def test_icelandic_messages_are_the_official_texts() -> None:
    root = icelandic(means("42", "1"))
    (finding,) = validate(root, rule_ids={"IS-R-007"})
    assert "account id must exist — Ef seljandi" in finding.message
    both = doc("", "IS", "IS")
    (finding,) = validate(both, rule_ids={"IS-R-005"})
    assert "with street name and zip code — Ef seljandi og kaupandi" in finding.message


# ---- Netherlands ----------------------------------------------------------------------------


def dutch_legal(scheme: str) -> etree._Element:
    legal = (
        f'<cac:PartyLegalEntity><cbc:CompanyID schemeID="{scheme}">12345678</cbc:CompanyID>'
        "</cac:PartyLegalEntity>"
    )
    return doc("", "NL", supplier_inner=legal)


def test_dutch_legal_scheme_is_a_token_of_the_attribute() -> None:
    for good in ("0106", "0190", "0106 ", " 0190"):
        assert ids(dutch_legal(good), "NL-R-003") == [], good
    for bad in ("106", "0106X", "0088"):
        assert ids(dutch_legal(bad), "NL-R-003") == ["NL-R-003"], bad


def test_dutch_payable_amount_must_be_a_decimal() -> None:
    total = (
        "<cac:LegalMonetaryTotal><cbc:PayableAmount>{}</cbc:PayableAmount></cac:LegalMonetaryTotal>"
    )
    paid = means("30", "NL91ABNA0417164300")
    assert ids(doc("", "NL", after=total.format("-1.00")), "NL-R-007") == []
    assert ids(doc("", "NL", after=total.format("10.00") + paid), "NL-R-007") == []
    # xs:decimal('1e3') raises before //cac:PaymentMeans is looked at
    assert ids(doc("", "NL", after=total.format("1e3") + paid), "NL-R-007") == ["NL-R-007"]


# ---- Germany --------------------------------------------------------------------------------


def german(after: str, body: str = "") -> etree._Element:
    return doc(body, "DE", "DE", after=after)


def terms(note: str) -> str:
    return f"<cac:PaymentTerms><cbc:Note>{note}</cbc:Note></cac:PaymentTerms>"


def test_skonto_in_several_payment_terms_fails() -> None:
    skonto = "#SKONTO#TAGE=14#PROZENT=2.00#\n"
    assert ids(german(terms(skonto)), "DE-R-018") == []
    # the last segments of two notes are two values for matches(): the assert fails
    assert ids(german(terms(skonto) + terms(skonto)), "DE-R-018") == ["DE-R-018"]


def test_skonto_segments_do_not_span_a_carriage_return() -> None:
    # XPath '.' excludes CR: '#&#13;#' is no segment, so the last segment is the text after
    # the Skonto line, which starts with its line break
    note = "#SKONTO#TAGE=14#PROZENT=2.00#\nx#&#13;#"
    assert ids(german(terms(note)), "DE-R-018") == []
    assert ids(german(terms("#SKONTO#TAGE=14#PROZENT=2.00#x#&#13;#")), "DE-R-018") == ["DE-R-018"]


def test_iban_whitespace_is_xml_whitespace_only() -> None:
    def sepa(account: str) -> str:
        return (
            "<cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>"
            f"<cac:PayeeFinancialAccount><cbc:ID>{account}</cbc:ID></cac:PayeeFinancialAccount>"
            "</cac:PaymentMeans>"
        )

    assert ids(german(sepa("DE02 1203 0000 0000 2020 51")), "DE-R-019") == []
    # a no-break space is not removed by the official replace(): no valid IBAN
    assert ids(german(sepa("DE02\u00a01203 0000 0000 2020 51")), "DE-R-019") == ["DE-R-019"]


def test_corrected_invoice_type_code_compares_as_a_number() -> None:
    def typed(code: str) -> etree._Element:
        return german("", f"<cbc:InvoiceTypeCode>{code}</cbc:InvoiceTypeCode>")

    assert ids(typed("384"), "DE-R-026") == ["DE-R-026"]
    assert ids(typed(" 384.0 "), "DE-R-026") == ["DE-R-026"]
    assert ids(typed("380"), "DE-R-026") == []
    # '38A' cannot be cast to xs:double for `= 384`: the assert fails
    assert ids(typed("38A"), "DE-R-026") == ["DE-R-026"]
