"""UBL 2.1 namespaces and the top-level element order of the Invoice and CreditNote schemas."""

from __future__ import annotations

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"

# Top-level element sequences of the UBL 2.1 schemas (xsd/maindoc, OASIS 2013); True = repeatable.
INVOICE_SEQUENCE: tuple[tuple[str, bool], ...] = (
    ("ext:UBLExtensions", False),
    ("cbc:UBLVersionID", False),
    ("cbc:CustomizationID", False),
    ("cbc:ProfileID", False),
    ("cbc:ProfileExecutionID", False),
    ("cbc:ID", False),
    ("cbc:CopyIndicator", False),
    ("cbc:UUID", False),
    ("cbc:IssueDate", False),
    ("cbc:IssueTime", False),
    ("cbc:DueDate", False),
    ("cbc:InvoiceTypeCode", False),
    ("cbc:Note", True),
    ("cbc:TaxPointDate", False),
    ("cbc:DocumentCurrencyCode", False),
    ("cbc:TaxCurrencyCode", False),
    ("cbc:PricingCurrencyCode", False),
    ("cbc:PaymentCurrencyCode", False),
    ("cbc:PaymentAlternativeCurrencyCode", False),
    ("cbc:AccountingCostCode", False),
    ("cbc:AccountingCost", False),
    ("cbc:LineCountNumeric", False),
    ("cbc:BuyerReference", False),
    ("cac:InvoicePeriod", True),
    ("cac:OrderReference", False),
    ("cac:BillingReference", True),
    ("cac:DespatchDocumentReference", True),
    ("cac:ReceiptDocumentReference", True),
    ("cac:StatementDocumentReference", True),
    ("cac:OriginatorDocumentReference", True),
    ("cac:ContractDocumentReference", True),
    ("cac:AdditionalDocumentReference", True),
    ("cac:ProjectReference", True),
    ("cac:Signature", True),
    ("cac:AccountingSupplierParty", False),
    ("cac:AccountingCustomerParty", False),
    ("cac:PayeeParty", False),
    ("cac:BuyerCustomerParty", False),
    ("cac:SellerSupplierParty", False),
    ("cac:TaxRepresentativeParty", False),
    ("cac:Delivery", True),
    ("cac:DeliveryTerms", False),
    ("cac:PaymentMeans", True),
    ("cac:PaymentTerms", True),
    ("cac:PrepaidPayment", True),
    ("cac:AllowanceCharge", True),
    ("cac:TaxExchangeRate", False),
    ("cac:PricingExchangeRate", False),
    ("cac:PaymentExchangeRate", False),
    ("cac:PaymentAlternativeExchangeRate", False),
    ("cac:TaxTotal", True),
    ("cac:WithholdingTaxTotal", True),
    ("cac:LegalMonetaryTotal", False),
    ("cac:InvoiceLine", True),
)

CREDIT_NOTE_SEQUENCE: tuple[tuple[str, bool], ...] = (
    ("ext:UBLExtensions", False),
    ("cbc:UBLVersionID", False),
    ("cbc:CustomizationID", False),
    ("cbc:ProfileID", False),
    ("cbc:ProfileExecutionID", False),
    ("cbc:ID", False),
    ("cbc:CopyIndicator", False),
    ("cbc:UUID", False),
    ("cbc:IssueDate", False),
    ("cbc:IssueTime", False),
    ("cbc:TaxPointDate", False),
    ("cbc:CreditNoteTypeCode", False),
    ("cbc:Note", True),
    ("cbc:DocumentCurrencyCode", False),
    ("cbc:TaxCurrencyCode", False),
    ("cbc:PricingCurrencyCode", False),
    ("cbc:PaymentCurrencyCode", False),
    ("cbc:PaymentAlternativeCurrencyCode", False),
    ("cbc:AccountingCostCode", False),
    ("cbc:AccountingCost", False),
    ("cbc:LineCountNumeric", False),
    ("cbc:BuyerReference", False),
    ("cac:InvoicePeriod", True),
    ("cac:DiscrepancyResponse", True),
    ("cac:OrderReference", False),
    ("cac:BillingReference", True),
    ("cac:DespatchDocumentReference", True),
    ("cac:ReceiptDocumentReference", True),
    ("cac:ContractDocumentReference", True),
    ("cac:AdditionalDocumentReference", True),
    ("cac:StatementDocumentReference", True),
    ("cac:OriginatorDocumentReference", True),
    ("cac:Signature", True),
    ("cac:AccountingSupplierParty", False),
    ("cac:AccountingCustomerParty", False),
    ("cac:PayeeParty", False),
    ("cac:BuyerCustomerParty", False),
    ("cac:SellerSupplierParty", False),
    ("cac:TaxRepresentativeParty", False),
    ("cac:Delivery", True),
    ("cac:DeliveryTerms", True),
    ("cac:PaymentMeans", True),
    ("cac:PaymentTerms", True),
    ("cac:TaxExchangeRate", False),
    ("cac:PricingExchangeRate", False),
    ("cac:PaymentExchangeRate", False),
    ("cac:PaymentAlternativeExchangeRate", False),
    ("cac:AllowanceCharge", True),
    ("cac:TaxTotal", True),
    ("cac:LegalMonetaryTotal", False),
    ("cac:CreditNoteLine", True),
)


def clark(prefixed: str) -> str:
    """`cac:Party/cbc:Name` -> `{urn...CAC}Party/{urn...CBC}Name`, for ElementPath find()."""
    namespaces = {"cac": NS_CAC, "cbc": NS_CBC, "ext": NS_EXT}
    steps = []
    for step in prefixed.split("/"):
        prefix, _, local = step.partition(":")
        steps.append(f"{{{namespaces[prefix]}}}{local}")
    return "/".join(steps)


def schema(sequence: tuple[tuple[str, bool], ...]) -> dict[str, tuple[int, str, bool]]:
    """Clark tag -> (position, prefixed name, repeatable), for a one-pass order check."""
    return {clark(name): (i, name, many) for i, (name, many) in enumerate(sequence)}
