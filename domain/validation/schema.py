"""UBL 2.1 XSD validation with the OASIS schemas, as the official validators do before Schematron.

Every schema error becomes a fatal `UBL-XSD` finding: libxml2's message with the namespaces
written as the prefixes the rules use (cac:, cbc:, ...), located by the same kind of XPath as the
rule findings.

libxml2 names the element of each error by a path whose positions it counts among the element's
preceding siblings, so checking a whole document costs time in the square of its errors (20,000
erroring lines: 0.6 s; 40,000: 2.3 s). A document of more than `WHOLE_CHECK_ELEMENTS` elements is
therefore checked in pieces of at most that size: UBL declares every element globally, so lxml
can check an element as the root of a document of its own, and each element too large for one
piece has its own sequence of children checked on a copy holding at most two of each run of
same-named children (two show a repeat where one is the most allowed).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources
from typing import Any, cast

from lxml import etree

from domain.findings import Finding
from domain.validation.engine import NS, PREFIX_OF, Doc, Element, location

XSD_RULE_ID = "UBL-XSD"
WHOLE_CHECK_ELEMENTS = 2_000  # worst case, every element in error: ~6 ms a piece
MAX_FINDINGS = 1_000

_MAINDOC = {
    f"{{{NS['ubl']}}}Invoice": "UBL-Invoice-2.1.xsd",
    f"{{{NS['cn']}}}CreditNote": "UBL-CreditNote-2.1.xsd",
}
_CLARK = re.compile(r"\{([^}]*)\}([\w.-]+)")
_QUOTED = re.compile(r"'([^']{80})[^']{20,}'")  # a long value libxml2 quotes from the document
_ERROR = 2  # libxml2's XML_ERR_ERROR; warnings are not schema violations


class _Schema:
    """A compiled schema; lxml keeps the errors of a validation on the schema object, so one
    validation at a time reads them."""

    def __init__(self, name: str) -> None:
        path = str(resources.files("domain.validation.schemas") / "ubl-2.1" / "maindoc" / name)
        # Compiled on a thread of its own: libxml2 keeps the names of every document parsed on
        # a thread in that thread's dictionary, and the schemas' thousands of names made every
        # later parse on the thread slower (a 100-line invoice: 0.43 -> 0.64 ms).
        with ThreadPoolExecutor(1, thread_name_prefix="ubl-schema") as compiling:
            self.schema = compiling.submit(_compile, path).result()
        self.lock = threading.Lock()

    def errors(self, root: Element) -> list[tuple[str, str | None]]:
        """(message, libxml2's path of the element) per schema error, in document order."""
        with self.lock:
            if self.schema.validate(root):
                return []
            return _entries(cast(Any, self.schema.error_log))  # stubs: not iterable


def _entries(log: Iterable[etree._LogEntry]) -> list[tuple[str, str | None]]:
    return [(entry.message, entry.path) for entry in log if entry.level >= _ERROR]


def _compile(path: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(path, parser))


@cache
def _schema(name: str) -> _Schema:
    return _Schema(name)


def has_schema(root: Element) -> bool:
    """Whether root is a document element the UBL 2.1 schemas here describe."""
    return root.tag in _MAINDOC


def schema_findings(root: Element) -> list[Finding]:
    """One fatal UBL-XSD finding per error of the UBL 2.1 schema (none for a valid document,
    nor for a root the schemas do not describe: the structure rules report that)."""
    name = _MAINDOC.get(root.tag) if isinstance(root.tag, str) else None
    if name is None:
        return []
    schema = _schema(name)
    doc = Doc(root)
    if root.xpath("count(//*)") <= WHOLE_CHECK_ELEMENTS:  # type: ignore[operator]
        located = _checked(schema, root)
    else:
        located = _in_pieces(schema, root)
    findings = [
        Finding(XSD_RULE_ID, "fatal", _message(message), location(element, doc))
        for message, element in located[:MAX_FINDINGS]
    ]
    if len(located) > MAX_FINDINGS:
        more = f"and {len(located) - MAX_FINDINGS:,} more schema errors, not listed"
        findings.append(Finding(XSD_RULE_ID, "fatal", more, location(root, doc)))
    return findings


def _checked(schema: _Schema, element: Element) -> list[tuple[str, Element]]:
    """The errors of element and all it holds, checked as the root of a document of its own.

    An element the schemas do not declare at all has no check of its own ('No matching global
    declaration'): where it stands is its parent's business, as in a check of the whole."""
    paths = _Paths(element)
    return [
        (message, paths.element(path))
        for message, path in schema.errors(element)
        if _UNDECLARED not in message
    ]


_UNDECLARED = "No matching global declaration available for the validation root"


def _in_pieces(schema: _Schema, element: Element) -> list[tuple[str, Element]]:
    """The errors of a large element: its own attributes, text and sequence of children on a
    copy without their content (only the errors of the copy itself and of its sequence count),
    then each child whole, or in pieces again when it is large too. The verdict is a whole
    check's; the list may be longer: after the first error in an element libxml2 skips the rest
    of its content, where each piece is checked on its own."""
    children = [child for child in element if isinstance(child.tag, str)]
    # the namespaces in scope go along: a QName-valued attribute (xsi:type) needs its prefix
    copy = etree.Element(element.tag, nsmap=cast(Any, element.nsmap))
    copy.attrib.update(element.attrib)
    copy.text = element.text
    original: dict[Element, Element] = {}
    previous, run = None, 0
    for child in children:
        run = run + 1 if child.tag == previous else 1
        previous = child.tag
        if run <= 2:
            stand_in = etree.SubElement(copy, child.tag, nsmap=cast(Any, child.nsmap))
            stand_in.attrib.update(child.attrib)
            stand_in.tail = child.tail
            original[stand_in] = child
    located: list[tuple[str, Element]] = []
    for message, found in _checked(schema, copy):
        if found is copy:
            located.append((message, element))
        elif found in original and "This element is not expected" in message:
            located.append((message, original[found]))  # the copy's sequence, not the child
    for child in children:
        if sum(1 for _ in child.iter(etree.Element)) <= WHOLE_CHECK_ELEMENTS:
            located.extend(_checked(schema, child))
        else:
            located.extend(_in_pieces(schema, child))
    return located


def _message(text: str) -> str:
    """libxml2's text with '{urn:...CommonBasicComponents-2}ID' written 'cbc:ID', and a long
    value from the document cut short."""

    def prefixed(match: re.Match[str]) -> str:
        prefix = PREFIX_OF.get(match.group(1))
        return f"{prefix}:{match.group(2)}" if prefix else match.group(0)

    return _QUOTED.sub(r"'\1...'", _CLARK.sub(prefixed, text.strip()))


class _Paths:
    """Follows libxml2's element paths ('/*/cac:InvoiceLine[3]/x:Note'), read as libxml2 writes
    them: a prefixed name counts the siblings with that name and prefix, '*' (an element in a
    default namespace) counts every element sibling, a plain name those in no namespace. Each
    parent's children are indexed once, so thousands of errors stay linear."""

    def __init__(self, root: Element) -> None:
        self.root = root
        self.index: dict[Element, dict[str, list[Element]]] = {}

    def element(self, path: str | None) -> Element:
        """The element the path names, or the deepest one it could be followed to."""
        steps = (path or "").split("/")
        if len(steps) < 2 or steps[0] != "" or not _same(self.root, steps[1]):
            return self.root
        node = self.root
        for step in steps[2:]:
            name, _, position = step.partition("[")
            if len(name) >= _NAME_CUT:
                break  # libxml2 cut the name short: it could match another element
            same = self._children(node).get(name, [])
            at = int(position.rstrip("]")) if position.rstrip("]").isdigit() else 1
            if not 0 < at <= len(same):
                break
            node = same[at - 1]
        return node

    def _children(self, parent: Element) -> dict[str, list[Element]]:
        found = self.index.get(parent)
        if found is None:
            found = {}
            for child in parent:
                if isinstance(child.tag, str):
                    found.setdefault("*", []).append(child)  # '*' counts every element
                    name = _name(child)
                    if name != "*":
                        found.setdefault(name, []).append(child)
            self.index[parent] = found
        return found


_NAME_CUT = 98  # libxml2 writes at most 98 characters of a prefixed name in a path step


def _name(el: Element) -> str:
    """The name libxml2 writes for el in a path."""
    qname = etree.QName(el)
    if qname.namespace is None:
        return qname.localname
    return "*" if el.prefix is None else f"{el.prefix}:{qname.localname}"


def _same(root: Element, step: str) -> bool:
    return step.partition("[")[0] == _name(root)
