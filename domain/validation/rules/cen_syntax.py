"""CEN EN 16931 UBL syntax rules (UBL-SR-*, UBL-DT-*), pattern "UBL-syntax"."""

# Official message texts stay whole on one line, so a finding can be searched for verbatim.
# ruff: noqa: E501

from __future__ import annotations

from lxml import etree

from domain.validation.engine import NS, Doc, Element, RuleContext, clark, fatal, rule, warning
from domain.validation.rules.common import is_allowance, is_charge
from domain.validation.values import decimals, each, every, exists, norm, sv, text

_PRICE = clark("cac:Price")
_AC = clark("cac:AllowanceCharge")


def _count(el: Element, path: str) -> int:
    return len(every(el, path))


def _dt01_context(el: Element, _doc: Doc) -> bool:
    """not(ancestor::cac:Price/cac:AllowanceCharge): no ancestor price has an allowance."""
    node = el.getparent()
    while node is not None:
        if node.tag == _PRICE and any(child.tag == _AC for child in node):
            return False
        node = node.getparent()
    return True


def _binary_tag(tag: str) -> bool:
    return tag.rsplit("}", 1)[-1].endswith("BinaryObject")


def _amount_tag(tag: str) -> bool:
    name = tag.rsplit("}", 1)[-1]
    return name.endswith("Amount") and not name.endswith("PriceAmount")


def _sr43(el: Element, doc: Doc) -> bool:
    """(cbc:DocumentTypeCode='130') or ((local-name(/*) = 'CreditNote') and (cbc:DocumentTypeCode='50'))
    or (not(cbc:ID/@schemeID) and not(cbc:DocumentTypeCode))"""
    code = [sv(x) for x in each(el, "cbc:DocumentTypeCode")]
    if "130" in code:
        return True
    if "50" in code and etree.QName(doc.root).localname == "CreditNote":
        return True
    return not any(x.get("schemeID") is not None for x in each(el, "cbc:ID")) and not code


_ATTRIBUTES = etree.XPath("//@*")


def _any_attr(doc: Doc, name: str) -> bool:
    """Whether any element of the document has the attribute (its names found once, by libxml2)."""
    key = "attrs"
    names = doc.cache.get(key)
    if names is None:
        found = _ATTRIBUTES(doc.root)
        assert isinstance(found, list)
        names = doc.cache[key] = {getattr(a, "attrname", None) for a in found}
    return name in names  # type: ignore[operator]


_NAMED = etree.XPath("count(//@name) - count(//cbc:PaymentMeansCode/@name)", namespaces=NS)


def _dt18(el: Element, doc: Doc) -> bool:
    """count(//@name) - count(//cbc:PaymentMeansCode/@name) <= 0"""
    named = _NAMED(doc.root)
    assert isinstance(named, float)
    return named <= 0


def _vat_scheme(pts: Element) -> bool:
    return any(sv(x).upper() == "VAT" for x in each(pts, "cac:TaxScheme/cbc:ID"))


def _sr12(el: Element, _doc: Doc) -> bool:
    return (
        sum(
            len(every(p, "cbc:CompanyID"))
            for p in each(el, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme")
            if _vat_scheme(p)
        )
        <= 1
    )


def _upper_id_is_not_vat(pts: Element) -> bool:
    """cac:TaxScheme/upper-case(cbc:ID) != 'VAT' (upper-case of no ID is the empty string)."""
    return any(text(ts, "cbc:ID").upper() != "VAT" for ts in each(pts, "cac:TaxScheme"))


def _sr13(el: Element, _doc: Doc) -> bool:
    """count(.../cac:PartyTaxScheme[cac:TaxScheme/upper-case(cbc:ID)!='VAT']/cbc:CompanyID) <= 1"""
    return (
        sum(
            len(every(p, "cbc:CompanyID"))
            for p in each(el, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme")
            if _upper_id_is_not_vat(p)
        )
        <= 1
    )


def _sr18(el: Element, _doc: Doc) -> bool:
    return (
        sum(
            len(every(p, "cbc:CompanyID"))
            for p in each(el, "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme")
            if _vat_scheme(p)
        )
        <= 1
    )


def _sr29(el: Element, doc: Doc) -> bool:
    return (
        sum(
            1
            for x in each(doc.root, ".//cac:PartyIdentification/cbc:ID")
            if (x.get("schemeID") or "").upper() == "SEPA"
        )
        <= 1
    )


def _sr44(el: Element, doc: Doc) -> bool:
    """count(//cbc:PaymentID[not(preceding::cbc:PaymentID/. = .)]) <= 1: one value in the document."""
    return len({sv(x) for x in doc.all("cbc:PaymentID")}) <= 1


def _sr47(el: Element, doc: Doc) -> bool:
    """count(//cbc:PaymentMeansCode[not(preceding::cbc:PaymentMeansCode/. = .)]) <= 1"""
    return len({sv(x) for x in doc.all("cbc:PaymentMeansCode")}) <= 1


def _payee_differs(el: Element) -> bool:
    """(cac:PartyName/cbc:Name) != (../Seller RegistrationName), XPath general comparison."""
    parent = el.getparent()
    names = [sv(x) for x in each(el, "cac:PartyName/cbc:Name")]
    seller = (
        []
        if parent is None
        else [
            sv(x)
            for x in each(
                parent,
                "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
            )
        ]
    )
    return any(a != b for a in names for b in seller)


_DT_ATTRS = (
    ("UBL-DT-08", "schemeName", "Scheme name attribute should not be present"),
    ("UBL-DT-09", "schemeAgencyName", "Scheme agency name attribute should not be present"),
    ("UBL-DT-10", "schemeDataURI", "Scheme data uri attribute should not be present"),
    ("UBL-DT-11", "schemeURI", "Scheme uri attribute should not be present"),
    ("UBL-DT-12", "format", "Format attribute should not be present"),
    (
        "UBL-DT-13",
        "unitCodeListIdentifier",
        "Unit code list identifier attribute should not be present",
    ),
    (
        "UBL-DT-14",
        "unitCodeListAgencyIdentifier",
        "Unit code list agency identifier attribute should not be present",
    ),
    (
        "UBL-DT-15",
        "unitCodeListAgencyName",
        "Unit code list agency name attribute should not be present",
    ),
    ("UBL-DT-16", "listAgencyName", "List agency name attribute should not be present"),
    ("UBL-DT-17", "listName", "List name attribute should not be present"),
)
_DT_ATTRS_2 = (
    ("UBL-DT-19", "languageID", "Language identifier attribute should not be present"),
    ("UBL-DT-20", "listURI", "List uri attribute should not be present"),
    ("UBL-DT-21", "listSchemeURI", "List scheme uri attribute should not be present"),
    ("UBL-DT-22", "languageLocaleID", "Language local identifier attribute should not be present"),
    ("UBL-DT-23", "uri", "Uri attribute should not be present"),
    (
        "UBL-DT-24",
        "currencyCodeListVersionID",
        "Currency code list version id should not be present",
    ),
    ("UBL-DT-25", "characterSetCode", "CharacterSetCode attribute should not be present"),
    ("UBL-DT-26", "encodingCode", "EncodingCode attribute should not be present"),
    ("UBL-DT-27", "schemeAgencyID", "Scheme Agency ID attribute should not be present"),
    ("UBL-DT-28", "listAgencyID", "List Agency ID attribute should not be present"),
)


def _absent(name: str):  # type: ignore[no-untyped-def]
    def check(el: Element, doc: Doc) -> bool:
        return not _any_attr(doc, name)

    return check


def _at_most_one(path: str):  # type: ignore[no-untyped-def]
    def check(el: Element, _doc: Doc) -> bool:
        return _count(el, path) <= 1

    return check


ROOT_SYNTAX = (
    *(warning(i, m, _absent(a)) for i, a, m in _DT_ATTRS),
    warning("UBL-DT-18", "Name attribute should not be present", _dt18),
    *(warning(i, m, _absent(a)) for i, a, m in _DT_ATTRS_2),
    fatal(
        "UBL-SR-01",
        "Contract identifier shall occur maximum once.",
        _at_most_one("cac:ContractDocumentReference/cbc:ID"),
    ),
    fatal(
        "UBL-SR-02",
        "Receive advice identifier shall occur maximum once",
        _at_most_one("cac:ReceiptDocumentReference/cbc:ID"),
    ),
    fatal(
        "UBL-SR-03",
        "Despatch advice identifier shall occur maximum once",
        _at_most_one("cac:DespatchDocumentReference/cbc:ID"),
    ),
    fatal(
        "UBL-SR-04",
        "Invoice object identifier shall occur maximum once",
        lambda e, d: (
            sum(
                len(every(a, "cbc:ID"))
                for a in each(e, "cac:AdditionalDocumentReference")
                if any(sv(x) == "130" for x in each(a, "cbc:DocumentTypeCode"))
            )
            <= 1
        ),
    ),
    fatal(
        "UBL-SR-05",
        "Payment terms shall occur maximum once",
        _at_most_one("cac:PaymentTerms/cbc:Note"),
    ),
    fatal(
        "UBL-SR-08", "Invoice period shall occur maximum once", _at_most_one("cac:InvoicePeriod")
    ),
    fatal(
        "UBL-SR-09",
        "Seller name shall occur maximum once",
        _at_most_one(
            "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"
        ),
    ),
    fatal(
        "UBL-SR-10",
        "Seller trader name shall occur maximum once",
        _at_most_one("cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name"),
    ),
    fatal(
        "UBL-SR-11",
        "Seller legal registration identifier shall occur maximum once",
        _at_most_one("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
    ),
    fatal("UBL-SR-12", "Seller VAT identifier shall occur maximum once", _sr12),
    fatal("UBL-SR-13", "Seller tax registration shall occur maximum once", _sr13),
    fatal(
        "UBL-SR-14",
        "Seller additional legal information shall occur maximum once",
        _at_most_one(
            "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyLegalForm"
        ),
    ),
    fatal(
        "UBL-SR-15",
        "Buyer name shall occur maximum once",
        _at_most_one(
            "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"
        ),
    ),
    fatal(
        "UBL-SR-16",
        "Buyer identifier shall occur maximum once",
        _at_most_one("cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID"),
    ),
    fatal(
        "UBL-SR-17",
        "Buyer legal registration identifier shall occur maximum once",
        _at_most_one("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
    ),
    fatal("UBL-SR-18", "Buyer VAT identifier shall occur maximum once", _sr18),
    fatal(
        "UBL-SR-24", "Deliver to information shall occur maximum once", _at_most_one("cac:Delivery")
    ),
    fatal("UBL-SR-29", "Bank creditor reference shall occur maximum once", _sr29),
    fatal(
        "UBL-SR-39",
        "Project reference shall occur maximum once.",
        _at_most_one("cac:ProjectReference/cbc:ID"),
    ),
    fatal(
        "UBL-SR-40",
        "Buyer trade name shall occur maximum once",
        _at_most_one("cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name"),
    ),
    fatal(
        "UBL-SR-44",
        "An Invoice may only have one unique PaymentID, but the PaymentID may be used for multiple PaymentMeans",
        _sr44,
    ),
    fatal(
        "UBL-SR-45",
        "Due Date shall occur maximum once",
        _at_most_one("cac:PaymentMeans/cbc:PaymentDueDate"),
    ),
    fatal(
        "UBL-SR-46",
        "Payment means text shall occur maximum once",
        lambda e, d: (
            sum(1 for x in each(e, "cac:PaymentMeans/cbc:PaymentMeansCode") if "name" in x.attrib)
            <= 1
        ),
    ),
    fatal(
        "UBL-SR-47", "When there are more than one payment means code, they shall be equal", _sr47
    ),
    fatal(
        "UBL-SR-49",
        "Value tax point date shall occur maximum once",
        _at_most_one("cac:InvoicePeriod/cbc:DescriptionCode"),
    ),
)

SYNTAX: tuple[RuleContext, ...] = (
    rule(
        "cac:PostalAddress | cac:Address",
        fatal(
            "UBL-SR-51", "An address can only have one third line.", _at_most_one("cac:AddressLine")
        ),
    ),
    rule(
        "cac:AccountingSupplierParty/cac:Party",
        fatal(
            "UBL-SR-42",
            "Party tax scheme shall occur maximum twice in accounting supplier party",
            lambda e, d: _count(e, "cac:PartyTaxScheme") <= 2,
        ),
    ),
    rule(
        "cac:AdditionalDocumentReference",
        fatal(
            "UBL-SR-33",
            "Supporting document description shall occur maximum once",
            _at_most_one("cbc:DocumentDescription"),
        ),
        fatal(
            "UBL-SR-43",
            "Scheme identifier shall only be used for invoiced object (document type code with value 130 or 50)",
            _sr43,
        ),
    ),
    rule(
        "//*",
        fatal(
            "UBL-DT-01",
            "Amounts shall be decimal up to two fraction digits",
            lambda e, d: decimals(sv(e)) <= 2,
        ),
        where=_dt01_context,
        tag_filter=_amount_tag,
    ),
    rule(
        "//*",
        fatal(
            "UBL-DT-06",
            "Binary object elements shall contain the mime code attribute",
            lambda e, d: "mimeCode" in e.attrib,
        ),
        fatal(
            "UBL-DT-07",
            "Binary object elements shall contain the file name attribute",
            lambda e, d: "filename" in e.attrib,
        ),
        tag_filter=_binary_tag,
    ),
    rule(
        "cac:Delivery",
        fatal(
            "UBL-SR-25",
            "Deliver to party name shall occur maximum once",
            _at_most_one("cac:DeliveryParty/cac:PartyName/cbc:Name"),
        ),
    ),
    rule(
        "cac:AllowanceCharge",
        fatal(
            "UBL-SR-30",
            "Document level allowance reason shall occur maximum once",
            _at_most_one("cbc:AllowanceChargeReason"),
        ),
        where=is_allowance,
    ),
    rule(
        "cac:AllowanceCharge",
        fatal(
            "UBL-SR-31",
            "Document level charge reason shall occur maximum once",
            _at_most_one("cbc:AllowanceChargeReason"),
        ),
        where=is_charge,
    ),
    rule(
        "cac:PartyTaxScheme",
        fatal(
            "UBL-SR-53",
            " CompanyID (VAT Identifier) must be stated when providing the PartyTaxScheme/TaxScheme/ID.",
            lambda e, d: exists(e, "cac:TaxScheme/cbc:ID") and exists(e, "cbc:CompanyID"),
        ),
    ),
    rule("/ubl:Invoice | /cn:CreditNote", *ROOT_SYNTAX),
    rule(
        "cac:InvoiceLine | cac:CreditNoteLine",
        fatal("UBL-SR-34", "Invoice line note shall occur maximum once", _at_most_one("cbc:Note")),
        fatal(
            "UBL-SR-35",
            "Referenced purchase order line identifier shall occur maximum once",
            _at_most_one("cac:OrderLineReference/cbc:LineID"),
        ),
        fatal(
            "UBL-SR-36",
            "Invoice line period shall occur maximum once",
            _at_most_one("cac:InvoicePeriod"),
        ),
        fatal(
            "UBL-SR-37",
            "Item price discount shall occur maximum once",
            _at_most_one("cac:Price/cac:AllowanceCharge/cbc:Amount"),
        ),
        fatal(
            "UBL-SR-48",
            "Invoice lines shall have one and only one classified tax category.",
            lambda e, d: _count(e, "cac:Item/cac:ClassifiedTaxCategory") == 1,
        ),
        fatal(
            "UBL-SR-50",
            "Item description shall occur maximum once",
            _at_most_one("cac:Item/cbc:Description"),
        ),
        fatal(
            "UBL-SR-52",
            "Document reference shall occur maximum once",
            _at_most_one("cac:DocumentReference"),
        ),
    ),
    rule(
        "cac:PayeeParty",
        fatal(
            "UBL-SR-19",
            "Payee name shall occur maximum once, if the Payee is different from the Seller",
            lambda e, d: _count(e, "cac:PartyName/cbc:Name") <= 1 and _payee_differs(e),
        ),
        fatal(
            "UBL-SR-20",
            "Payee identifier shall occur maximum once, if the Payee is different from the Seller",
            lambda e, d: (
                sum(
                    1
                    for x in each(e, "cac:PartyIdentification/cbc:ID")
                    if (x.get("schemeID") or "").upper() != "SEPA"
                )
                <= 1
                and _payee_differs(e)
            ),
        ),
        fatal(
            "UBL-SR-21",
            "Payee legal registration identifier shall occur maximum once, if the Payee is different from the Seller",
            lambda e, d: _count(e, "cac:PartyLegalEntity/cbc:CompanyID") <= 1 and _payee_differs(e),
        ),
    ),
    rule(
        "cac:PaymentMeans",
        fatal(
            "UBL-SR-26", "Payment reference shall occur maximum once", _at_most_one("cbc:PaymentID")
        ),
        fatal(
            "UBL-SR-27",
            "Payment means text shall occur maximum once",
            _at_most_one("cbc:PaymentMeansCode"),
        ),
        fatal(
            "UBL-SR-28",
            "Mandate reference identifier shall occur maximum once",
            _at_most_one("cac:PaymentMandate/cbc:ID"),
        ),
    ),
    rule(
        "cac:BillingReference",
        fatal(
            "UBL-SR-06",
            "Preceding invoice reference shall occur maximum once",
            _at_most_one("cac:InvoiceDocumentReference"),
        ),
        fatal(
            "UBL-SR-07",
            "If there is a preceding invoice reference, the preceding invoice number shall be present",
            lambda e, d: exists(e, "cac:InvoiceDocumentReference/cbc:ID"),
        ),
    ),
    rule(
        "cac:TaxRepresentativeParty",
        fatal(
            "UBL-SR-22",
            "Seller tax representative name shall occur maximum once, if the Seller has a tax representative",
            _at_most_one("cac:PartyName/cbc:Name"),
        ),
        fatal(
            "UBL-SR-23",
            "Seller tax representative VAT identifier shall occur maximum once, if the Seller has a tax representative",
            _at_most_one("cac:Party/cac:PartyTaxScheme/cbc:CompanyID"),
        ),
    ),
    rule(
        "cac:TaxSubtotal",
        fatal(
            "UBL-SR-32",
            "VAT exemption reason text shall occur maximum once",
            _at_most_one("cac:TaxCategory/cbc:TaxExemptionReason"),
        ),
    ),
)

_unused = (every, norm, text)
