"""UBL 2.1 XSD validation with the OASIS schemas, as the official validators do before Schematron.

Every schema error becomes a fatal `UBL-XSD` finding: libxml2's message with the namespaces
written as the prefixes the rules use (cac:, cbc:, ...), located by the same kind of XPath as the
rule findings.
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
from domain.validation.engine import NS, Doc, Element, location

XSD_RULE_ID = "UBL-XSD"

_MAINDOC = {
    f"{{{NS['ubl']}}}Invoice": "UBL-Invoice-2.1.xsd",
    f"{{{NS['cn']}}}CreditNote": "UBL-CreditNote-2.1.xsd",
}
_PREFIXES = {uri: prefix for prefix, uri in NS.items()}
_CLARK = re.compile(r"\{([^}]*)\}([\w.-]+)")


class _Schema:
    """A compiled schema; lxml keeps the errors of a validation on the schema object, so one
    validation at a time reads them (libxml2 checks a 5,000-line invoice in ~20 ms)."""

    def __init__(self, name: str) -> None:
        path = str(resources.files("domain.validation.schemas") / "ubl-2.1" / "maindoc" / name)
        # Compiled on a thread of its own: libxml2 keeps the names of every document parsed on
        # a thread in that thread's dictionary, and the schemas' thousands of names made every
        # later parse on the thread slower (a 100-line invoice: 0.43 -> 0.64 ms).
        with ThreadPoolExecutor(1, thread_name_prefix="ubl-schema") as compiling:
            self.schema = compiling.submit(_compile, path).result()
        self.lock = threading.Lock()

    def errors(self, root: Element) -> list[tuple[str, str | None]]:
        """(message, path of the element) per schema error, in document order."""
        with self.lock:
            if self.schema.validate(root):
                return []
            log: Iterable[etree._LogEntry] = cast(Any, self.schema.error_log)  # stubs: not iterable
            return [(entry.message, entry.path) for entry in log]


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
    errors = _schema(name).errors(root)
    if not errors:
        return []
    # libxml2 names the element by a path in the document's own prefixes
    namespaces = {p: uri for el in root.iter(etree.Element) for p, uri in el.nsmap.items() if p}
    doc = Doc(root)
    return [
        Finding(XSD_RULE_ID, "fatal", _message(message), _where(root, path, namespaces, doc))
        for message, path in errors
    ]


def _message(text: str) -> str:
    """libxml2's text with '{urn:...CommonBasicComponents-2}ID' written 'cbc:ID'."""

    def prefixed(match: re.Match[str]) -> str:
        prefix = _PREFIXES.get(match.group(1))
        return f"{prefix}:{match.group(2)}" if prefix else match.group(0)

    return _CLARK.sub(prefixed, text.strip())


def _where(root: Element, path: str | None, namespaces: dict[str, str], doc: Doc) -> str:
    """The element libxml2 names, located as the rule findings are; the document element when
    its path cannot be followed."""
    try:
        found = root.getroottree().xpath(path, namespaces=namespaces) if path else None
    except etree.XPathError:
        found = None
    if isinstance(found, list) and len(found) == 1 and isinstance(found[0], etree._Element):
        return location(found[0], doc)
    return location(root, doc)
