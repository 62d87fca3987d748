"""PEPPOL rules (PEPPOL-EN16931-*, PEPPOL-COMMON-*) as the 3.0.19 Schematron states them.

Each test pins one point where the rule's XPath 2.0 meaning is easy to get wrong, on a small
fragment of our own (the official unit test sets are run by the conformance runner)."""

from __future__ import annotations

from lxml import etree

from domain.validation import validate
from domain.validation.codes import codes
from tests.unit.validation.fragments import doc, party


def fired(root: etree._Element, rule_id: str) -> list[str]:
    """The flags of the findings of rule_id, one per firing."""
    return [f.flag for f in validate(root, rule_ids={rule_id})]


# ---- $profile: matches(..., 'urn:fdc:peppol.eu:2017:poacc:billing:([0-9]{2}):1.0') -----------


def test_profile_regex_dots_match_any_character() -> None:
    # the official regex does not escape its dots, so they match any character
    odd = doc("<cbc:ProfileID>urn:fdc:peppolXeu:2017:poacc:billing:01:1X0</cbc:ProfileID>")
    assert fired(odd, "PEPPOL-EN16931-R007") == []
    short = doc("<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:1:1.0</cbc:ProfileID>")
    assert fired(short, "PEPPOL-EN16931-R007") == ["fatal"]


def test_profile_with_wildcard_dots_still_selects_process_01_type_codes() -> None:
    body = (
        "<cbc:ProfileID>urn:fdc:peppol_eu:2017:poacc:billing:01:1_0</cbc:ProfileID>"
        "<cbc:InvoiceTypeCode>{}</cbc:InvoiceTypeCode>"
    )
    assert fired(doc(body.format("380")), "PEPPOL-EN16931-P0100") == []
    assert fired(doc(body.format("381")), "PEPPOL-EN16931-P0100") == ["fatal"]


# ---- F001: string-length(text()) = 10 and (string(.) castable as xs:date) ------------------


def test_date_format_needs_ascii_digits_and_a_real_day() -> None:
    def issue(value: str) -> etree._Element:
        return doc(f"<cbc:IssueDate>{value}</cbc:IssueDate>")

    assert fired(issue("2016-02-29"), "PEPPOL-EN16931-F001") == []
    assert fired(issue("2017-02-29"), "PEPPOL-EN16931-F001") == ["fatal"]
    # xs:date takes ASCII digits only; other Unicode digits are not castable
    assert fired(issue("２０１７-01-01"), "PEPPOL-EN16931-F001") == ["fatal"]
    assert fired(issue("2017-01-01Z"), "PEPPOL-EN16931-F001") == ["fatal"]  # 11 characters


def test_date_split_by_a_comment_is_not_one_text_node() -> None:
    # text() is two nodes: string-length() of two items is a type error, reported as a failure
    root = doc("<cbc:DueDate>2017-01<!-- x -->-01</cbc:DueDate>")
    assert fired(root, "PEPPOL-EN16931-F001") == ["fatal"]


# ---- R110/R111: xs:date comparisons, not string comparisons ---------------------------------


def period(document: str, line: str, field: str) -> etree._Element:
    return doc(
        f"<cac:InvoicePeriod><cbc:{field}>{document}</cbc:{field}></cac:InvoicePeriod>"
        f"<cac:InvoiceLine><cac:InvoicePeriod><cbc:{field}>{line}</cbc:{field}>"
        "</cac:InvoicePeriod></cac:InvoiceLine>"
    )


def test_line_period_dates_compare_as_dates_with_timezones() -> None:
    # 2017-10-02+14:00 starts at 2017-10-01T10:00Z, before 2017-10-01-12:00 (2017-10-01T12:00Z)
    early, late = "2017-10-02+14:00", "2017-10-01-12:00"
    assert fired(period(late, early, "StartDate"), "PEPPOL-EN16931-R110") == ["fatal"]
    assert fired(period(early, late, "StartDate"), "PEPPOL-EN16931-R110") == []
    assert fired(period(early, late, "EndDate"), "PEPPOL-EN16931-R111") == ["fatal"]
    assert fired(period(late, early, "EndDate"), "PEPPOL-EN16931-R111") == []


def test_line_period_dates_without_timezone() -> None:
    assert fired(period("2017-10-01", "2017-10-01", "StartDate"), "PEPPOL-EN16931-R110") == []
    assert fired(period("2017-10-02", "2017-10-01", "StartDate"), "PEPPOL-EN16931-R110") == [
        "fatal"
    ]
    assert fired(period("2017-10-01", "2017-10-02", "EndDate"), "PEPPOL-EN16931-R111") == ["fatal"]


# ---- R055: general comparison of untyped amounts with 0 casts them to xs:double ------------


def test_tax_total_signs_compare_amounts_as_doubles() -> None:
    def totals(in_document: str, in_tax: str) -> etree._Element:
        return doc(
            "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"
            "<cbc:TaxCurrencyCode>NOK</cbc:TaxCurrencyCode>"
            f'<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">{in_document}</cbc:TaxAmount>'
            "<cac:TaxSubtotal/></cac:TaxTotal>"
            f'<cac:TaxTotal><cbc:TaxAmount currencyID="NOK">{in_tax}</cbc:TaxAmount></cac:TaxTotal>'
        )

    assert fired(totals("1E2", "5"), "PEPPOL-EN16931-R055") == []
    assert fired(totals("1E2", "-5"), "PEPPOL-EN16931-R055") == ["fatal"]
    assert fired(totals("-1.5e1", "-5"), "PEPPOL-EN16931-R055") == []


# ---- R051 (3.0.19): the VAT category tax amount (BT-117) is in the invoice currency ---------


def test_currency_of_vat_category_tax_amount() -> None:
    root = doc(
        "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"
        '<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">10</cbc:TaxAmount>'
        '<cac:TaxSubtotal><cbc:TaxAmount currencyID="NOK">10</cbc:TaxAmount></cac:TaxSubtotal>'
        "</cac:TaxTotal>"
        # the total in accounting currency (BT-111) is exempt
        '<cac:TaxTotal><cbc:TaxAmount currencyID="NOK">100</cbc:TaxAmount></cac:TaxTotal>'
    )
    assert fired(root, "PEPPOL-EN16931-R051") == ["fatal"]


# ---- PEPPOL-COMMON-R042 (3.0.19): CVR is 8 digits, the DK prefix is still allowed ----------


def cvr(value: str) -> etree._Element:
    return doc(
        "<cac:AccountingSupplierParty><cac:Party>"
        f'<cbc:EndpointID schemeID="0184">{value}</cbc:EndpointID>'
        "</cac:Party></cac:AccountingSupplierParty>"
    )


def test_danish_cvr_with_or_without_prefix() -> None:
    assert fired(cvr("12345678"), "PEPPOL-COMMON-R042") == []
    assert fired(cvr("DK12345678"), "PEPPOL-COMMON-R042") == []
    for bad in ("123456789", "DK1234567", "DK123456", "1234567A"):
        assert fired(cvr(bad), "PEPPOL-COMMON-R042") == ["fatal"], bad


def test_danish_cvr_uses_the_string_value() -> None:
    # string(): the text around a comment is one value
    assert fired(cvr("1234<!-- x -->5678"), "PEPPOL-COMMON-R042") == []


# ---- code lists of the 3.0.19 Schematron ----------------------------------------------------


def test_code_list_checks_read_one_text_node() -> None:
    # normalize-space(text()) of two text nodes is a type error, not the first half
    split = doc(
        "<cac:InvoicePeriod><cbc:DescriptionCode>3<!-- x -->5</cbc:DescriptionCode>"
        "</cac:InvoicePeriod>"
    )
    assert fired(split, "PEPPOL-EN16931-CL006") == ["fatal"]
    whole = doc(
        "<cac:InvoicePeriod><cbc:DescriptionCode> 35 </cbc:DescriptionCode></cac:InvoicePeriod>"
    )
    assert fired(whole, "PEPPOL-EN16931-CL006") == []


def test_electronic_address_schemes_of_3_0_19() -> None:
    def endpoint(scheme: str) -> etree._Element:
        return doc(
            "<cac:AccountingCustomerParty><cac:Party>"
            f'<cbc:EndpointID schemeID="{scheme}">x</cbc:EndpointID>'
            "</cac:Party></cac:AccountingCustomerParty>"
        )

    for added in ("0147", "0154", "0158", "0170", "0194", "0203", "0205", "0217", "0225", "0240"):
        assert fired(endpoint(added), "PEPPOL-EN16931-CL008") == [], added
    for absent in ("9901", "0244", "0245", "9906", "NO:ORGNR"):
        assert fired(endpoint(absent), "PEPPOL-EN16931-CL008") == ["fatal"], absent


def test_currency_codes_of_3_0_19() -> None:
    def amount(currency: str) -> etree._Element:
        return doc(
            f'<cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="{currency}">1'
            "</cbc:PayableAmount></cac:LegalMonetaryTotal>"
        )

    for known in ("EUR", "XXX", "STN", "ZWG", "SLE", "VES"):
        assert fired(amount(known), "PEPPOL-EN16931-CL007") == [], known
    # CUC and ZWL left the list in 3.0.19; CNH only came with 3.0.20
    for unknown in ("CUC", "ZWL", "CNH", "HRK", "eur"):
        assert fired(amount(unknown), "PEPPOL-EN16931-CL007") == ["fatal"], unknown


def test_peppol_restricted_code_lists_are_peppols_own() -> None:
    assert codes("peppol_mime") == {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
    assert codes("peppol_uncl2005") == {"3", "35", "432"}
    assert codes("peppol_uncl5189") == set(
        "41 42 60 62 63 64 65 66 67 68 70 71 88 95 100 102 103 104 105".split()
    )
    for code, expected in (("95", []), ("1", ["fatal"])):
        root = doc(
            "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
            f"<cbc:AllowanceChargeReasonCode>{code}</cbc:AllowanceChargeReasonCode>"
            "</cac:AllowanceCharge>"
        )
        assert fired(root, "PEPPOL-EN16931-CL002") == expected, code


# ---- P0112: 326 and 384 only between German parties ------------------------------------------


def test_partial_and_corrected_invoice_codes_only_between_german_parties() -> None:
    def invoice(code: str, supplier: str, customer: str) -> etree._Element:
        return doc(
            f"<cbc:InvoiceTypeCode>{code}</cbc:InvoiceTypeCode>"
            + party("AccountingSupplierParty", supplier)
            + party("AccountingCustomerParty", customer)
        )

    assert fired(invoice("384", " de ", "DE"), "PEPPOL-EN16931-P0112") == []
    assert fired(invoice("326", "DE", "NO"), "PEPPOL-EN16931-P0112") == ["fatal"]
    assert fired(invoice("380", "NO", "NO"), "PEPPOL-EN16931-P0112") == []


# ---- R120/R121: `if (x) then xs:decimal(x) else default` casts one node -----------------------


def test_r120_and_r121_cast_one_node_as_xs_decimal_does() -> None:
    def line(amounts: str, base: str = "") -> str:
        return (
            f"<cac:InvoiceLine><cbc:InvoicedQuantity>2</cbc:InvoicedQuantity>{amounts}"
            f"<cac:Price><cbc:PriceAmount>5</cbc:PriceAmount>{base}</cac:Price></cac:InvoiceLine>"
        )

    one = "<cbc:LineExtensionAmount>10.00</cbc:LineExtensionAmount>"
    assert fired(doc(line(one)), "PEPPOL-EN16931-R120") == []
    assert fired(doc(line(one * 2)), "PEPPOL-EN16931-R120") == ["fatal"]
    assert (
        fired(doc(line(one, "<cbc:BaseQuantity>1</cbc:BaseQuantity>")), "PEPPOL-EN16931-R121") == []
    )
    two_bases = "<cbc:BaseQuantity>1</cbc:BaseQuantity>" * 2
    assert fired(doc(line(one, two_bases)), "PEPPOL-EN16931-R121") == ["fatal"]
