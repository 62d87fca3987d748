"""What a person reads on an EHF invoice or credit note, taken out of the UBL XML for printing.

This is a reading for display only (the PDF and the e-mail), tolerant of missing optional parts;
rule checking is the domain's business. The XML is parsed without DTDs, entities or network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from domain.ehf.xml import DocumentRejected, parse_xml

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
_ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "Invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "CreditNote",
}
_ENGLISH = {"en", "eng", "en-gb", "en-us"}


class UnreadableDocument(ValueError):
    """The bytes are not an EHF invoice or credit note that can be printed."""


def parse_document(xml: bytes) -> etree._Element:
    """Parse EHF XML with the project's hardened parser (no DTD, entities or network)."""
    try:
        return parse_xml(xml)
    except DocumentRejected as exc:
        raise UnreadableDocument(str(exc)) from None


@dataclass(frozen=True, slots=True)
class Party:
    """Seller or buyer as printed: names, organisation number, VAT number, address lines."""

    name: str
    org_number: str = ""
    vat_number: str = ""
    address: tuple[str, ...] = ()
    contact: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Line:
    """One invoice or credit note line."""

    line_id: str
    description: str
    detail: str
    quantity: Decimal | None
    unit: str
    price: Decimal | None
    vat_category: str
    vat_percent: Decimal | None
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class AllowanceCharge:
    """A document-level discount (charge=False) or fee (charge=True)."""

    charge: bool
    reason: str
    amount: Decimal | None
    vat_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class VatSubtotal:
    """One row of the VAT breakdown."""

    category: str
    percent: Decimal | None
    taxable: Decimal | None
    tax: Decimal | None
    exemption_reason: str = ""


@dataclass(frozen=True, slots=True)
class Printable:
    """An invoice or credit note, reduced to what goes on paper."""

    document_type: str  # "Invoice" | "CreditNote"
    number: str
    issue_date: str
    due_date: str
    delivery_date: str
    currency: str
    language: str  # "no" | "en"
    seller: Party
    buyer: Party
    buyer_reference: str
    order_reference: str
    invoice_references: tuple[str, ...]
    notes: tuple[str, ...]
    lines: tuple[Line, ...]
    allowances_charges: tuple[AllowanceCharge, ...]
    vat: tuple[VatSubtotal, ...]
    vat_total: Decimal | None
    line_total: Decimal | None
    allowance_total: Decimal | None
    charge_total: Decimal | None
    tax_exclusive: Decimal | None
    tax_inclusive: Decimal | None
    prepaid: Decimal | None
    rounding: Decimal | None
    payable: Decimal | None
    accounts: tuple[str, ...] = ()
    bic: str = ""
    kid: str = ""
    payment_terms: tuple[str, ...] = field(default_factory=tuple)


def _text(node: etree._Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path, NS)
    if found is None or found.text is None:
        return ""
    return " ".join(found.text.split())


def _texts(node: etree._Element, path: str) -> tuple[str, ...]:
    return tuple(
        " ".join(e.text.split()) for e in node.findall(path, NS) if e.text and e.text.strip()
    )


def _decimal(node: etree._Element | None, path: str) -> Decimal | None:
    value = _text(node, path)
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _party(party: etree._Element | None) -> Party:
    if party is None:
        return Party(name="")
    legal = _text(party, "cac:PartyLegalEntity/cbc:RegistrationName")
    trading = _text(party, "cac:PartyName/cbc:Name")
    org = _text(party, "cac:PartyLegalEntity/cbc:CompanyID")
    endpoint = party.find("cbc:EndpointID", NS)
    if not org and endpoint is not None and endpoint.get("schemeID") == "0192":
        org = (endpoint.text or "").strip()
    vat = ""
    for scheme in party.findall("cac:PartyTaxScheme", NS):
        if _text(scheme, "cac:TaxScheme/cbc:ID") == "VAT":
            vat = _text(scheme, "cbc:CompanyID")
    addr = party.find("cac:PostalAddress", NS)
    address: list[str] = []
    if addr is not None:
        for path in ("cbc:StreetName", "cbc:AdditionalStreetName", "cac:AddressLine/cbc:Line"):
            if value := _text(addr, path):
                address.append(value)
        city = " ".join(
            v for v in (_text(addr, "cbc:PostalZone"), _text(addr, "cbc:CityName")) if v
        )
        if city:
            address.append(city)
        country = _text(addr, "cac:Country/cbc:IdentificationCode")
        if country and country != "NO":
            address.append(country)
    contact = party.find("cac:Contact", NS)
    contact_lines = tuple(
        v
        for v in (
            _text(contact, "cbc:Name"),
            _text(contact, "cbc:Telephone"),
            _text(contact, "cbc:ElectronicMail"),
        )
        if v
    )
    name = legal or trading
    return Party(
        name=name, org_number=org, vat_number=vat, address=tuple(address), contact=contact_lines
    )


def _language(root: etree._Element) -> str:
    """English when the document says so, Norwegian otherwise (see `read_printable`)."""
    for note in root.findall("cbc:Note", NS):
        lang = (note.get("languageID") or "").strip().lower()
        if lang:
            return "en" if lang in _ENGLISH else "no"
    return "no"


def read_printable(xml: bytes) -> Printable:
    """Read an EHF invoice or credit note for printing.

    Language: English when the first document-level `cbc:Note` carrying a `languageID` attribute
    says `en`/`eng`; Norwegian in every other case (EHF's readers are Norwegian).
    """
    root = parse_document(xml)
    document_type = _ROOTS.get(root.tag)
    if document_type is None:
        raise UnreadableDocument(f"root element {root.tag} is neither a UBL Invoice nor CreditNote")
    credit = document_type == "CreditNote"
    line_tag, quantity_tag = (
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
        if credit
        else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    )

    lines = []
    for line in root.findall(line_tag, NS):
        quantity_node = line.find(quantity_tag, NS)
        item = line.find("cac:Item", NS)
        name = _text(item, "cbc:Name")
        description = _text(item, "cbc:Description")
        price = _decimal(line, "cac:Price/cbc:PriceAmount")
        base_quantity = _decimal(line, "cac:Price/cbc:BaseQuantity")
        if price is not None and base_quantity is not None and base_quantity not in (0, 1):
            price = price / base_quantity  # the price per one unit, as the quantity counts
        lines.append(
            Line(
                line_id=_text(line, "cbc:ID"),
                description=name or description,
                detail=description if name and description != name else "",
                quantity=_decimal(line, quantity_tag),
                unit=(quantity_node.get("unitCode") or "") if quantity_node is not None else "",
                price=price,
                vat_category=_text(item, "cac:ClassifiedTaxCategory/cbc:ID"),
                vat_percent=_decimal(item, "cac:ClassifiedTaxCategory/cbc:Percent"),
                amount=_decimal(line, "cbc:LineExtensionAmount"),
            )
        )

    allowances = tuple(
        AllowanceCharge(
            charge=_text(ac, "cbc:ChargeIndicator").lower() == "true",
            reason=_text(ac, "cbc:AllowanceChargeReason")
            or _text(ac, "cbc:AllowanceChargeReasonCode"),
            amount=_decimal(ac, "cbc:Amount"),
            vat_percent=_decimal(ac, "cac:TaxCategory/cbc:Percent"),
        )
        for ac in root.findall("cac:AllowanceCharge", NS)
    )

    vat_total: Decimal | None = None
    subtotals: list[VatSubtotal] = []
    currency = _text(root, "cbc:DocumentCurrencyCode")
    for total in root.findall("cac:TaxTotal", NS):
        amount_node = total.find("cbc:TaxAmount", NS)
        if amount_node is not None and amount_node.get("currencyID") not in (None, currency):
            continue  # the VAT amount in accounting currency (BT-111) is not printed
        vat_total = _decimal(total, "cbc:TaxAmount")
        for sub in total.findall("cac:TaxSubtotal", NS):
            subtotals.append(
                VatSubtotal(
                    category=_text(sub, "cac:TaxCategory/cbc:ID"),
                    percent=_decimal(sub, "cac:TaxCategory/cbc:Percent"),
                    taxable=_decimal(sub, "cbc:TaxableAmount"),
                    tax=_decimal(sub, "cbc:TaxAmount"),
                    exemption_reason=_text(sub, "cac:TaxCategory/cbc:TaxExemptionReason"),
                )
            )

    totals = root.find("cac:LegalMonetaryTotal", NS)
    accounts: list[str] = []
    kid = bic = ""
    for means in root.findall("cac:PaymentMeans", NS):
        if account := _text(means, "cac:PayeeFinancialAccount/cbc:ID"):
            accounts.append(account)
        bic = bic or _text(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID")
        kid = kid or _text(means, "cbc:PaymentID")

    due = _text(root, "cbc:DueDate") or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate")
    return Printable(
        document_type=document_type,
        number=_text(root, "cbc:ID"),
        issue_date=_text(root, "cbc:IssueDate"),
        due_date=due,
        delivery_date=_text(root, "cac:Delivery/cbc:ActualDeliveryDate"),
        currency=currency,
        language=_language(root),
        seller=_party(root.find("cac:AccountingSupplierParty/cac:Party", NS)),
        buyer=_party(root.find("cac:AccountingCustomerParty/cac:Party", NS)),
        buyer_reference=_text(root, "cbc:BuyerReference"),
        order_reference=_text(root, "cac:OrderReference/cbc:ID"),
        invoice_references=_texts(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        notes=_texts(root, "cbc:Note"),
        lines=tuple(lines),
        allowances_charges=allowances,
        vat=tuple(subtotals),
        vat_total=vat_total,
        line_total=_decimal(totals, "cbc:LineExtensionAmount"),
        allowance_total=_decimal(totals, "cbc:AllowanceTotalAmount"),
        charge_total=_decimal(totals, "cbc:ChargeTotalAmount"),
        tax_exclusive=_decimal(totals, "cbc:TaxExclusiveAmount"),
        tax_inclusive=_decimal(totals, "cbc:TaxInclusiveAmount"),
        prepaid=_decimal(totals, "cbc:PrepaidAmount"),
        rounding=_decimal(totals, "cbc:PayableRoundingAmount"),
        payable=_decimal(totals, "cbc:PayableAmount"),
        accounts=tuple(accounts),
        bic=bic,
        kid=kid,
        payment_terms=_texts(root, "cac:PaymentTerms/cbc:Note"),
    )


def seller_org_number(xml: bytes) -> str:
    """The seller's organisation number (legal entity id, else a 0192 endpoint), or ''."""
    try:
        return read_printable(xml).seller.org_number
    except UnreadableDocument:
        return ""
