"""Read an EHF 3 / PEPPOL BIS Billing 3.0 document (UBL 2.1) into an EhfDocument, or reject it."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from lxml import etree

from domain.ehf.document import DocumentType, EhfDocument, PartyInfo, Totals
from domain.ehf.ubl import (
    CREDIT_NOTE_SEQUENCE,
    INVOICE_SEQUENCE,
    NS_CAC,
    NS_CBC,
    NS_CREDIT_NOTE,
    NS_EXT,
    NS_INVOICE,
    clark,
    schema,
)
from domain.ehf.xml import DEFAULT_MAX_BYTES, DocumentRejected, parse_xml
from domain.findings import Finding
from domain.parties import InvalidParticipantId, ParticipantId

EN16931 = "urn:cen.eu:en16931:2017"
PEPPOL_BIS3 = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"

_PREFIXES = {NS_CAC: "cac", NS_CBC: "cbc", NS_EXT: "ext"}

_SCHEMAS: dict[DocumentType, dict[str, tuple[int, str, bool]]] = {
    "Invoice": schema(INVOICE_SEQUENCE),
    "CreditNote": schema(CREDIT_NOTE_SEQUENCE),
}
_LINE_TAG: dict[DocumentType, str] = {
    "Invoice": clark("cac:InvoiceLine"),
    "CreditNote": clark("cac:CreditNoteLine"),
}
_TYPE_CODE_TAG: dict[DocumentType, str] = {
    "Invoice": clark("cbc:InvoiceTypeCode"),
    "CreditNote": clark("cbc:CreditNoteTypeCode"),
}

_CUSTOMIZATION_ID = clark("cbc:CustomizationID")
_PROFILE_ID = clark("cbc:ProfileID")
_ID = clark("cbc:ID")
_ISSUE_DATE = clark("cbc:IssueDate")
_DUE_DATE = clark("cbc:DueDate")
_PAYMENT_DUE_DATE = clark("cbc:PaymentDueDate")
_CURRENCY = clark("cbc:DocumentCurrencyCode")
_BUYER_REFERENCE = clark("cbc:BuyerReference")
_ORDER_REFERENCE = clark("cac:OrderReference")
_SUPPLIER = clark("cac:AccountingSupplierParty")
_CUSTOMER = clark("cac:AccountingCustomerParty")
_PAYMENT_MEANS = clark("cac:PaymentMeans")
_TAX_TOTAL = clark("cac:TaxTotal")
_TAX_AMOUNT = clark("cbc:TaxAmount")
_MONETARY_TOTAL = clark("cac:LegalMonetaryTotal")
_PARTY = clark("cac:Party")
_ENDPOINT = clark("cbc:EndpointID")
_REGISTRATION_NAME = clark("cac:PartyLegalEntity/cbc:RegistrationName")
_PARTY_NAME = clark("cac:PartyName/cbc:Name")
_LEGAL_COMPANY_ID = clark("cac:PartyLegalEntity/cbc:CompanyID")
_PARTY_TAX_SCHEME = clark("cac:PartyTaxScheme")
_TAX_SCHEME_ID = clark("cac:TaxScheme/cbc:ID")
_COMPANY_ID = clark("cbc:CompanyID")
_COUNTRY = clark("cac:PostalAddress/cac:Country/cbc:IdentificationCode")
_AMOUNTS = tuple(
    (name, clark(f"cbc:{name}"))
    for name in (
        "LineExtensionAmount",
        "TaxExclusiveAmount",
        "TaxInclusiveAmount",
        "PayableAmount",
    )
)

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HUNDRED = Decimal(100)
_HALF = Decimal("0.5")

BR_CO_15_MESSAGE = (
    "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) "
    "+ Invoice total VAT amount (BT-110)."
)
PEPPOL_R004_MESSAGE = f"Specification identifier MUST have the value '{PEPPOL_BIS3}'."


def _prefixed(tag: str) -> str:
    """`{urn...CBC}ID` -> `cbc:ID`, for messages a sender can find in the document."""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        prefix = _PREFIXES.get(ns)
        return f"{prefix}:{local}" if prefix else tag
    return tag


def _text(element: etree._Element | None) -> str:
    """The element's string value, stripped; comments and PIs inside it do not split it."""
    if element is None:
        return ""
    if len(element):
        return "".join(str(part) for part in element.itertext()).strip()
    text = element.text
    return text.strip() if text else ""


def _normalized(text: str) -> str:
    """XPath normalize-space(), as the official rules read identifiers."""
    return " ".join(text.split())


def _required(parent: etree._Element | None, path: str, where: str) -> etree._Element:
    found = None if parent is None else parent.find(path)
    if found is None:
        raise DocumentRejected(f"missing {where}")
    return found


def _required_text(element: etree._Element | None, where: str) -> str:
    if element is None:
        raise DocumentRejected(f"missing {where}")
    text = _text(element)
    if not text:
        raise DocumentRejected(f"{where} is empty")
    return text


def _date(element: etree._Element | None, where: str) -> date:
    text = _required_text(element, where)
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise DocumentRejected(f"{where} {text!r} is not a valid date (YYYY-MM-DD)")


def _amount(element: etree._Element | None, where: str) -> Decimal:
    text = _required_text(element, where)
    if _DECIMAL.fullmatch(text):
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    raise DocumentRejected(f"{where} {text!r} is not a decimal amount (e.g. 1250.00)")


def is_peppol_bis3(customization_id: str) -> bool:
    """True when the CustomizationID claims PEPPOL BIS Billing 3.0 (as PEPPOL-EN16931-R004)."""
    return _normalized(customization_id).startswith(PEPPOL_BIS3)


def check_peppol_bis3(doc: EhfDocument) -> None:
    """Raise DocumentRejected unless the document is PEPPOL BIS Billing 3.0, all `send` accepts."""
    if is_peppol_bis3(doc.customization_id):
        return
    finding = Finding("PEPPOL-EN16931-R004", "fatal", PEPPOL_R004_MESSAGE, "/*/cbc:CustomizationID")
    raise DocumentRejected(
        f"CustomizationID {doc.customization_id!r} is not PEPPOL BIS Billing 3.0: "
        f"AutoTrans sends only documents whose CustomizationID starts with {PEPPOL_BIS3!r}",
        [finding],
    )


def _check_customization(customization_id: str) -> None:
    if customization_id.startswith(EN16931):
        return
    if customization_id.startswith("urn:www.cenbii.eu:") or "urn:www.difi.no:ehf:" in (
        customization_id
    ):
        version = "EHF 2.0" if "ver2.0" in customization_id else "EHF 1"
        raise DocumentRejected(
            f"{version} documents are no longer accepted: CustomizationID "
            f"{customization_id!r}; send EHF 3 (PEPPOL BIS Billing 3.0)"
        )
    raise DocumentRejected(
        f"unsupported CustomizationID {customization_id!r}: expected an EN 16931 document, "
        f"e.g. EHF 3 / PEPPOL BIS Billing 3.0 ({PEPPOL_BIS3!r})"
    )


def _party(container: etree._Element | None, role: str, path: str) -> PartyInfo:
    party = _required(container, _PARTY, f"{path}/cac:Party")
    where = f"{path}/cac:Party/cbc:EndpointID"
    endpoint_element = party.find(_ENDPOINT)
    if endpoint_element is None:
        raise DocumentRejected(f"missing {where}: the {role} cannot be reached without it")
    value = _required_text(endpoint_element, where)
    scheme = (endpoint_element.get("schemeID") or "").strip()
    if not scheme:
        raise DocumentRejected(f'missing @schemeID on {where} (e.g. schemeID="0192")')
    try:
        endpoint = ParticipantId(scheme, value)
    except InvalidParticipantId as exc:
        raise DocumentRejected(f"{role} endpoint {scheme}:{value} ({where}): {exc}") from None

    name = _text(party.find(_REGISTRATION_NAME)) or _text(party.find(_PARTY_NAME))
    legal = party.find(_LEGAL_COMPANY_ID)
    legal_scheme = (legal.get("schemeID") or "").strip() if legal is not None else ""
    vat_id = ""
    for tax_scheme in party.iterfind(_PARTY_TAX_SCHEME):
        if _text(tax_scheme.find(_TAX_SCHEME_ID)) == "VAT":
            vat_id = _text(tax_scheme.find(_COMPANY_ID))
            break
    return PartyInfo(
        endpoint=endpoint,
        name=name,
        legal_id=_text(legal) or None,
        legal_scheme=legal_scheme or None,
        vat_id=vat_id or None,
        country=_text(party.find(_COUNTRY)) or None,
    )


def read_ehf(root: etree._Element) -> EhfDocument:
    """Read the routing fields, parties and totals of a UBL 2.1 Invoice or CreditNote."""
    tag = root.tag
    if tag == f"{{{NS_INVOICE}}}Invoice":
        document_type: DocumentType = "Invoice"
    elif tag == f"{{{NS_CREDIT_NOTE}}}CreditNote":
        document_type = "CreditNote"
    else:
        shown = tag if isinstance(tag, str) else type(root).__name__
        raise DocumentRejected(f"not a UBL Invoice or CreditNote: root element is {shown}")

    # One pass over the top level: schema order, first occurrence of each element, line count.
    schema = _SCHEMAS[document_type]
    line_tag = _LINE_TAG[document_type]
    first: dict[str, etree._Element] = {}
    payment_means: list[etree._Element] = []
    tax_totals: list[etree._Element] = []
    structure_error = ""
    last_index, last_name = -1, ""
    line_count = 0
    for child in root:
        child_tag = child.tag
        if not isinstance(child_tag, str):
            continue  # comments and processing instructions
        if child_tag == line_tag:
            line_count += 1
            if line_count > 1:
                continue  # already placed; nothing may follow the lines
        position = schema.get(child_tag)
        if position is None:
            if not structure_error:
                structure_error = (
                    f"{_prefixed(child_tag)} (line {child.sourceline}) is not an element "
                    f"of a UBL 2.1 {document_type}"
                )
            continue
        index, name, many = position
        if not structure_error:
            if index < last_index:
                structure_error = f"{name} (line {child.sourceline}) must come before {last_name}"
            elif index == last_index and not many:
                structure_error = f"{name} (line {child.sourceline}) occurs more than once"
        if index > last_index:
            last_index, last_name = index, name
        if child_tag == _PAYMENT_MEANS:
            payment_means.append(child)
        elif child_tag == _TAX_TOTAL:
            tax_totals.append(child)
        elif child_tag not in first:
            first[child_tag] = child

    customization_id = _normalized(_text(first.get(_CUSTOMIZATION_ID)))
    if not customization_id:
        raise DocumentRejected("missing cbc:CustomizationID")
    _check_customization(customization_id)
    if structure_error:
        raise DocumentRejected(f"not a valid UBL 2.1 {document_type}: {structure_error}")
    if line_count == 0:
        line_name = _prefixed(line_tag)
        raise DocumentRejected(
            f"missing {line_name}: every {document_type} needs at least one line"
        )

    profile_id = _normalized(_required_text(first.get(_PROFILE_ID), "cbc:ProfileID"))
    number = _required_text(first.get(_ID), "cbc:ID")
    issue_date = _date(first.get(_ISSUE_DATE), "cbc:IssueDate")
    currency = _required_text(first.get(_CURRENCY), "cbc:DocumentCurrencyCode")

    due_date = None
    due = first.get(_DUE_DATE)
    if due is not None:
        due_date = _date(due, "cbc:DueDate")
    elif document_type == "CreditNote":
        for means in payment_means:
            payment_due = means.find(_PAYMENT_DUE_DATE)
            if payment_due is not None:
                due_date = _date(payment_due, "cac:PaymentMeans/cbc:PaymentDueDate")
                break

    order = first.get(_ORDER_REFERENCE)
    seller = _party(first.get(_SUPPLIER), "seller", "cac:AccountingSupplierParty")
    buyer = _party(first.get(_CUSTOMER), "buyer", "cac:AccountingCustomerParty")

    monetary_total = first.get(_MONETARY_TOTAL)
    if monetary_total is None:
        raise DocumentRejected("missing cac:LegalMonetaryTotal")
    amounts = {
        name: _amount(monetary_total.find(path), f"cac:LegalMonetaryTotal/cbc:{name}")
        for name, path in _AMOUNTS
    }
    tax = Decimal(0)
    for tax_total in tax_totals:
        tax_amount = tax_total.find(_TAX_AMOUNT)
        if tax_amount is not None and tax_amount.get("currencyID") == currency:
            tax += _amount(tax_amount, "cac:TaxTotal/cbc:TaxAmount")

    return EhfDocument(
        document_type=document_type,
        customization_id=customization_id,
        profile_id=profile_id,
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        type_code=_text(first.get(_TYPE_CODE_TAG[document_type])),
        currency=currency,
        buyer_reference=_text(first.get(_BUYER_REFERENCE)) or None,
        order_reference=_text(order.find(_ID)) if order is not None else None,
        seller=seller,
        buyer=buyer,
        totals=Totals(
            line_extension=amounts["LineExtensionAmount"],
            tax_exclusive=amounts["TaxExclusiveAmount"],
            tax=tax,
            tax_inclusive=amounts["TaxInclusiveAmount"],
            payable=amounts["PayableAmount"],
        ),
        line_count=line_count,
    )


def _xpath_round2(value: Decimal) -> Decimal:
    """round(x * 100) div 100 as XPath does it: halves go towards positive infinity."""
    return ((value * _HUNDRED + _HALF).to_integral_value(rounding=ROUND_FLOOR)) / _HUNDRED


def minimum_findings(doc: EhfDocument) -> list[Finding]:
    """The cheap, certain rules AutoTrans checks on every document before routing it."""
    findings: list[Finding] = []
    totals = doc.totals
    if totals.tax_inclusive != _xpath_round2(totals.tax_exclusive + totals.tax):
        findings.append(
            Finding(
                "BR-CO-15",
                "fatal",
                BR_CO_15_MESSAGE,
                "/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
            )
        )
    return findings


def load_ehf(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, require_peppol: bool = True
) -> tuple[EhfDocument, etree._Element]:
    """Parse and read untrusted bytes; require_peppol also insists on PEPPOL BIS Billing 3.0."""
    root = parse_xml(data, max_bytes=max_bytes)
    doc = read_ehf(root)
    if require_peppol:
        check_peppol_bis3(doc)
    return doc, root
