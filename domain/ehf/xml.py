"""Hardened XML parsing for documents from outside: size limit, no DTD, no entities, no network."""

from __future__ import annotations

import re
import threading
from typing import Any

from lxml import etree

from domain.findings import Finding

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# A DOCTYPE is only legal before the root element; an element start is `<` and a name character.
_DOCTYPE = b"<!DOCTYPE"
_ELEMENT_START = re.compile(rb"<[A-Za-z_:\x80-\xff]")


class DocumentRejected(ValueError):
    """A document AutoTrans will not accept; str() is a one-line reason a sender can act on."""

    def __init__(self, reason: str, findings: list[Finding] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.findings: list[Finding] = list(findings) if findings else []

    def __str__(self) -> str:
        return self.reason


_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread: lxml parsers keep state and must not be shared between threads."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=False,
            remove_pis=False,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML bytes into the root element, or raise DocumentRejected with why."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DocumentRejected(f"document must be bytes, not {type(data).__name__}")
    data = bytes(data)
    size = len(data)
    if size > max_bytes:
        raise DocumentRejected(
            f"document is {size} bytes, over the limit of {max_bytes} bytes "
            "(setting max_document_bytes)"
        )
    if not data.strip():
        raise DocumentRejected(f"document is empty ({size} bytes)")
    # Refuse a DTD before libxml2 reads it: XXE, external DTDs and entity bombs all need one.
    doctype_at = data.find(_DOCTYPE)
    if doctype_at >= 0:
        first_element = _ELEMENT_START.search(data)
        if first_element is None or first_element.start() > doctype_at:
            raise DocumentRejected(_doctype_reason())
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        message = _one_line(exc.msg or str(exc))
        line = exc.lineno
        where = f", line {line}" if line and f"line {line}" not in message else ""
        if "Text node too long" in message:
            # libxml2's safety limit without huge_tree; say it in the sender's terms
            raise DocumentRejected(
                f"document has a text value over 10,000,000 characters{where} "
                "(e.g. an embedded attachment over about 7 MB); send a smaller attachment"
            ) from None
        raise DocumentRejected(f"malformed XML: {message}{where}") from None
    except Exception as exc:  # lxml may raise other errors (encoding, memory): never let them out
        raise DocumentRejected(
            f"malformed XML: {_one_line(str(exc)) or type(exc).__name__}"
        ) from None
    if root is None:
        raise DocumentRejected("malformed XML: no root element")
    docinfo: Any = root.getroottree().docinfo  # lxml-stubs lacks DocInfo.doctype
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise DocumentRejected(_doctype_reason())
    return root


def _doctype_reason() -> str:
    return (
        "document has a DOCTYPE declaration; DTDs and entity declarations are not allowed "
        "in EHF documents (remove the <!DOCTYPE ...>)"
    )
