"""The CEN EN 16931 UBL patterns, assembled in the official order."""

from __future__ import annotations

from dataclasses import replace

from domain.validation.engine import Assert, Pattern, RuleContext, rule
from domain.validation.rules.cen_codes import CODES
from domain.validation.rules.cen_model import (
    AFTER_ROOT,
    BEFORE_ROOT,
    ROOT,
    ROOT_ASSERTS,
    ROOT_ASSERTS_AFTER_VAT_01_04,
)
from domain.validation.rules.cen_syntax import SYNTAX
from domain.validation.rules.cen_syntax_cr import CR_RULE
from domain.validation.rules.cen_vat import CATEGORY_RULES, ROOT_VAT_AE, ROOT_VAT_REST


def official(a: Assert) -> Assert:
    """The CEN artefacts put the rule id in front of each message: '[BR-01]-An Invoice ...'."""
    prefix = f"[{a.id}]-"
    return a if a.message.startswith(prefix) else replace(a, message=prefix + a.message)


def _cen(id_: str, rules: tuple[RuleContext, ...]) -> Pattern:
    return Pattern(
        id_, "cen", tuple(replace(r, asserts=tuple(official(a) for a in r.asserts)) for r in rules)
    )


MODEL = _cen(
    "UBL-model",
    (
        *BEFORE_ROOT,
        rule(ROOT, *ROOT_ASSERTS, *ROOT_VAT_AE, *ROOT_ASSERTS_AFTER_VAT_01_04, *ROOT_VAT_REST),
        *AFTER_ROOT,
        *CATEGORY_RULES,
    ),
)
SYNTAX_PATTERN = _cen("UBL-syntax", SYNTAX)
# The UBL-CR asserts sit in the root rule of UBL-syntax officially; as their own pattern with the
# same root context they fire exactly the same, and can be answered as one table.
CR_PATTERN = Pattern("UBL-syntax-CR", "cen", (CR_RULE,))
CODES_PATTERN = _cen("Codesmodel", CODES)

PATTERNS = (MODEL, SYNTAX_PATTERN, CR_PATTERN, CODES_PATTERN)
