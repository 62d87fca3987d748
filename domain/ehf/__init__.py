"""Reading and writing EHF 3 (PEPPOL BIS Billing 3.0, UBL 2.1) documents: pure, no I/O."""

from domain.ehf.document import DocumentType, EhfDocument, PartyInfo, Totals
from domain.ehf.reader import (
    PEPPOL_BIS3,
    check_peppol_bis3,
    is_peppol_bis3,
    load_ehf,
    minimum_findings,
    read_ehf,
)
from domain.ehf.xml import DEFAULT_MAX_BYTES, DocumentRejected, parse_xml

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PEPPOL_BIS3",
    "DocumentRejected",
    "DocumentType",
    "EhfDocument",
    "PartyInfo",
    "Totals",
    "check_peppol_bis3",
    "is_peppol_bis3",
    "load_ehf",
    "minimum_findings",
    "parse_xml",
    "read_ehf",
]
