"""CEN EN 16931 code list rules (BR-CL-*), pattern "Codesmodel"; the lists are data files."""

# Official message texts stay whole on one line, so a finding can be searched for verbatim.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Callable

from domain.validation.codes import codes
from domain.validation.engine import Doc, Element, RuleContext, clark, fatal, rule
from domain.validation.rules.common import is_allowance, is_charge
from domain.validation.values import each, norm, sv

AMOUNTS = (
    "cbc:Amount | cbc:BaseAmount | cbc:PriceAmount | cbc:TaxAmount | cbc:TaxableAmount | "
    "cbc:LineExtensionAmount | cbc:TaxExclusiveAmount | cbc:TaxInclusiveAmount | "
    "cbc:AllowanceTotalAmount | cbc:ChargeTotalAmount | cbc:PrepaidAmount | "
    "cbc:PayableRoundingAmount | cbc:PayableAmount"
)


def in_list(name: str, attribute: str | None = None) -> Callable[[Element, Doc], bool]:
    """The official `contains(' list ', concat(' ', normalize-space(x), ' '))` test."""

    def check(el: Element, _doc: Doc) -> bool:
        raw = el.get(attribute) if attribute else sv(el)
        value = norm(raw)
        return bool(value) and " " not in value and value in codes(name)

    return check


def _has(attribute: str) -> Callable[[Element, Doc], bool]:
    return lambda el, _doc: el.get(attribute) is not None


def _type_code(el: Element, _doc: Doc) -> bool:
    if el.tag == clark("cbc:InvoiceTypeCode"):
        return in_list("uncl1001_invoice")(el, _doc)
    return in_list("uncl1001_credit_note")(el, _doc)


def _object_id(el: Element, _doc: Doc) -> bool:
    parent = el.getparent()
    return (
        el.get("schemeID") is not None
        and parent is not None
        and any(sv(x) == "130" for x in each(parent, "cbc:DocumentTypeCode"))
    )


def _party_id_scheme(el: Element, doc: Doc) -> bool:
    if in_list("icd", "schemeID")(el, doc):
        return True
    if norm(el.get("schemeID")) != "SEPA":
        return False
    node = el.getparent()
    while node is not None:
        if node.tag in (clark("cac:AccountingSupplierParty"), clark("cac:PayeeParty")):
            return True
        node = node.getparent()
    return False


def _vatex(el: Element, _doc: Doc) -> bool:
    value = norm(sv(el)).lower()
    return bool(value) and " " not in value and value in codes("vatex")


def _mime(el: Element, _doc: Doc) -> bool:
    return el.get("mimeCode") in codes("mime")


def _allowance_reason(el: Element, doc: Doc) -> bool:
    parent = el.getparent()
    return parent is not None and is_allowance(parent, doc)


def _charge_reason(el: Element, doc: Doc) -> bool:
    parent = el.getparent()
    return parent is not None and is_charge(parent, doc)


CODES: tuple[RuleContext, ...] = (
    rule(
        "cbc:InvoiceTypeCode | cbc:CreditNoteTypeCode",
        fatal(
            "BR-CL-01",
            "The document type code MUST be coded by the invoice and credit note related code lists of UNTDID 1001.",
            _type_code,
        ),
    ),
    rule(
        AMOUNTS,
        fatal(
            "BR-CL-03",
            "currencyID MUST be coded using ISO code list 4217 alpha-3",
            in_list("iso4217", "currencyID"),
        ),
    ),
    rule(
        "cbc:DocumentCurrencyCode",
        fatal(
            "BR-CL-04",
            "Invoice currency code MUST be coded using ISO code list 4217 alpha-3",
            in_list("iso4217"),
        ),
    ),
    rule(
        "cbc:TaxCurrencyCode",
        fatal(
            "BR-CL-05",
            "Tax currency code MUST be coded using ISO code list 4217 alpha-3",
            in_list("iso4217"),
        ),
    ),
    rule(
        "cac:InvoicePeriod/cbc:DescriptionCode",
        fatal(
            "BR-CL-06",
            "Value added tax point date code MUST be coded using a restriction of UNTDID 2005.",
            in_list("uncl2005"),
        ),
    ),
    rule(
        "cac:AdditionalDocumentReference/cbc:ID | cac:DocumentReference/cbc:ID",
        fatal(
            "BR-CL-07",
            "Object identifier identification scheme identifier MUST be coded using a restriction of UNTDID 1153.",
            in_list("uncl1153", "schemeID"),
        ),
        where=_object_id,
    ),
    rule(
        "cac:PartyIdentification/cbc:ID",
        fatal(
            "BR-CL-10",
            "Any identifier identification scheme identifier MUST be coded using one of the ISO 6523 ICD list.",
            _party_id_scheme,
        ),
        where=_has("schemeID"),
    ),
    rule(
        "cac:PartyLegalEntity/cbc:CompanyID",
        fatal(
            "BR-CL-11",
            "Any registration identifier identification scheme identifier MUST be coded using one of the ISO 6523 ICD list.",
            in_list("icd", "schemeID"),
        ),
        where=_has("schemeID"),
    ),
    rule(
        "cac:CommodityClassification/cbc:ItemClassificationCode",
        fatal(
            "BR-CL-13",
            "Item classification identifier identification scheme identifier MUST be coded using one of the UNTDID 7143 list.",
            in_list("uncl7143", "listID"),
        ),
        where=_has("listID"),
    ),
    rule(
        "cac:Country/cbc:IdentificationCode",
        fatal(
            "BR-CL-14",
            "Country codes in an invoice MUST be coded using ISO code list 3166-1",
            in_list("iso3166"),
        ),
    ),
    rule(
        "cac:OriginCountry/cbc:IdentificationCode",
        fatal(
            "BR-CL-15",
            "Country codes in an invoice MUST be coded using ISO code list 3166-1",
            in_list("iso3166"),
        ),
    ),
    rule(
        "cac:PaymentMeans/cbc:PaymentMeansCode",
        fatal(
            "BR-CL-16",
            "Payment means in an invoice MUST be coded using UNCL4461 code list",
            in_list("uncl4461"),
        ),
    ),
    rule(
        "cac:TaxCategory/cbc:ID",
        fatal(
            "BR-CL-17",
            "Invoice tax categories MUST be coded using UNCL5305 code list",
            in_list("uncl5305"),
        ),
    ),
    rule(
        "cac:ClassifiedTaxCategory/cbc:ID",
        fatal(
            "BR-CL-18",
            "Invoice tax categories MUST be coded using UNCL5305 code list",
            in_list("uncl5305"),
        ),
    ),
    rule(
        "cac:AllowanceCharge/cbc:AllowanceChargeReasonCode",
        fatal(
            "BR-CL-19",
            "Coded allowance reasons MUST belong to the UNCL 5189 code list",
            in_list("uncl5189"),
        ),
        where=_allowance_reason,
    ),
    rule(
        "cac:AllowanceCharge/cbc:AllowanceChargeReasonCode",
        fatal(
            "BR-CL-20",
            "Coded charge reasons MUST belong to the UNCL 7161 code list",
            in_list("uncl7161"),
        ),
        where=_charge_reason,
    ),
    rule(
        "cac:StandardItemIdentification/cbc:ID",
        fatal(
            "BR-CL-21",
            "Item standard identifier scheme identifier MUST belong to the ISO 6523 ICD code list",
            in_list("icd", "schemeID"),
        ),
        where=_has("schemeID"),
    ),
    rule(
        "cbc:TaxExemptionReasonCode",
        fatal(
            "BR-CL-22",
            "Tax exemption reason code identifier scheme identifier MUST belong to the CEF VATEX code list",
            _vatex,
        ),
    ),
    rule(
        "cbc:InvoicedQuantity | cbc:CreditedQuantity | cbc:BaseQuantity",
        fatal(
            "BR-CL-23",
            "Unit code MUST be coded according to the UN/ECE Recommendation 20 with Rec 21 extension",
            in_list("rec20", "unitCode"),
        ),
        where=_has("unitCode"),
    ),
    rule(
        "cbc:EmbeddedDocumentBinaryObject",
        fatal("BR-CL-24", "For Mime code in attribute use MIMEMediaType.", _mime),
        where=_has("mimeCode"),
    ),
    rule(
        "cbc:EndpointID",
        fatal(
            "BR-CL-25",
            "Endpoint identifier scheme identifier MUST belong to the CEF EAS code list",
            in_list("eas", "schemeID"),
        ),
        where=_has("schemeID"),
    ),
    rule(
        "cac:DeliveryLocation/cbc:ID",
        fatal(
            "BR-CL-26",
            "Delivery location identifier scheme identifier MUST belong to the ISO 6523 ICD code list",
            in_list("icd", "schemeID"),
        ),
        where=_has("schemeID"),
    ),
)
