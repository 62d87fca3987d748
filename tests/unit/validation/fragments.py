"""Small UBL fragments for rule tests: the namespaces, a document around a body, what fires."""

from __future__ import annotations

from lxml import etree

from domain.validation import Finding, validate

INV = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CN = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def doc(body: str, root: str = "Invoice") -> etree._Element:
    """An Invoice (or CreditNote) element holding body, with the cac/cbc prefixes declared."""
    ns = CN if root == "CreditNote" else INV
    return etree.fromstring(
        f'<{root} xmlns="{ns}" xmlns:cac="{CAC}" xmlns:cbc="{CBC}">{body}</{root}>'.encode()
    )


def party(role: str, country: str, inner: str = "") -> str:
    """cac:{role} with a party in country (its postal address), and inner after the address."""
    return (
        f"<cac:{role}><cac:Party><cac:PostalAddress><cac:Country>"
        f"<cbc:IdentificationCode>{country}</cbc:IdentificationCode></cac:Country>"
        f"</cac:PostalAddress>{inner}</cac:Party></cac:{role}>"
    )


def ids(root: etree._Element, *rule_ids: str) -> list[str]:
    """The ids of the findings of rule_ids on a document, one per firing."""
    return [f.rule_id for f in validate(root, rule_ids=set(rule_ids))]


def run(body: str, *rule_ids: str, root: str = "Invoice") -> list[Finding]:
    return validate(doc(body, root), rule_ids=set(rule_ids))


def fired(body: str, *rule_ids: str, root: str = "Invoice") -> list[str]:
    """The ids of the findings of rule_ids, one per firing."""
    return [f.rule_id for f in run(body, *rule_ids, root=root)]
