"""CEN EN 16931 model rules (BR-*, BR-CO-*, BR-DEC-*), UBL binding, except the VAT categories.

Each `rule(...)` is one Schematron rule context of pattern "UBL-model", in the official order
(the first matching context wins); messages are the official texts without the "[ID]-" prefix.
"""

# Official message texts stay whole on one line, so a finding can be searched for verbatim.
# ruff: noqa: E501

from __future__ import annotations

from decimal import Decimal

from domain.validation.engine import Doc, Element, RuleContext, doc_fact, fatal, rule, warning
from domain.validation.rules.common import (
    ROOT,
    doc_allowance_charges,
    is_allowance,
    is_charge,
    lines,
)
from domain.validation.values import (
    ZERO,
    date_minutes,
    dec,
    decimals,
    each,
    every,
    exists,
    first,
    is_vat,
    norm,
    num_at,
    number,
    only,
    round2,
    sv,
    xround,
    xs_decimal,
    xs_sum,
)

# UNCL 4451 as BR-CL-08 lists it, between spaces: the rule is contains(list, code)
_NOTE_SUBJECTS = (
    " "
    + " ".join(
        """AAA AAB AAC AAD AAE AAF AAG AAI AAJ AAK AAL AAM AAN AAO AAP AAQ AAR AAS AAT AAU AAV AAW AAX
    AAY AAZ ABA ABB ABC ABD ABE ABF ABG ABH ABI ABJ ABK ABL ABM ABN ABO ABP ABQ ABR ABS ABT ABU ABV
    ABW ABX ABZ ACA ACB ACC ACD ACE ACF ACG ACH ACI ACJ ACK ACL ACM ACN ACO ACP ACQ ACR ACS ACT ACU
    ACV ACW ACX ACY ACZ ADA ADB ADC ADD ADE ADF ADG ADH ADI ADJ ADK ADL ADM ADN ADO ADP ADQ ADR ADS
    ADT ADU ADV ADW ADX ADY ADZ AEA AEB AEC AED AEE AEF AEG AEH AEI AEJ AEK AEL AEM AEN AEO AEP AEQ
    AER AES AET AEU AEV AEW AEX AEY AEZ AFA AFB AFC AFD AFE AFF AFG AFH AFI AFJ AFK AFL AFM AFN AFO
    AFP AFQ AFR AFS AFT AFU AFV AFW AFX AFY AFZ AGA AGB AGC AGD AGE AGF AGG AGH AGI AGJ AGK AGL AGM
    AGN AGO AGP AGQ AGR AGS AGT AGU AGV AGW AGX AGY AGZ AHA AHB AHC AHD AHE AHF AHG AHH AHI AHJ AHK
    AHL AHM AHN AHO AHP AHQ AHR AHS AHT AHU AHV AHW AHX AHY AHZ AIA AIB AIC AID AIE AIF AIG AIH AII
    AIJ AIK AIL AIM AIN AIO AIP AIQ AIR AIS AIT AIU AIV AIW AIX AIY AIZ AJA AJB ALC ALD ALE ALF ALG
    ALH ALI ALJ ALK ALL ALM ALN ALO ALP ALQ ARR ARS AUT AUU AUV AUW AUX AUY AUZ AVA AVB AVC AVD AVE
    AVF BAG BAH BAI BAJ BAK BAL BAM BAN BAO BAP BAQ BAR BAS BLC BLD BLE BLF BLG BLH BLI BLJ BLK BLL
    BLM BLN BLO BLP BLQ BLR BLS BLT BLU BLV BLW BLX BLY BLZ BMA BMB BMC BMD BME CCI CEX CHG CIP CLP
    CLR COI CUR CUS DAR DCL DEL DIN DOC DUT EUR FBC GBL GEN GS7 HAN HAZ ICN IIN IMI IND INS INV IRP
    ITR ITS LAN LIN LOI MCO MDH MKS ORI OSI PAC PAI PAY PKG PKT PMD PMT PRD PRF PRI PUR QIN QQD QUT
    RAH REG RET REV RQR SAF SIC SIN SLR SPA SPG SPH SPP SPT SRN SSR SUR TCA TDT TRA TRR TXD WHI
    ZZZ""".split()
    )
    + " "
)

# BR-CO-09 tests contains(' 1A AD ... ZW ', substring(cbc:CompanyID,1,2)): the official list, with
# its surrounding spaces (ISO 3166-1 alpha-2, EL for Greece, 1A Kosovo, XI Northern Ireland).
_VAT_PREFIXES = (
    " 1A AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN "
    "BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE "
    "DJ DK DM DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM "
    "GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP "
    "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH "
    "MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM "
    "PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ "
    "SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA "
    "UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI YE YT ZA ZM ZW "
)


def _max2(el: Element, path: str) -> bool:
    """BR-DEC: string-length(substring-after(path,'.')) <= 2 (a second node is an error)."""
    node = only(el, path)
    return node is None or decimals(sv(node)) <= 2


def _sum(elements: list[Element], path: str) -> Decimal:
    """sum(elements/xs:decimal(path)); a non-decimal raises like xs:decimal() would."""
    return xs_sum(x for el in elements for x in each(el, path))


def _ge0(el: Element, path: str) -> bool:
    """XPath `(path) >= 0` with an untyped value: false when absent or not numeric."""
    return any((v := number(sv(x))) is not None and v >= 0 for x in each(el, path))


def _filled(el: Element, path: str) -> bool:
    """normalize-space(path) != ''"""
    return _norm1(el, path) != ""


def _norm1(el: Element, path: str) -> str:
    """normalize-space(path) of at most one node ('' when absent)."""
    node = only(el, path)
    return "" if node is None else norm(sv(node))


def _date_start(value: str) -> int:
    """xs:date(value) as the minute its day starts (UTC); not a date raises, like the cast."""
    minutes = date_minutes(value)
    if minutes is None:
        raise ValueError(f"{value!r} is not an xs:date")
    return minutes


def _period_ok(el: Element, _doc: Doc) -> bool:
    """BR-29/BR-30: (exists(cbc:EndDate) and exists(cbc:StartDate) and xs:date(cbc:EndDate) >=
    xs:date(cbc:StartDate)) or not(exists(cbc:StartDate)) or not(exists(cbc:EndDate))"""
    if not exists(el, "cbc:StartDate") or not exists(el, "cbc:EndDate"):
        return True
    start, end = only(el, "cbc:StartDate"), only(el, "cbc:EndDate")
    if start is None or end is None:  # cannot happen after the exists() above
        return True
    return _date_start(sv(end)) >= _date_start(sv(start))


def _vat_category_id(el: Element, path: str) -> bool:
    return any(is_vat(cat) and first(cat, "cbc:ID") is not None for cat in each(el, path))


# ---- totals -----------------------------------------------------------------------------------


@doc_fact
def _lines_total(doc: Doc) -> Decimal:
    """round(sum(//(cac:InvoiceLine|cac:CreditNoteLine)/cbc:LineExtensionAmount) * 100) div 100"""
    all_lines = doc.all("cac:InvoiceLine") + doc.all("cac:CreditNoteLine")
    return round2(_sum(all_lines, "cbc:LineExtensionAmount"))


def _br_co_10(el: Element, doc: Doc) -> bool:
    total = xs_decimal(el, "cbc:LineExtensionAmount")
    return total is not None and total == _lines_total(doc)


def _sibling_sums(parent: Element, charge: bool) -> tuple[bool, Decimal]:
    """../cac:AllowanceCharge[cbc:ChargeIndicator = charge]: whether any, and rounded sum."""
    acs = [
        a
        for a in each(parent, "cac:AllowanceCharge")
        if (is_charge(a) if charge else is_allowance(a))
    ]
    return bool(acs), round2(_sum(acs, "cbc:Amount"))


@doc_fact
def _root_allowances(doc: Doc) -> tuple[bool, Decimal]:
    return _sibling_sums(doc.root, False)


@doc_fact
def _root_charges(doc: Doc) -> tuple[bool, Decimal]:
    return _sibling_sums(doc.root, True)


def _br_co_11(el: Element, doc: Doc) -> bool:
    parent = el.getparent()
    # the document's own total asks the document-level sum, computed once
    any_allowance, allowed = (
        (False, ZERO)
        if parent is None
        else _root_allowances(doc)
        if parent is doc.root
        else _sibling_sums(parent, False)
    )
    total = xs_decimal(el, "cbc:AllowanceTotalAmount")
    if total is not None and total == allowed:
        return True
    return not exists(el, "cbc:AllowanceTotalAmount") and not any_allowance


def _br_co_12(el: Element, doc: Doc) -> bool:
    parent = el.getparent()
    any_charge, charged = (
        (False, ZERO)
        if parent is None
        else _root_charges(doc)
        if parent is doc.root
        else _sibling_sums(parent, True)
    )
    total = xs_decimal(el, "cbc:ChargeTotalAmount")
    if total is not None and total == charged:
        return True
    return not exists(el, "cbc:ChargeTotalAmount") and not any_charge


def _br_co_13(el: Element, _doc: Doc) -> bool:
    has_charges = exists(el, "cbc:ChargeTotalAmount")
    has_allowances = exists(el, "cbc:AllowanceTotalAmount")
    without_vat = xs_decimal(el, "cbc:TaxExclusiveAmount")
    lines_total = xs_decimal(el, "cbc:LineExtensionAmount")
    if without_vat is None or lines_total is None:
        return False
    charges = xs_decimal(el, "cbc:ChargeTotalAmount") or ZERO
    allowances = xs_decimal(el, "cbc:AllowanceTotalAmount") or ZERO
    if not has_charges and not has_allowances:
        return without_vat == lines_total
    if has_charges and xs_decimal(el, "cbc:ChargeTotalAmount") is None:
        return False
    if has_allowances and xs_decimal(el, "cbc:AllowanceTotalAmount") is None:
        return False
    return without_vat == round2(lines_total + charges - allowances)


def _br_co_16(el: Element, _doc: Doc) -> bool:
    """Amount due = total with VAT - paid amount + rounding amount, one branch per presence of
    the paid and rounding amounts; only the differences are rounded, as officially:

    paid only:    xs:decimal(Payable) = round((Incl - Paid) * 100) div 100
    neither:      xs:decimal(Payable) = xs:decimal(Incl)
    both:         round((Payable - Rounding) * 100) div 100 = round((Incl - Paid) * 100) div 100
    rounding only: round((Payable - Rounding) * 100) div 100 = xs:decimal(Incl)
    """
    has_paid = exists(el, "cbc:PrepaidAmount")
    has_rounding = exists(el, "cbc:PayableRoundingAmount")
    payable = xs_decimal(el, "cbc:PayableAmount")
    with_vat = xs_decimal(el, "cbc:TaxInclusiveAmount")
    paid = xs_decimal(el, "cbc:PrepaidAmount") if has_paid else ZERO
    rounding = xs_decimal(el, "cbc:PayableRoundingAmount") if has_rounding else ZERO
    if payable is None or with_vat is None or paid is None or rounding is None:
        return False  # an empty sequence compares false
    due = round2(payable - rounding) if has_rounding else payable
    owed = round2(with_vat - paid) if has_paid else with_vat
    return due == owed


@doc_fact
def _due_date_or_terms(doc: Doc) -> bool:
    """exists(//cbc:DueDate) or exists(//cac:PaymentTerms/cbc:Note)"""
    return first(doc.root, ".//cbc:DueDate") is not None or (
        first(doc.root, ".//cac:PaymentTerms/cbc:Note") is not None
    )


def _br_co_25(el: Element, doc: Doc) -> bool:
    value = number(sv(el))
    if value is None:
        return False
    return value <= 0 or _due_date_or_terms(doc)


def _br_co_15(el: Element, _doc: Doc) -> bool:
    for currency in every(el, "cbc:DocumentCurrencyCode"):
        code = sv(currency)
        with_vat = [dec(sv(x)) for x in each(el, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")]
        without = [dec(sv(x)) for x in each(el, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")]
        vat = [
            dec(sv(x))
            for x in each(el, "cac:TaxTotal/cbc:TaxAmount")
            if x.get("currencyID") == code
        ]
        if len(with_vat) != 1 or len(without) != 1 or len(vat) != 1:
            return False
        a, b, c = with_vat[0], without[0], vat[0]
        if a is None or b is None or c is None:
            raise ValueError("not a decimal")
        if a != round2(b + c):
            return False
    return True


def _br_co_14(el: Element, _doc: Doc) -> bool:
    if not exists(el, "cac:TaxSubtotal"):
        return True
    total = xs_decimal(el, "cbc:TaxAmount")
    return total is not None and total == round2(
        _sum(every(el, "cac:TaxSubtotal"), "cbc:TaxAmount")
    )


def _br_co_17(el: Element, _doc: Doc) -> bool:
    percent = None
    for cat in each(el, "cac:TaxCategory"):
        if is_vat(cat) and exists(cat, "cbc:Percent"):
            percent = xs_decimal(cat, "cbc:Percent")
            if percent is None:
                raise ValueError("percent")
            break
    tax = xs_decimal(el, "cbc:TaxAmount")
    if tax is None:
        return False
    if percent is None:
        return xround(tax) == 0
    if xround(percent) == 0:
        return xround(tax) == 0
    taxable = xs_decimal(el, "cbc:TaxableAmount")
    if taxable is None:
        return False
    expected = round2(abs(taxable) * (percent / 100))
    return abs(tax) - 1 < expected < abs(tax) + 1


def _br_53(el: Element, doc: Doc) -> bool:
    amounts = {x.get("currencyID") for x in each(doc.root, ".//cac:TaxTotal/cbc:TaxAmount")}
    return all(sv(code) in amounts for code in every(el, "cbc:TaxCurrencyCode"))


def _br_17(el: Element, _doc: Doc) -> bool:
    if not exists(el, "cac:PartyName/cbc:Name"):
        return False
    parent = el.getparent()
    if parent is None:
        return True
    names = {sv(x) for x in each(el, "cac:PartyName/cbc:Name")}
    seller_names = {
        sv(x) for x in each(parent, "cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name")
    }
    ids = {sv(x) for x in each(el, "cac:PartyIdentification/cbc:ID")}
    seller_ids = {
        sv(x)
        for x in each(
            parent, "cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification/cbc:ID"
        )
    }
    return not (names & seller_names) and not (ids & seller_ids)


def _br_cl_08(el: Element, _doc: Doc) -> bool:
    value = sv(el)
    if "#" not in value:
        return True
    code = value.split("#", 1)[1]
    if "#" not in code:
        return True  # substring-before(...,'#') is '' -> length 0 != 3
    code = code.split("#", 1)[0]
    # contains(' AAA AAB ... ZZZ ', code): a substring test, as officially written
    return len(code) != 3 or code in _NOTE_SUBJECTS


def _br_61(el: Element, _doc: Doc) -> bool:
    if _norm1(el, "cbc:PaymentMeansCode") in ("30", "58"):
        return exists(el, "cac:PayeeFinancialAccount/cbc:ID")
    return True


def _br_co_09(el: Element, _doc: Doc) -> bool:
    """contains(' 1A AD ... ZW ', substring(cbc:CompanyID,1,2)); absent: substring is ''."""
    node = only(el, "cbc:CompanyID")
    return ("" if node is None else sv(node))[:2] in _VAT_PREFIXES


def _party_vat_scheme(el: Element, _doc: Doc) -> bool:
    """cac:TaxScheme/(normalize-space(upper-case(cbc:ID)) = 'VAT')"""
    return any(norm(sv(x).upper()) == "VAT" for x in each(el, "cac:TaxScheme/cbc:ID"))


def _pm_credit_transfer(el: Element, _doc: Doc) -> bool:
    parent = el.getparent()
    return parent is not None and any(
        sv(x) in ("30", "58") for x in each(parent, "cbc:PaymentMeansCode")
    )


def _br_co_19(el: Element, _doc: Doc) -> bool:
    """exists(cbc:StartDate) or exists(cbc:EndDate) or (exists(cbc:DescriptionCode) and
    not(exists(cbc:StartDate)) and not(exists(cbc:EndDate))): a date, a code, or both."""
    return (
        exists(el, "cbc:StartDate")
        or exists(el, "cbc:EndDate")
        or exists(el, "cbc:DescriptionCode")
    )


def _br_co_03(el: Element, _doc: Doc) -> bool:
    return not (
        exists(el, "cbc:TaxPointDate") and exists(el, "cac:InvoicePeriod/cbc:DescriptionCode")
    )


def _count(el: Element, path: str) -> int:
    return len(every(el, path))


_DOC_ALLOWANCE = "/ubl:Invoice/cac:AllowanceCharge | /cn:CreditNote/cac:AllowanceCharge"
_LINE_AC = "//cac:InvoiceLine/cac:AllowanceCharge | //cac:CreditNoteLine/cac:AllowanceCharge"

BEFORE_ROOT: tuple[RuleContext, ...] = (
    rule(
        "cac:AdditionalDocumentReference",
        fatal(
            "BR-52",
            "Each Additional supporting document (BG-24) shall contain a Supporting document reference (BT-122).",
            lambda e, d: _filled(e, "cbc:ID"),
        ),
    ),
    rule(
        "/ubl:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
        fatal(
            "BR-CO-25",
            "In case the Amount due for payment (BT-115) is positive, either the Payment due date (BT-9) or the Payment terms (BT-20) shall be present.",
            _br_co_25,
        ),
    ),
    rule(
        "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
        fatal(
            "BR-63",
            "The Buyer electronic address (BT-49) shall have a Scheme identifier.",
            lambda e, d: e.get("schemeID") is not None,
        ),
    ),
    rule(
        "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress",
        fatal(
            "BR-11",
            "The Buyer postal address shall contain a Buyer country code (BT-55).",
            lambda e, d: _filled(e, "cac:Country/cbc:IdentificationCode"),
        ),
    ),
    rule(
        "cac:PaymentMeans/cac:CardAccount/cbc:PrimaryAccountNumberID",
        warning(
            "BR-51",
            "In accordance with card payments security standards an invoice should never include a full card primary account number (BT-87). At the moment PCI Security Standards Council has defined that the first 6 digits and last 4 digits are the maximum number of digits to be shown.",
            lambda e, d: len(norm(sv(e))) <= 10,
        ),
    ),
    rule(
        "cac:Delivery/cac:DeliveryLocation/cac:Address",
        fatal(
            "BR-57",
            "Each Deliver to address (BG-15) shall contain a Deliver to country code (BT-80).",
            lambda e, d: exists(e, "cac:Country/cbc:IdentificationCode"),
        ),
    ),
    rule(
        _DOC_ALLOWANCE,
        fatal(
            "BR-31",
            "Each Document level allowance (BG-20) shall have a Document level allowance amount (BT-92).",
            lambda e, d: exists(e, "cbc:Amount"),
        ),
        fatal(
            "BR-32",
            "Each Document level allowance (BG-20) shall have a Document level allowance VAT category code (BT-95).",
            lambda e, d: _vat_category_id(e, "cac:TaxCategory"),
        ),
        fatal(
            "BR-33",
            "Each Document level allowance (BG-20) shall have a Document level allowance reason (BT-97) or a Document level allowance reason code (BT-98).",
            lambda e, d: (
                exists(e, "cbc:AllowanceChargeReason") or exists(e, "cbc:AllowanceChargeReasonCode")
            ),
        ),
        fatal(
            "BR-CO-05",
            "Document level allowance reason code (BT-98) and Document level allowance reason (BT-97) shall indicate the same type of allowance.",
            lambda e, d: True,
        ),
        fatal(
            "BR-CO-21",
            "Each Document level allowance (BG-20) shall contain a Document level allowance reason (BT-97) or a Document level allowance reason code (BT-98), or both.",
            lambda e, d: (
                exists(e, "cbc:AllowanceChargeReason") or exists(e, "cbc:AllowanceChargeReasonCode")
            ),
        ),
        fatal(
            "BR-DEC-01",
            "The allowed maximum number of decimals for the Document level allowance amount (BT-92) is 2.",
            lambda e, d: _max2(e, "cbc:Amount"),
        ),
        fatal(
            "BR-DEC-02",
            "The allowed maximum number of decimals for the Document level allowance base amount (BT-93) is 2.",
            lambda e, d: _max2(e, "cbc:BaseAmount"),
        ),
        where=is_allowance,
    ),
    rule(
        _DOC_ALLOWANCE,
        fatal(
            "BR-36",
            "Each Document level charge (BG-21) shall have a Document level charge amount (BT-99).",
            lambda e, d: exists(e, "cbc:Amount"),
        ),
        fatal(
            "BR-37",
            "Each Document level charge (BG-21) shall have a Document level charge VAT category code (BT-102).",
            lambda e, d: _vat_category_id(e, "cac:TaxCategory"),
        ),
        fatal(
            "BR-38",
            "Each Document level charge (BG-21) shall have a Document level charge reason (BT-104) or a Document level charge reason code (BT-105).",
            lambda e, d: (
                exists(e, "cbc:AllowanceChargeReason") or exists(e, "cbc:AllowanceChargeReasonCode")
            ),
        ),
        fatal(
            "BR-CO-06",
            "Document level charge reason code (BT-105) and Document level charge reason (BT-104) shall indicate the same type of charge.",
            lambda e, d: True,
        ),
        fatal(
            "BR-CO-22",
            "Each Document level charge (BG-21) shall contain a Document level charge reason (BT-104) or a Document level charge reason code (BT-105), or both.",
            lambda e, d: (
                exists(e, "cbc:AllowanceChargeReason") or exists(e, "cbc:AllowanceChargeReasonCode")
            ),
        ),
        fatal(
            "BR-DEC-05",
            "The allowed maximum number of decimals for the Document level charge amount (BT-99) is 2.",
            lambda e, d: _max2(e, "cbc:Amount"),
        ),
        fatal(
            "BR-DEC-06",
            "The allowed maximum number of decimals for the Document level charge base amount (BT-100) is 2.",
            lambda e, d: _max2(e, "cbc:BaseAmount"),
        ),
        where=is_charge,
    ),
    rule(
        "cac:LegalMonetaryTotal",
        fatal(
            "BR-12",
            "An Invoice shall have the Sum of Invoice line net amount (BT-106).",
            lambda e, d: exists(e, "cbc:LineExtensionAmount"),
        ),
        fatal(
            "BR-13",
            "An Invoice shall have the Invoice total amount without VAT (BT-109).",
            lambda e, d: exists(e, "cbc:TaxExclusiveAmount"),
        ),
        fatal(
            "BR-14",
            "An Invoice shall have the Invoice total amount with VAT (BT-112).",
            lambda e, d: exists(e, "cbc:TaxInclusiveAmount"),
        ),
        fatal(
            "BR-15",
            "An Invoice shall have the Amount due for payment (BT-115).",
            lambda e, d: exists(e, "cbc:PayableAmount"),
        ),
        fatal(
            "BR-CO-10",
            "Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131).",
            _br_co_10,
        ),
        fatal(
            "BR-CO-11",
            "Sum of allowances on document level (BT-107) = Σ Document level allowance amount (BT-92).",
            _br_co_11,
        ),
        fatal(
            "BR-CO-12",
            "Sum of charges on document level (BT-108) = Σ Document level charge amount (BT-99).",
            _br_co_12,
        ),
        fatal(
            "BR-CO-13",
            "Invoice total amount without VAT (BT-109) = Σ Invoice line net amount (BT-131) - Sum of allowances on document level (BT-107) + Sum of charges on document level (BT-108).",
            _br_co_13,
        ),
        fatal(
            "BR-CO-16",
            "Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) -Paid amount (BT-113) +Rounding amount (BT-114).",
            _br_co_16,
        ),
        fatal(
            "BR-DEC-09",
            "The allowed maximum number of decimals for the Sum of Invoice line net amount (BT-106) is 2.",
            lambda e, d: _max2(e, "cbc:LineExtensionAmount"),
        ),
        fatal(
            "BR-DEC-10",
            "The allowed maximum number of decimals for the Sum of allowanced on document level (BT-107) is 2.",
            lambda e, d: _max2(e, "cbc:AllowanceTotalAmount"),
        ),
        fatal(
            "BR-DEC-11",
            "The allowed maximum number of decimals for the Sum of charges on document level (BT-108) is 2.",
            lambda e, d: _max2(e, "cbc:ChargeTotalAmount"),
        ),
        fatal(
            "BR-DEC-12",
            "The allowed maximum number of decimals for the Invoice total amount without VAT (BT-109) is 2.",
            lambda e, d: _max2(e, "cbc:TaxExclusiveAmount"),
        ),
        fatal(
            "BR-DEC-14",
            "The allowed maximum number of decimals for the Invoice total amount with VAT (BT-112) is 2.",
            lambda e, d: _max2(e, "cbc:TaxInclusiveAmount"),
        ),
        fatal(
            "BR-DEC-16",
            "The allowed maximum number of decimals for the Paid amount (BT-113) is 2.",
            lambda e, d: _max2(e, "cbc:PrepaidAmount"),
        ),
        fatal(
            "BR-DEC-17",
            "The allowed maximum number of decimals for the Rounding amount (BT-114) is 2.",
            lambda e, d: _max2(e, "cbc:PayableRoundingAmount"),
        ),
        fatal(
            "BR-DEC-18",
            "The allowed maximum number of decimals for the Amount due for payment (BT-115) is 2.",
            lambda e, d: _max2(e, "cbc:PayableAmount"),
        ),
    ),
)

ROOT_ASSERTS = (
    fatal(
        "BR-01",
        "An Invoice shall have a Specification identifier (BT-24).",
        lambda e, d: _filled(e, "cbc:CustomizationID"),
    ),
    fatal(
        "BR-02",
        "An Invoice shall have an Invoice number (BT-1).",
        lambda e, d: _filled(e, "cbc:ID"),
    ),
    fatal(
        "BR-03",
        "An Invoice shall have an Invoice issue date (BT-2).",
        lambda e, d: _filled(e, "cbc:IssueDate"),
    ),
    fatal(
        "BR-04",
        "An Invoice shall have an Invoice type code (BT-3).",
        lambda e, d: _filled(e, "cbc:InvoiceTypeCode") or _filled(e, "cbc:CreditNoteTypeCode"),
    ),
    fatal(
        "BR-05",
        "An Invoice shall have an Invoice currency code (BT-5).",
        lambda e, d: _filled(e, "cbc:DocumentCurrencyCode"),
    ),
    fatal(
        "BR-06",
        "An Invoice shall contain the Seller name (BT-27).",
        lambda e, d: _filled(
            e, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"
        ),
    ),
    fatal(
        "BR-07",
        "An Invoice shall contain the Buyer name (BT-44).",
        lambda e, d: _filled(
            e, "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"
        ),
    ),
    fatal(
        "BR-08",
        "An Invoice shall contain the Seller postal address.",
        lambda e, d: exists(e, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"),
    ),
    fatal(
        "BR-10",
        "An Invoice shall contain the Buyer postal address (BG-8).",
        lambda e, d: exists(e, "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"),
    ),
    fatal(
        "BR-16",
        "An Invoice shall have at least one Invoice line (BG-25)",
        lambda e, d: bool(lines(d)),
    ),
    fatal(
        "BR-53",
        "If the VAT accounting currency code (BT-6) is present, then the Invoice total VAT amount in accounting currency (BT-111) shall be provided.",
        _br_53,
    ),
    fatal(
        "BR-66",
        "An Invoice shall contain maximum one Payment Card account (BG-18).",
        lambda e, d: _count(e, "cac:PaymentMeans/cac:CardAccount") <= 1,
    ),
    fatal(
        "BR-67",
        "An Invoice shall contain maximum one Payment Mandate (BG-19).",
        lambda e, d: _count(e, "cac:PaymentMeans/cac:PaymentMandate") <= 1,
    ),
)

ROOT_ASSERTS_AFTER_VAT_01_04 = (
    fatal(
        "BR-CO-03",
        "Value added tax point date (BT-7) and Value added tax point date code (BT-8) are mutually exclusive.",
        _br_co_03,
    ),
    fatal(
        "BR-CO-15",
        "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110).",
        _br_co_15,
    ),
    fatal(
        "BR-CO-18",
        "An Invoice shall at least have one VAT breakdown group (BG-23).",
        lambda e, d: exists(e, "cac:TaxTotal/cac:TaxSubtotal"),
    ),
    # The official BR-DEC-13/15 compare @currencyID with a child of cbc:TaxAmount, which never
    # exists, so they always hold; kept for completeness of the rule set.
    fatal(
        "BR-DEC-13",
        "The allowed maximum number of decimals for the Invoice total VAT amount (BT-110) is 2.",
        lambda e, d: True,
    ),
    fatal(
        "BR-DEC-15",
        "The allowed maximum number of decimals for the Invoice total VAT amount in accounting currency (BT-111) is 2.",
        lambda e, d: True,
    ),
)

AFTER_ROOT: tuple[RuleContext, ...] = (
    rule(
        "cac:InvoiceLine | cac:CreditNoteLine",
        fatal(
            "BR-21",
            "Each Invoice line (BG-25) shall have an Invoice line identifier (BT-126).",
            lambda e, d: _filled(e, "cbc:ID"),
        ),
        fatal(
            "BR-22",
            "Each Invoice line (BG-25) shall have an Invoiced quantity (BT-129).",
            lambda e, d: exists(e, "cbc:InvoicedQuantity") or exists(e, "cbc:CreditedQuantity"),
        ),
        fatal(
            "BR-23",
            "An Invoice line (BG-25) shall have an Invoiced quantity unit of measure code (BT-130).",
            lambda e, d: any(
                q.get("unitCode") is not None
                for q in every(e, "cbc:InvoicedQuantity") + every(e, "cbc:CreditedQuantity")
            ),
        ),
        fatal(
            "BR-24",
            "Each Invoice line (BG-25) shall have an Invoice line net amount (BT-131).",
            lambda e, d: exists(e, "cbc:LineExtensionAmount"),
        ),
        fatal(
            "BR-25",
            "Each Invoice line (BG-25) shall contain the Item name (BT-153).",
            lambda e, d: _filled(e, "cac:Item/cbc:Name"),
        ),
        fatal(
            "BR-26",
            "Each Invoice line (BG-25) shall contain the Item net price (BT-146).",
            lambda e, d: exists(e, "cac:Price/cbc:PriceAmount"),
        ),
        fatal(
            "BR-27",
            "The Item net price (BT-146) shall NOT be negative.",
            lambda e, d: _ge0(e, "cac:Price/cbc:PriceAmount"),
        ),
        fatal(
            "BR-28",
            "The Item gross price (BT-148) shall NOT be negative.",
            lambda e, d: (
                _ge0(e, "cac:Price/cac:AllowanceCharge/cbc:BaseAmount")
                or not exists(e, "cac:Price/cac:AllowanceCharge/cbc:BaseAmount")
            ),
        ),
        fatal(
            "BR-CO-04",
            "Each Invoice line (BG-25) shall be categorized with an Invoiced item VAT category code (BT-151).",
            lambda e, d: _vat_category_id(e, "cac:Item/cac:ClassifiedTaxCategory"),
        ),
        fatal(
            "BR-DEC-23",
            "The allowed maximum number of decimals for the Invoice line net amount (BT-131) is 2.",
            lambda e, d: _max2(e, "cbc:LineExtensionAmount"),
        ),
    ),
    rule(
        _LINE_AC,
        fatal(
            "BR-41",
            "Each Invoice line allowance (BG-27) shall have an Invoice line allowance amount (BT-136).",
            lambda e, d: exists(e, "cbc:Amount"),
        ),
        fatal(
            "BR-42",
            "Each Invoice line allowance (BG-27) shall have an Invoice line allowance reason (BT-139) or an Invoice line allowance reason code (BT-140).",
            lambda e, d: (
                exists(e, "cbc:AllowanceChargeReason") or exists(e, "cbc:AllowanceChargeReasonCode")
            ),
        ),
        fatal(
            "BR-CO-07",
            "Invoice line allowance reason code (BT-140) and Invoice line allowance reason (BT-139) shall indicate the same type of allowance reason.",
            lambda e, d: True,
        ),
        fatal(
            "BR-CO-23",
            "Each Invoice line allowance (BG-27) shall contain an Invoice line allowance reason (BT-139) or an Invoice line allowance reason code (BT-140), or both.",
            lambda e, d: (
                exists(e, "cbc:AllowanceChargeReason") or exists(e, "cbc:AllowanceChargeReasonCode")
            ),
        ),
        fatal(
            "BR-DEC-24",
            "The allowed maximum number of decimals for the Invoice line allowance amount (BT-136) is 2.",
            lambda e, d: _max2(e, "cbc:Amount"),
        ),
        fatal(
            "BR-DEC-25",
            "The allowed maximum number of decimals for the Invoice line allowance base amount (BT-137) is 2.",
            lambda e, d: _max2(e, "cbc:BaseAmount"),
        ),
        where=is_allowance,
    ),
    rule(
        _LINE_AC,
        fatal(
            "BR-43",
            "Each Invoice line charge (BG-28) shall have an Invoice line charge amount (BT-141).",
            lambda e, d: exists(e, "cbc:Amount"),
        ),
        fatal(
            "BR-44",
            "Each Invoice line charge shall have an Invoice line charge reason or an invoice line allowance reason code.",
            lambda e, d: (
                exists(e, "cbc:AllowanceChargeReason") or exists(e, "cbc:AllowanceChargeReasonCode")
            ),
        ),
        fatal(
            "BR-CO-08",
            "Invoice line charge reason code (BT-145) and Invoice line charge reason (BT-144) shall indicate the same type of charge reason.",
            lambda e, d: True,
        ),
        fatal(
            "BR-CO-24",
            "Each Invoice line charge (BG-28) shall contain an Invoice line charge reason (BT-144) or an Invoice line charge reason code (BT-145), or both.",
            lambda e, d: (
                exists(e, "cbc:AllowanceChargeReason") or exists(e, "cbc:AllowanceChargeReasonCode")
            ),
        ),
        fatal(
            "BR-DEC-27",
            "The allowed maximum number of decimals for the Invoice line charge amount (BT-141) is 2.",
            lambda e, d: _max2(e, "cbc:Amount"),
        ),
        fatal(
            "BR-DEC-28",
            "The allowed maximum number of decimals for the Invoice line charge base amount (BT-142) is 2.",
            lambda e, d: _max2(e, "cbc:BaseAmount"),
        ),
        where=is_charge,
    ),
    rule(
        "cac:InvoiceLine/cac:InvoicePeriod | cac:CreditNoteLine/cac:InvoicePeriod",
        fatal(
            "BR-30",
            "If both Invoice line period start date (BT-134) and Invoice line period end date (BT-135) are given then the Invoice line period end date (BT-135) shall be later or equal to the Invoice line period start date (BT-134).",
            _period_ok,
        ),
        fatal(
            "BR-CO-20",
            "If Invoice line period (BG-26) is used, the Invoice line period start date (BT-134) or the Invoice line period end date (BT-135) shall be filled, or both.",
            lambda e, d: exists(e, "cbc:StartDate") or exists(e, "cbc:EndDate"),
        ),
    ),
    rule(
        "cac:InvoicePeriod",
        fatal(
            "BR-29",
            "If both Invoicing period start date (BT-73) and Invoicing period end date (BT-74) are given then the Invoicing period end date (BT-74) shall be later or equal to the Invoicing period start date (BT-73).",
            _period_ok,
        ),
        fatal(
            "BR-CO-19",
            "If Invoicing period (BG-14) is used, the Invoicing period start date (BT-73) or the Invoicing period end date (BT-74) shall be filled, or both.",
            _br_co_19,
        ),
    ),
    rule(
        "//cac:AdditionalItemProperty",
        fatal(
            "BR-54",
            "Each Item attribute (BG-32) shall contain an Item attribute name (BT-160) and an Item attribute value (BT-161).",
            lambda e, d: exists(e, "cbc:Name") and exists(e, "cbc:Value"),
        ),
    ),
    rule(
        "cac:InvoiceLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode | cac:CreditNoteLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode",
        fatal(
            "BR-65",
            "The Item classification identifier (BT-158) shall have a Scheme identifier.",
            lambda e, d: e.get("listID") is not None,
        ),
    ),
    rule(
        "cac:InvoiceLine/cac:Item/cac:StandardItemIdentification/cbc:ID | cac:CreditNoteLine/cac:Item/cac:StandardItemIdentification/cbc:ID",
        fatal(
            "BR-64",
            "The Item standard identifier (BT-157) shall have a Scheme identifier.",
            lambda e, d: e.get("schemeID") is not None,
        ),
    ),
    rule(
        "/ubl:Invoice/cbc:Note | /cn:CreditNote/cbc:Note",
        fatal("BR-CL-08", "Invoiced note subject code shall be coded using UNCL4451", _br_cl_08),
    ),
    rule(
        "cac:PayeeParty",
        fatal(
            "BR-17",
            "The Payee name (BT-59) shall be provided in the Invoice, if the Payee (BG-10) is different from the Seller (BG-4)",
            _br_17,
        ),
    ),
    rule(
        "cac:PaymentMeans/cac:PayeeFinancialAccount",
        fatal(
            "BR-50",
            "A Payment account identifier (BT-84) shall be present if Credit transfer (BG-17) information is provided in the Invoice.",
            lambda e, d: _filled(e, "cbc:ID"),
        ),
        where=_pm_credit_transfer,
    ),
    rule(
        "cac:PaymentMeans",
        fatal(
            "BR-49",
            "A Payment instruction (BG-16) shall specify the Payment means type code (BT-81).",
            lambda e, d: exists(e, "cbc:PaymentMeansCode"),
        ),
        fatal(
            "BR-61",
            "If the Payment means type code (BT-81) means SEPA credit transfer, Local credit transfer or Non-SEPA international credit transfer, the Payment account identifier (BT-84) shall be present.",
            _br_61,
        ),
    ),
    rule(
        "cac:BillingReference",
        fatal(
            "BR-55",
            "Each Preceding Invoice reference (BG-3) shall contain a Preceding Invoice reference (BT-25).",
            lambda e, d: exists(e, "cac:InvoiceDocumentReference/cbc:ID"),
        ),
    ),
    rule(
        "cac:AccountingSupplierParty",
        fatal(
            "BR-CO-26",
            "In order for the buyer to automatically identify a supplier, the Seller identifier (BT-29), the Seller legal registration identifier (BT-30) and/or the Seller VAT identifier (BT-31) shall be present.",
            lambda e, d: (
                any(
                    _party_vat_scheme(p, d) and exists(p, "cbc:CompanyID")
                    for p in every(e, "cac:Party/cac:PartyTaxScheme")
                )
                or exists(e, "cac:Party/cac:PartyIdentification/cbc:ID")
                or exists(e, "cac:Party/cac:PartyLegalEntity/cbc:CompanyID")
            ),
        ),
    ),
    rule(
        "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
        fatal(
            "BR-62",
            "The Seller electronic address (BT-34) shall have a Scheme identifier.",
            lambda e, d: e.get("schemeID") is not None,
        ),
    ),
    rule(
        "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress",
        fatal(
            "BR-09",
            "The Seller postal address (BG-5) shall contain a Seller country code (BT-40).",
            lambda e, d: _filled(e, "cac:Country/cbc:IdentificationCode"),
        ),
    ),
    rule(
        "cac:TaxRepresentativeParty",
        fatal(
            "BR-18",
            "The Seller tax representative name (BT-62) shall be provided in the Invoice, if the Seller (BG-4) has a Seller tax representative party (BG-11)",
            lambda e, d: _filled(e, "cac:PartyName/cbc:Name"),
        ),
        fatal(
            "BR-19",
            "The Seller tax representative postal address (BG-12) shall be provided in the Invoice, if the Seller (BG-4) has a Seller tax representative party (BG-11).",
            lambda e, d: exists(e, "cac:PostalAddress"),
        ),
        fatal(
            "BR-56",
            "Each Seller tax representative party (BG-11) shall have a Seller tax representative VAT identifier (BT-63).",
            lambda e, d: any(
                _party_vat_scheme(p, d) and exists(p, "cbc:CompanyID")
                for p in every(e, "cac:PartyTaxScheme")
            ),
        ),
    ),
    rule(
        "cac:TaxRepresentativeParty/cac:PostalAddress",
        fatal(
            "BR-20",
            "The Seller tax representative postal address (BG-12) shall contain a Tax representative country code (BT-69), if the Seller (BG-4) has a Seller tax representative party (BG-11).",
            lambda e, d: _filled(e, "cac:Country/cbc:IdentificationCode"),
        ),
    ),
    rule(
        "/ubl:Invoice/cac:TaxTotal | /cn:CreditNote/cac:TaxTotal",
        fatal(
            "BR-CO-14",
            "Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117).",
            _br_co_14,
        ),
    ),
    rule(
        "cac:TaxTotal/cac:TaxSubtotal",
        fatal(
            "BR-45",
            "Each VAT breakdown (BG-23) shall have a VAT category taxable amount (BT-116).",
            lambda e, d: exists(e, "cbc:TaxableAmount"),
        ),
        fatal(
            "BR-46",
            "Each VAT breakdown (BG-23) shall have a VAT category tax amount (BT-117).",
            lambda e, d: exists(e, "cbc:TaxAmount"),
        ),
        fatal(
            "BR-47",
            "Each VAT breakdown (BG-23) shall be defined through a VAT category code (BT-118).",
            lambda e, d: _vat_category_id(e, "cac:TaxCategory"),
        ),
        fatal(
            "BR-48",
            "Each VAT breakdown (BG-23) shall have a VAT category rate (BT-119), except if the Invoice is not subject to VAT.",
            lambda e, d: any(
                is_vat(c) and (exists(c, "cbc:Percent") or _norm1(c, "cbc:ID") == "O")
                for c in every(e, "cac:TaxCategory")
            ),
        ),
        fatal(
            "BR-CO-17",
            "VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x (VAT category rate (BT-119) / 100), rounded to two decimals.",
            _br_co_17,
        ),
        fatal(
            "BR-DEC-19",
            "The allowed maximum number of decimals for the VAT category taxable amount (BT-116) is 2.",
            lambda e, d: _max2(e, "cbc:TaxableAmount"),
        ),
        fatal(
            "BR-DEC-20",
            "The allowed maximum number of decimals for the VAT category tax amount (BT-117) is 2.",
            lambda e, d: _max2(e, "cbc:TaxAmount"),
        ),
    ),
    rule(
        "//cac:PartyTaxScheme",
        fatal(
            "BR-CO-09",
            "The Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) and the Buyer VAT identifier (BT-48) shall have a prefix in accordance with ISO code ISO 3166-1 alpha-2 by which the country of issue may be identified. Nevertheless, Greece may use the prefix ‘EL’.",
            _br_co_09,
        ),
        where=_party_vat_scheme,
    ),
)

__all__ = ["AFTER_ROOT", "BEFORE_ROOT", "ROOT", "ROOT_ASSERTS", "ROOT_ASSERTS_AFTER_VAT_01_04"]
_unused = (num_at, doc_allowance_charges)
