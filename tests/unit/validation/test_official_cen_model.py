"""CEN model rules (BR-*, BR-CO-*, BR-DEC-*) read as the official UBL binding writes them.

Each test pins one behaviour of the official XPath 2.0 assert (EN16931-UBL-model.sch, release
1.3.14.1) on a small fragment of our own: normalize-space() on the mandatory values, single-item
arguments, BR-51 on the card number itself, the BR-CO-09 prefix list, the BR-CO-16 branches,
BR-CO-19 and the xs:date comparison of BR-29/BR-30.
"""

from __future__ import annotations

from lxml import etree

from tests.unit.validation.fragments import CBC, fired, run

# ---- normalize-space(x) != '' ----------------------------------------------------------------

ROOT_VALUES = {
    "BR-01": "<cbc:CustomizationID>{}</cbc:CustomizationID>",
    "BR-02": "<cbc:ID>{}</cbc:ID>",
    "BR-03": "<cbc:IssueDate>{}</cbc:IssueDate>",
    "BR-04": "<cbc:InvoiceTypeCode>{}</cbc:InvoiceTypeCode>",
    "BR-05": "<cbc:DocumentCurrencyCode>{}</cbc:DocumentCurrencyCode>",
    "BR-06": "<cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity>"
    "<cbc:RegistrationName>{}</cbc:RegistrationName>"
    "</cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>",
    "BR-07": "<cac:AccountingCustomerParty><cac:Party><cac:PartyLegalEntity>"
    "<cbc:RegistrationName>{}</cbc:RegistrationName>"
    "</cac:PartyLegalEntity></cac:Party></cac:AccountingCustomerParty>",
}

NESTED_VALUES = {
    "BR-09": "<cac:AccountingSupplierParty><cac:Party><cac:PostalAddress><cac:Country>"
    "<cbc:IdentificationCode>{}</cbc:IdentificationCode>"
    "</cac:Country></cac:PostalAddress></cac:Party></cac:AccountingSupplierParty>",
    "BR-11": "<cac:AccountingCustomerParty><cac:Party><cac:PostalAddress><cac:Country>"
    "<cbc:IdentificationCode>{}</cbc:IdentificationCode>"
    "</cac:Country></cac:PostalAddress></cac:Party></cac:AccountingCustomerParty>",
    "BR-18": "<cac:TaxRepresentativeParty><cac:PartyName><cbc:Name>{}</cbc:Name></cac:PartyName>"
    "</cac:TaxRepresentativeParty>",
    "BR-20": "<cac:TaxRepresentativeParty><cac:PostalAddress><cac:Country>"
    "<cbc:IdentificationCode>{}</cbc:IdentificationCode>"
    "</cac:Country></cac:PostalAddress></cac:TaxRepresentativeParty>",
    "BR-21": "<cac:InvoiceLine><cbc:ID>{}</cbc:ID></cac:InvoiceLine>",
    "BR-25": "<cac:InvoiceLine><cac:Item><cbc:Name>{}</cbc:Name></cac:Item></cac:InvoiceLine>",
    "BR-50": "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
    "<cac:PayeeFinancialAccount><cbc:ID>{}</cbc:ID></cac:PayeeFinancialAccount>"
    "</cac:PaymentMeans>",
    "BR-52": "<cac:AdditionalDocumentReference><cbc:ID>{}</cbc:ID>"
    "</cac:AdditionalDocumentReference>",
}


def test_a_value_of_only_whitespace_is_missing() -> None:
    for rule_id, template in {**ROOT_VALUES, **NESTED_VALUES}.items():
        assert fired(template.format("x"), rule_id) == [], rule_id
        assert fired(template.format(" \t\n\r "), rule_id) == [rule_id], rule_id


def test_only_xml_whitespace_counts_for_normalize_space() -> None:
    # a no-break space is a character to XPath's normalize-space(), so the value is there
    for rule_id, template in {**ROOT_VALUES, **NESTED_VALUES}.items():
        assert fired(template.format("\u00a0"), rule_id) == [], rule_id


def test_normalize_space_of_two_nodes_is_an_error_so_the_assert_fails() -> None:
    assert fired("<cbc:ID>1</cbc:ID><cbc:ID>2</cbc:ID>", "BR-02") == ["BR-02"]
    two_names = (
        "<cac:AccountingSupplierParty><cac:Party>"
        "<cac:PartyLegalEntity><cbc:RegistrationName>A</cbc:RegistrationName></cac:PartyLegalEntity>"
        "<cac:PartyLegalEntity><cbc:RegistrationName>B</cbc:RegistrationName></cac:PartyLegalEntity>"
        "</cac:Party></cac:AccountingSupplierParty>"
    )
    assert fired(two_names, "BR-06") == ["BR-06"]


def test_br_04_takes_the_credit_note_type_code() -> None:
    body = "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
    assert fired(body, "BR-04", root="CreditNote") == []
    assert fired("<cbc:CreditNoteTypeCode> </cbc:CreditNoteTypeCode>", "BR-04") == ["BR-04"]


# ---- BR-51 -----------------------------------------------------------------------------------


def card(number: str) -> str:
    return (
        "<cac:PaymentMeans><cac:CardAccount>"
        f"<cbc:PrimaryAccountNumberID>{number}</cbc:PrimaryAccountNumberID>"
        "</cac:CardAccount></cac:PaymentMeans>"
    )


def test_br_51_is_a_warning_on_the_card_number() -> None:
    findings = run(card("12345678901"), "BR-51")
    assert [(f.rule_id, f.flag) for f in findings] == [("BR-51", "warning")]
    assert findings[0].location.endswith("/cac:CardAccount/cbc:PrimaryAccountNumberID")


def test_br_51_counts_the_normalized_number() -> None:
    assert fired(card("   1234567890   "), "BR-51") == []
    assert fired(card("1234 567890"), "BR-51") == ["BR-51"]  # 11 characters with the space


def test_br_51_has_nothing_to_say_about_a_card_without_a_number() -> None:
    body = "<cac:PaymentMeans><cac:CardAccount/></cac:PaymentMeans>"
    assert fired(body, "BR-51") == []


# ---- BR-CO-09 --------------------------------------------------------------------------------


def vat(company_id: str | None) -> str:
    value = "" if company_id is None else f"<cbc:CompanyID>{company_id}</cbc:CompanyID>"
    return (
        "<cac:AccountingSupplierParty><cac:Party><cac:PartyTaxScheme>"
        f"{value}<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
        "</cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>"
    )


def test_br_co_09_accepts_the_prefixes_of_the_official_list() -> None:
    for company_id in ("XI123456789", "1A123456", "EL123456789", "BQ1", "CW1", "SS1", "SX1", "RE1"):
        assert fired(vat(company_id), "BR-CO-09") == [], company_id


def test_br_co_09_rejects_a_withdrawn_code_and_plain_numbers() -> None:
    for company_id in ("AN123456", "123456789", "XX123"):
        assert fired(vat(company_id), "BR-CO-09") == ["BR-CO-09"], company_id


def test_br_co_09_contains_is_unbounded_as_officially() -> None:
    # contains(' 1A AD ... ', substring(.,1,2)): one letter, or nothing, is found in the list
    assert fired(vat("A"), "BR-CO-09") == []
    assert fired(vat(None), "BR-CO-09") == []


# ---- BR-CO-16 --------------------------------------------------------------------------------


def totals(payable: str, inclusive: str, prepaid: str = "", rounding: str = "") -> str:
    body = f"<cbc:TaxInclusiveAmount>{inclusive}</cbc:TaxInclusiveAmount>"
    if prepaid:
        body += f"<cbc:PrepaidAmount>{prepaid}</cbc:PrepaidAmount>"
    if rounding:
        body += f"<cbc:PayableRoundingAmount>{rounding}</cbc:PayableRoundingAmount>"
    body += f"<cbc:PayableAmount>{payable}</cbc:PayableAmount>"
    return f"<cac:LegalMonetaryTotal>{body}</cac:LegalMonetaryTotal>"


def test_br_co_16_compares_unrounded_amounts_without_paid_or_rounding_amount() -> None:
    assert fired(totals("100.00", "100.00"), "BR-CO-16") == []
    assert fired(totals("100.004", "100.001"), "BR-CO-16") == ["BR-CO-16"]


def test_br_co_16_rounds_only_the_differences() -> None:
    # paid only: the amount due itself is not rounded
    assert fired(totals("50.00", "100.00", prepaid="50.00"), "BR-CO-16") == []
    assert fired(totals("50.001", "100.00", prepaid="50.00"), "BR-CO-16") == ["BR-CO-16"]
    # rounding only: the total with VAT is not rounded
    assert fired(totals("100.40", "100.37", rounding="0.03"), "BR-CO-16") == []
    assert fired(totals("100.40", "100.371", rounding="0.03"), "BR-CO-16") == ["BR-CO-16"]
    # both: both sides rounded
    assert fired(totals("50.40", "100.371", prepaid="50.00", rounding="0.03"), "BR-CO-16") == []


def test_br_co_16_a_zero_paid_amount_still_counts_as_present() -> None:
    assert fired(totals("100.00", "100.00", prepaid="0.00"), "BR-CO-16") == []
    assert fired(totals("100.00", "100.00", prepaid="x"), "BR-CO-16") == ["BR-CO-16"]


# ---- BR-CO-19 --------------------------------------------------------------------------------


def period(inner: str) -> str:
    return f"<cac:InvoicePeriod>{inner}</cac:InvoicePeriod>"


def test_br_co_19_accepts_a_date_a_code_or_both() -> None:
    start = "<cbc:StartDate>2024-01-01</cbc:StartDate>"
    code = "<cbc:DescriptionCode>3</cbc:DescriptionCode>"
    assert fired(period(start), "BR-CO-19") == []
    assert fired(period(code), "BR-CO-19") == []
    assert fired(period(start + code), "BR-CO-19") == []
    assert fired(period(""), "BR-CO-19") == ["BR-CO-19"]


# ---- BR-29 / BR-30: xs:date comparison ----------------------------------------------------------


def dates(start: str, end: str) -> str:
    return period(f"<cbc:StartDate>{start}</cbc:StartDate><cbc:EndDate>{end}</cbc:EndDate>")


def test_br_29_compares_dates_by_the_instant_their_day_starts() -> None:
    # 2024-06-01-14:00 starts at 14:00Z, after 2024-06-01Z starts: the end is earlier
    assert fired(dates("2024-06-01-14:00", "2024-06-01Z"), "BR-29") == ["BR-29"]
    assert fired(dates("2024-06-01Z", "2024-06-01-14:00"), "BR-29") == []


def test_br_29_orders_years_as_numbers() -> None:
    assert fired(dates("9999-12-31", "10000-01-01"), "BR-29") == []
    assert fired(dates("2024-06-02", "2024-06-01"), "BR-29") == ["BR-29"]
    assert fired(dates(" 2024-06-01 ", "2024-06-01"), "BR-29") == []


def test_br_29_and_br_30_fail_when_a_date_is_not_a_date() -> None:
    assert fired(dates("2024-02-30", "2024-03-01"), "BR-29") == ["BR-29"]
    line = f"<cac:InvoiceLine>{dates('2024-01-01', 'soon')}</cac:InvoiceLine>"
    assert fired(line, "BR-30") == ["BR-30"]


# ---- BR-DEC: one node --------------------------------------------------------------------------


def test_br_dec_of_two_nodes_is_an_error_so_the_assert_fails() -> None:
    one = (
        "<cac:LegalMonetaryTotal><cbc:PayableAmount>1.00</cbc:PayableAmount>"
        "</cac:LegalMonetaryTotal>"
    )
    two = (
        "<cac:LegalMonetaryTotal><cbc:PayableAmount>1.00</cbc:PayableAmount>"
        "<cbc:PayableAmount>2.00</cbc:PayableAmount></cac:LegalMonetaryTotal>"
    )
    assert fired(one, "BR-DEC-18") == []
    assert fired(two, "BR-DEC-18") == ["BR-DEC-18"]


def test_br_cl_08_is_a_substring_test_of_the_official_list() -> None:
    from domain.validation.rules.cen_model import _br_cl_08

    note = etree.fromstring(f'<cbc:Note xmlns:cbc="{CBC}">#A A#three letters, one space</cbc:Note>')
    assert _br_cl_08(note, None)  # type: ignore[arg-type]  # ' AAA AAB ' holds 'A A'
    note.text = "#QQQ#not a subject code"
    assert not _br_cl_08(note, None)  # type: ignore[arg-type]
    note.text = "#AAI#general information"
    assert _br_cl_08(note, None)  # type: ignore[arg-type]
