"""The Schematron semantics of the engine and the XPath value helpers, on small documents."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from domain.validation import RULE_RELEASE, known_rule_ids, validate
from domain.validation.codes import codes
from domain.validation.engine import (
    Pattern,
    RuleSet,
    doc_fact,
    fatal,
    location,
    rule,
    warning,
)
from domain.validation.values import (
    dec,
    decimals,
    each,
    every,
    is_date,
    norm,
    round2,
    text,
    xround,
)
from tests.unit.validation.fragments import CAC, CBC, doc

LINES = """
<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:Note>a</cbc:Note></cac:InvoiceLine>
<cac:InvoiceLine><cbc:ID>2</cbc:ID></cac:InvoiceLine>
<cac:InvoiceLine><cbc:Note>c</cbc:Note></cac:InvoiceLine>
"""


def test_an_assert_fires_once_per_context_node_where_it_is_false() -> None:
    rules = RuleSet(
        [
            Pattern(
                "p",
                "t",
                (
                    rule(
                        "cac:InvoiceLine",
                        fatal("T-1", "needs a note", lambda e, d: bool(every(e, "cbc:Note"))),
                    ),
                ),
            )
        ]
    )
    findings = rules.run(doc(LINES))
    assert [(f.rule_id, f.flag, f.location) for f in findings] == [
        ("T-1", "fatal", "/ubl:Invoice/cac:InvoiceLine[2]")
    ]


def test_first_matching_rule_of_a_pattern_wins() -> None:
    has_note = lambda e, d: bool(every(e, "cbc:Note"))  # noqa: E731
    pattern = Pattern(
        "p",
        "t",
        (
            rule(
                "cac:InvoiceLine",
                warning("T-NOTE", "has a note", lambda e, d: False),
                where=has_note,
            ),
            rule(
                "cac:InvoiceLine",
                fatal("T-ID", "needs an id", lambda e, d: bool(every(e, "cbc:ID"))),
            ),
        ),
    )
    ids = [f.rule_id for f in RuleSet([pattern]).run(doc(LINES))]
    # lines 1 and 3 are taken by the first rule; only line 2 reaches the second, and it has an id
    assert ids == ["T-NOTE", "T-NOTE"]


def test_separate_patterns_each_see_every_node() -> None:
    a = Pattern("a", "t", (rule("cac:InvoiceLine", fatal("A", "a", lambda e, d: False)),))
    b = Pattern("b", "t", (rule("cac:InvoiceLine", fatal("B", "b", lambda e, d: False)),))
    ids = [f.rule_id for f in RuleSet([a, b]).run(doc(LINES))]
    assert ids.count("A") == 3 and ids.count("B") == 3


def test_rule_ids_restrict_asserts_but_not_matching() -> None:
    pattern = Pattern(
        "p",
        "t",
        (
            rule("cac:InvoiceLine", fatal("FIRST", "x", lambda e, d: False)),
            rule("cac:InvoiceLine", fatal("SECOND", "y", lambda e, d: False)),
        ),
    )
    assert RuleSet([pattern]).run(doc(LINES), rule_ids={"SECOND"}) == []


def test_absolute_and_descendant_contexts() -> None:
    rules = RuleSet(
        [
            Pattern(
                "a", "t", (rule("/ubl:Invoice/cbc:ID", fatal("ROOT-ID", "x", lambda e, d: False)),)
            ),
            Pattern("b", "t", (rule("//cbc:Note", fatal("ANY-NOTE", "x", lambda e, d: False)),)),
        ]
    )
    ids = [f.rule_id for f in rules.run(doc("<cbc:ID>9</cbc:ID>" + LINES))]
    assert ids.count("ROOT-ID") == 1 and ids.count("ANY-NOTE") == 2


def test_xpath_rounding_and_decimals() -> None:
    assert xround(Decimal("2.5")) == 3 and xround(Decimal("-2.5")) == -2
    assert round2(Decimal("1.005")) == Decimal("1.01")
    assert round2(Decimal("-1.005")) == Decimal("-1.00")
    assert dec(" 12.50 ") == Decimal("12.50") and dec("1e3") is None and dec("NaN") is None
    assert decimals("10.123") == 3 and decimals("10") == 0


def test_path_helpers_follow_document_order() -> None:
    root = doc(LINES)
    assert [text(x, "cbc:ID") for x in each(root, "cac:InvoiceLine")] == ["1", "2", ""]
    assert [x.text for x in each(root, "cac:InvoiceLine/cbc:Note")] == ["a", "c"]


def test_location_is_a_prefixed_xpath() -> None:
    root = doc(LINES)
    note = root.findall(f"{{{CAC}}}InvoiceLine")[2][0]
    assert location(note) == "/ubl:Invoice/cac:InvoiceLine[3]/cbc:Note"


def test_code_lists_are_data() -> None:
    assert "NOK" in codes("iso4217") and "C62" in codes("rec20") and "0192" in codes("eas")


def test_release_and_catalogue() -> None:
    assert "3.0.19" in RULE_RELEASE and "1.3.14.1" in RULE_RELEASE and "UBL 2.1" in RULE_RELEASE
    ids = known_rule_ids()
    for rule_id in (
        "BR-01",
        "BR-CO-15",
        "BR-S-08",
        "BR-AF-08",
        "UBL-CR-001",
        "PEPPOL-EN16931-R120",
        "NO-R-001",
        "DE-R-001",
    ):
        assert rule_id in ids


def test_not_an_invoice_is_fatal() -> None:
    findings = validate(etree.fromstring(b"<Order><ID>1</ID></Order>"))
    assert any(f.rule_id == "UBL-XSD" and f.flag == "fatal" for f in findings)


def test_norwegian_vat_number_rule() -> None:
    supplier = """<cac:AccountingSupplierParty><cac:Party><cac:PartyTaxScheme>
      <cbc:CompanyID>{}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
    </cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>"""
    ok = validate(doc(supplier.format("NO991825827MVA")), rule_ids={"NO-R-001"})
    bad = validate(doc(supplier.format("NO991825828MVA")), rule_ids={"NO-R-001"})
    assert ok == [] and [f.rule_id for f in bad] == ["NO-R-001"]


def test_totals_use_decimal_arithmetic() -> None:
    totals = """<cac:LegalMonetaryTotal>
      <cbc:LineExtensionAmount currencyID="NOK">0.30</cbc:LineExtensionAmount>
      <cbc:TaxExclusiveAmount currencyID="NOK">0.30</cbc:TaxExclusiveAmount>
      <cbc:TaxInclusiveAmount currencyID="NOK">0.30</cbc:TaxInclusiveAmount>
      <cbc:PayableAmount currencyID="NOK">0.30</cbc:PayableAmount>
    </cac:LegalMonetaryTotal>
    <cac:InvoiceLine>
      <cbc:LineExtensionAmount currencyID="NOK">0.10</cbc:LineExtensionAmount>
    </cac:InvoiceLine>
    <cac:InvoiceLine>
      <cbc:LineExtensionAmount currencyID="NOK">0.20</cbc:LineExtensionAmount>
    </cac:InvoiceLine>"""
    assert validate(doc(totals), rule_ids={"BR-CO-10", "BR-CO-13", "BR-CO-16"}) == []


def test_the_ubl_cr_table_answers_as_its_asserts_would() -> None:
    from domain.validation.engine import Doc
    from domain.validation.rules.cen_syntax_cr import CR_RULE

    body = """<cbc:UBLVersionID>2.0</cbc:UBLVersionID><cbc:UUID>x</cbc:UUID>
    <cac:InvoiceLine><cac:Item><cac:Price><cbc:PriceType>p</cbc:PriceType></cac:Price>
    <cac:ClassifiedTaxCategory><cbc:ID schemeID="x">S</cbc:ID></cac:ClassifiedTaxCategory>
    </cac:Item><cbc:UUID>u</cbc:UUID></cac:InvoiceLine>
    <cac:AdditionalDocumentReference><cbc:ID>1</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode>
    <cbc:DocumentDescription>d</cbc:DocumentDescription></cac:AdditionalDocumentReference>"""
    root = doc(body)
    one_by_one = [a.id for a in CR_RULE.asserts if not a.check(root, Doc(root))]
    assert CR_RULE.failing is not None
    table = [a.id for a in CR_RULE.failing(root, Doc(root))]
    assert table == one_by_one
    assert {"UBL-CR-002", "UBL-CR-005", "UBL-CR-515", "UBL-CR-673", "UBL-CR-679"} <= set(table)


def test_ubl_cr_line_rules_cover_credit_note_lines() -> None:
    root = doc("<cac:CreditNoteLine><cbc:UUID>u</cbc:UUID></cac:CreditNoteLine>", "CreditNote")
    findings = validate(root, rule_ids={"UBL-CR-515"})
    assert [(f.rule_id, f.message) for f in findings] == [
        ("UBL-CR-515", "[UBL-CR-515]-A UBL invoice should not include the InvoiceLine UUID")
    ]


def test_restricting_to_the_families_of_the_ids_changes_no_finding() -> None:
    from domain.validation import families_of

    root = doc(LINES + "<cbc:Note>a</cbc:Note><cbc:Note>b</cbc:Note>")
    ids = {"BR-21", "PEPPOL-EN16931-R002", "UBL-SR-34", "NO-R-001", "UBL-XSD"}
    assert families_of(ids) == {"cen", "peppol", "no", "xsd"}
    assert validate(root, families=families_of(ids), rule_ids=ids) == validate(root, rule_ids=ids)


def test_a_document_fact_is_computed_once_per_run_and_its_error_kept() -> None:
    asked: list[object] = []

    @doc_fact
    def country_is_no(d: object) -> bool:
        asked.append(d)
        return True

    @doc_fact
    def broken(d: object) -> bool:
        asked.append("broken")
        raise ValueError("not a decimal")

    rules = RuleSet(
        [
            Pattern(
                "a", "t", (rule("cac:InvoiceLine", ALWAYS, where=lambda e, d: country_is_no(d)),)
            ),
            Pattern("b", "t", (rule("cac:InvoiceLine", ALWAYS, where=lambda e, d: broken(d)),)),
        ]
    )
    assert rules.run(doc(LINES)) == []
    assert asked.count("broken") == 1 and len(asked) == 2  # three lines, each fact asked once
    rules.run(doc(LINES))
    assert len(asked) == 4  # a new run, a new document: asked again


def test_an_element_set_found_once_per_document_selects_a_descendant_context() -> None:
    notes = etree.XPath("//cbc:Note", namespaces={"cbc": CBC})
    selected = doc_fact(lambda d: frozenset(notes(d.root)))
    rules = RuleSet(
        [
            Pattern(
                "p",
                "t",
                (
                    rule(
                        "//*",
                        fatal("T-9", "no notes", lambda e, d: False),
                        where=lambda e, d: e in selected(d),
                    ),
                ),
            )
        ]
    )
    findings = rules.run(doc(LINES))
    assert [f.location for f in findings] == [
        "/ubl:Invoice/cac:InvoiceLine[1]/cbc:Note",
        "/ubl:Invoice/cac:InvoiceLine[3]/cbc:Note",
    ]


ALWAYS = fatal("T-0", "never fires", lambda e, d: True)


def test_normalize_space_and_dates_follow_xpath_not_python() -> None:
    assert norm(" a \t b\r\n") == "a b"
    assert norm("\xa0") == "\xa0"  # a no-break space is content, not whitespace
    assert norm("\xa0a  b ") == "\xa0a b"
    assert is_date("2017-01-01") and is_date("2016-02-29Z") and is_date("2017-01-01+14:00")
    assert not is_date("2017-02-29") and not is_date("2017-13-01")
    assert not is_date("\uff12\uff10\uff11\uff17-01-01")  # full-width digits are not digits here
    assert not is_date("2017-01-01+14:30") and not is_date("2017-01-01+02:60")


def test_check_digit_rules_take_only_ascii_digits() -> None:
    from domain.validation.rules.common import mod11_no, tin_ok

    assert mod11_no("923456708") and not mod11_no(
        "\u0669\u0662\u0663\u0664\u0665\u0666\u0667\u0660\u0668"
    )
    assert tin_ok("094259216") and not tin_ok(
        "\u0660\u0669\u0664\u0662\u0665\u0669\u0662\u0661\u0666"
    )


def test_number_reads_the_infinities_as_xpath_does() -> None:
    from domain.validation.values import number

    assert number("INF") == Decimal("Infinity") and number(" -INF ") == Decimal("-Infinity")
    assert number("NaN") is None and number("inf") is None and number("1e2") == 100
