"""UBL 2.1 document structure: the document element must be a UBL Invoice or CreditNote.

The rest of the "xsd" family is the UBL 2.1 schema itself (domain/validation/schema.py), which
the official validators run before the Schematron rules; both report under the id "UBL-XSD".
"""

from __future__ import annotations

from domain.validation.engine import Pattern, fatal, rule
from domain.validation.schema import XSD_RULE_ID, has_schema

STRUCTURE = Pattern(
    "ubl-structure",
    "xsd",
    (
        rule(
            "/*",
            fatal(
                XSD_RULE_ID,
                "The document element must be a UBL 2.1 Invoice or CreditNote.",
                lambda e, d: False,
            ),
            where=lambda e, d: not has_schema(e),
        ),
    ),
)

PATTERNS = (STRUCTURE,)
