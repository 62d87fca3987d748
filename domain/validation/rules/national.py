"""National rules of PEPPOL BIS Billing 3.0: NO, DK, IT, SE, GR, IS, NL (DE in national_de)."""

# Official message texts stay whole on one line, so a finding can be searched for verbatim.
# ruff: noqa: E501

from __future__ import annotations

import math
import re
from collections.abc import Callable

from domain.validation.engine import Doc, Element, Pattern, doc_fact, fatal, rule, warning
from domain.validation.rules.common import mod11_no, tin_ok
from domain.validation.rules.peppol import customer_country, luhn_se, supplier_country
from domain.validation.values import (
    dec,
    each,
    every,
    exists,
    first,
    is_date,
    norm,
    ntext,
    number,
    sv,
    text,
)


def _postal_country(doc: Doc, party: str) -> str:
    return text(
        doc.root, f"cac:{party}/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
    )


# xs:double lexical forms (XSD 1.0), what number() casts; anything else is NaN. Unlike
# values.number, INF and -INF are numbers here: string(number('INF')) is 'INF', not 'NaN'.
_XS_DOUBLE = re.compile(
    r"[ \t\n\r]*(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|-?INF|NaN)[ \t\n\r]*"
)


def xs_double(value: str) -> float:
    """number(value) of a string: its xs:double, NaN when it is not castable."""
    if _XS_DOUBLE.fullmatch(value) is None:
        return math.nan
    return float(value.strip())


def is_nan(value: str) -> bool:
    """string(number(value)) = 'NaN'."""
    return math.isnan(xs_double(value))


@doc_fact
def supplier_is_de(doc: Doc) -> bool:
    return norm(_postal_country(doc, "AccountingSupplierParty")).upper() == "DE"


@doc_fact
def customer_is_de(doc: Doc) -> bool:
    return norm(_postal_country(doc, "AccountingCustomerParty")).upper() == "DE"


# ---- Norway ---------------------------------------------------------------------------------


def _tax_schemes(party: Element, scheme: str) -> list[Element]:
    """cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) = scheme]"""
    return [
        pts
        for pts in each(party, "cac:PartyTaxScheme")
        if ntext(pts, "cac:TaxScheme/cbc:ID") == scheme
    ]


_NO_VAT = re.compile(r"[0-9]{9}MVA")


def _no_r_001(el: Element, _doc: Doc) -> bool:
    """A NO-prefixed VAT number is NO + a MOD11-valid organisation number + MVA.

    The official test takes the VAT schemes' CompanyID as one value once one of them starts
    with NO: with two VAT tax schemes, matches() and substring() get a sequence and raise, and
    the assert fails (regex anchors are XPath's: '$' is the very end of the value)."""
    schemes = _tax_schemes(el, "VAT")
    if not any(text(pts, "cbc:CompanyID")[:2] == "NO" for pts in schemes):
        return True
    if len(schemes) != 1:
        return False
    value = text(schemes[0], "cbc:CompanyID")
    return _NO_VAT.fullmatch(value[2:]) is not None and mod11_no(value[2:11])


def _no_r_002(el: Element, _doc: Doc) -> bool:
    """normalize-space(cac:PartyTaxScheme[TAX]/cbc:CompanyID) = 'Foretaksregisteret': the one
    CompanyID of the TAX schemes; none gives '', several make normalize-space() raise."""
    ids = [c for pts in _tax_schemes(el, "TAX") for c in each(pts, "cbc:CompanyID")]
    return len(ids) == 1 and norm(sv(ids[0])) == "Foretaksregisteret"


NORWAY = Pattern(
    "national-no",
    "no",
    (
        rule(
            "cac:AccountingSupplierParty/cac:Party",
            warning(
                "NO-R-002",
                'For Norwegian suppliers, most invoice issuers are required to append "Foretaksregisteret" to their invoice. "Dersom selger er aksjeselskap, allmennaksjeselskap eller filial av utenlandsk selskap skal også ordet «Foretaksregisteret» fremgå av salgsdokumentet, jf. foretaksregisterloven § 10-2."',
                _no_r_002,
            ),
            fatal(
                "NO-R-001",
                "For Norwegian suppliers, a VAT number MUST be the country code prefix NO followed by a valid Norwegian organization number (nine numbers) followed by the letters MVA.",
                _no_r_001,
            ),
            where=lambda e, d: supplier_country(d) == "NO",
        ),
    ),
)

# ---- Denmark --------------------------------------------------------------------------------


@doc_fact
def _dk_supplier(doc: Doc) -> bool:
    return _postal_country(doc, "AccountingSupplierParty") == "DK"


@doc_fact
def _dk_both(doc: Doc) -> bool:
    return _dk_supplier(doc) and _postal_country(doc, "AccountingCustomerParty") == "DK"


def _code(el: Element) -> str:
    return text(el, "cbc:PaymentMeansCode")


def _payment_id(el: Element) -> str:
    return text(el, "cbc:PaymentID")


def _dk_r_006(el: Element, _doc: Doc) -> bool:
    if _code(el) not in ("31", "42"):
        return True
    return (
        ntext(el, "cac:PayeeFinancialAccount/cbc:ID") != ""
        and ntext(el, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") != ""
    )


def _dk_r_007(el: Element, _doc: Doc) -> bool:
    if _code(el) != "49":
        return True
    return (
        ntext(el, "cac:PaymentMandate/cbc:ID") != ""
        and ntext(el, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID") != ""
    )


def _dk_r_008(el: Element, _doc: Doc) -> bool:
    if _code(el) != "50":
        return True
    return (
        _payment_id(el)[:3] in ("01#", "04#", "15#")
        and _GIRO_ACCOUNT.fullmatch(text(el, "cac:PayeeFinancialAccount/cbc:ID")) is not None
    )


_GIRO_ACCOUNT = re.compile(r"[0-9]{7,8}")


def _dk_r_009(el: Element, _doc: Doc) -> bool:
    return not (
        _code(el) == "50" and _payment_id(el)[:3] in ("04#", "15#") and len(_payment_id(el)) != 19
    )


def _dk_r_010(el: Element, _doc: Doc) -> bool:
    if _code(el) != "93":
        return True
    return (
        _payment_id(el)[:3] in ("71#", "73#", "75#")
        and len(text(el, "cac:PayeeFinancialAccount/cbc:ID")) == 8
    )


def _dk_r_011(el: Element, _doc: Doc) -> bool:
    return not (
        _code(el) == "93"
        and _payment_id(el)[:3] in ("71#", "75#")
        and len(_payment_id(el)) not in (18, 19)
    )


def _dk_r_003(el: Element, _doc: Doc) -> bool:
    codes = every(el, "cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode")
    if not any(c.get("listID") == "TST" for c in codes):
        return True
    return any(c.get("listVersionID") in _UNSPSC_VERSIONS for c in codes)


_UNSPSC_VERSIONS = frozenset({"19.05.01", "19.0501", "26.08.01", "26.0801"})


def _dk_r_004(el: Element, _doc: Doc) -> bool:
    if not any(sv(x) == "ZZZ" for x in each(el, "cbc:AllowanceChargeReasonCode")):
        return True
    # either the 4-digit tax category, or a text with an inner '#'
    reason = text(el, "cbc:AllowanceChargeReason")
    value = number(reason)
    if len(norm(reason)) == 4 and value is not None and 0 <= value <= 9999:
        return True
    return (
        exists(el, "cbc:AllowanceChargeReason")
        and "#" in reason
        and not reason.startswith("#")
        and not reason.endswith("#")
    )


def _dk_r_016(el: Element, doc: Doc) -> bool:
    if not (doc.is_credit_note and _postal_country(doc, "AccountingCustomerParty") == "DK"):
        return True
    # number(PayableAmount/text()) < 0: NaN compares false, -INF is negative
    return not xs_double(text(el, "cac:LegalMonetaryTotal/cbc:PayableAmount")) < 0


DENMARK = Pattern(
    "national-dk",
    "dk",
    (
        rule(
            "cn:CreditNote | ubl:Invoice",
            fatal(
                "DK-R-002",
                "Danish suppliers MUST provide legal entity (CVR-number)",
                lambda e, d: (
                    ntext(
                        e,
                        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
                    )
                    != ""
                ),
            ),
            fatal(
                "DK-R-014",
                'For Danish Suppliers it is mandatory to specify schemeID as "0184" (DK CVR-number) when PartyLegalEntity/CompanyID is used for AccountingSupplierParty',
                lambda e, d: (
                    not (
                        exists(
                            e,
                            "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
                        )
                        and norm(
                            (
                                x.get("schemeID")
                                if (
                                    x := first(
                                        e,
                                        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
                                    )
                                )
                                is not None
                                else ""
                            )
                            or ""
                        )
                        != "0184"
                    )
                ),
            ),
            fatal(
                "DK-R-016",
                "For Danish Suppliers, a Credit note cannot have a negative total (PayableAmount)",
                _dk_r_016,
            ),
            where=lambda e, d: _dk_supplier(d),
        ),
        rule(
            "cn:CreditNote/cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification | cn:CreditNote/cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification | ubl:Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification | ubl:Invoice/cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification",
            fatal(
                "DK-R-013",
                "For Danish Suppliers it is mandatory to use schemeID when PartyIdentification/ID is used for AccountingCustomerParty or AccountingSupplierParty",
                lambda e, d: (
                    not (
                        exists(e, "cbc:ID")
                        and norm(
                            (x.get("schemeID") if (x := first(e, "cbc:ID")) is not None else "")
                            or ""
                        )
                        == ""
                    )
                ),
            ),
            where=lambda e, d: _dk_both(d),
        ),
        rule(
            "ubl:Invoice/cac:PaymentMeans",
            fatal(
                "DK-R-005",
                "For Danish suppliers the following Payment means codes are allowed: 1, 10, 31, 42, 48, 49, 50, 58, 59, 93 and 97",
                lambda e, d: f" {_code(e)} " in " 1 10 31 42 48 49 50 58 59 93 97 ",
            ),
            fatal(
                "DK-R-006",
                "For Danish suppliers bank account and registration account is mandatory if payment means is 31 or 42",
                _dk_r_006,
            ),
            fatal(
                "DK-R-007",
                "For Danish suppliers PaymentMandate/ID and PayerFinancialAccount/ID are mandatory when payment means is 49",
                _dk_r_007,
            ),
            fatal(
                "DK-R-008",
                "For Danish Suppliers PaymentID is mandatory and MUST start with 01#, 04# or 15# (kortartkode), and PayeeFinancialAccount/ID (Giro kontonummer) is mandatory and must be 7 or 8 numerical characters long, when payment means equals 50 (Giro)",
                _dk_r_008,
            ),
            fatal(
                "DK-R-009",
                'For Danish Suppliers if the PaymentID is prefixed with 04# or 15# the 16 digits instruction Id must be added to the PaymentID eg. "04#1234567890123456" when Payment means equals 50 (Giro)',
                _dk_r_009,
            ),
            fatal(
                "DK-R-010",
                "For Danish Suppliers the PaymentID is mandatory and MUST start with 71#, 73# or 75# (kortartkode) and CreditAccount/AccountID (Kreditornummer) is mandatory and MUST be exactly 8 characters long, when Payment means equals 93 (FIK)",
                _dk_r_010,
            ),
            fatal(
                "DK-R-011",
                'For Danish Suppliers if the PaymentID is prefixed with 71# or 75# the 15-16 digits instruction Id must be added to the PaymentID eg. "71#1234567890123456" when payment Method equals 93 (FIK)',
                _dk_r_011,
            ),
            where=lambda e, d: _dk_both(d),
        ),
        rule(
            "cn:CreditNote/cac:CreditNoteLine | ubl:Invoice/cac:InvoiceLine",
            warning(
                "DK-R-003",
                "If ItemClassification is provided from Danish suppliers, UNSPSC version 19.05.01 or 26.08.01 should be used.",
                _dk_r_003,
            ),
            where=lambda e, d: _dk_both(d),
        ),
        rule(
            "cac:AllowanceCharge",
            fatal(
                "DK-R-004",
                'When specifying non-VAT Taxes for Danish customers, Danish suppliers MUST use the AllowanceChargeReasonCode="ZZZ" and MUST be specified in AllowanceChargeReason; Either as the 4-digit Tax category or must include a #, but the # is not allowed as first and last character',
                _dk_r_004,
            ),
            where=lambda e, d: _dk_both(d),
        ),
    ),
)

# ---- Italy ----------------------------------------------------------------------------------

ITALY = Pattern(
    "national-it",
    "it",
    (
        rule(
            "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme",
            fatal(
                "IT-R-001",
                "[IT-R-001] BT-32 (Seller tax registration identifier) - For Italian suppliers BT-32 minimum length 11 and maximum length shall be 16. Per i fornitori italiani il BT-32 deve avere una lunghezza tra 11 e 16 caratteri",
                lambda e, d: re.search(r"^[A-Z0-9]{11,16}$", ntext(e, "cbc:CompanyID")) is not None,
            ),
            where=lambda e, d: (
                supplier_country(d) == "IT" and ntext(e, "cac:TaxScheme/cbc:ID") != "VAT"
            ),
        ),
        rule(
            "cac:AccountingSupplierParty/cac:Party",
            fatal(
                "IT-R-002",
                "[IT-R-002] BT-35 (Seller address line 1) - Italian suppliers MUST provide the postal address line 1 - I fornitori italiani devono indicare l'indirizzo postale.",
                lambda e, d: exists(e, "cac:PostalAddress/cbc:StreetName"),
            ),
            fatal(
                "IT-R-003",
                "[IT-R-003] BT-37 (Seller city) - Italian suppliers MUST provide the postal address city - I fornitori italiani devono indicare la città di residenza.",
                lambda e, d: exists(e, "cac:PostalAddress/cbc:CityName"),
            ),
            fatal(
                "IT-R-004",
                '">[IT-R-004] BT-38 (Seller post code) - Italian suppliers MUST provide the postal address post code - I fornitori italiani devono indicare il CAP di residenza.',
                lambda e, d: exists(e, "cac:PostalAddress/cbc:PostalZone"),
            ),
            where=lambda e, d: supplier_country(d) == "IT",
        ),
    ),
)

# ---- Sweden ---------------------------------------------------------------------------------


def _se_vat(party: Element) -> list[str]:
    return [
        sv(c)
        for pts in each(party, "cac:PartyTaxScheme")
        if any(sv(x) == "VAT" for x in each(pts, "cac:TaxScheme/cbc:ID"))
        for c in each(pts, "cbc:CompanyID")
    ]


def _se_party(party: Element) -> bool:
    se_address = any(
        sv(x) == "SE" for x in each(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode")
    )
    return se_address and any(v[:2] == "SE" for v in _se_vat(party))


@doc_fact
def _se_supplier_party(doc: Doc) -> bool:
    return any(_se_party(p) for p in each(doc.root, ".//cac:AccountingSupplierParty/cac:Party"))


@doc_fact
def _se_supplier_address(doc: Doc) -> bool:
    return any(
        sv(x) == "SE"
        for x in each(
            doc.root,
            ".//cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        )
    )


@doc_fact
def _se_customer_address(doc: Doc) -> bool:
    return any(
        sv(x) == "SE"
        for x in each(
            doc.root,
            ".//cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        )
    )


def _se_vat_number(party: Element) -> str | None:
    """The VAT schemes' CompanyID as one value; None when there are several (then the official
    normalize-space()/substring() raise and the assert fails)."""
    vat = _se_vat(party)
    return vat[0] if len(vat) == 1 else None


def _se_legal(el: Element, _doc: Doc) -> bool:
    party = el.getparent()
    return (
        party is not None
        and any(
            sv(x) == "SE"
            for x in each(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode")
        )
        and exists(el, "cbc:CompanyID")
    )


def _se_tax_company(el: Element, _doc: Doc) -> bool:
    pts = el.getparent()
    party = None if pts is None else pts.getparent()
    if pts is None or party is None:
        return False
    se = any(
        sv(x) == "SE" for x in each(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode")
    )
    return (
        se
        and exists(party, "cac:PartyLegalEntity/cbc:CompanyID")
        and norm(text(pts, "cac:TaxScheme/cbc:ID")).upper() != "VAT"
    )


def _se_giro(kind: str) -> Callable[[Element, Doc], bool]:
    def where(el: Element, doc: Doc) -> bool:
        account = el.getparent()
        means = None if account is None else account.getparent()
        return (
            means is not None
            and _se_supplier_address(doc)
            and ntext(means, "cbc:PaymentMeansCode") == "30"
            and ntext(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID")
            == kind
        )

    return where


def _se_r_006_where(el: Element, doc: Doc) -> bool:
    return _se_supplier_party(doc) and any(sv(x) == "S" for x in each(el, "cbc:ID"))


def _se_r_006(el: Element, _doc: Doc) -> bool:
    value = number(text(el, "cbc:Percent"))
    return value is not None and value in (25, 12, 6)


SWEDEN = Pattern(
    "national-se",
    "se",
    (
        rule(
            "//cac:AccountingSupplierParty/cac:Party",
            fatal(
                "SE-R-001",
                "For Swedish suppliers, Swedish VAT-numbers must consist of 14 characters.",
                lambda e, d: (v := _se_vat_number(e)) is not None and len(norm(v)) == 14,
            ),
            fatal(
                "SE-R-002",
                "For Swedish suppliers, the Swedish VAT-numbers must have the trailing 12 characters in numeric form",
                lambda e, d: (v := _se_vat_number(e)) is not None and not is_nan(v[2:14]),
            ),
            where=lambda e, d: _se_party(e),
        ),
        rule(
            "//cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity",
            fatal(
                "SE-R-003",
                "Swedish organisation numbers should be numeric.",
                lambda e, d: not is_nan(text(e, "cbc:CompanyID")),
            ),
            fatal(
                "SE-R-004",
                "Swedish organisation numbers consist of 10 characters.",
                lambda e, d: len(ntext(e, "cbc:CompanyID")) == 10,
            ),
            fatal(
                "SE-R-013",
                "The last digit of a Swedish organization number must be valid according to the Luhn algorithm.",
                lambda e, d: luhn_se(ntext(e, "cbc:CompanyID")),
            ),
            where=_se_legal,
        ),
        rule(
            "//cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
            fatal(
                "SE-R-005",
                "For Swedish suppliers, when using Seller tax registration identifier, 'Godkänd för F-skatt' must be stated",
                lambda e, d: norm(sv(e)).upper() == "GODKÄND FÖR F-SKATT",
            ),
            where=_se_tax_company,
        ),
        rule(
            "//cac:TaxCategory | //cac:ClassifiedTaxCategory",
            fatal(
                "SE-R-006",
                "For Swedish suppliers, only standard VAT rate of 6, 12 or 25 are used",
                _se_r_006,
            ),
            where=_se_r_006_where,
        ),
        rule(
            "//cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",
            warning(
                "SE-R-007",
                "For Swedish suppliers using Plusgiro, the Account ID must be numeric ",
                lambda e, d: not is_nan(norm(sv(e))),
            ),
            warning(
                "SE-R-010",
                "For Swedish suppliers using Plusgiro, the Account ID must have 2-8 characters",
                lambda e, d: 2 <= len(norm(sv(e))) <= 8,
            ),
            where=_se_giro("SE:PLUSGIRO"),
        ),
        rule(
            "//cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",
            warning(
                "SE-R-008",
                "For Swedish suppliers using Bankgiro, the Account ID must be numeric ",
                lambda e, d: not is_nan(norm(sv(e))),
            ),
            warning(
                "SE-R-009",
                "For Swedish suppliers using Bankgiro, the Account ID must have 7-8 characters",
                lambda e, d: len(norm(sv(e))) in (7, 8),
            ),
            where=_se_giro("SE:BANKGIRO"),
        ),
        rule(
            "//cac:PaymentMeans",
            warning(
                "SE-R-011",
                "For Swedish suppliers using Swedish Bankgiro or Plusgiro, the proper way to indicate this is to use Code 30 for PaymentMeans and FinancialInstitutionBranch ID with code SE:BANKGIRO or SE:PLUSGIRO",
                lambda e, d: False,
            ),
            where=lambda e, d: (
                _se_supplier_address(d)
                and any(sv(x) in ("50", "56") for x in each(e, "cbc:PaymentMeansCode"))
            ),
        ),
        rule(
            "//cac:PaymentMeans",
            warning(
                "SE-R-012",
                'For domestic transactions between Swedish trading partners, credit transfer should be indicated by PaymentMeansCode="30"',
                lambda e, d: False,
            ),
            where=lambda e, d: (
                _se_supplier_address(d)
                and _se_customer_address(d)
                and any(sv(x) == "31" for x in each(e, "cbc:PaymentMeansCode"))
            ),
        ),
    ),
)

# ---- Greece ---------------------------------------------------------------------------------


@doc_fact
def _gr_sender(doc: Doc) -> bool:
    return supplier_country(doc) in ("GR", "EL")


@doc_fact
def _gr_receiver(doc: Doc) -> bool:
    return customer_country(doc) in ("GR", "EL")


@doc_fact
def _gr_accounting_supplier_country(doc: Doc) -> str:
    for pts in each(doc.root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"):
        if any(sv(x) == "VAT" for x in each(pts, "cac:TaxScheme/cbc:ID")):
            prefix = text(pts, "cbc:CompanyID")[:2]
            if prefix:
                return norm(prefix).upper()
    path = (
        "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
    )
    return ntext(doc.root, path).upper() if exists(doc.root, path) else "XX"


_GR_DOC_TYPES = frozenset("1.1 1.6 2.1 2.4 5.1 5.2".split())
_GR_DATE = re.compile(r"^(0?[1-9]|[12][0-9]|3[01])[-\\/ ]?(0?[1-9]|1[0-2])[-\\/ ]?(19|20)[0-9]{2}")


def _segments(el: Element) -> list[str]:
    return sv(el).split("|")


def _seg(el: Element, i: int) -> str:
    parts = _segments(el)
    return parts[i] if i < len(parts) else ""


def _gr_vat_tins(doc: Doc, path: str) -> list[str]:
    return [
        text(pts, "cbc:CompanyID")[2:11]
        for pts in each(doc.root, path + "/cac:PartyTaxScheme")
        if any(sv(x) == "VAT" for x in each(pts, "cac:TaxScheme/cbc:ID"))
    ]


def _gr_001_2(el: Element, doc: Doc) -> bool:
    first = _seg(el, 0)
    tins = _gr_vat_tins(doc, "cac:AccountingSupplierParty/cac:Party") + _gr_vat_tins(
        doc, "cac:TaxRepresentativeParty"
    )
    return len(norm(first)) == 9 and tin_ok(first) and first in tins


def _gr_001_3(el: Element, doc: Doc) -> bool:
    second = _seg(el, 1)
    if not norm(second) or not _GR_DATE.search(second):
        return False
    id_date = second.split("/")
    issue = text(doc.root, "cbc:IssueDate").split("-")
    if len(id_date) < 3 or len(issue) < 3:
        return False
    return id_date[0] == issue[2] and id_date[1] == issue[1] and id_date[2] == issue[0]


_XS_INTEGER = re.compile(r"[ \t\n\r]*[+-]?[0-9]+[ \t\n\r]*")


def _gr_001_4(el: Element, _doc: Doc) -> bool:
    """Non-blank, number() not NaN, and xs:integer(...) >= 0; the cast raises (and the assert
    fails) on any value that is a number but not an xs:integer."""
    third = _seg(el, 2)
    if not norm(third) or is_nan(third) or _XS_INTEGER.fullmatch(third) is None:
        return False
    return int(third) >= 0


def _gr_vat_party(el: Element) -> bool:
    vat = [
        sv(c)
        for pts in each(el, "cac:PartyTaxScheme")
        if ntext(pts, "cac:TaxScheme/cbc:ID") == "VAT"
        for c in each(pts, "cbc:CompanyID")
    ]
    return len(vat) == 1 and vat[0][:2] == "EL" and tin_ok(vat[0][2:])


@doc_fact
def _gr_supplier_gr_address(doc: Doc) -> bool:
    return any(
        sv(x) == "GR"
        for x in each(
            doc.root,
            "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        )
    )


def _gr_description(el: Element, value: str) -> bool:
    return any(sv(x) == value for x in each(el, "cbc:DocumentDescription"))


def _count_refs(el: Element, value: str) -> int:
    return sum(1 for a in each(el, "cac:AdditionalDocumentReference") if _gr_description(a, value))


GREECE = Pattern(
    "national-gr",
    "gr",
    (
        rule(
            "/ubl:Invoice/cbc:ID | /cn:CreditNote/cbc:ID",
            fatal(
                "GR-R-001-1",
                " When the Supplier is Greek, the Invoice Id should consist of 6 segments",
                lambda e, d: len(_segments(e)) == 6,
            ),
            fatal(
                "GR-R-001-2",
                "When the Supplier is Greek, the Invoice Id first segment must be a valid TIN Number and match either the Supplier's or the Tax Representative's Tin Number",
                _gr_001_2,
            ),
            fatal(
                "GR-R-001-3",
                "When the Supplier is Greek, the Invoice Id second segment must be a valid Date that matches the invoice Issue Date",
                _gr_001_3,
            ),
            fatal(
                "GR-R-001-4",
                "When Supplier is Greek, the Invoice Id third segment must be a positive integer",
                _gr_001_4,
            ),
            fatal(
                "GR-R-001-5",
                "When Supplier is Greek, the Invoice Id in the fourth segment must be a valid greek document type",
                lambda e, d: bool(norm(_seg(e, 3))) and _seg(e, 3) in _GR_DOC_TYPES,
            ),
            fatal(
                "GR-R-001-6",
                "When Supplier is Greek, the Invoice Id fifth segment must not be empty",
                lambda e, d: len(_seg(e, 4)) > 0,
            ),
            fatal(
                "GR-R-001-7",
                "When Supplier is Greek, the Invoice Id sixth segment must not be empty",
                lambda e, d: len(_seg(e, 5)) > 0,
            ),
            where=lambda e, d: _gr_sender(d),
        ),
        rule(
            "cac:AccountingSupplierParty/cac:Party",
            fatal(
                "GR-R-002",
                "Greek Suppliers must provide their full name as they are registered in the Greek Business Registry (G.E.MH.) as a legal entity or in the Tax Registry as a natural person ",
                lambda e, d: len(text(e, "cac:PartyName/cbc:Name")) > 0,
            ),
            warning(
                "GR-S-011",
                "Greek suppliers must provide their Seller Tax Registration Number, prefixed by the country code",
                lambda e, d: _gr_vat_party(e),
            ),
            where=lambda e, d: _gr_sender(d),
        ),
        rule(
            "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
            fatal(
                "GR-R-003",
                "For the Greek Suppliers, the VAT must start with 'EL' and must be a valid TIN number",
                lambda e, d: sv(e)[:2] == "EL" and tin_ok(sv(e)[2:]),
            ),
            where=lambda e, d: (
                _gr_sender(d)
                and (p := e.getparent()) is not None
                and ntext(p, "cac:TaxScheme/cbc:ID") == "VAT"
            ),
        ),
        rule(
            "/ubl:Invoice | /cn:CreditNote",
            fatal(
                "GR-R-004-1",
                " When Supplier is Greek, there must be one MARK Number",
                lambda e, d: _count_refs(e, "##M.AR.K##") == 1,
            ),
            warning(
                "GR-S-008-1",
                "When Supplier is Greek, there should be one invoice url",
                lambda e, d: _count_refs(e, "##INVOICE|URL##") == 1,
            ),
            fatal(
                "GR-R-008-2",
                "When Supplier is Greek, there should be no more than one invoice url",
                lambda e, d: _count_refs(e, "##INVOICE|URL##") in (0, 1),
            ),
            where=lambda e, d: _gr_sender(d) and _gr_supplier_gr_address(d),
        ),
        rule(
            "cac:AdditionalDocumentReference/cbc:ID",
            fatal(
                "GR-R-004-2",
                "When Supplier is Greek, the MARK Number must be a positive integer",
                lambda e, d: re.search(r"^[1-9]([0-9]*)", sv(e)) is not None,
            ),
            where=lambda e, d: (
                _gr_sender(d)
                and _gr_supplier_gr_address(d)
                and (p := e.getparent()) is not None
                and _gr_description(p, "##M.AR.K##")
            ),
        ),
        rule(
            "cac:AdditionalDocumentReference",
            fatal(
                "GR-R-008-3",
                "When Supplier is Greek and the INVOICE URL Document reference exists, the External Reference URI should be present",
                lambda e, d: len(ntext(e, "cac:Attachment/cac:ExternalReference/cbc:URI")) > 0,
            ),
            where=lambda e, d: _gr_sender(d) and _gr_description(e, "##INVOICE|URL##"),
        ),
        rule(
            "cac:AccountingCustomerParty/cac:Party",
            fatal(
                "GR-R-005",
                "Greek Suppliers must provide the full name of the buyer",
                lambda e, d: len(text(e, "cac:PartyName/cbc:Name")) > 0,
            ),
            where=lambda e, d: _gr_sender(d),
        ),
        rule(
            "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
            fatal(
                "GR-R-009",
                "Greek suppliers that send an invoice through the PEPPOL network must use a correct TIN number as an electronic address according to PEPPOL Electronic Address Identifier scheme (schemeID 9933).",
                lambda e, d: e.get("schemeID") == "9933" and tin_ok(sv(e)),
            ),
            where=lambda e, d: _gr_accounting_supplier_country(d) in ("GR", "EL"),
        ),
    ),
)

GREECE_BOTH = Pattern(
    "national-gr-both",
    "gr",
    (
        rule(
            "cac:AccountingCustomerParty/cac:Party",
            fatal(
                "GR-R-006",
                "Greek Suppliers must provide the VAT number of the buyer, if the buyer is Greek ",
                lambda e, d: _gr_vat_party(e),
            ),
            where=lambda e, d: _gr_sender(d) and _gr_receiver(d),
        ),
        rule(
            "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
            fatal(
                "GR-R-010",
                "Greek Suppliers that send an invoice through the PEPPOL network to a greek buyer must use a correct TIN number as an electronic address according to PEPPOL Electronic Address Identifier scheme (SchemeID 9933)",
                lambda e, d: e.get("schemeID") == "9933" and tin_ok(sv(e)),
            ),
            where=lambda e, d: _gr_sender(d) and _gr_receiver(d),
        ),
    ),
)

# ---- Iceland --------------------------------------------------------------------------------


@doc_fact
def _is_supplier(doc: Doc) -> bool:
    return _postal_country(doc, "AccountingSupplierParty") == "IS"


@doc_fact
def _is_both(doc: Doc) -> bool:
    return _is_supplier(doc) and _postal_country(doc, "AccountingCustomerParty") == "IS"


def _eindagi(el: Element) -> list[Element]:
    return [
        a
        for a in each(el, "cac:AdditionalDocumentReference")
        if any(sv(x) == "EINDAGI" for x in each(a, "cbc:DocumentDescription"))
    ]


def _eindagi_ids(refs: list[Element]) -> list[str]:
    """cac:AdditionalDocumentReference[cbc:DocumentDescription = 'EINDAGI']/cbc:ID"""
    return [sv(i) for r in refs for i in each(r, "cbc:ID")]


def _is_r_008(el: Element, _doc: Doc) -> bool:
    """string-length(EINDAGI/cbc:ID) = 10 and castable as xs:date: on the one such ID; none
    has length 0, several make string-length() raise."""
    refs = _eindagi(el)
    if not refs:
        return True
    ids = _eindagi_ids(refs)
    return len(ids) == 1 and len(ids[0]) == 10 and is_date(ids[0])


def _is_r_010(el: Element, _doc: Doc) -> bool:
    """(cbc:DueDate) <= (EINDAGI/cbc:ID): a general comparison of untyped values, as strings,
    true when some due date and some EINDAGI ID compare so."""
    refs = _eindagi(el)
    if not refs:
        return True
    dues = [sv(d) for d in each(el, "cbc:DueDate")]
    return any(due <= value for due in dues for value in _eindagi_ids(refs))


def _is_account(code: str) -> Callable[[Element, Doc], bool]:
    def check(el: Element, _doc: Doc) -> bool:
        means = [
            m
            for m in each(el, "cac:PaymentMeans")
            if any(sv(x) == code for x in each(m, "cbc:PaymentMeansCode"))
        ]
        if not means:
            return True
        # the account IDs of all those payment means: none fails exists(), several make
        # normalize-space() raise
        ids = [i for m in means for i in each(m, "cac:PayeeFinancialAccount/cbc:ID")]
        return len(ids) == 1 and len(norm(sv(ids[0]))) == 12

    return check


ICELAND = Pattern(
    "national-is",
    "is",
    (
        rule(
            "cn:CreditNote | ubl:Invoice",
            warning(
                "IS-R-001",
                "[IS-R-001]-If seller is icelandic then invoice type should be 380 or 381 — Ef seljandi er íslenskur þá ætti gerð reiknings (BT-3) að vera sölureikningur (380) eða kreditreikningur (381).",
                lambda e, d: (
                    ntext(e, "cbc:InvoiceTypeCode") in ("380", "381")
                    or ntext(e, "cbc:CreditNoteTypeCode") in ("380", "381")
                ),
            ),
            fatal(
                "IS-R-002",
                "[IS-R-002]-If seller is icelandic then it shall contain sellers legal id — Ef seljandi er íslenskur þá skal reikningur innihalda íslenska kennitölu seljanda (BT-30).",
                lambda e, d: any(
                    x.get("schemeID") == "0196"
                    for x in each(
                        e,
                        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
                    )
                ),
            ),
            fatal(
                "IS-R-003",
                "[IS-R-003]-If seller is icelandic then it shall contain his address with street name and zip code — Ef seljandi er íslenskur þá skal heimilisfang seljanda innihalda götuheiti og póstnúmer (BT-35 og BT-38).",
                lambda e, d: (
                    exists(
                        e, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:StreetName"
                    )
                    and exists(
                        e, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:PostalZone"
                    )
                ),
            ),
            fatal(
                "IS-R-006",
                "[IS-R-006]-If seller is icelandic and payment means code is 9 then a 12 digit account id must exist — Ef seljandi er íslenskur og greiðslumáti (BT-81) er krafa (kóti 9) þá skal koma fram 12 stafa númer (bankanúmer, höfuðbók 66 og reikningsnúmer) (BT-84)",
                _is_account("9"),
            ),
            fatal(
                "IS-R-007",
                "[IS-R-007]-If seller is icelandic and payment means code is 42 then a 12 digit account id must exist — Ef seljandi er íslenskur og greiðslumáti (BT-81) er millifærsla (kóti 42) þá skal koma fram 12 stafa reikningnúmer (BT-84)",
                _is_account("42"),
            ),
            fatal(
                "IS-R-008",
                "[IS-R-008]-If seller is icelandic and invoice contains supporting description EINDAGI then the id form must be YYYY-MM-DD — Ef seljandi er íslenskur þá skal eindagi (BT-122, DocumentDescription = EINDAGI) vera á forminu YYYY-MM-DD.",
                _is_r_008,
            ),
            fatal(
                "IS-R-009",
                "[IS-R-009]-If seller is icelandic and invoice contains supporting description EINDAGI invoice must have due date — Ef seljandi er íslenskur þá skal reikningur sem inniheldur eindaga (BT-122, DocumentDescription = EINDAGI) einnig hafa gjalddaga (BT-9).",
                lambda e, d: not _eindagi(e) or exists(e, "cbc:DueDate"),
            ),
            fatal(
                "IS-R-010",
                "[IS-R-010]-If seller is icelandic and invoice contains supporting description EINDAGI the id date must be same or later than due date — Ef seljandi er íslenskur þá skal eindagi (BT-122, DocumentDescription = EINDAGI) skal vera sami eða síðar en gjalddagi (BT-9) ef eindagi er til staðar.",
                _is_r_010,
            ),
            where=lambda e, d: _is_supplier(d),
        ),
        rule(
            "cn:CreditNote/cac:AccountingCustomerParty | ubl:Invoice/cac:AccountingCustomerParty",
            fatal(
                "IS-R-004",
                "[IS-R-004]-If seller and buyer are icelandic then the invoice shall contain the buyers icelandic legal identifier — Ef seljandi og kaupandi eru íslenskir þá skal reikningurinn innihalda íslenska kennitölu kaupanda (BT-47).",
                lambda e, d: any(
                    x.get("schemeID") == "0196"
                    for x in each(e, "cac:Party/cac:PartyLegalEntity/cbc:CompanyID")
                ),
            ),
            fatal(
                "IS-R-005",
                "[IS-R-005]-If seller and buyer are icelandic then the invoice shall contain the buyers address with street name and zip code — Ef seljandi og kaupandi eru íslenskir þá skal heimilisfang kaupanda innihalda götuheiti og póstnúmer (BT-50 og BT-53)",
                lambda e, d: (
                    exists(e, "cac:Party/cac:PostalAddress/cbc:StreetName")
                    and exists(e, "cac:Party/cac:PostalAddress/cbc:PostalZone")
                ),
            ),
            where=lambda e, d: _is_both(d),
        ),
    ),
)

# ---- Netherlands ----------------------------------------------------------------------------


def _nl(doc: Doc, path: str) -> bool:
    return ntext(doc.root, path).upper() == "NL"


@doc_fact
def _nl_supplier(doc: Doc) -> bool:
    return _nl(
        doc,
        "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
    )


@doc_fact
def _nl_customer(doc: Doc) -> bool:
    return _nl(
        doc,
        "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
    )


@doc_fact
def _nl_taxrep(doc: Doc) -> bool:
    return _nl(
        doc, "cac:TaxRepresentativeParty/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
    )


def _address_complete(el: Element, _doc: Doc) -> bool:
    return (
        exists(el, "cbc:StreetName") and exists(el, "cbc:CityName") and exists(el, "cbc:PostalZone")
    )


def _kvk_oin(el: Element, _doc: Doc) -> bool:
    """contains(concat(' ', string-join(@schemeID, ' '), ' '), ' 0106 ') (or ' 0190 '): the
    scheme is matched as a space-separated token of the raw attribute, not by equality."""
    schemes = f" {el.get('schemeID') or ''} "
    return (" 0106 " in schemes or " 0190 " in schemes) and norm(sv(el)) != ""


def _nl_r_007(el: Element, doc: Doc) -> bool:
    """(invoice and xs:decimal(PayableAmount) <= 0) or (credit note and >= 0) or //PaymentMeans.

    The cast is evaluated first, so a PayableAmount that is not an xs:decimal raises and the
    assert fails; an absent one compares as the empty sequence (false)."""
    found = first(el, "cbc:PayableAmount")
    if found is not None:
        payable = dec(sv(found))
        if payable is None:
            return False
        if doc.is_invoice and payable <= 0:
            return True
        if doc.is_credit_note and payable >= 0:
            return True
    return _has_payment_means(doc)


@doc_fact
def _has_payment_means(doc: Doc) -> bool:
    return first(doc.root, ".//cac:PaymentMeans") is not None


NETHERLANDS = Pattern(
    "national-nl",
    "nl",
    (
        rule(
            "cbc:CreditNoteTypeCode",
            fatal(
                "NL-R-001",
                "[NL-R-001] For suppliers in the Netherlands, if the document is a creditnote, the document MUST contain an invoice reference (cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID)",
                lambda e, d: exists(
                    d.root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"
                ),
            ),
            where=lambda e, d: _nl_supplier(d),
        ),
        rule(
            "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress",
            fatal(
                "NL-R-002",
                "[NL-R-002] For suppliers in the Netherlands the supplier's address (cac:AccountingSupplierParty/cac:Party/cac:PostalAddress) MUST contain street name (cbc:StreetName), city (cbc:CityName) and post code (cbc:PostalZone)",
                _address_complete,
            ),
            where=lambda e, d: _nl_supplier(d),
        ),
        rule(
            "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
            fatal(
                "NL-R-003",
                "[NL-R-003] For suppliers in the Netherlands, the legal entity identifier MUST be either a KVK or OIN number (schemeID 0106 or 0190)",
                _kvk_oin,
            ),
            where=lambda e, d: _nl_supplier(d),
        ),
        rule(
            "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress",
            fatal(
                "NL-R-004",
                "[NL-R-004] For suppliers in the Netherlands, if the customer is in the Netherlands, the customer address (cac:AccountingCustomerParty/cac:Party/cac:PostalAddress) MUST contain the street name (cbc:StreetName), the city (cbc:CityName) and post code (cbc:PostalZone)",
                _address_complete,
            ),
            where=lambda e, d: _nl_supplier(d) and _nl_customer(d),
        ),
        rule(
            "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
            fatal(
                "NL-R-005",
                "[NL-R-005] For suppliers in the Netherlands, if the customer is in the Netherlands, the customer's legal entity identifier MUST be either a KVK or OIN number (schemeID 0106 or 0190)",
                _kvk_oin,
            ),
            where=lambda e, d: _nl_supplier(d) and _nl_customer(d),
        ),
        rule(
            "cac:TaxRepresentativeParty/cac:PostalAddress",
            fatal(
                "NL-R-006",
                "[NL-R-006] For suppliers in the Netherlands, if the fiscal representative is in the Netherlands, the representative's address (cac:TaxRepresentativeParty/cac:PostalAddress) MUST contain street name (cbc:StreetName), city (cbc:CityName) and post code (cbc:PostalZone)",
                _address_complete,
            ),
            where=lambda e, d: _nl_supplier(d) and _nl_taxrep(d),
        ),
        rule(
            "cac:LegalMonetaryTotal",
            fatal(
                "NL-R-007",
                "[NL-R-007] For suppliers in the Netherlands, the supplier MUST provide a means of payment (cac:PaymentMeans) if the payment is from customer to supplier",
                _nl_r_007,
            ),
            where=lambda e, d: _nl_supplier(d),
        ),
        rule(
            "cac:PaymentMeans",
            fatal(
                "NL-R-008",
                "[NL-R-008] For suppliers in the Netherlands, if the customer is in the Netherlands, the payment means code (cac:PaymentMeans/cbc:PaymentMeansCode) MUST be one of 30, 48, 49, 57, 58 or 59",
                lambda e, d: (
                    ntext(e, "cbc:PaymentMeansCode") in ("30", "48", "49", "57", "58", "59")
                ),
            ),
            where=lambda e, d: _nl_supplier(d) and _nl_customer(d),
        ),
        rule(
            "cac:OrderLineReference/cbc:LineID",
            fatal(
                "NL-R-009",
                "[NL-R-009] For suppliers in the Netherlands, if an order line reference (cac:OrderLineReference/cbc:LineID) is used, there must be an order reference on the document level (cac:OrderReference/cbc:ID)",
                lambda e, d: exists(d.root, "cac:OrderReference/cbc:ID"),
            ),
            where=lambda e, d: _nl_supplier(d),
        ),
    ),
)

PATTERNS = (NORWAY, DENMARK, ITALY, SWEDEN, GREECE, GREECE_BOTH, ICELAND, NETHERLANDS)
