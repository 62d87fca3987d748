"""CEN EN 16931 VAT category rules: BR-S/Z/E/AE/K(IC)/G/O/L(AF)/M(AG)/B-*.

Each category has the same shape of rules (presence in the breakdown, seller/buyer identifiers,
rates on lines/allowances/charges, taxable amount and tax amount in the breakdown, exemption
reasons), so they are built from one table; the message texts are the official ones.
"""

# Official message texts stay whole on one line, so a finding can be searched for verbatim.
# ruff: noqa: E501

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from domain.validation.engine import (
    Assert,
    Doc,
    Element,
    RuleContext,
    clark,
    doc_fact,
    doc_memo,
    fatal,
    rule,
)
from domain.validation.rules.common import (
    breakdown_categories,
    buyer_legal_id,
    buyer_vat,
    charge_indicator,
    has_seller_company_id_any_scheme,
    is_allowance,
    is_charge,
    seller_vat,
    taxrep_vat,
)
from domain.validation.values import (
    ZERO,
    cat_id,
    dec,
    dec_at,
    each,
    every,
    exists,
    first,
    is_vat,
    norm,
    number,
    round2,
    sv,
    text,
    xs_decimal,
    xs_sum,
)

Party = Callable[[Doc], bool]


def _seller_any_or_rep(doc: Doc) -> bool:
    return has_seller_company_id_any_scheme(doc) or taxrep_vat(doc)


def _seller_vat_or_rep(doc: Doc) -> bool:
    return seller_vat(doc) or taxrep_vat(doc)


def _ae_parties(doc: Doc) -> bool:
    return _seller_any_or_rep(doc) and (buyer_vat(doc) or buyer_legal_id(doc))


def _k_parties(doc: Doc) -> bool:
    return _seller_vat_or_rep(doc) and buyer_vat(doc)


def _o_parties(doc: Doc) -> bool:
    return not seller_vat(doc) and not taxrep_vat(doc) and not buyer_vat(doc)


@dataclass(frozen=True)
class Category:
    code: str
    prefix: str  # rule id prefix, e.g. "BR-S"
    parties: Party
    exactly_one: bool  # -01 says "exactly one" (else "at least one")
    rate: str  # "zero" | "positive" | "non-negative" | "absent"
    exemption_reason: bool  # -10: reason required (True) or forbidden (False)
    per_rate: bool  # -08 per rate with +-1 tolerance (S, L, M) or exact sum
    messages: dict[str, str]
    # BR-AG-01 counts the breakdown categories 'M' with the VAT filter, BR-AF-01 without
    breakdown_vat_filter: bool = False
    # BR-AF-04: its "no such charge" branch compares cbc:ID = 'L' without normalize-space
    raw_charge_negative: bool = False


def _has_cat(cats: list[Element], code: str, *, vat_only: bool = True) -> bool:
    return any(cat_id(c) == code and (not vat_only or is_vat(c)) for c in cats)


def _doc_cats(doc: Doc) -> list[Element]:
    return doc.all("cac:TaxCategory")


def _line_cats(doc: Doc) -> list[Element]:
    return doc.all("cac:ClassifiedTaxCategory")


def _ac_cats(doc: Doc, charge: bool | None) -> list[Element]:
    """//cac:AllowanceCharge[cbc:ChargeIndicator = charge]/cac:TaxCategory (any when None)."""
    out: list[Element] = []
    for ac in doc.all("cac:AllowanceCharge"):
        if charge is not None and charge_indicator(ac) is not charge:
            continue
        out.extend(each(ac, "cac:TaxCategory"))
    return out


def _root_ac_cats(doc: Doc, charge: bool) -> list[Element]:
    return [
        c
        for ac in each(doc.root, "cac:AllowanceCharge")
        if charge_indicator(ac) is charge
        for c in each(ac, "cac:TaxCategory")
    ]


_KINDS: dict[str, Callable[[Doc], list[Element]]] = {
    "doc": _doc_cats,
    "line": _line_cats,
    "ac": lambda d: _ac_cats(d, None),
    "ac_true": lambda d: _ac_cats(d, True),
    "ac_false": lambda d: _ac_cats(d, False),
    "root_ac_true": lambda d: _root_ac_cats(d, True),
    "root_ac_false": lambda d: _root_ac_cats(d, False),
    "breakdown": breakdown_categories,
}


def _summary(doc: Doc, kind: str) -> Counter[tuple[str, bool]]:
    """How many categories of a kind there are per (normalized id, is VAT), once per document."""
    key = "vat-summary:" + kind
    found = doc.cache.get(key)
    if found is None:
        found = Counter((cat_id(c), is_vat(c)) for c in _KINDS[kind](doc))
        doc.cache[key] = found
    return found  # type: ignore[return-value]


def _count(doc: Doc, kind: str, code: str, *, vat_only: bool = True) -> int:
    summary = _summary(doc, kind)
    return summary[(code, True)] + (0 if vat_only else summary[(code, False)])


def _check_01(cat: Category) -> Callable[[Element, Doc], bool]:
    code = cat.code

    def check(el: Element, doc: Doc) -> bool:
        if cat.exactly_one:
            if not (_count(doc, "doc", code) or _count(doc, "line", code)):
                return True
            return _count(doc, "breakdown", code) == 1
        vat_only = code != "S"
        used = _count(doc, "ac", code, vat_only=vat_only) + _count(
            doc, "line", code, vat_only=vat_only
        )
        if not used:
            return _count(doc, "breakdown", code, vat_only=vat_only) == 0
        if code == "S":
            return _count(doc, "breakdown", code, vat_only=False) > 0
        # BR-AF-01 / BR-AG-01: count(cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory[cbc:ID = 'L'])
        # compares every cbc:ID as it is (no normalize-space); BR-AG-01 adds the VAT filter
        return any(
            any(sv(x) == code for x in each(c, "cbc:ID"))
            and (not cat.breakdown_vat_filter or is_vat(c))
            for c in breakdown_categories(doc)
        )

    return check


def _check_02(cat: Category) -> Callable[[Element, Doc], bool]:
    def check(el: Element, doc: Doc) -> bool:
        if not _count(doc, "line", cat.code):
            # BR-S-02's negative branch has no TaxScheme filter
            return cat.code != "S" or not _count(doc, "line", cat.code, vat_only=False)
        return cat.parties(doc)

    return check


def _check_03_04(cat: Category, charge: bool) -> Callable[[Element, Doc], bool]:
    kind = ("root_ac_" if cat.code == "O" else "ac_") + ("true" if charge else "false")
    raw_negative = charge and cat.raw_charge_negative

    def check(el: Element, doc: Doc) -> bool:
        if _count(doc, kind, cat.code) and cat.parties(doc):
            return True
        if raw_negative:
            # not(exists(//cac:AllowanceCharge[cbc:ChargeIndicator=true()]/cac:TaxCategory
            #     [cbc:ID='L'][cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']))
            return not any(
                is_vat(c) and any(sv(x) == cat.code for x in each(c, "cbc:ID"))
                for c in _ac_cats(doc, True)
            )
        return not _count(doc, kind, cat.code)

    return check


def _rate_check(kind: str) -> Callable[[Element, Doc], bool]:
    def check(el: Element, _doc: Doc) -> bool:
        found = first(el, "cbc:Percent")
        if kind == "absent":
            return found is None
        if found is None:
            return False
        value = number(sv(found)) if kind != "zero" else dec(sv(found))
        if value is None:
            return False
        if kind == "zero":
            return value == 0
        if kind == "positive":
            return value > 0
        return value >= 0

    return check


_INVOICE_LINE = "cac:InvoiceLine"
_CREDIT_NOTE_LINE = "cac:CreditNoteLine"
_LINE_KINDS = (_INVOICE_LINE, _CREDIT_NOTE_LINE)

_LineEntry = tuple[tuple[Element, ...], tuple[Element, ...]]


def _line_index(doc: Doc, line: str) -> list[_LineEntry]:
    """Per root-level line of a kind: its item categories and net amounts (once per document)."""
    key = "vat-line-index:" + line
    found = doc.cache.get(key)
    if found is None:
        tag = clark(line)
        found = [
            (
                tuple(each(el, "cac:Item/cac:ClassifiedTaxCategory")),
                tuple(each(el, "cbc:LineExtensionAmount")),
            )
            for el in doc.root
            if el.tag == tag
        ]
        doc.cache[key] = found
    return found  # type: ignore[return-value]


def _has_code(cats: tuple[Element, ...] | list[Element], code: str) -> bool:
    """[cac:TaxCategory/normalize-space(cbc:ID) = code] on an allowance/charge or a line item."""
    return any(cat_id(c) == code for c in cats)


def _rate_is(cats: tuple[Element, ...] | list[Element], rate: Decimal) -> bool:
    """[cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]: a rate that is not a decimal is an
    error of the whole assert, as the cast in the official rule is."""
    for cat in cats:
        for percent in each(cat, "cbc:Percent"):
            value = dec(sv(percent))
            if value is None:
                raise ValueError("VAT rate is not a decimal")
            if value == rate:
                return True
    return False


def _matches(cats: tuple[Element, ...] | list[Element], code: str, rate: Decimal | None) -> bool:
    return _has_code(cats, code) and (rate is None or _rate_is(cats, rate))


def _line_sum(doc: Doc, line: str, code: str, rate: Decimal | None) -> Decimal:
    """sum(../../../cac:InvoiceLine[item category code][item rate = $rate]/cbc:LineExtensionAmount)."""

    def compute() -> Decimal:
        return sum(
            (
                xs_sum(amounts)
                for cats, amounts in _line_index(doc, line)
                if _matches(cats, code, rate)
            ),
            ZERO,
        )

    return doc_memo(doc, f"vat-line-sum:{line}:{code}:{rate}", compute)


def _ac_sum(doc: Doc, code: str, charge: bool, rate: Decimal | None) -> Decimal:
    """sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=charge][category code][rate]/cbc:Amount)."""

    def compute() -> Decimal:
        total = ZERO
        for ac in each(doc.root, "cac:AllowanceCharge"):
            if charge_indicator(ac) is not charge:
                continue
            if _matches(every(ac, "cac:TaxCategory"), code, rate):
                total += xs_sum(every(ac, "cbc:Amount"))
        return total

    return doc_memo(doc, f"vat-ac-sum:{code}:{charge}:{rate}", compute)


def _expected(doc: Doc, line: str, code: str, rate: Decimal | None) -> Decimal:
    """Line net amounts + document level charges - document level allowances of a category."""
    return (
        _line_sum(doc, line, code, rate)
        + _ac_sum(doc, code, True, rate)
        - _ac_sum(doc, code, False, rate)
    )


def _s_08_used(doc: Doc, line: str, rate: Decimal) -> bool:
    """BR-S-08: exists(//cac:InvoiceLine[S][rate]) or exists(//cac:AllowanceCharge[S][rate])."""

    def compute() -> bool:
        return any(
            _matches(every(el, "cac:Item/cac:ClassifiedTaxCategory"), "S", rate)
            for el in doc.all(line)
        ) or any(
            _matches(every(ac, "cac:TaxCategory"), "S", rate)
            for ac in doc.all("cac:AllowanceCharge")
        )

    return doc_memo(doc, f"vat-s08-used:{line}:{rate}", compute)


def _check_08(cat: Category) -> Callable[[Element, Doc], bool]:
    """The taxable amount of a breakdown against its lines, allowances and charges.

    Every official -08 rule is an `or` of an Invoice branch (cac:InvoiceLine) and a Credit
    note branch (cac:CreditNoteLine), each with its own line sum; the categories with one
    rate per breakdown (S, L, M) compare the rates as xs:decimal and allow a difference
    of less than 1, the others require equality."""
    code = cat.code

    def exact(el: Element, doc: Doc) -> bool:
        subtotal = el.getparent()
        taxable = None if subtotal is None else dec_at(subtotal, "cbc:TaxableAmount")
        if taxable is None:
            return False
        return any(
            bool(doc.all(line)) and taxable == _expected(doc, line, code, None)
            for line in _LINE_KINDS
        )

    def per_rate(el: Element, doc: Doc) -> bool:
        rate = xs_decimal(el, "cbc:Percent")
        if rate is None:
            return True  # every $rate in () satisfies ...
        subtotal = el.getparent()
        taxable = None if subtotal is None else dec_at(subtotal, "cbc:TaxableAmount")
        if taxable is None:
            return False
        for line in _LINE_KINDS:
            used = _s_08_used(doc, line, rate) if code == "S" else bool(doc.all(line))
            if used and taxable - 1 < _expected(doc, line, code, rate) < taxable + 1:
                return True
        return False

    return per_rate if cat.per_rate else exact


def _check_09(cat: Category) -> Callable[[Element, Doc], bool]:
    def check(el: Element, _doc: Doc) -> bool:
        subtotal = el.getparent()
        if subtotal is None:
            return False
        tax = dec_at(subtotal, "cbc:TaxAmount")
        if tax is None:
            return False
        if not cat.per_rate:
            return tax == 0
        taxable = dec_at(subtotal, "cbc:TaxableAmount")
        percent = dec_at(el, "cbc:Percent")
        if taxable is None or percent is None:
            return False
        expected = round2(abs(taxable) * (percent / 100))
        return abs(tax) - 1 < expected < abs(tax) + 1

    return check


def _check_10(cat: Category) -> Callable[[Element, Doc], bool]:
    def check(el: Element, _doc: Doc) -> bool:
        has = exists(el, "cbc:TaxExemptionReason") or exists(el, "cbc:TaxExemptionReasonCode")
        return has if cat.exemption_reason else not has

    return check


def _where_cat(code: str) -> Callable[[Element, Doc], bool]:
    def where(el: Element, _doc: Doc) -> bool:
        return cat_id(el) == code and is_vat(el)  # both remembered per element for the run

    return where


def _where_ac_cat(code: str, charge: bool) -> Callable[[Element, Doc], bool]:
    def where(el: Element, doc: Doc) -> bool:
        parent = el.getparent()
        if parent is None:
            return False
        ok = is_charge(parent) if charge else is_allowance(parent)
        return ok and cat_id(el) == code and is_vat(el)

    return where


_DEP = "An Invoice that contains a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is"
_DCH = "An Invoice that contains a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is"
_LINE = "An Invoice that contains an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is"
_ANY = "An Invoice that contains an Invoice line (BG-25), a Document level allowance (BG-20) or a Document level charge (BG-21) where the VAT category code (BT-151, BT-95 or BT-102) is"
_SELLER3 = "shall contain the Seller VAT Identifier (BT-31), the Seller tax registration identifier (BT-32) and/or the Seller tax representative VAT identifier (BT-63)."
_SELLER3_CAP = "shall contain the Seller VAT Identifier (BT-31), the Seller Tax registration identifier (BT-32) and/or the Seller tax representative VAT identifier (BT-63)."
_AE_PARTIES = "shall contain the Seller VAT Identifier (BT-31), the Seller tax registration identifier (BT-32) and/or the Seller tax representative VAT identifier (BT-63) and the Buyer VAT identifier (BT-48) and/or the Buyer legal registration identifier (BT-47)."
_G_PARTIES = "shall contain the Seller VAT Identifier (BT-31) or the Seller tax representative VAT identifier (BT-63)."
_K_PARTIES = "shall contain the Seller VAT Identifier (BT-31) or the Seller tax representative VAT identifier (BT-63) and the Buyer VAT identifier (BT-48)."
_O_PARTIES = "shall not contain the Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) or the Buyer VAT identifier (BT-48)."
_SUM = "the VAT category taxable amount (BT-116) shall equal the sum of Invoice line net amounts (BT-131) minus the sum of Document level allowance amounts (BT-92) plus the sum of Document level charge amounts (BT-99) where the VAT category codes (BT-151, BT-95, BT-102) are"
_PER_RATE = "the VAT category taxable amount (BT-116) in a VAT breakdown (BG-23) shall equal the sum of Invoice line net amounts (BT-131) plus the sum of document level charge amounts (BT-99) minus the sum of document level allowance amounts (BT-92) where the VAT category code (BT-151, BT-102, BT-95) is"


def _per_rate_messages(prefix: str, name: str) -> dict[str, str]:
    return {
        "08": f'For each different value of VAT category rate (BT-119) where the VAT category code (BT-118) is "{name}", {_PER_RATE} "{name}" and the VAT rate (BT-152, BT-103, BT-96) equals the VAT category rate (BT-119).',
        "09": f'The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where VAT category code (BT-118) is "{name}" shall equal the VAT category taxable amount (BT-116) multiplied by the VAT category rate (BT-119).',
    }


CATEGORIES: tuple[Category, ...] = (
    Category(
        "AE",
        "BR-AE",
        _ae_parties,
        True,
        "zero",
        True,
        False,
        {
            "01": f'{_ANY} "Reverse charge" shall contain in the VAT Breakdown (BG-23) exactly one VAT category code (BT-118) equal with "VAT reverse charge".',
            "02": 'An Invoice that contains an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is "Reverse charge" shall contain the Seller VAT Identifier (BT-31), the Seller Tax registration identifier (BT-32) and/or the Seller tax representative VAT identifier (BT-63) and the Buyer VAT identifier (BT-48) and/or the Buyer legal registration identifier (BT-47).',
            "03": f'{_DEP} "Reverse charge" {_AE_PARTIES}',
            "04": f'{_DCH} "Reverse charge" {_AE_PARTIES}',
            "05": 'In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is "Reverse charge" the Invoiced item VAT rate (BT-152) shall be 0 (zero).',
            "06": 'In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is "Reverse charge" the Document level allowance VAT rate (BT-96) shall be 0 (zero).',
            "07": 'In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is "Reverse charge" the Document level charge VAT rate (BT-103) shall be 0 (zero).',
            "08": f'In a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Reverse charge" {_SUM} "Reverse charge".',
            "09": 'The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Reverse charge" shall be 0 (zero).',
            "10": 'A VAT breakdown (BG-23) with VAT Category code (BT-118) "Reverse charge" shall have a VAT exemption reason code (BT-121), meaning "Reverse charge" or the VAT exemption reason text (BT-120) "Reverse charge" (or the equivalent standard text in another language).',
        },
    ),
    Category(
        "E",
        "BR-E",
        _seller_any_or_rep,
        True,
        "zero",
        True,
        False,
        {
            "01": f'{_ANY} "Exempt from VAT" shall contain exactly one VAT breakdown (BG-23) with the VAT category code (BT-118) equal to "Exempt from VAT".',
            "02": f'{_LINE} "Exempt from VAT" {_SELLER3}',
            "03": f'{_DEP} "Exempt from VAT" {_SELLER3}',
            "04": f'{_DCH} "Exempt from VAT" {_SELLER3}',
            "05": 'In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is "Exempt from VAT", the Invoiced item VAT rate (BT-152) shall be 0 (zero).',
            "06": 'In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is "Exempt from VAT", the Document level allowance VAT rate (BT-96) shall be 0 (zero).',
            "07": 'In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is "Exempt from VAT", the Document level charge VAT rate (BT-103) shall be 0 (zero).',
            "08": f'In a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Exempt from VAT" {_SUM} "Exempt from VAT".',
            "09": 'The VAT category tax amount (BT-117) In a VAT breakdown (BG-23) where the VAT category code (BT-118) equals "Exempt from VAT" shall equal 0 (zero).',
            "10": 'A VAT breakdown (BG-23) with VAT Category code (BT-118) "Exempt from VAT" shall have a VAT exemption reason code (BT-121) or a VAT exemption reason text (BT-120).',
        },
    ),
    Category(
        "G",
        "BR-G",
        _seller_vat_or_rep,
        True,
        "zero",
        True,
        False,
        {
            "01": f'{_ANY} "Export outside the EU" shall contain in the VAT breakdown (BG-23) exactly one VAT category code (BT-118) equal with "Export outside the EU".',
            "02": f'{_LINE} "Export outside the EU" {_G_PARTIES}',
            "03": f'{_DEP} "Export outside the EU" {_G_PARTIES}',
            "04": f'{_DCH} "Export outside the EU" {_G_PARTIES}',
            "05": 'In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is "Export outside the EU" the Invoiced item VAT rate (BT-152) shall be 0 (zero).',
            "06": 'In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is "Export outside the EU" the Document level allowance VAT rate (BT-96) shall be 0 (zero).',
            "07": 'In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is "Export outside the EU" the Document level charge VAT rate (BT-103) shall be 0 (zero).',
            "08": f'In a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Export outside the EU" {_SUM} "Export outside the EU".',
            "09": 'The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Export outside the EU" shall be 0 (zero).',
            "10": 'A VAT breakdown (BG-23) with the VAT Category code (BT-118) "Export outside the EU" shall have a VAT exemption reason code (BT-121), meaning "Export outside the EU" or the VAT exemption reason text (BT-120) "Export outside the EU" (or the equivalent standard text in another language).',
        },
    ),
    Category(
        "K",
        "BR-IC",
        _k_parties,
        True,
        "zero",
        True,
        False,
        {
            "01": f'{_ANY} "Intra-community supply" shall contain in the VAT breakdown (BG-23) exactly one VAT category code (BT-118) equal with "Intra-community supply".',
            "02": f'{_LINE} "Intra-community supply" {_K_PARTIES}',
            "03": f'{_DEP} "Intra-community supply" {_K_PARTIES}',
            "04": f'{_DCH} "Intra-community supply" {_K_PARTIES}',
            "05": 'In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is "Intracommunity supply" the Invoiced item VAT rate (BT-152) shall be 0 (zero).',
            "06": 'In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is "Intra-community supply" the Document level allowance VAT rate (BT-96) shall be 0 (zero).',
            "07": 'In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is "Intra-community supply" the Document level charge VAT rate (BT-103) shall be 0 (zero).',
            "08": f'In a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Intra-community supply" {_SUM} "Intra-community supply".',
            "09": 'The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Intra-community supply" shall be 0 (zero).',
            "10": 'A VAT breakdown (BG-23) with the VAT Category code (BT-118) "Intra-community supply" shall have a VAT exemption reason code (BT-121), meaning "Intra-community supply" or the VAT exemption reason text (BT-120) "Intra-community supply" (or the equivalent standard text in another language).',
        },
    ),
    Category(
        "L",
        "BR-AF",
        _seller_any_or_rep,
        False,
        "non-negative",
        False,
        True,
        {
            "01": f'{_ANY} "IGIC" shall contain in the VAT breakdown (BG-23) at least one VAT category code (BT-118) equal with "IGIC".',
            "02": f'{_LINE} "IGIC" {_SELLER3}',
            "03": f'{_DEP} "IGIC" {_SELLER3}',
            "04": f'{_DCH} "IGIC" {_SELLER3_CAP}',
            "05": 'In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is "IGIC" the invoiced item VAT rate (BT-152) shall be 0 (zero) or greater than zero.',
            "06": 'In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is "IGIC" the Document level allowance VAT rate (BT-96) shall be 0 (zero) or greater than zero.',
            "07": 'In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is "IGIC" the Document level charge VAT rate (BT-103) shall be 0 (zero) or greater than zero.',
            **_per_rate_messages("BR-AF", "IGIC"),
            "10": 'A VAT breakdown (BG-23) with VAT Category code (BT-118) "IGIC" shall not have a VAT exemption reason code (BT-121) or VAT exemption reason text (BT-120).',
        },
        raw_charge_negative=True,
    ),
    Category(
        "M",
        "BR-AG",
        _seller_any_or_rep,
        False,
        "non-negative",
        False,
        True,
        {
            "01": f'{_ANY} "IPSI" shall contain in the VAT breakdown (BG-23) at least one VAT category code (BT-118) equal with "IPSI".',
            "02": f'{_LINE} "IPSI" {_SELLER3}',
            "03": f'{_DEP} "IPSI" {_SELLER3_CAP}',
            "04": f'{_DCH} "IPSI" {_SELLER3_CAP}',
            "05": 'In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is "IPSI" the Invoiced item VAT rate (BT-152) shall be 0 (zero) or greater than zero.',
            "06": 'In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is "IPSI" the Document level allowance VAT rate (BT-96) shall be 0 (zero) or greater than zero.',
            "07": 'In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is "IPSI" the Document level charge VAT rate (BT-103) shall be 0 (zero) or greater than zero.',
            **_per_rate_messages("BR-AG", "IPSI"),
            "10": 'A VAT breakdown (BG-23) with VAT Category code (BT-118) "IPSI" shall not have a VAT exemption reason code (BT-121) or VAT exemption reason text (BT-120).',
        },
        breakdown_vat_filter=True,
    ),
    Category(
        "O",
        "BR-O",
        _o_parties,
        True,
        "absent",
        True,
        False,
        {
            "01": f'{_ANY} "Not subject to VAT" shall contain exactly one VAT breakdown group (BG-23) with the VAT category code (BT-118) equal to "Not subject to VAT".',
            "02": f'{_LINE} "Not subject to VAT" {_O_PARTIES}',
            "03": f'{_DEP} "Not subject to VAT" {_O_PARTIES}',
            "04": f'{_DCH} "Not subject to VAT" {_O_PARTIES}',
            "05": 'An Invoice line (BG-25) where the VAT category code (BT-151) is "Not subject to VAT" shall not contain an Invoiced item VAT rate (BT-152).',
            "06": 'A Document level allowance (BG-20) where VAT category code (BT-95) is "Not subject to VAT" shall not contain a Document level allowance VAT rate (BT-96).',
            "07": 'A Document level charge (BG-21) where the VAT category code (BT-102) is "Not subject to VAT" shall not contain a Document level charge VAT rate (BT-103).',
            "08": f'In a VAT breakdown (BG-23) where the VAT category code (BT-118) is " Not subject to VAT" {_SUM} "Not subject to VAT".',
            "09": 'The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Not subject to VAT" shall be 0 (zero).',
            "10": 'A VAT breakdown (BG-23) with VAT Category code (BT-118) " Not subject to VAT" shall have a VAT exemption reason code (BT-121), meaning " Not subject to VAT" or a VAT exemption reason text (BT-120) " Not subject to VAT" (or the equivalent standard text in another language).',
        },
    ),
    Category(
        "S",
        "BR-S",
        _seller_any_or_rep,
        False,
        "positive",
        False,
        True,
        {
            "01": f'{_ANY} "Standard rated" shall contain in the VAT breakdown (BG-23) at least one VAT category code (BT-118) equal with "Standard rated".',
            "02": f'{_LINE} "Standard rated" {_SELLER3}',
            "03": f'{_DEP} "Standard rated" {_SELLER3}',
            "04": f'{_DCH} "Standard rated" {_SELLER3}',
            "05": 'In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is "Standard rated" the Invoiced item VAT rate (BT-152) shall be greater than zero.',
            "06": 'In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is "Standard rated" the Document level allowance VAT rate (BT-96) shall be greater than zero.',
            "07": 'In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is "Standard rated" the Document level charge VAT rate (BT-103) shall be greater than zero.',
            **_per_rate_messages("BR-S", "Standard rated"),
            "10": 'A VAT breakdown (BG-23) with VAT Category code (BT-118) "Standard rate" shall not have a VAT exemption reason code (BT-121) or VAT exemption reason text (BT-120).',
        },
    ),
    Category(
        "Z",
        "BR-Z",
        _seller_any_or_rep,
        True,
        "zero",
        False,
        False,
        {
            "01": f'{_ANY} "Zero rated" shall contain in the VAT breakdown (BG-23) exactly one VAT category code (BT-118) equal with "Zero rated".',
            "02": f'An Invoice that contains an Invoice line where the Invoiced item VAT category code (BT-151) is "Zero rated" {_SELLER3}',
            "03": f'{_DEP} "Zero rated" {_SELLER3}',
            "04": f'An Invoice that contains a Document level charge where the Document level charge VAT category code (BT-102) is "Zero rated" {_SELLER3}',
            "05": 'In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is "Zero rated" the Invoiced item VAT rate (BT-152) shall be 0 (zero).',
            "06": 'In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is "Zero rated" the Document level allowance VAT rate (BT-96) shall be 0 (zero).',
            "07": 'In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is "Zero rated" the Document level charge VAT rate (BT-103) shall be 0 (zero).',
            "08": 'In a VAT breakdown (BG-23) where VAT category code (BT-118) is "Zero rated" the VAT category taxable amount (BT-116) shall equal the sum of Invoice line net amount (BT-131) minus the sum of Document level allowance amounts (BT-92) plus the sum of Document level charge amounts (BT-99) where the VAT category codes (BT-151, BT-95, BT-102) are "Zero rated".',
            "09": 'The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where VAT category code (BT-118) is "Zero rated" shall equal 0 (zero).',
            "10": 'A VAT breakdown (BG-23) with VAT Category code (BT-118) "Zero rated" shall not have a VAT exemption reason code (BT-121) or VAT exemption reason text (BT-120).',
        },
    ),
)


def root_asserts(cat: Category) -> tuple[Assert, ...]:
    """BR-x-01..04, tested on the document root."""
    m, p = cat.messages, cat.prefix
    return (
        fatal(f"{p}-01", m["01"], _check_01(cat)),
        fatal(f"{p}-02", m["02"], _check_02(cat)),
        fatal(f"{p}-03", m["03"], _check_03_04(cat, charge=False)),
        fatal(f"{p}-04", m["04"], _check_03_04(cat, charge=True)),
    )


def category_rules(cat: Category) -> tuple[RuleContext, ...]:
    """Breakdown, allowance, charge and line contexts of one category, in official order."""
    m, p, code = cat.messages, cat.prefix, cat.code
    return (
        rule(
            "/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory",
            fatal(f"{p}-08", m["08"], _check_08(cat)),
            fatal(f"{p}-09", m["09"], _check_09(cat)),
            fatal(f"{p}-10", m["10"], _check_10(cat)),
            where=_where_cat(code),
        ),
        rule(
            "cac:AllowanceCharge/cac:TaxCategory",
            fatal(f"{p}-06", m["06"], _rate_check(cat.rate)),
            where=_where_ac_cat(code, charge=False),
        ),
        rule(
            "cac:AllowanceCharge/cac:TaxCategory",
            fatal(f"{p}-07", m["07"], _rate_check(cat.rate)),
            where=_where_ac_cat(code, charge=True),
        ),
        rule(
            "cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory | cac:CreditNoteLine/cac:Item/cac:ClassifiedTaxCategory",
            fatal(f"{p}-05", m["05"], _rate_check(cat.rate)),
            where=_where_cat(code),
        ),
    )


def _breakdown_has(doc: Doc, code: str) -> bool:
    return _count(doc, "breakdown", code) > 0


def _br_ic_11(el: Element, doc: Doc) -> bool:
    if not _breakdown_has(doc, "K"):
        return True
    return len(text(el, "cac:Delivery/cbc:ActualDeliveryDate")) > 1 or (
        first(el, "cac:InvoicePeriod/*") is not None
    )


def _br_ic_12(el: Element, doc: Doc) -> bool:
    if not _breakdown_has(doc, "K"):
        return True
    return (
        len(
            text(
                el,
                "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode",
            )
        )
        > 1
    )


def _br_o_11(el: Element, doc: Doc) -> bool:
    if not _breakdown_has(doc, "O"):
        return True
    return not any(is_vat(c) and cat_id(c) != "O" for c in breakdown_categories(doc))


def _br_o_12(el: Element, doc: Doc) -> bool:
    if not _breakdown_has(doc, "O"):
        return True
    return not any(vat and code != "O" for code, vat in _summary(doc, "line"))


def _br_o_13_14(charge: bool) -> Callable[[Element, Doc], bool]:
    def check(el: Element, doc: Doc) -> bool:
        if not _breakdown_has(doc, "O"):
            return True
        kind = "ac_true" if charge else "ac_false"
        return not any(vat and code != "O" for code, vat in _summary(doc, kind))

    return check


def _any_b_or(doc: Doc, code: str) -> bool:
    return code in _category_ids(doc)


@doc_fact
def _category_ids(doc: Doc) -> frozenset[str]:
    """The string values of every //cac:TaxCategory/cbc:ID and //cac:ClassifiedTaxCategory/cbc:ID."""
    return frozenset(sv(x) for x in each(doc.root, ".//cac:TaxCategory/cbc:ID")) | frozenset(
        sv(x) for x in each(doc.root, ".//cac:ClassifiedTaxCategory/cbc:ID")
    )


def _br_b_01(el: Element, doc: Doc) -> bool:
    if not _any_b_or(doc, "B"):
        return True
    return not any(sv(x) != "IT" for x in doc.all("cbc:IdentificationCode"))


def _ids_equal(nodes: list[Element], code: str) -> bool:
    """`path/cbc:ID = 'code'`: a general comparison of the string values, not normalized."""
    return any(sv(x) == code for x in nodes)


def _br_b_02(el: Element, doc: Doc) -> bool:
    """B is looked for in the breakdown, the document level allowances and charges and the
    line items; S only in `cac:TaxTotal/cac:TaxSubtotal/cbc:ID` (which UBL does not have, so the
    breakdown never counts), the document level allowances and charges and the line items."""
    root = doc.root
    lines = doc.all("cac:ClassifiedTaxCategory")
    line_ids = [x for c in lines for x in each(c, "cbc:ID")]
    ac_ids = every(root, "cac:AllowanceCharge/cac:TaxCategory/cbc:ID")
    b = (
        _ids_equal(every(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID"), "B")
        or _ids_equal(ac_ids, "B")
        or _ids_equal(line_ids, "B")
    )
    if not b:
        return True
    s = (
        _ids_equal(every(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:ID"), "S")
        or _ids_equal(ac_ids, "S")
        or _ids_equal(line_ids, "S")
    )
    return not s


_BY_CODE = {c.code: c for c in CATEGORIES}

# Root asserts in the official order: AE-01..04, (BR-CO-03 .. BR-DEC-15 in cen_model), E, G, IC,
# IC-11/12, AF, AG, O, O-11..14, S, Z, B.
ROOT_VAT_AE = root_asserts(_BY_CODE["AE"])
ROOT_VAT_REST: tuple[Assert, ...] = (
    *root_asserts(_BY_CODE["E"]),
    *root_asserts(_BY_CODE["G"]),
    *root_asserts(_BY_CODE["K"]),
    fatal(
        "BR-IC-11",
        'In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Intra-community supply" the Actual delivery date (BT-72) or the Invoicing period (BG-14) shall not be blank.',
        _br_ic_11,
    ),
    fatal(
        "BR-IC-12",
        'In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Intra-community supply" the Deliver to country code (BT-80) shall not be blank.',
        _br_ic_12,
    ),
    *root_asserts(_BY_CODE["L"]),
    *root_asserts(_BY_CODE["M"]),
    *root_asserts(_BY_CODE["O"]),
    fatal(
        "BR-O-11",
        'An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "Not subject to VAT" shall not contain other VAT breakdown groups (BG-23).',
        _br_o_11,
    ),
    fatal(
        "BR-O-12",
        'An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "Not subject to VAT" shall not contain an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is not "Not subject to VAT".',
        _br_o_12,
    ),
    fatal(
        "BR-O-13",
        'An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "Not subject to VAT" shall not contain Document level allowances (BG-20) where Document level allowance VAT category code (BT-95) is not "Not subject to VAT".',
        _br_o_13_14(False),
    ),
    fatal(
        "BR-O-14",
        'An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "Not subject to VAT" shall not contain Document level charges (BG-21) where Document level charge VAT category code (BT-102) is not "Not subject to VAT".',
        _br_o_13_14(True),
    ),
    *root_asserts(_BY_CODE["S"]),
    *root_asserts(_BY_CODE["Z"]),
    fatal(
        "BR-B-01",
        "An Invoice where the VAT category code (BT-151, BT-95 or BT-102) is “Split payment” shall be a domestic Italian invoice.",
        _br_b_01,
    ),
    fatal(
        "BR-B-02",
        'An Invoice that contains an Invoice line (BG-25), a Document level allowance (BG-20) or a Document level charge (BG-21) where the VAT category code (BT-151, BT-95 or BT-102) is “Split payment" shall not contain an invoice line (BG-25), a Document level allowance (BG-20) or  a Document level charge (BG-21) where the VAT category code (BT-151, BT-95 or BT-102) is “Standard rated”.',
        _br_b_02,
    ),
)

CATEGORY_RULES: tuple[RuleContext, ...] = tuple(
    rc
    for code in ("AE", "E", "G", "K", "L", "M", "O", "S", "Z")
    for rc in category_rules(_BY_CODE[code])
)

_unused = (norm,)
