"""German national rules (DE-R-*) of PEPPOL BIS Billing 3.0.19, for German seller and buyer.

One pattern ("german-rules"), rule contexts and tests as in PEPPOL-EN16931-UBL.sch; messages are
the official assertion texts (whitespace inside DE-R-023-1 normalised to single spaces).
"""

# Official message texts stay whole on one line, so a finding can be searched for verbatim.
# ruff: noqa: E501

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal

from domain.validation.engine import Doc, Element, Pattern, fatal, rule, warning
from domain.validation.rules.national import customer_is_de, supplier_is_de, xs_double
from domain.validation.values import each, every, exists, first, norm, number, sv, text

# XR-SKONTO-REGEX of the official pattern
_SKONTO = re.compile(
    r"#(SKONTO)#TAGE=([0-9]+#PROZENT=[0-9]+\.[0-9]{2})(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#$"
)
# XR-EMAIL-REGEX and XR-TELEPHONE-REGEX backtrack polynomially on long hostile values, so they
# are checked piecewise, with the same answers on normalised text (see _email_ok, _telephone_ok)
_EMAIL_ATOM = re.compile(r"[a-zA-Z0-9!#$%&\"*+/=?^_`{|}~-]+")
_DOMAIN_LABEL = re.compile(r"[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?")
_DIGIT = re.compile(r"[0-9]")
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{0,30}$")
_LINE_BREAK = re.compile(r"\r?\n")
# XPath regexes: '.' excludes CR as well as LF, and '\s' is only space, tab, CR and LF
_SEGMENTS = re.compile(r"#[^\n\r]+#")
_BREAK_AFTER = re.compile(r"[ \t\n\r]*\n")
_XML_SPACE = re.compile(r"[ \t\n\r]")

_VAT_CODES = frozenset({"S", "Z", "E", "AE", "K", "G", "L", "M"})
_TYPE_CODES = frozenset({"326", "380", "384", "389", "381", "875", "876", "877"})


def _german(_el: Element, doc: Doc) -> bool:
    return supplier_is_de(doc) and customer_is_de(doc)


def _has(path: str) -> Callable[[Element, Doc], bool]:
    return lambda el, _doc: exists(el, path)


def _filled(path: str) -> Callable[[Element, Doc], bool]:
    """`path[boolean(normalize-space(.))]`: at least one such element with non-blank text."""
    return lambda el, _doc: any(norm(sv(x)) for x in each(el, path))


def _email_ok(value: str) -> bool:
    """matches(value, XR-EMAIL-REGEX): dot-separated atoms, '@', two or more domain labels."""
    local, at, domain = value.partition("@")
    if not at:
        return False
    labels = domain.split(".")
    return (
        all(_EMAIL_ATOM.fullmatch(atom) for atom in local.split("."))
        and len(labels) >= 2
        and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
    )


def _telephone_ok(value: str) -> bool:
    """matches(value, '.*([0-9].*){3,}.*') on a normalised value: three digits or more."""
    return len(_DIGIT.findall(value)) >= 3


def iban_ok(value: str) -> bool:
    """The official IBAN test: shape, then mod 97 over the code points as the rule maps them.

    As in the Schematron, only the country code is upper-cased; other letters map to their
    code point - 55 (so lower-case letters do not count as their upper-case equivalents).
    """
    iban = norm(_XML_SPACE.sub("", value))
    if _IBAN_SHAPE.search(iban) is None:
        return False
    moved = iban[4:] + iban[:2].upper() + iban[2:4]
    digits = "".join(str(ord(c) - 55) if ord(c) > 64 else str(ord(c) - 48) for c in moved)
    return int(digits) % 97 == 1


def _code_number(el: Element) -> Decimal | None:
    """`cbc:PaymentMeansCode` compared with a number (xs:double cast of the string value)."""
    code = first(el, "cbc:PaymentMeansCode")
    return None if code is None else number(sv(code))


def _means(*codes: int) -> Callable[[Element, Doc], bool]:
    return lambda el, doc: _german(el, doc) and _code_number(el) in codes


def _vat_codes_need_seller_tax_id(el: Element, _doc: Doc) -> bool:
    used = False
    for charge in each(el, "cac:AllowanceCharge"):
        # BT-95 (allowances, both the invoice and the credit note variable) and BT-102 (charges)
        indicated = any(sv(x) in ("false", "true") for x in each(charge, "cbc:ChargeIndicator"))
        if indicated and any(sv(c) in _VAT_CODES for c in each(charge, "cac:TaxCategory/cbc:ID")):
            used = True
    for line in every(el, "cac:InvoiceLine") + every(el, "cac:CreditNoteLine"):
        if any(
            sv(c) in _VAT_CODES for c in each(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
        ):
            used = True
    if not used:
        return True
    return exists(el, "cac:TaxRepresentativeParty") or any(
        norm(sv(x))
        for x in each(el, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID")
    )


def _type_code(el: Element, _doc: Doc) -> bool:
    return any(
        sv(x) in _TYPE_CODES
        for x in every(el, "cbc:InvoiceTypeCode") + every(el, "cbc:CreditNoteTypeCode")
    )


def _skonto(el: Element, _doc: Doc) -> bool:
    """DE-R-018 on the first note of each payment terms, as the official XPath reads it.

    Every '#' line must match the Skonto syntax, and `matches(cac:PaymentTerms/cbc:Note[1]/
    tokenize(., '#.+#')[last()], '^\\s*\\n')` must hold: the last segment of each first note
    (tokenize('') gives none); with notes in several payment terms that is a sequence, and
    matches() raises, so the assert fails."""
    notes = [sv(n) for t in each(el, "cac:PaymentTerms") if (n := first(t, "cbc:Note")) is not None]
    lines = [
        line for note in notes if note for line in _LINE_BREAK.split(note) if norm(line)[:1] == "#"
    ]
    if not lines:
        return True
    lasts = [_SEGMENTS.split(note)[-1] for note in notes if note]
    ends_with_break = len(lasts) == 1 and _BREAK_AFTER.match(lasts[0]) is not None
    return ends_with_break and all(_SKONTO.search(norm(line)) for line in lines)


def _unique_filenames(el: Element, _doc: Doc) -> bool:
    seen: set[str] = set()
    for ref in each(el, "cac:AdditionalDocumentReference"):
        names = [
            name
            for x in each(ref, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
            if (name := x.get("filename")) is not None
        ]
        if any(name in seen for name in names):
            return False
        seen.update(names)
    return True


def _corrected_has_reference(el: Element, _doc: Doc) -> bool:
    """`cbc:InvoiceTypeCode = 384` compares as xs:double: a type code that cannot be cast
    (not even to NaN) raises, and the assert fails."""
    codes = [sv(c) for c in every(el, "cbc:InvoiceTypeCode") + every(el, "cbc:CreditNoteTypeCode")]
    values = [xs_double(c) for c in codes]
    if any(math.isnan(v) and norm(c) != "NaN" for c, v in zip(codes, values, strict=True)):
        return False
    return 384 not in values or exists(el, "cac:BillingReference/cac:InvoiceDocumentReference")


def _creditor_id(el: Element, _doc: Doc) -> bool:
    if not exists(el, "cac:PaymentMeans/cac:PaymentMandate"):
        return True
    paths = (
        "cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification/cbc:ID",
        "cac:PayeeParty/cac:PartyIdentification/cbc:ID",
    )
    return any(x.get("schemeID") == "SEPA" for p in paths for x in each(el, p))


def _debited_account(el: Element, _doc: Doc) -> bool:
    return not exists(el, "cac:PaymentMeans/cac:PaymentMandate") or exists(
        el, "cac:PaymentMeans/cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"
    )


def _matches(path: str, test: Callable[[str], bool]) -> Callable[[Element, Doc], bool]:
    return lambda el, _doc: test(norm(text(el, path)))


def _none_of(*paths: str) -> Callable[[Element, Doc], bool]:
    return lambda el, _doc: not any(exists(el, p) for p in paths)


def _both(*roots: str) -> str:
    return " | ".join(f"/{r}" for r in roots)


def _under_root(path: str) -> str:
    return _both(f"ubl:Invoice/{path}", f"cn:CreditNote/{path}")


GERMANY = Pattern(
    "national-de",
    "de",
    (
        rule(
            "/ubl:Invoice | /cn:CreditNote",
            fatal(
                "DE-R-001",
                'An invoice shall contain information on "PAYMENT INSTRUCTIONS" (BG-16).',
                _has("cac:PaymentMeans"),
            ),
            fatal(
                "DE-R-015",
                'The element "Buyer reference" (BT-10) shall be provided.',
                _filled("cbc:BuyerReference"),
            ),
            fatal(
                "DE-R-016",
                'If one of the VAT codes S, Z, E, AE, K, G, L, or M is used, an invoice shall contain at least one of the following elements: "Seller VAT identifier" (BT-31) or "Seller tax registration identifier" (BT-32) or "SELLER TAX REPRESENTATIVE PARTY" (BG-11).',
                _vat_codes_need_seller_tax_id,
            ),
            warning(
                "DE-R-017",
                'The element "Invoice type code" (BT-3) should only contain the following values from code list UNTDID 1001: 326 (Partial invoice), 380 (Commercial invoice), 384 (Corrected invoice), 389 (Self-billed invoice), 381 (Credit note), 875 (Partial construction invoice), 876 (Partial final construction invoice), 877 (Final construction invoice).',
                _type_code,
            ),
            fatal(
                "DE-R-018",
                'Information on cash discounts for prompt payment (Skonto) shall be provided within the element "Payment terms" BT-20 in the following way: First segment "SKONTO", second segment amount of days ("TAGE=N"), third segment percentage ("PROZENT=N"). Percentage must be separated by dot with two decimal places. In case the base value of the invoiced amount is not provided in BT-115 but as a partial amount, the base value shall be provided as fourth segment "BASISBETRAG=N" as semantic data type amount. Each entry shall start with a #, the segments must be separated by # and a row shall end with a #. A complete statement on cash discount for prompt payment shall end with a XML-conformant line break. All statements on cash discount for prompt payment shall be given in capital letters. Additional whitespaces (blanks, tabulators or line breaks) are not allowed. Other characters or texts than defined above are not allowed.',
                _skonto,
            ),
            fatal(
                "DE-R-022",
                'Attached documents provided with an invoice in "ADDITIONAL SUPPORTING DOCUMENTS" (BG-24) shall have a unique filename (non case-sensitive) within the element ″Attached document″ (BT-125).',
                _unique_filenames,
            ),
            warning(
                "DE-R-026",
                'If "Invoice type code" (BT-3) contains the code 384 (Corrected invoice), "PRECEDING INVOICE REFERENCE" (BG-3) should be provided at least once.',
                _corrected_has_reference,
            ),
            fatal(
                "DE-R-030",
                'If the group "DIRECT DEBIT" (BG-19) is delivered, the element "Bank assigned creditor identifier" (BT-90) shall be provided.',
                _creditor_id,
            ),
            fatal(
                "DE-R-031",
                'If the group "DIRECT DEBIT" (BG-19) is delivered, the element "Debited account identifier" (BT-91) shall be provided.',
                _debited_account,
            ),
            where=_german,
        ),
        rule(
            _under_root("cac:AccountingSupplierParty"),
            fatal(
                "DE-R-002",
                'The group "SELLER CONTACT" (BG-6) shall be provided.',
                _has("cac:Party/cac:Contact"),
            ),
            where=_german,
        ),
        rule(
            _under_root("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"),
            fatal(
                "DE-R-003",
                'The element "Seller city" (BT-37) shall be provided.',
                _filled("cbc:CityName"),
            ),
            fatal(
                "DE-R-004",
                'The element "Seller post code" (BT-38) shall be provided.',
                _filled("cbc:PostalZone"),
            ),
            where=_german,
        ),
        rule(
            _under_root("cac:AccountingSupplierParty/cac:Party/cac:Contact"),
            fatal(
                "DE-R-005",
                'The element "Seller contact point" (BT-41) shall be provided.',
                _filled("cbc:Name"),
            ),
            fatal(
                "DE-R-006",
                'The element "Seller contact telephone number" (BT-42) shall be provided.',
                _filled("cbc:Telephone"),
            ),
            fatal(
                "DE-R-007",
                'The element "Seller contact email address" (BT-43) shall be provided.',
                _filled("cbc:ElectronicMail"),
            ),
            warning(
                "DE-R-027",
                '"Seller contact telephone number" (BT-42) should contain a valid telephone number. A valid telephone should consist of 3 digits minimum.',
                _matches("cbc:Telephone", _telephone_ok),
            ),
            warning(
                "DE-R-028",
                '"Seller contact email address" (BT-43) should contain exactly one @-sign, which should not be framed by a whitespace or a dot but by at least two characters on each side. A dot should not be the first or last character.',
                _matches("cbc:ElectronicMail", _email_ok),
            ),
            where=_german,
        ),
        rule(
            _under_root("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"),
            fatal(
                "DE-R-008",
                'The element "Buyer city" (BT-52) shall be provided.',
                _filled("cbc:CityName"),
            ),
            fatal(
                "DE-R-009",
                'The element "Buyer post code" (BT-53) shall be provided.',
                _filled("cbc:PostalZone"),
            ),
            where=_german,
        ),
        rule(
            _under_root("cac:Delivery/cac:DeliveryLocation/cac:Address"),
            fatal(
                "DE-R-010",
                'The element "Deliver to city" (BT-77) shall be provided if the group "DELIVER TO ADDRESS" (BG-15) is delivered.',
                _filled("cbc:CityName"),
            ),
            fatal(
                "DE-R-011",
                'The element "Deliver to post code" (BT-78) shall be provided if the group "DELIVER TO ADDRESS" (BG-15) is delivered.',
                _filled("cbc:PostalZone"),
            ),
            where=_german,
        ),
        rule(
            _under_root("cac:PaymentMeans"),
            warning(
                "DE-R-019",
                'The element "Payment account identifier" (BT-84) should contain a valid IBAN if code 58 SEPA is provided in "Payment means type code" (BT-81).',
                lambda e, d: (
                    not any(sv(c) == "58" for c in each(e, "cbc:PaymentMeansCode"))
                    or iban_ok(text(e, "cac:PayeeFinancialAccount/cbc:ID"))
                ),
            ),
            fatal(
                "DE-R-023-1",
                'If "Payment means type code" (BT-81) contains a code for credit transfer (30, 58), "CREDIT TRANSFER" (BG-17) shall be provided.',
                _has("cac:PayeeFinancialAccount"),
            ),
            fatal(
                "DE-R-023-2",
                'If "Payment means type code" (BT-81) contains a code for credit transfer (30, 58), BG-18 and BG-19 shall not be provided.',
                _none_of("cac:CardAccount", "cac:PaymentMandate"),
            ),
            where=_means(30, 58),
        ),
        rule(
            _under_root("cac:PaymentMeans"),
            fatal(
                "DE-R-024-1",
                'If "Payment means type code" (BT-81) contains a code for payment card (48, 54, 55), "PAYMENT CARD INFORMATION" (BG-18) shall be provided.',
                _has("cac:CardAccount"),
            ),
            fatal(
                "DE-R-024-2",
                'If "Payment means type code" (BT-81) contains a code for payment card (48, 54, 55), BG-17 and BG-19 shall not be provided.',
                _none_of("cac:PayeeFinancialAccount", "cac:PaymentMandate"),
            ),
            where=_means(48, 54, 55),
        ),
        rule(
            _under_root("cac:PaymentMeans"),
            warning(
                "DE-R-020",
                'The element "Debited account identifier" (BT-91) should contain a valid IBAN if code 59 SEPA is provided in "Payment means type code" (BT-81). ',
                lambda e, d: (
                    not any(sv(c) == "59" for c in each(e, "cbc:PaymentMeansCode"))
                    or iban_ok(text(e, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"))
                ),
            ),
            fatal(
                "DE-R-025-1",
                'If "Payment means type code" (BT-81) contains a code for direct debit (59), "DIRECT DEBIT" (BG-19) shall be provided.',
                _has("cac:PaymentMandate"),
            ),
            fatal(
                "DE-R-025-2",
                'If "Payment means type code" (BT-81) contains a code for direct debit (59), BG-17 and BG-18 shall not be provided.',
                _none_of("cac:PayeeFinancialAccount", "cac:CardAccount"),
            ),
            where=_means(59),
        ),
        rule(
            _under_root("cac:TaxTotal/cac:TaxSubtotal"),
            fatal(
                "DE-R-014",
                'The element "VAT category rate" (BT-119) shall be provided.',
                _filled("cac:TaxCategory/cbc:Percent"),
            ),
            where=_german,
        ),
    ),
)

PATTERNS = (GERMANY,)
