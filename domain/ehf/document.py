"""What AutoTrans reads from an EHF invoice or credit note: routing fields, parties and totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from domain.parties import ParticipantId

DocumentType = Literal["Invoice", "CreditNote"]


@dataclass(frozen=True, slots=True)
class PartyInfo:
    """A seller or buyer: how to reach it (endpoint) and how it is registered."""

    endpoint: ParticipantId
    name: str  # PartyLegalEntity/RegistrationName, else PartyName/Name, else ""
    legal_id: str | None  # PartyLegalEntity/CompanyID
    legal_scheme: str | None  # its @schemeID
    vat_id: str | None  # PartyTaxScheme/CompanyID where TaxScheme/ID = VAT
    country: str | None  # PostalAddress/Country/IdentificationCode


@dataclass(frozen=True, slots=True)
class Totals:
    """Document totals (cac:LegalMonetaryTotal) and the VAT total, in the document currency."""

    line_extension: Decimal
    tax_exclusive: Decimal
    tax: Decimal  # sum of TaxTotal/TaxAmount in the document currency; 0 if none
    tax_inclusive: Decimal
    payable: Decimal


@dataclass(frozen=True, slots=True)
class EhfDocument:
    """The fields of an EHF 3 document that routing, events and billing need."""

    document_type: DocumentType
    customization_id: str
    profile_id: str
    number: str
    issue_date: date
    due_date: date | None
    type_code: str  # InvoiceTypeCode or CreditNoteTypeCode ("" when absent: rule BR-04)
    currency: str
    buyer_reference: str | None
    order_reference: str | None
    seller: PartyInfo
    buyer: PartyInfo
    totals: Totals
    line_count: int
