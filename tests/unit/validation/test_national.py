"""National rules as PEPPOL BIS Billing 3.0.19 states them, on small documents."""

from __future__ import annotations

from lxml import etree

from domain.validation.rules.national_de import iban_ok
from tests.unit.validation import fragments
from tests.unit.validation.fragments import ids, party


def doc(body: str, supplier: str, customer: str) -> etree._Element:
    return fragments.doc(
        body
        + party("AccountingSupplierParty", supplier)
        + party("AccountingCustomerParty", customer)
    )


def test_two_notes_are_allowed_only_between_german_parties() -> None:
    notes = "<cbc:Note>a</cbc:Note><cbc:Note>b</cbc:Note>"
    assert ids(doc(notes, "NO", "NO"), "PEPPOL-EN16931-R002") == ["PEPPOL-EN16931-R002"]
    assert ids(doc(notes, "DE", "de"), "PEPPOL-EN16931-R002") == []


def test_danish_giro_account_is_seven_or_eight_digits() -> None:
    def means(account: str) -> str:
        return (
            "<cac:PaymentMeans><cbc:PaymentMeansCode>50</cbc:PaymentMeansCode>"
            "<cbc:PaymentID>01#123</cbc:PaymentID><cac:PayeeFinancialAccount>"
            f"<cbc:ID>{account}</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>"
        )

    assert ids(doc(means("12345678"), "DK", "DK"), "DK-R-008") == []
    assert ids(doc(means("1234567A"), "DK", "DK"), "DK-R-008") == ["DK-R-008"]


def test_danish_non_vat_tax_reason() -> None:
    def charge(reason: str) -> str:
        return (
            "<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator>"
            "<cbc:AllowanceChargeReasonCode>ZZZ</cbc:AllowanceChargeReasonCode>"
            f"<cbc:AllowanceChargeReason>{reason}</cbc:AllowanceChargeReason></cac:AllowanceCharge>"
        )

    for good in ("0010", "Afgift#Olie"):
        assert ids(doc(charge(good), "DK", "DK"), "DK-R-004") == [], good
    for bad in ("10", "#Olie", "Olie#", "Olie"):
        assert ids(doc(charge(bad), "DK", "DK"), "DK-R-004") == ["DK-R-004"], bad


def test_german_rules_apply_only_between_german_parties() -> None:
    assert ids(doc("", "DE", "DE"), "DE-R-001", "DE-R-015") == ["DE-R-001", "DE-R-015"]
    assert ids(doc("", "DE", "NO"), "DE-R-001", "DE-R-015") == []


def test_german_skonto_statement_needs_the_syntax_and_a_line_break() -> None:
    def terms(note: str) -> str:
        return f"<cac:PaymentTerms><cbc:Note>{note}</cbc:Note></cac:PaymentTerms>"

    good = "#SKONTO#TAGE=14#PROZENT=2.00#\n"
    assert ids(doc(terms(good), "DE", "DE"), "DE-R-018") == []
    assert ids(doc(terms("30 Tage netto"), "DE", "DE"), "DE-R-018") == []
    for bad in ("#SKONTO#TAGE=14#PROZENT=2.00#", "#SKONTO#TAGE=14#PROZENT=2#\n"):
        assert ids(doc(terms(bad), "DE", "DE"), "DE-R-018") == ["DE-R-018"], bad


def test_iban_check_as_the_german_rules_compute_it() -> None:
    assert iban_ok("DE02 1203 0000 0000 2020 51")
    assert not iban_ok("DE02120300000000202052")
    assert not iban_ok("")


def test_german_contact_checks_are_linear_on_hostile_values() -> None:
    def contact(phone: str, mail: str) -> str:
        return (
            "<cac:AccountingSupplierParty><cac:Party><cac:Contact><cbc:Name>n</cbc:Name>"
            f"<cbc:Telephone>{phone}</cbc:Telephone><cbc:ElectronicMail>{mail}</cbc:ElectronicMail>"
            "</cac:Contact></cac:Party></cac:AccountingSupplierParty>"
        )

    root = doc(contact("+49 30 1234", "a.b@example.de"), "DE", "DE")
    # the contact is a second AccountingSupplierParty here; only its Contact rules are asked
    assert ids(root, "DE-R-027", "DE-R-028") == []
    hostile = doc(contact("a" * 200_000, "a@" + "a." * 100_000 + "-"), "DE", "DE")
    assert ids(hostile, "DE-R-027", "DE-R-028") == ["DE-R-027", "DE-R-028"]
