"""UBL 2.1 XSD validation with the OASIS schemas, as the official validators do before Schematron.

Every schema error becomes a fatal `UBL-XSD` finding: libxml2's message with the namespaces
written as the prefixes the rules use (cac:, cbc:, ...), located by the same kind of XPath as the
rule findings.

libxml2 names the element of each error by a path whose positions it counts among the element's
preceding siblings, so collecting every error costs time in the square of their number (20,000
erroring lines: 0.6 s; 40,000: 2.3 s). Documents of more than `FULL_CHECK_ELEMENTS` elements are
therefore checked as a stream, which stays linear but names no element: the first error is
reported, at the document element.
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
FULL_CHECK_ELEMENTS = 20_000

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

    def first_error(self, root: Element) -> list[tuple[str, str | None]]:
        """The first schema error only, in one linear pass: the document is parsed again with
        the schema attached (libxml2 then checks it as a stream, and names no element)."""
        parser = etree.XMLParser(schema=self.schema, no_network=True, resolve_entities=False)
        try:
            etree.fromstring(etree.tostring(root), parser)
        except etree.XMLSyntaxError as error:
            found = _entries(cast(Any, error.error_log))
            return found[:1] or [(str(error), None)]
        return []


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
    large = root.xpath("count(//*)") > FULL_CHECK_ELEMENTS  # type: ignore[operator]
    errors = schema.first_error(root) if large else schema.errors(root)
    doc, paths = Doc(root), _Paths(root)
    findings = [
        Finding(XSD_RULE_ID, "fatal", _message(message), location(paths.element(path), doc))
        for message, path in errors
    ]
    if large and findings:
        first = findings[0]
        note = (
            f" (the first schema error; a document over {FULL_CHECK_ELEMENTS:,} elements is not"
            " located further)"
        )
        findings[0] = Finding(first.rule_id, first.flag, first.text + note, first.location)
    return findings


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


def _name(el: Element) -> str:
    """The name libxml2 writes for el in a path."""
    qname = etree.QName(el)
    if qname.namespace is None:
        return qname.localname
    return "*" if el.prefix is None else f"{el.prefix}:{qname.localname}"


def _same(root: Element, step: str) -> bool:
    return step.partition("[")[0] == _name(root)
