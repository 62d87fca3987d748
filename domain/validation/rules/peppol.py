"""PEPPOL BIS Billing 3.0 rules: PEPPOL-EN16931-R*, -CL*, -P*, -F*, PEPPOL-COMMON-R*."""

# Official message texts stay whole on one line, so a finding can be searched for verbatim.
# ruff: noqa: E501

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from lxml import etree

from domain.validation.codes import codes
from domain.validation.engine import (
    Doc,
    Element,
    Pattern,
    RuleContext,
    clark,
    doc_fact,
    fatal,
    rule,
    warning,
)
from domain.validation.rules.common import mod11_no
from domain.validation.values import (
    ONE,
    ZERO,
    ascii_digits,
    date_minutes,
    dec,
    dec_at,
    dec_or,
    each,
    every,
    exists,
    first,
    norm,
    ntext,
    only,
    round2,
    sv,
    text,
)

# The official regex as written: its dots are not escaped, so they match any character.
_PROFILE = re.compile(r"urn:fdc:peppol.eu:2017:poacc:billing:([0-9]{2}):1.0")


@doc_fact
def profile(doc: Doc) -> str:
    """$profile: the NN of urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0, or 'Unknown'."""
    value = norm(text(doc.root, "cbc:ProfileID"))
    if exists(doc.root, "cbc:ProfileID") and _PROFILE.search(value):
        tokens = value.split(":")
        return tokens[6] if len(tokens) > 6 else ""
    return "Unknown"


def _vat_company_prefix(doc: Doc, party_path: str) -> str:
    for pts in each(doc.root, party_path + "/cac:PartyTaxScheme"):
        if any(sv(x) == "VAT" for x in each(pts, "cac:TaxScheme/cbc:ID")):
            company = first(pts, "cbc:CompanyID")
            if company is not None:
                return sv(company)[:2]
    return ""


@doc_fact
def both_german(doc: Doc) -> bool:
    """$supplierCountryIsDE and $customerCountryIsDE (postal address countries)."""
    path = "cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
    return all(
        ntext(doc.root, f"{party}/{path}").upper() == "DE"
        for party in ("cac:AccountingSupplierParty", "cac:AccountingCustomerParty")
    )


@doc_fact
def supplier_country(doc: Doc) -> str:
    """$supplierCountry of the PEPPOL rules."""
    prefix = _vat_company_prefix(doc, "cac:AccountingSupplierParty/cac:Party")
    if not prefix:
        prefix = _vat_company_prefix(doc, "cac:TaxRepresentativeParty")
    if prefix:
        result = norm(prefix).upper()
    elif exists(
        doc.root,
        "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
    ):
        result = ntext(
            doc.root,
            "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        ).upper()
    else:
        result = "XX"
    return result


@doc_fact
def customer_country(doc: Doc) -> str:
    """$customerCountry of the PEPPOL rules."""
    prefix = _vat_company_prefix(doc, "cac:AccountingCustomerParty/cac:Party")
    if prefix:
        return norm(prefix).upper()
    path = (
        "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
    )
    if exists(doc.root, path):
        return ntext(doc.root, path).upper()
    return "XX"


def _text_nodes(el: Element) -> list[str]:
    """The text node children of el (`text()`): a comment or child element splits them."""
    return [t for t in (el.text, *(child.tail for child in el)) if t]


def _one_text(el: Element) -> str | None:
    """`text()` where one item is expected: None for no text node; more than one is the
    XPath type error XPTY0004."""
    nodes = _text_nodes(el)
    if len(nodes) > 1:
        raise ValueError("more than one text node")
    return nodes[0] if nodes else None


def _path_text(el: Element, path: str) -> str:
    """normalize-space(path/text()): '' when there is no text node, an error for several."""
    nodes = [t for node in each(el, path) for t in _text_nodes(node)]
    if len(nodes) > 1:
        raise ValueError(f"more than one text node at {path}")
    return norm(nodes[0]) if nodes else ""


def _slack(expected: Decimal, value: Decimal, slack: Decimal) -> bool:
    return expected + slack >= value and expected - slack <= value


_TWO_CENTS = Decimal("0.02")


def _r040(el: Element, _doc: Doc) -> bool:
    if not (exists(el, "cbc:MultiplierFactorNumeric") and exists(el, "cbc:BaseAmount")):
        return True
    amount = dec_at(el, "cbc:Amount") if exists(el, "cbc:Amount") else ZERO
    base = dec_at(el, "cbc:BaseAmount")
    factor = dec_at(el, "cbc:MultiplierFactorNumeric")
    if amount is None or base is None or factor is None:
        raise ValueError("not decimal")
    return _slack(amount, base * factor / 100, _TWO_CENTS)


def _r043(el: Element, _doc: Doc) -> bool:
    return _path_text(el, "cbc:ChargeIndicator") in ("true", "false")


def _r120(el: Element, doc: Doc) -> bool:
    line_amount = dec_or(el, "cbc:LineExtensionAmount", ZERO)
    qty_path = "cbc:InvoicedQuantity" if doc.is_invoice else "cbc:CreditedQuantity"
    quantity = dec_or(el, qty_path, ONE)
    price = dec_or(el, "cac:Price/cbc:PriceAmount", ZERO)
    base = dec_or(el, "cac:Price/cbc:BaseQuantity", ONE) or ONE
    allowances = ZERO
    charges = ZERO
    for ac in each(el, "cac:AllowanceCharge"):
        indicator = ntext(ac, "cbc:ChargeIndicator")
        for amount in each(ac, "cbc:Amount"):
            value = dec(sv(amount))
            if value is None:
                raise ValueError("amount")
            if indicator == "false":
                allowances += value
            elif indicator == "true":
                charges += value
    expected = quantity * (price / base) + round2(charges) - round2(allowances)
    return _slack(line_amount, expected, _TWO_CENTS)


def _r121(el: Element, _doc: Doc) -> bool:
    return dec_or(el, "cac:Price/cbc:BaseQuantity", ONE) > 0


def _r046(el: Element, _doc: Doc) -> bool:
    if not exists(el, "cbc:BaseAmount"):
        return True
    parent = el.getparent()
    price = None if parent is None else dec_at(parent, "cbc:PriceAmount")
    base, amount = dec_at(el, "cbc:BaseAmount"), dec_at(el, "cbc:Amount")
    if price is None or base is None or amount is None:
        raise ValueError("not decimal")
    return price == base - amount


def _r130(el: Element, doc: Doc) -> bool:
    line = el.getparent()
    line = None if line is None else line.getparent()
    if line is None:
        return True
    has_quantity = exists(line, "cbc:InvoicedQuantity") or exists(line, "cbc:CreditedQuantity")
    if not has_quantity:
        return True
    path = "cbc:InvoicedQuantity" if doc.is_invoice else "cbc:CreditedQuantity"
    return any(el.get("unitCode") == q.get("unitCode") for q in each(line, path))


def _line_period(field: str, later: bool) -> Callable[[Element, Doc], bool]:
    """R110/R111: xs:date(text()) >= (<=) xs:date(../../../cac:InvoicePeriod/cbc:<field>)."""

    def check(el: Element, _doc: Doc) -> bool:
        own = _one_text(el)
        if own is None:
            return False  # xs:date(()) is empty: the comparison is false
        document = _document_of(el)
        ref = None if document is None else only(document, f"cac:InvoicePeriod/cbc:{field}")
        own_date = date_minutes(own)
        ref_date = None if ref is None else date_minutes(sv(ref))
        if own_date is None or (ref is not None and ref_date is None):
            raise ValueError("not castable as xs:date")
        if ref_date is None:
            return False
        return own_date >= ref_date if later else own_date <= ref_date

    return check


def _document_of(el: Element) -> Element | None:
    """../../.. of a line period date: the invoice or credit note holding the line."""
    period = el.getparent()
    line = None if period is None else period.getparent()
    return None if line is None else line.getparent()


def _document_has(path: str) -> Callable[[Element, Doc], bool]:
    """The predicate on the document step: ubl-invoice:Invoice[<path>]/..."""

    def where(el: Element, _doc: Doc) -> bool:
        document = _document_of(el)
        return document is not None and exists(document, path)

    return where


def _r055(el: Element, _doc: Doc) -> bool:
    if not exists(el, "cbc:TaxCurrencyCode"):
        return True
    tax_currency = ntext(el, "cbc:TaxCurrencyCode")
    doc_currency = ntext(el, "cbc:DocumentCurrencyCode")
    amounts = every(el, "cac:TaxTotal/cbc:TaxAmount")
    in_tax = [_double(sv(x)) for x in amounts if x.get("currencyID") == tax_currency]
    in_doc = [_double(sv(x)) for x in amounts if x.get("currencyID") == doc_currency]
    if any(v <= 0 for v in in_tax) and any(v <= 0 for v in in_doc):
        return True
    return any(v >= 0 for v in in_tax) and any(v >= 0 for v in in_doc)


_XS_DOUBLE = re.compile(r"[+-]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|INF)|NaN")


def _double(value: str) -> float:
    """An untyped value compared with a number: cast to xs:double (NaN compares false);
    a value that is not a double is the cast error FORG0001."""
    value = value.strip(" \t\n\r")
    if not _XS_DOUBLE.fullmatch(value):
        raise ValueError(f"not castable as xs:double: {value!r}")
    return float(value)


def _r005(el: Element, _doc: Doc) -> bool:
    parent = el.getparent()
    document_currency = "" if parent is None else _path_text(parent, "cbc:DocumentCurrencyCode")
    return norm(_one_text(el)) != document_currency


def _r054(el: Element, _doc: Doc) -> bool:
    without = sum(1 for t in each(el, "cac:TaxTotal") if first(t, "cac:TaxSubtotal") is None)
    return without == (1 if exists(el, "cbc:TaxCurrencyCode") else 0)


def _multiplier_no_base(el: Element, _doc: Doc) -> bool:
    return exists(el, "cbc:MultiplierFactorNumeric") and not exists(el, "cbc:BaseAmount")


def _base_no_multiplier(el: Element, _doc: Doc) -> bool:
    return not exists(el, "cbc:MultiplierFactorNumeric") and exists(el, "cbc:BaseAmount")


def _direct_debit(el: Element, _doc: Doc) -> bool:
    return ntext(el, "cbc:PaymentMeansCode") in ("49", "59")


def _tax_total_with_subtotal(el: Element, _doc: Doc) -> bool:
    """Every amount except a tax total without subtotals (the one in accounting currency)."""
    if el.tag != clark("cbc:TaxAmount"):
        return True
    parent = el.getparent()
    if parent is None or parent.tag != clark("cac:TaxTotal"):
        return True
    return first(parent, "cac:TaxSubtotal") is not None


def _r051(el: Element, doc: Doc) -> bool:
    currencies = [sv(x) for x in each(doc.root, "cbc:DocumentCurrencyCode")]
    return el.get("currencyID") in currencies


def _gln(value: str) -> bool:
    if not ascii_digits(value):
        return False
    digits = [int(c) for c in value[:-1]][::-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    return (10 - total % 10) % 10 == int(value[-1])


def _mod97_0208(value: str) -> bool:
    try:
        return int(value[8:10]) == 97 - int(value[:8]) % 97
    except ValueError:
        return False


def _abn(value: str) -> bool:
    if len(value) != 11 or not ascii_digits(value):
        return False
    weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
    digits = [int(c) for c in value]
    digits[0] -= 1
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 89 == 0


def _ipa(value: str) -> bool:
    return len(value) == 6 and value.isascii() and value.isalnum()


def _cf(value: str) -> bool:
    if len(value) == 16:
        letters = value[:6] + value[8] + value[15]
        return (
            letters.isascii()
            and letters.isalpha()
            and _integer(value[6:8])
            and _integer(value[9:11])
            and _integer(value[14])
        )
    if len(value) == 11:
        return _integer(value)
    return False


def _integer(value: str) -> bool:
    """`castable as xs:integer`."""
    return re.fullmatch(r"[ \t\n\r]*[+-]?[0-9]+[ \t\n\r]*", value) is not None


def _piva(value: str) -> bool:
    if value[:2] not in ("IT", "it"):
        return True
    code = value[2:]
    if len(code) != 11 or not ascii_digits(code):
        return False
    total = 0
    for i, ch in enumerate(code):
        d = int(ch)
        total += int("0246813579"[d]) if i % 2 == 1 else d
    return total % 10 == 0


def luhn_se(value: str) -> bool:
    """u:checkSEOrgnr: Luhn check of a Swedish organisation number."""
    if not re.fullmatch(r"[0-9]+", value):
        return False
    main, check = value[:9], value[9:10]
    total = 0
    for pos in range(1, len(main) + 1):
        d = int(main[len(main) - pos])
        if pos % 2 == 1:
            d2 = d * 2
            total += d2 % 10 + d2 // 10
        else:
            total += d
    return ascii_digits(check) and (10 - total % 10) % 10 == int(check)


def _scheme(code: str) -> Callable[[Element, Doc], bool]:
    return lambda el, _doc: el.get("schemeID") == code


_IDS = "cbc:EndpointID | cac:PartyIdentification/cbc:ID | cbc:CompanyID"


def _common(
    rule_id: str,
    scheme: str,
    flag: str,
    message: str,
    check: Callable[[str], bool],
    path: str = _IDS,
) -> RuleContext:
    make = fatal if flag == "fatal" else warning
    return rule(
        path, make(rule_id, message, lambda el, _doc: check(norm(sv(el)))), where=_scheme(scheme)
    )


def _dk_cvr(el: Element, _doc: Doc) -> bool:
    value = sv(el)
    digits = value[2:] if value[:2] == "DK" else value
    return len(digits) == 8 and ascii_digits(digits)


_EMPTY_LEAVES = etree.XPath("descendant-or-self::*[not(*) and not(normalize-space())]")


@doc_fact
def _empty_leaves(doc: Doc) -> frozenset[Element]:
    """The rule's own context predicate, evaluated once per document by libxml2."""
    found = _EMPTY_LEAVES(doc.root)
    assert isinstance(found, list)
    return frozenset(x for x in found if isinstance(x, etree._Element))


def _indicator_is(value: str) -> Callable[[Element, Doc], bool]:
    """[../cbc:ChargeIndicator = 'value'] on a reason code: the string, not the boolean."""

    def where(el: Element, _doc: Doc) -> bool:
        parent = el.getparent()
        return parent is not None and any(
            sv(x) == value for x in each(parent, "cbc:ChargeIndicator")
        )

    return where


def _date_ok(el: Element, _doc: Doc) -> bool:
    """string-length(text()) = 10 and (string(.) castable as xs:date)"""
    return len(_one_text(el) or "") == 10 and date_minutes(sv(el)) is not None


def _in(name: str, attribute: str | None = None) -> Callable[[Element, Doc], bool]:
    def check(el: Element, _doc: Doc) -> bool:
        raw = el.get(attribute) if attribute else norm(_one_text(el))
        return raw in codes(name)

    return check


_P0100 = frozenset(
    "71 80 82 84 102 218 219 326 331 380 382 383 384 386 388 393 395 553 575 623 780 817 870 875 876 877".split()
)
_P0101 = frozenset("381 396 81 83 532".split())


def _p0100(el: Element, doc: Doc) -> bool:
    return profile(doc) != "01" or norm(_one_text(el)) in _P0100


def _p0101(el: Element, doc: Doc) -> bool:
    return profile(doc) != "01" or norm(_one_text(el)) in _P0101


def _p0112(el: Element, doc: Doc) -> bool:
    return norm(sv(el)) not in ("326", "384") or both_german(doc)


def _exemption(code: str) -> Callable[[Element, Doc], bool]:
    return lambda el, _doc: any(
        sv(x).upper() == code for x in each(el, "cbc:TaxExemptionReasonCode")
    )


def _category_is(code: str) -> Callable[[Element, Doc], bool]:
    return lambda el, _doc: ntext(el, "cbc:ID") == code


_AC_ANY = (
    "ubl:Invoice/cac:AllowanceCharge | ubl:Invoice/cac:InvoiceLine/cac:AllowanceCharge | "
    "cn:CreditNote/cac:AllowanceCharge | cn:CreditNote/cac:CreditNoteLine/cac:AllowanceCharge"
)
_CURRENCY_AMOUNTS = (
    "cbc:Amount | cbc:BaseAmount | cbc:PriceAmount | cac:TaxTotal/cbc:TaxAmount | "
    "cac:TaxSubtotal/cbc:TaxAmount | cbc:TaxableAmount | "
    "cbc:LineExtensionAmount | cbc:TaxExclusiveAmount | cbc:TaxInclusiveAmount | "
    "cbc:AllowanceTotalAmount | cbc:ChargeTotalAmount | cbc:PrepaidAmount | "
    "cbc:PayableRoundingAmount | cbc:PayableAmount"
)
_ALL_AMOUNTS = (
    "cbc:Amount | cbc:BaseAmount | cbc:PriceAmount | cbc:TaxAmount | cbc:TaxableAmount | "
    "cbc:LineExtensionAmount | cbc:TaxExclusiveAmount | cbc:TaxInclusiveAmount | "
    "cbc:AllowanceTotalAmount | cbc:ChargeTotalAmount | cbc:PrepaidAmount | "
    "cbc:PayableRoundingAmount | cbc:PayableAmount"
)


EMPTY = Pattern(
    "peppol-empty-elements",
    "peppol",
    (
        rule(
            "//*",
            fatal(
                "PEPPOL-EN16931-R008",
                "Document MUST not contain empty elements.",
                lambda e, d: False,
            ),
            where=lambda e, d: e in _empty_leaves(d),
        ),
    ),
)

CREDIT_NOTE = Pattern(
    "peppol-credit-note",
    "peppol",
    (
        rule(
            "cn:CreditNote",
            fatal(
                "PEPPOL-EN16931-R080",
                "Only one project reference is allowed on document level",
                lambda e, d: (
                    sum(
                        1
                        for a in each(e, "cac:AdditionalDocumentReference")
                        if any(sv(x) == "50" for x in each(a, "cbc:DocumentTypeCode"))
                    )
                    <= 1
                ),
            ),
        ),
    ),
)

TRANSACTION = Pattern(
    "peppol-transaction",
    "peppol",
    (
        rule(
            "cn:CreditNote | ubl:Invoice",
            fatal(
                "PEPPOL-EN16931-R001",
                "Business process MUST be provided.",
                lambda e, d: exists(e, "cbc:ProfileID"),
            ),
            fatal(
                "PEPPOL-EN16931-R007",
                "Business process MUST be in the format 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0' where NN indicates the process number.",
                lambda e, d: profile(d) != "Unknown",
            ),
            fatal(
                "PEPPOL-EN16931-R002",
                "No more than one note is allowed on document level, unless both the buyer and seller are German organizations.",
                lambda e, d: len(every(e, "cbc:Note")) <= 1 or both_german(d),
            ),
            fatal(
                "PEPPOL-EN16931-R003",
                "A buyer reference or purchase order reference MUST be provided.",
                lambda e, d: (
                    exists(e, "cbc:BuyerReference") or exists(e, "cac:OrderReference/cbc:ID")
                ),
            ),
            fatal(
                "PEPPOL-EN16931-R004",
                "Specification identifier MUST have the value 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0'.",
                lambda e, d: _path_text(e, "cbc:CustomizationID").startswith(
                    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
                ),
            ),
            fatal(
                "PEPPOL-EN16931-R053",
                "Only one tax total with tax subtotals MUST be provided.",
                lambda e, d: (
                    sum(
                        1
                        for t in each(e, "cac:TaxTotal")
                        if first(t, "cac:TaxSubtotal") is not None
                    )
                    == 1
                ),
            ),
            fatal(
                "PEPPOL-EN16931-R054",
                "Only one tax total without tax subtotals MUST be provided when tax currency code is provided.",
                _r054,
            ),
            fatal(
                "PEPPOL-EN16931-R055",
                "Invoice total VAT amount and Invoice total VAT amount in accounting currency MUST have the same operational sign",
                _r055,
            ),
        ),
        rule(
            "cbc:TaxCurrencyCode",
            fatal(
                "PEPPOL-EN16931-R005",
                "VAT accounting currency code MUST be different from invoice currency code when provided.",
                _r005,
            ),
        ),
        rule(
            "cac:AccountingCustomerParty/cac:Party",
            fatal(
                "PEPPOL-EN16931-R010",
                "Buyer electronic address MUST be provided",
                lambda e, d: exists(e, "cbc:EndpointID"),
            ),
        ),
        rule(
            "cac:AccountingSupplierParty/cac:Party",
            fatal(
                "PEPPOL-EN16931-R020",
                "Seller electronic address MUST be provided",
                lambda e, d: exists(e, "cbc:EndpointID"),
            ),
        ),
        rule(
            _AC_ANY,
            fatal(
                "PEPPOL-EN16931-R041",
                "Allowance/charge base amount MUST be provided when allowance/charge percentage is provided.",
                lambda e, d: False,
            ),
            where=_multiplier_no_base,
        ),
        rule(
            _AC_ANY,
            fatal(
                "PEPPOL-EN16931-R042",
                "Allowance/charge percentage MUST be provided when allowance/charge base amount is provided.",
                lambda e, d: False,
            ),
            where=_base_no_multiplier,
        ),
        rule(
            _AC_ANY,
            fatal(
                "PEPPOL-EN16931-R040",
                "Allowance/charge amount must equal base amount * percentage/100 if base amount and percentage exists",
                _r040,
            ),
            fatal(
                "PEPPOL-EN16931-R043",
                "Allowance/charge ChargeIndicator value MUST equal 'true' or 'false'",
                _r043,
            ),
        ),
        rule(
            "cac:PaymentMeans",
            fatal(
                "PEPPOL-EN16931-R061",
                "Mandate reference MUST be provided for direct debit.",
                lambda e, d: exists(e, "cac:PaymentMandate/cbc:ID"),
            ),
            where=_direct_debit,
        ),
        rule(
            _CURRENCY_AMOUNTS,
            fatal(
                "PEPPOL-EN16931-R051",
                "All currencyID attributes must have the same value as the invoice currency code (BT-5), except for the invoice total VAT amount in accounting currency (BT-111).",
                _r051,
            ),
            where=_tax_total_with_subtotal,
        ),
        rule(
            "ubl:Invoice/cac:InvoiceLine/cac:InvoicePeriod/cbc:StartDate | cn:CreditNote/cac:CreditNoteLine/cac:InvoicePeriod/cbc:StartDate",
            fatal(
                "PEPPOL-EN16931-R110",
                "Start date of line period MUST be within invoice period.",
                _line_period("StartDate", later=True),
            ),
            where=_document_has("cac:InvoicePeriod/cbc:StartDate"),
        ),
        rule(
            "ubl:Invoice/cac:InvoiceLine/cac:InvoicePeriod/cbc:EndDate | cn:CreditNote/cac:CreditNoteLine/cac:InvoicePeriod/cbc:EndDate",
            fatal(
                "PEPPOL-EN16931-R111",
                "End date of line period MUST be within invoice period.",
                _line_period("EndDate", later=False),
            ),
            where=_document_has("cac:InvoicePeriod/cbc:EndDate"),
        ),
        rule(
            "cac:InvoiceLine | cac:CreditNoteLine",
            fatal(
                "PEPPOL-EN16931-R120",
                "Invoice line net amount MUST equal (Invoiced quantity * (Item net price/item price base quantity) + Sum of invoice line charge amount - sum of invoice line allowance amount",
                _r120,
            ),
            fatal(
                "PEPPOL-EN16931-R121", "Base quantity MUST be a positive number above zero.", _r121
            ),
            fatal(
                "PEPPOL-EN16931-R100",
                "Only one invoiced object is allowed pr line",
                lambda e, d: len(every(e, "cac:DocumentReference")) <= 1,
            ),
            fatal(
                "PEPPOL-EN16931-R101",
                "Element Document reference can only be used for Invoice line object",
                lambda e, d: (
                    not exists(e, "cac:DocumentReference")
                    or any(
                        sv(x) == "130"
                        for x in each(e, "cac:DocumentReference/cbc:DocumentTypeCode")
                    )
                ),
            ),
        ),
        rule(
            "cac:Price/cac:AllowanceCharge",
            fatal(
                "PEPPOL-EN16931-R044",
                "Charge on price level is NOT allowed. Only value 'false' allowed.",
                lambda e, d: ntext(e, "cbc:ChargeIndicator") == "false",
            ),
            fatal(
                "PEPPOL-EN16931-R046",
                "Item net price MUST equal (Gross price - Allowance amount) when gross price is provided.",
                _r046,
            ),
        ),
        rule(
            "cac:Price/cbc:BaseQuantity",
            fatal(
                "PEPPOL-EN16931-R130",
                "Unit code of price base quantity MUST be same as invoiced quantity.",
                _r130,
            ),
            where=lambda e, d: e.get("unitCode") is not None,
        ),
        _common(
            "PEPPOL-COMMON-R040",
            "0088",
            "fatal",
            "GLN must have a valid format according to GS1 rules.",
            lambda v: re.fullmatch(r"[0-9]+", v) is not None and _gln(v),
        ),
        _common(
            "PEPPOL-COMMON-R041",
            "0192",
            "fatal",
            "Norwegian organization number MUST be stated in the correct format.",
            lambda v: re.fullmatch(r"[0-9]{9}", v) is not None and mod11_no(v),
        ),
        rule(
            _IDS,
            fatal(
                "PEPPOL-COMMON-R042",
                "Danish organization number (CVR) MUST be stated in the correct format.",
                _dk_cvr,
            ),
            where=_scheme("0184"),
        ),
        _common(
            "PEPPOL-COMMON-R043",
            "0208",
            "fatal",
            "Belgian enterprise number MUST be stated in the correct format.",
            lambda v: re.fullmatch(r"[0-9]{10}", v) is not None and _mod97_0208(v),
        ),
        _common(
            "PEPPOL-COMMON-R044",
            "0201",
            "warning",
            "IPA Code (Codice Univoco Unità Organizzativa) must be stated in the correct format",
            _ipa,
        ),
        _common(
            "PEPPOL-COMMON-R045",
            "0210",
            "warning",
            "Tax Code (Codice Fiscale) must be stated in the correct format",
            _cf,
        ),
        _common(
            "PEPPOL-COMMON-R046",
            "9907",
            "warning",
            "Tax Code (Codice Fiscale) must be stated in the correct format",
            _cf,
            path="cbc:EndpointID",
        ),
        _common(
            "PEPPOL-COMMON-R047",
            "0211",
            "warning",
            "Italian VAT Code (Partita Iva) must be stated in the correct format",
            _piva,
        ),
        _common(
            "PEPPOL-COMMON-R049",
            "0007",
            "fatal",
            "Swedish organization number MUST be stated in the correct format.",
            lambda v: len(v) == 10 and ascii_digits(v) and luhn_se(v),
        ),
        _common(
            "PEPPOL-COMMON-R050",
            "0151",
            "fatal",
            "Australian Business Number (ABN) MUST be stated in the correct format.",
            lambda v: re.fullmatch(r"[0-9]{11}", v) is not None and _abn(v),
        ),
    ),
)

CODES = Pattern(
    "peppol-codes",
    "peppol",
    (
        rule(
            "cbc:EmbeddedDocumentBinaryObject",
            fatal(
                "PEPPOL-EN16931-CL001",
                "Mime code must be according to subset of IANA code list.",
                lambda e, d: e.get("mimeCode") in codes("peppol_mime"),
            ),
            where=lambda e, d: e.get("mimeCode") is not None,
        ),
        rule(
            "cac:AllowanceCharge/cbc:AllowanceChargeReasonCode",
            fatal(
                "PEPPOL-EN16931-CL002",
                "Reason code MUST be according to subset of UNCL 5189 D.16B.",
                _in("peppol_uncl5189"),
            ),
            where=_indicator_is("false"),
        ),
        rule(
            "cac:AllowanceCharge/cbc:AllowanceChargeReasonCode",
            fatal(
                "PEPPOL-EN16931-CL003",
                "Reason code MUST be according to UNCL 7161 D.16B.",
                _in("peppol_uncl7161"),
            ),
            where=_indicator_is("true"),
        ),
        rule(
            "cac:InvoicePeriod/cbc:DescriptionCode",
            fatal(
                "PEPPOL-EN16931-CL006",
                "Invoice period description code must be according to UNCL 2005 D.16B.",
                _in("peppol_uncl2005"),
            ),
        ),
        rule(
            _ALL_AMOUNTS,
            fatal(
                "PEPPOL-EN16931-CL007",
                "Currency code must be according to ISO 4217:2005",
                lambda e, d: e.get("currencyID") in codes("peppol_iso4217"),
            ),
        ),
        rule(
            "cbc:InvoiceTypeCode",
            fatal(
                "PEPPOL-EN16931-P0100",
                "Invoice type code MUST be set according to the profile.",
                _p0100,
            ),
            fatal(
                "PEPPOL-EN16931-P0112",
                "Invoice type code 326 or 384 are only allowed when both buyer and seller are German organizations ",
                _p0112,
            ),
        ),
        rule(
            "cbc:CreditNoteTypeCode",
            fatal(
                "PEPPOL-EN16931-P0101",
                "Credit note type code MUST be set according to the profile.",
                _p0101,
            ),
        ),
        rule(
            "cbc:IssueDate | cbc:DueDate | cbc:TaxPointDate | cbc:StartDate | cbc:EndDate | cbc:ActualDeliveryDate",
            fatal("PEPPOL-EN16931-F001", "A date MUST be formatted YYYY-MM-DD.", _date_ok),
        ),
        rule(
            "cbc:EndpointID",
            fatal(
                "PEPPOL-EN16931-CL008",
                'Electronic address identifier scheme must be from the codelist "Electronic Address Identifier Scheme"',
                lambda e, d: e.get("schemeID") in codes("peppol_eas"),
            ),
            where=lambda e, d: e.get("schemeID") is not None,
        ),
        rule(
            "cac:TaxCategory",
            fatal(
                "PEPPOL-EN16931-P0104",
                "Tax Category G MUST be used when exemption reason code is VATEX-EU-G",
                _category_is("G"),
            ),
            where=_exemption("VATEX-EU-G"),
        ),
        rule(
            "cac:TaxCategory",
            fatal(
                "PEPPOL-EN16931-P0105",
                "Tax Category O MUST be used when exemption reason code is VATEX-EU-O",
                _category_is("O"),
            ),
            where=_exemption("VATEX-EU-O"),
        ),
        rule(
            "cac:TaxCategory",
            fatal(
                "PEPPOL-EN16931-P0106",
                "Tax Category K MUST be used when exemption reason code is VATEX-EU-IC",
                _category_is("K"),
            ),
            where=_exemption("VATEX-EU-IC"),
        ),
        rule(
            "cac:TaxCategory",
            fatal(
                "PEPPOL-EN16931-P0107",
                "Tax Category AE MUST be used when exemption reason code is VATEX-EU-AE",
                _category_is("AE"),
            ),
            where=_exemption("VATEX-EU-AE"),
        ),
        rule(
            "cac:TaxCategory",
            fatal(
                "PEPPOL-EN16931-P0108",
                "Tax Category E MUST be used when exemption reason code is VATEX-EU-D",
                _category_is("E"),
            ),
            where=_exemption("VATEX-EU-D"),
        ),
        rule(
            "cac:TaxCategory",
            fatal(
                "PEPPOL-EN16931-P0109",
                "Tax Category E MUST be used when exemption reason code is VATEX-EU-F",
                _category_is("E"),
            ),
            where=_exemption("VATEX-EU-F"),
        ),
        rule(
            "cac:TaxCategory",
            fatal(
                "PEPPOL-EN16931-P0110",
                "Tax Category E MUST be used when exemption reason code is VATEX-EU-I",
                _category_is("E"),
            ),
            where=_exemption("VATEX-EU-I"),
        ),
        rule(
            "cac:TaxCategory",
            fatal(
                "PEPPOL-EN16931-P0111",
                "Tax Category E MUST be used when exemption reason code is VATEX-EU-J",
                _category_is("E"),
            ),
            where=_exemption("VATEX-EU-J"),
        ),
    ),
)

PATTERNS = (EMPTY, CREDIT_NOTE, TRANSACTION, CODES)
