"""Schematron semantics on lxml: patterns, rule contexts, asserts, evaluated in one pass.

A *pattern* is an ordered list of rule contexts. Each element of the document is tested by the
first rule context of a pattern whose context matches it (later ones in that pattern never see
it), and each assert of that rule context fires once per matched element where its check is false.
That is what the official validators do, so firing counts agree with them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from lxml import etree

from domain.findings import Finding, Flag

NS: dict[str, str] = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "ubl": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
PREFIX_OF = {uri: prefix for prefix, uri in NS.items()}  # the prefixes findings are written in

Element = etree._Element
Check = Callable[[Element, "Doc"], bool]
Where = Callable[[Element, "Doc"], bool]


def clark(qname: str) -> str:
    """'cbc:ID' -> '{urn:...}ID'."""
    prefix, _, local = qname.partition(":")
    return f"{{{NS[prefix]}}}{local}"


class Doc:
    """The document being validated, with values computed once and shared by all checks."""

    def __init__(self, root: Element) -> None:
        self.root = root
        self.is_invoice = root.tag == clark("ubl:Invoice")
        self.is_credit_note = root.tag == clark("cn:CreditNote")
        self.cache: dict[str, object] = {}
        # sibling positions per parent element, for finding locations (keys hold the elements)
        self.positions: dict[Element, dict[Element, tuple[int, int]]] = {}

    @cached_property
    def line_tag(self) -> str:
        return clark("cac:CreditNoteLine") if self.is_credit_note else clark("cac:InvoiceLine")

    def all(self, qname: str) -> list[Element]:
        """Every element named qname in the document (descendant-or-self), in document order."""
        key = "all:" + qname
        found = self.cache.get(key)
        if found is None:
            found = list(self.root.iter(clark(qname)))
            self.cache[key] = found
        return found  # type: ignore[return-value]


_MISSING = object()
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Raised:
    error: Exception


def doc_memo(doc: Doc, key: str, compute: Callable[[], T]) -> T:
    """A value computed once per validated document under key; one that cannot be evaluated
    raises again, each time it is asked, without recomputing."""
    value = doc.cache.get(key, _MISSING)
    if value is _MISSING:
        try:
            value = compute()
        except (ValueError, ArithmeticError, TypeError, IndexError) as error:
            value = _Raised(error)
        doc.cache[key] = value
    if isinstance(value, _Raised):
        raise value.error
    return value  # type: ignore[return-value]


def doc_fact(fn: Callable[[Doc], T]) -> Callable[[Doc], T]:
    """Memoise a document-level fact (a country, a profile, a sum) once per validated document
    (see doc_memo)."""
    key = f"fact:{fn.__module__}.{fn.__qualname__}"

    def wrapper(doc: Doc) -> T:
        return doc_memo(doc, key, lambda: fn(doc))

    wrapper.__doc__ = fn.__doc__
    wrapper.__name__ = fn.__name__
    return wrapper


@dataclass(frozen=True, slots=True)
class Assert:
    """One official assert: id, flag, message and the check that must hold."""

    id: str
    flag: Flag
    message: str
    check: Check


@dataclass(frozen=True, slots=True)
class _Step:
    tag: str | None  # Clark name, or None for '*'
    descendant: bool  # '//' before this step


@dataclass(frozen=True)
class Context:
    """A rule context: an XSLT match pattern (subset: steps, '*', '//', '|'), plus a predicate.

    `path` is written as in the official Schematron (without predicates); `where` carries the
    predicates, in Python.
    """

    path: str
    where: Where | None = None
    # a cheap test on the element's tag alone, applied once per tag when indexing ('//*' rules)
    tag_filter: Callable[[str], bool] | None = None
    alternatives: tuple[tuple[bool, tuple[_Step, ...]], ...] = field(init=False)

    def __post_init__(self) -> None:
        alts = []
        for raw in self.path.split("|"):  # equal paths get one shared tuple, see _interned
            alt = raw.strip()
            absolute = alt.startswith("/") and not alt.startswith("//")
            steps: list[_Step] = []
            descendant = False
            for part in alt.lstrip("/").split("/") if alt.strip("/") else []:
                if part == "":
                    descendant = True
                    continue
                steps.append(_Step(None if part == "*" else clark(part), descendant))
                descendant = False
            alts.append((absolute, tuple(steps)))
        object.__setattr__(self, "alternatives", _interned(tuple(alts)))

    def could_match(self, tag: str, parent_tag: object) -> bool:
        """Whether an element with this tag under a parent with parent_tag may match at all."""
        if self.tag_filter is not None and not self.tag_filter(tag):
            return False
        for absolute, steps in self.alternatives:
            last = steps[-1]
            if last.tag is not None and last.tag != tag:
                continue
            if len(steps) == 1:
                if not absolute or parent_tag is None:
                    return True
                continue
            if last.descendant or steps[-2].tag is None or steps[-2].tag == parent_tag:
                return True
        return False

    def decided_by(self, tag: str, parent_tag: object) -> bool:
        """Whether the element's tag and its parent's tag alone decide the path part."""
        for absolute, steps in self.alternatives:
            last = steps[-1]
            if last.tag is not None and last.tag != tag:
                continue
            if len(steps) == 1 and not absolute:
                return True
            if len(steps) == 1 and absolute and parent_tag is None:
                return True
            if (
                len(steps) == 2
                and not absolute
                and not last.descendant
                and steps[0].tag is not None
                and steps[0].tag == parent_tag
            ):
                return True
        return False

    def matches(self, el: Element, doc: Doc, seen: dict[int, bool]) -> bool:
        """Whether el matches; `seen` caches the path part per element (contexts share paths)."""
        key = id(self.alternatives)
        on_path = seen.get(key)
        if on_path is None:
            on_path = any(
                _match(el, steps, len(steps) - 1, absolute) for absolute, steps in self.alternatives
            )
            seen[key] = on_path
        return on_path and (self.where is None or _applies(self.where, el, doc))


_INTERNED: dict[object, tuple[tuple[bool, tuple[_Step, ...]], ...]] = {}


def _interned(
    alternatives: tuple[tuple[bool, tuple[_Step, ...]], ...],
) -> tuple[tuple[bool, tuple[_Step, ...]], ...]:
    return _INTERNED.setdefault(alternatives, alternatives)


def _match(el: Element | None, steps: Sequence[_Step], i: int, absolute: bool) -> bool:
    if el is None:
        return False
    step = steps[i]
    if step.tag is not None and el.tag != step.tag:
        return False
    if i == 0:
        return not absolute or el.getparent() is None
    parent = el.getparent()
    if not step.descendant:
        return _match(parent, steps, i - 1, absolute)
    while parent is not None:
        if _match(parent, steps, i - 1, absolute):
            return True
        parent = parent.getparent()
    return False


@dataclass(frozen=True)
class RuleContext:
    """A Schematron <rule>: a context and the asserts tested on every element it matches.

    `failing`, when given, must answer exactly as testing the asserts one by one would (the
    failing ones, in order); large tables use it to test hundreds of asserts in one go.
    """

    context: Context
    asserts: tuple[Assert, ...]
    failing: Callable[[Element, Doc], Iterable[Assert]] | None = None


@dataclass(frozen=True)
class Pattern:
    """A Schematron <pattern>: its rule contexts in order; the first matching one wins."""

    id: str
    family: str
    rules: tuple[RuleContext, ...]

    @property
    def assert_ids(self) -> list[str]:
        return [a.id for r in self.rules for a in r.asserts]


def rule(
    path: str,
    *asserts: Assert,
    where: Where | None = None,
    tag_filter: Callable[[str], bool] | None = None,
) -> RuleContext:
    """Shorthand used by the rule modules."""
    return RuleContext(Context(path, where, tag_filter), asserts)


def fatal(rule_id: str, message: str, check: Check) -> Assert:
    return Assert(rule_id, "fatal", message, check)


def warning(rule_id: str, message: str, check: Check) -> Assert:
    return Assert(rule_id, "warning", message, check)


_Candidates = tuple[tuple[tuple[RuleContext, bool], ...], ...]


class RuleSet:
    """Compiled patterns with a per-tag index, so each element is dispatched in one lookup."""

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        self.patterns = tuple(patterns)
        self._by_tag: dict[tuple[str, object], _Candidates] = {}
        self._family_of = {id(rc): p.family for p in self.patterns for rc in p.rules}

    def candidates(self, tag: str, parent_tag: object) -> _Candidates:
        """Per pattern, the rule contexts an element with tag under parent_tag may match, each
        with whether its path is already decided by the two tags (no further walk needed)."""
        key = (tag, parent_tag)
        found = self._by_tag.get(key)
        if found is None:
            per_pattern = []
            for pattern in self.patterns:
                rcs = tuple(
                    (rc, rc.context.decided_by(tag, parent_tag))
                    for rc in pattern.rules
                    if rc.context.could_match(tag, parent_tag)
                )
                if rcs:
                    per_pattern.append(rcs)
            found = tuple(per_pattern)
            self._by_tag[key] = found
        return found

    def run(
        self,
        root: Element,
        *,
        families: Collection[str] | None = None,
        rule_ids: Collection[str] | None = None,
    ) -> list[Finding]:
        from domain.validation.values import reset_cache

        reset_cache()
        try:
            return self._run(root, families, rule_ids)
        finally:
            reset_cache()

    def _run(
        self,
        root: Element,
        families: Collection[str] | None,
        rule_ids: Collection[str] | None,
    ) -> list[Finding]:
        doc = Doc(root)
        wanted_families = None if families is None else frozenset(families)
        wanted_ids = None if rule_ids is None else frozenset(rule_ids)
        findings: list[Finding] = []
        family_of = self._family_of
        by_tag = self._by_tag
        for el in root.iter(etree.Element):
            parent = el.getparent()
            key = (el.tag, None if parent is None else parent.tag)
            candidates = by_tag.get(key)
            if candidates is None:
                candidates = self.candidates(*key)
            if not candidates:
                continue
            seen: dict[int, bool] | None = None
            for rcs in candidates:
                if wanted_families is not None and family_of[id(rcs[0][0])] not in wanted_families:
                    continue  # a pattern of another family: its contexts need not be matched
                for rc, decided in rcs:
                    context = rc.context
                    if not decided:
                        if seen is None:
                            seen = {}
                        if not context.matches(el, doc, seen):
                            continue
                    elif context.where is not None and not _applies(context.where, el, doc):
                        continue
                    if rc.failing is not None:
                        for a in rc.failing(el, doc):
                            if wanted_ids is None or a.id in wanted_ids:
                                findings.append(Finding(a.id, a.flag, a.message, location(el, doc)))
                        break
                    for a in rc.asserts:
                        if wanted_ids is not None and a.id not in wanted_ids:
                            continue
                        try:
                            holds = a.check(el, doc)
                        except (ValueError, ArithmeticError, TypeError, IndexError):
                            # The XPath of the official rule would raise a dynamic error here;
                            # the validators report that as a failed assertion.
                            holds = False
                        if not holds:
                            findings.append(Finding(a.id, a.flag, a.message, location(el, doc)))
                    break
        return findings


def _applies(where: Where, el: Element, doc: Doc) -> bool:
    try:
        return where(el, doc)
    except (ValueError, ArithmeticError, TypeError, IndexError):
        # a predicate of the context that cannot be evaluated selects nothing
        return False


def location(el: Element, doc: Doc | None = None) -> str:
    """An XPath of el with prefixed names and positions, e.g. /ubl:Invoice/cac:InvoiceLine[2].

    With a Doc, sibling positions are indexed once per parent, so a rule firing on every one of
    thousands of lines stays linear."""
    parts: list[str] = []
    node: Element | None = el
    while node is not None:
        qname = etree.QName(node)
        prefix = PREFIX_OF.get(qname.namespace or "")
        name = f"{prefix}:{qname.localname}" if prefix else qname.localname
        parent = node.getparent()
        if parent is None:
            parts.append(name)
        else:
            index, count = _position(node, parent, doc)
            parts.append(f"{name}[{index}]" if count > 1 else name)
        node = parent
    return "/" + "/".join(reversed(parts))


def _position(node: Element, parent: Element, doc: Doc | None) -> tuple[int, int]:
    """1-based position of node among its same-named siblings, and how many there are."""
    if doc is None:
        same = [s for s in parent if s.tag == node.tag]
        return same.index(node) + 1, len(same)
    positions = doc.positions.get(parent)
    if positions is None:
        counts: dict[object, int] = {}
        positions = {}
        for child in parent:
            counts[child.tag] = counts.get(child.tag, 0) + 1
            positions[child] = (counts[child.tag], 0)
        positions = {c: (i, counts[c.tag]) for c, (i, _) in positions.items()}
        doc.positions[parent] = positions
    return positions[node]
