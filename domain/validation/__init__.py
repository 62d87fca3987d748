"""Native EHF / PEPPOL BIS Billing 3.0 validation: the official rule set, evaluated on lxml.

`validate(root)` returns one `Finding` per firing of an official assert, with the official id,
flag and message, located by an XPath of the element the rule was tested on.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

from lxml import etree

from domain.findings import Finding
from domain.validation.engine import Pattern, RuleSet
from domain.validation.schema import XSD_RULE_ID, schema_findings

RULE_RELEASE = (
    "PEPPOL BIS Billing 3.0.19 / CEN EN 16931 validation artefacts 1.3.14.1 / OASIS UBL 2.1 schemas"
)

FAMILIES = ("xsd", "cen", "peppol", "no", "dk", "se", "nl", "it", "de", "gr", "is")


@cache
def rule_set() -> RuleSet:
    """All patterns: UBL structure, CEN, PEPPOL, then the national ones (compiled once)."""
    from domain.validation.rules import cen, national, national_de, peppol, structure

    patterns: tuple[Pattern, ...] = (
        *structure.PATTERNS,
        *cen.PATTERNS,
        *peppol.PATTERNS,
        *national.PATTERNS,
        *national_de.PATTERNS,
    )
    return RuleSet(patterns)


def validate(
    root: etree._Element,
    *,
    families: Collection[str] | None = None,
    rule_ids: Collection[str] | None = None,
) -> list[Finding]:
    """Validate an Invoice or CreditNote element; families/rule_ids restrict which asserts run.

    The UBL 2.1 schema comes first, as in the official validators; then the rules."""
    findings = rule_set().run(root, families=families, rule_ids=rule_ids)
    if (families is None or "xsd" in families) and (rule_ids is None or XSD_RULE_ID in rule_ids):
        return schema_findings(root) + findings
    return findings


def known_rule_ids() -> frozenset[str]:
    """Every rule id this release implements."""
    return frozenset(_families_by_id())


def families_of(rule_ids: Collection[str]) -> frozenset[str]:
    """The families holding these rule ids: validating only those gives the same findings for
    the ids, and skips the other patterns altogether."""
    by_id = _families_by_id()
    return frozenset(f for i in rule_ids for f in by_id.get(i, ()))


@cache
def _families_by_id() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for pattern in rule_set().patterns:
        for rule_id in pattern.assert_ids:
            found.setdefault(rule_id, set()).add(pattern.family)
    return {i: frozenset(f) for i, f in found.items()}


__all__ = ["FAMILIES", "RULE_RELEASE", "Finding", "families_of", "known_rule_ids", "validate"]
