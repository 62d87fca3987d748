"""CEN VAT category, code list and UBL syntax rules read as the official artefacts write them.

Each test pins one behaviour of an official assert (EN16931-UBL-model.sch, EN16931-UBL-codes.sch
and EN16931-UBL-syntax.sch of the validation artefacts 1.3.14.1) on a small fragment of our own:
the -08 rates compared as xs:decimal (no rounding), BR-AF-01/BR-AG-01/BR-AF-04/BR-B-02 as their
XPath reads, the 1.3.14 code lists, and the UBL-SR / UBL-CR paths of the syntax binding.
"""

from __future__ import annotations

import pytest

from tests.unit.validation.fragments import fired, run


def category(code: str, percent: str | None = None, scheme: str = "VAT", tag: str = "") -> str:
    """A cac:TaxCategory (or the tag given) with an id, an optional rate and a tax scheme."""
    name = tag or "cac:TaxCategory"
    rate = "" if percent is None else f"<cbc:Percent>{percent}</cbc:Percent>"
    return (
        f"<{name}><cbc:ID>{code}</cbc:ID>{rate}"
        f"<cac:TaxScheme><cbc:ID>{scheme}</cbc:ID></cac:TaxScheme></{name}>"
    )


def subtotal(code: str, taxable: str, percent: str | None = None, scheme: str = "VAT") -> str:
    return (
        f'<cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">{taxable}</cbc:TaxableAmount>'
        '<cbc:TaxAmount currencyID="EUR">0</cbc:TaxAmount>'
        f"{category(code, percent, scheme)}</cac:TaxSubtotal>"
    )


def breakdown(*subtotals: str) -> str:
    return f"<cac:TaxTotal>{''.join(subtotals)}</cac:TaxTotal>"


def line(code: str, amount: str, percent: str | None = None) -> str:
    return (
        f'<cac:InvoiceLine><cbc:LineExtensionAmount currencyID="EUR">{amount}'
        "</cbc:LineExtensionAmount><cac:Item>"
        f"{category(code, percent, tag='cac:ClassifiedTaxCategory')}</cac:Item></cac:InvoiceLine>"
    )


def charge(code: str, amount: str, *, is_charge: bool = True, percent: str | None = None) -> str:
    flag = "true" if is_charge else "false"
    return (
        f"<cac:AllowanceCharge><cbc:ChargeIndicator>{flag}</cbc:ChargeIndicator>"
        f'<cbc:Amount currencyID="EUR">{amount}</cbc:Amount>'
        f"{category(code, percent)}</cac:AllowanceCharge>"
    )


# ---- -08: the rate of a breakdown is compared as xs:decimal, not rounded ---------------------


def test_br_s_08_compares_the_rates_without_rounding() -> None:
    # 12.4 % and 12.3 % both round to 12, but the breakdown at 12.4 % has no line at 12.4 %
    body = breakdown(subtotal("S", "100", "12.4")) + line("S", "100", "12.3")
    assert fired(body, "BR-S-08") == ["BR-S-08"]
    same = breakdown(subtotal("S", "100", "12.5")) + line("S", "100", "12.50")
    assert fired(same, "BR-S-08") == []


def test_br_af_08_sums_only_the_lines_at_the_same_decimal_rate() -> None:
    body = breakdown(subtotal("L", "100", "6.6")) + line("L", "100", "7")
    assert fired(body, "BR-AF-08") == ["BR-AF-08"]
    assert fired(breakdown(subtotal("L", "100", "7.0")) + line("L", "100", "7"), "BR-AF-08") == []


def test_br_ag_08_tolerates_less_than_one_at_the_same_rate() -> None:
    body = breakdown(subtotal("M", "100.50", "3")) + line("M", "100", "3.00")
    assert fired(body, "BR-AG-08") == []
    assert fired(breakdown(subtotal("M", "101", "3")) + line("M", "100", "3"), "BR-AG-08") == [
        "BR-AG-08"
    ]


# ---- BR-AF-01 / BR-AG-01 / BR-AF-04 / BR-B-02 as their XPath reads -----------------------------


def test_br_ag_01_wants_a_vat_breakdown_but_br_af_01_any_breakdown() -> None:
    ipsi = line("M", "100", "3") + breakdown(subtotal("M", "100", "3", scheme="GST"))
    assert fired(ipsi, "BR-AG-01") == ["BR-AG-01"]
    igic = line("L", "100", "7") + breakdown(subtotal("L", "100", "7", scheme="GST"))
    assert fired(igic, "BR-AF-01") == []


def test_br_af_04_no_charge_branch_compares_the_id_as_it_is() -> None:
    # no seller VAT identifier: the charge branch fails; the no-charge branch reads cbc:ID='L'
    assert fired(charge("L", "10"), "BR-AF-04") == ["BR-AF-04"]
    assert fired(charge(" L ", "10"), "BR-AF-04") == []


def test_br_b_02_does_not_look_for_s_in_the_breakdown_categories() -> None:
    split = line("B", "100", "22") + breakdown(subtotal("S", "100", "22"))
    assert fired(split, "BR-B-02") == []
    mixed = line("B", "100", "22") + charge("S", "10", percent="22")
    assert fired(mixed, "BR-B-02") == ["BR-B-02"]


# ---- code lists of the 1.3.14 artefacts -------------------------------------------------------


def party_id(scheme: str) -> str:
    return (
        "<cac:AccountingSupplierParty><cac:Party><cac:PartyIdentification>"
        f'<cbc:ID schemeID="{scheme}">1</cbc:ID></cac:PartyIdentification>'
        "</cac:Party></cac:AccountingSupplierParty>"
    )


@pytest.mark.parametrize(
    ("rule_id", "good", "bad"),
    [
        ("BR-CL-10", party_id("0088"), party_id("0001")),
        (
            "BR-CL-11",
            '<cac:PartyLegalEntity><cbc:CompanyID schemeID="0192">1</cbc:CompanyID>'
            "</cac:PartyLegalEntity>",
            '<cac:PartyLegalEntity><cbc:CompanyID schemeID="0001">1</cbc:CompanyID>'
            "</cac:PartyLegalEntity>",
        ),
        (
            "BR-CL-01",
            "<cbc:InvoiceTypeCode>500</cbc:InvoiceTypeCode>",
            "<cbc:InvoiceTypeCode>999</cbc:InvoiceTypeCode>",
        ),
        (
            "BR-CL-04",
            "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
            "<cbc:DocumentCurrencyCode>HRK</cbc:DocumentCurrencyCode>",
        ),
        (
            "BR-CL-07",
            '<cac:AdditionalDocumentReference><cbc:ID schemeID="AXU">1</cbc:ID>'
            "<cbc:DocumentTypeCode>130</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>",
            '<cac:AdditionalDocumentReference><cbc:ID schemeID="XXX">1</cbc:ID>'
            "<cbc:DocumentTypeCode>130</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>",
        ),
        (
            "BR-CL-13",
            '<cac:CommodityClassification><cbc:ItemClassificationCode listID="PPI">1'
            "</cbc:ItemClassificationCode></cac:CommodityClassification>",
            '<cac:CommodityClassification><cbc:ItemClassificationCode listID="XX">1'
            "</cbc:ItemClassificationCode></cac:CommodityClassification>",
        ),
        (
            "BR-CL-16",
            "<cac:PaymentMeans><cbc:PaymentMeansCode>69</cbc:PaymentMeansCode></cac:PaymentMeans>",
            "<cac:PaymentMeans><cbc:PaymentMeansCode>99</cbc:PaymentMeansCode></cac:PaymentMeans>",
        ),
        (
            "BR-CL-20",
            "<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator>"
            "<cbc:AllowanceChargeReasonCode>PRV</cbc:AllowanceChargeReasonCode></cac:AllowanceCharge>",
            "<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator>"
            "<cbc:AllowanceChargeReasonCode>QQQ</cbc:AllowanceChargeReasonCode></cac:AllowanceCharge>",
        ),
        (
            "BR-CL-22",
            "<cbc:TaxExemptionReasonCode>VATEX-EU-153</cbc:TaxExemptionReasonCode>",
            "<cbc:TaxExemptionReasonCode>VATEX-EU-999</cbc:TaxExemptionReasonCode>",
        ),
        (
            "BR-CL-23",
            '<cac:InvoiceLine><cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>'
            "</cac:InvoiceLine>",
            '<cac:InvoiceLine><cbc:InvoicedQuantity unitCode="64">1</cbc:InvoicedQuantity>'
            "</cac:InvoiceLine>",
        ),
        (
            "BR-CL-25",
            '<cbc:EndpointID schemeID="0088">1</cbc:EndpointID>',
            '<cbc:EndpointID schemeID="9955">1</cbc:EndpointID>',
        ),
    ],
)
def test_code_lists_are_those_of_the_1_3_14_artefacts(rule_id: str, good: str, bad: str) -> None:
    assert fired(good, rule_id) == []
    assert fired(bad, rule_id) == [rule_id]


# ---- UBL-SR: the paths of the syntax binding ----------------------------------------------------


def supplier_tax_schemes(*pairs: tuple[str, str]) -> str:
    schemes = "".join(
        f"<cac:PartyTaxScheme><cbc:CompanyID>{company}</cbc:CompanyID>"
        f"<cac:TaxScheme><cbc:ID>{scheme}</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        for company, scheme in pairs
    )
    party = f"<cac:Party>{schemes}</cac:Party>"
    return f"<cac:AccountingSupplierParty>{party}</cac:AccountingSupplierParty>"


def test_ubl_sr_13_counts_the_company_ids_of_the_non_vat_tax_schemes() -> None:
    two = supplier_tax_schemes(("A1", "TAX"), ("A2", "TAX"))
    assert fired(two, "UBL-SR-13") == ["UBL-SR-13"]
    assert fired(supplier_tax_schemes(("A1", "TAX"), ("SE1", "VAT")), "UBL-SR-13") == []


def test_ubl_sr_22_counts_the_tax_representative_names() -> None:
    names = "".join(f"<cac:PartyName><cbc:Name>{n}</cbc:Name></cac:PartyName>" for n in "ab")
    body = f"<cac:TaxRepresentativeParty>{names}</cac:TaxRepresentativeParty>"
    assert fired(body, "UBL-SR-22") == ["UBL-SR-22"]


def test_ubl_sr_27_counts_the_payment_means_codes() -> None:
    codes = "<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>" * 2
    assert fired(f"<cac:PaymentMeans>{codes}</cac:PaymentMeans>", "UBL-SR-27") == ["UBL-SR-27"]
    notes = "<cbc:InstructionNote>a</cbc:InstructionNote>" * 2
    assert fired(f"<cac:PaymentMeans>{notes}</cac:PaymentMeans>", "UBL-SR-27") == []


def test_ubl_sr_33_counts_the_document_descriptions() -> None:
    two = "<cbc:DocumentDescription>a</cbc:DocumentDescription>" * 2
    ref = f"<cbc:ID>1</cbc:ID>{two}"
    body = f"<cac:AdditionalDocumentReference>{ref}</cac:AdditionalDocumentReference>"
    assert fired(body, "UBL-SR-33") == ["UBL-SR-33"]


def test_ubl_sr_43_allows_code_50_with_a_scheme_only_on_credit_notes() -> None:
    body = (
        '<cac:AdditionalDocumentReference><cbc:ID schemeID="AAA">1</cbc:ID>'
        "<cbc:DocumentTypeCode>50</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>"
    )
    assert fired(body, "UBL-SR-43") == ["UBL-SR-43"]
    assert fired(body, "UBL-SR-43", root="CreditNote") == []


def test_ubl_sr_44_and_47_count_distinct_values_in_the_whole_document() -> None:
    body = (
        "<cac:AllowanceCharge><cac:PaymentMeans><cbc:PaymentMeansCode>31</cbc:PaymentMeansCode>"
        "<cbc:PaymentID>B</cbc:PaymentID></cac:PaymentMeans></cac:AllowanceCharge>"
        "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
        "<cbc:PaymentID>A</cbc:PaymentID></cac:PaymentMeans>"
    )
    assert fired(body, "UBL-SR-44", "UBL-SR-47") == ["UBL-SR-44", "UBL-SR-47"]
    same = (
        "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
        "<cbc:PaymentID>A</cbc:PaymentID></cac:PaymentMeans>"
    ) * 2
    assert fired(same, "UBL-SR-44", "UBL-SR-47") == []


def test_ubl_sr_49_counts_the_tax_point_date_codes() -> None:
    codes = (
        "<cbc:DescriptionCode>3</cbc:DescriptionCode><cbc:DescriptionCode>35</cbc:DescriptionCode>"
    )
    assert fired(f"<cac:InvoicePeriod>{codes}</cac:InvoicePeriod>", "UBL-SR-49") == ["UBL-SR-49"]
    dates = "<cbc:TaxPointDate>2025-01-01</cbc:TaxPointDate>" * 2
    assert fired(dates, "UBL-SR-49") == []


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        (
            "<cbc:CompanyID>SE1</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>",
            [],
        ),
        ("<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>", ["UBL-SR-53"]),
        ("<cbc:CompanyID>SE1</cbc:CompanyID><cac:TaxScheme/>", ["UBL-SR-53"]),
    ],
)
def test_ubl_sr_53_wants_both_the_tax_scheme_id_and_the_company_id(
    scheme: str, expected: list[str]
) -> None:
    body = (
        "<cac:AccountingSupplierParty><cac:Party><cac:PartyTaxScheme>"
        f"{scheme}</cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>"
    )
    assert fired(body, "UBL-SR-53") == expected


# ---- UBL-CR: the paths and texts of the syntax binding ------------------------------------------


def messages(body: str, *rule_ids: str, root: str = "Invoice") -> list[tuple[str, str]]:
    return [(f.rule_id, f.message) for f in run(body, *rule_ids, root=root)]


def test_ubl_cr_price_rules_look_at_the_line_price() -> None:
    body = (
        "<cac:InvoiceLine><cac:Price><cbc:PriceChangeReason>x</cbc:PriceChangeReason>"
        "<cac:AllowanceCharge><cbc:ID>1</cbc:ID></cac:AllowanceCharge></cac:Price></cac:InvoiceLine>"
    )
    assert messages(body, "UBL-CR-625", "UBL-CR-632") == [
        (
            "UBL-CR-625",
            "[UBL-CR-625]-A UBL invoice should not include the "
            "InvoiceLine Item Price PriceChangeReason",
        ),
        (
            "UBL-CR-632",
            "[UBL-CR-632]-A UBL invoice should not include the "
            "InvoiceLine Item Price AllowanceCharge ID",
        ),
    ]


@pytest.mark.parametrize(
    ("rule_id", "body", "text"),
    [
        (
            "UBL-CR-183",
            "<cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity>"
            '<cbc:CorporateStockAmount currencyID="EUR">1</cbc:CorporateStockAmount>'
            "</cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>",
            "AccountingSupplierParty Party PartyLegalEntity CorporateStockAmount",
        ),
        (
            "UBL-CR-051",
            "<cac:DespatchDocumentReference><cbc:ID>1</cbc:ID><cbc:XPath>/a</cbc:XPath>"
            "</cac:DespatchDocumentReference>",
            "DespatchDocumentReference Xpath",
        ),
        ("UBL-CR-295", "<cac:SellerSupplierParty/>", "SellerSupplierParty"),
        (
            "UBL-CR-384",
            "<cac:Delivery><cac:EstimatedDeliveryPeriod/></cac:Delivery>",
            "Delivery EstimatedDeliveryPeriod",
        ),
        (
            "UBL-CR-528",
            "<cac:InvoiceLine><cac:OrderLineReference><cbc:LineID>1</cbc:LineID>"
            "<cac:OrderReference><cbc:ID>1</cbc:ID></cac:OrderReference>"
            "</cac:OrderLineReference></cac:InvoiceLine>",
            "InvoiceLine OrderLineReference OrderReference",
        ),
        (
            "UBL-CR-572",
            "<cac:InvoiceLine><cac:Item><cac:BuyersItemIdentification><cbc:ID>1</cbc:ID>"
            "<cbc:BarcodeSymbologyID>x</cbc:BarcodeSymbologyID></cac:BuyersItemIdentification>"
            "</cac:Item></cac:InvoiceLine>",
            "InvoiceLine Item BuyersItemIdentification BarcodeSymbologyID",
        ),
    ],
)
def test_ubl_cr_element_names_of_the_binding(rule_id: str, body: str, text: str) -> None:
    expected = f"[{rule_id}]-A UBL invoice should not include the {text}"
    assert messages(body, rule_id) == [(rule_id, expected)]


def test_ubl_cr_412_does_not_apply_to_credit_notes() -> None:
    body = (
        "<cac:PaymentMeans><cbc:PaymentDueDate>2025-01-01</cbc:PaymentDueDate></cac:PaymentMeans>"
    )
    assert fired(body, "UBL-CR-412") == ["UBL-CR-412"]
    assert fired(body, "UBL-CR-412", root="CreditNote") == []


def test_ubl_cr_scheme_rules_use_the_binding_paths() -> None:
    mandate_only = (
        "<cac:PaymentMeans><cac:PayerFinancialAccount>"
        '<cbc:ID schemeID="IBAN">1</cbc:ID></cac:PayerFinancialAccount></cac:PaymentMeans>'
    )
    # UBL-CR-677 reads //cac:PaymentMandate/cac:PayerFinancialAccount; UBL-CR-680 any PaymentMeans
    assert fired(mandate_only, "UBL-CR-677", "UBL-CR-680") == ["UBL-CR-680"]
    nested = (
        "<cac:AllowanceCharge><cac:PaymentMeans><cac:PayerFinancialAccount><cbc:ID>1</cbc:ID>"
        "</cac:PayerFinancialAccount></cac:PaymentMeans></cac:AllowanceCharge>"
    )
    assert "UBL-CR-680" in fired(nested, "UBL-CR-680")
    billing = (
        '<cac:BillingReference><cac:AdditionalDocumentReference><cbc:ID schemeID="X">1</cbc:ID>'
        "</cac:AdditionalDocumentReference></cac:BillingReference>"
    )
    assert fired(billing, "UBL-CR-665") == ["UBL-CR-665"]
    # the official UBL-CR-674 names cbc:PrimaryAccountNumber, which UBL does not have
    card = (
        "<cac:PaymentMeans><cac:CardAccount>"
        '<cbc:PrimaryAccountNumberID schemeID="X">1234</cbc:PrimaryAccountNumberID>'
        "</cac:CardAccount></cac:PaymentMeans>"
    )
    assert fired(card, "UBL-CR-674") == []


def test_ubl_dt_01_skips_amounts_under_a_price_that_has_an_allowance() -> None:
    # not(ancestor::cac:Price/cac:AllowanceCharge) holds for no node under such a price
    amount = '<cbc:BaseAmount currencyID="EUR">1.234</cbc:BaseAmount>'
    allowance = "<cac:AllowanceCharge><cbc:ID>1</cbc:ID></cac:AllowanceCharge>"
    with_allowance = (
        f"<cac:InvoiceLine><cac:Price>{amount}{allowance}</cac:Price></cac:InvoiceLine>"
    )
    assert fired(with_allowance, "UBL-DT-01") == []
    plain = f"<cac:InvoiceLine><cac:Price>{amount}</cac:Price></cac:InvoiceLine>"
    assert fired(plain, "UBL-DT-01") == ["UBL-DT-01"]
