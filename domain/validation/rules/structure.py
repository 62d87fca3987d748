"""UBL 2.1 document structure: the order and names of the root's children (XSD, not Schematron).

The official validators run the UBL XSD before the Schematron rules; a document whose top-level
elements are unknown or out of the schema's sequence is rejected there. This family reproduces
that part of the schema check, reported under the id "UBL-XSD".
"""

# Official message texts stay whole on one line, so a finding can be searched for verbatim.
# ruff: noqa: E501

from __future__ import annotations

from domain.validation.engine import Doc, Element, Pattern, fatal, rule
from domain.validation.values import local

_INVOICE = """UBLExtensions UBLVersionID CustomizationID ProfileID ProfileExecutionID ID CopyIndicator UUID
IssueDate IssueTime DueDate InvoiceTypeCode Note TaxPointDate DocumentCurrencyCode TaxCurrencyCode
PricingCurrencyCode PaymentCurrencyCode PaymentAlternativeCurrencyCode AccountingCostCode
AccountingCost LineCountNumeric BuyerReference InvoicePeriod OrderReference BillingReference
DespatchDocumentReference ReceiptDocumentReference StatementDocumentReference
OriginatorDocumentReference ContractDocumentReference AdditionalDocumentReference ProjectReference
Signature AccountingSupplierParty AccountingCustomerParty PayeeParty BuyerCustomerParty
SellerSupplierParty TaxRepresentativeParty Delivery DeliveryTerms PaymentMeans PaymentTerms
PrepaidPayment AllowanceCharge TaxExchangeRate PricingExchangeRate PaymentExchangeRate
PaymentAlternativeExchangeRate TaxTotal WithholdingTaxTotal LegalMonetaryTotal InvoiceLine""".split()

_CREDIT_NOTE = """UBLExtensions UBLVersionID CustomizationID ProfileID ProfileExecutionID ID CopyIndicator UUID
IssueDate IssueTime TaxPointDate CreditNoteTypeCode Note DocumentCurrencyCode TaxCurrencyCode
PricingCurrencyCode PaymentCurrencyCode PaymentAlternativeCurrencyCode AccountingCostCode
AccountingCost LineCountNumeric BuyerReference InvoicePeriod DiscrepancyResponse OrderReference
BillingReference DespatchDocumentReference ReceiptDocumentReference ContractDocumentReference
AdditionalDocumentReference StatementDocumentReference OriginatorDocumentReference Signature
AccountingSupplierParty AccountingCustomerParty PayeeParty BuyerCustomerParty SellerSupplierParty
TaxRepresentativeParty Delivery DeliveryTerms PaymentMeans PaymentTerms TaxExchangeRate
PricingExchangeRate PaymentExchangeRate PaymentAlternativeExchangeRate AllowanceCharge TaxTotal
LegalMonetaryTotal CreditNoteLine""".split()

_RANK = {
    "Invoice": {name: i for i, name in enumerate(_INVOICE)},
    "CreditNote": {name: i for i, name in enumerate(_CREDIT_NOTE)},
}


def _in_schema_order(el: Element, _doc: Doc) -> bool:
    ranks = _RANK[local(el)]
    last = -1
    for child in el:
        if not isinstance(child.tag, str):
            continue
        rank = ranks.get(local(child))
        if rank is None or rank < last:
            return False
        last = rank
    return True


def _ubl_document(el: Element, _doc: Doc) -> bool:
    return local(el) in _RANK and el.tag.startswith(
        (
            "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}",
            "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}",
        )
    )


STRUCTURE = Pattern(
    "ubl-structure",
    "xsd",
    (
        rule(
            "/*",
            fatal(
                "UBL-XSD",
                "The document element must be a UBL 2.1 Invoice or CreditNote.",
                lambda e, d: False,
            ),
            where=lambda e, d: not _ubl_document(e, d),
        ),
        rule(
            "/ubl:Invoice | /cn:CreditNote",
            fatal(
                "UBL-XSD",
                "The document's top-level elements must be UBL 2.1 elements in the order of the UBL 2.1 schema.",
                _in_schema_order,
            ),
        ),
    ),
)

PATTERNS = (STRUCTURE,)
