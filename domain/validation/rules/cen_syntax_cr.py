"""UBL-CR-*: UBL elements an EN 16931 invoice should not use, read from a data table.

The table (codelists/ubl_cr.txt) holds one rule per line: its number, the path tested on the
Invoice root, and the message tail where it is not simply the path's element names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import resources

from lxml import etree

from domain.validation.engine import (
    NS,
    Assert,
    Context,
    Doc,
    Element,
    RuleContext,
    clark,
    fatal,
    warning,
)

_PREFIX = "A UBL invoice should not include the "


Trie = dict[str, "Trie"]


def _present(doc: Doc, trie: Trie) -> frozenset[str]:
    """The table's plain paths that occur in the document, found in one walk guided by a trie
    of those paths (so the ~650 rules cost one pass over the elements they name)."""
    key = "ubl-cr-present"
    found = doc.cache.get(key)
    if found is None:
        hits: set[str] = set()
        stack: list[tuple[Element, Trie, str]] = [(doc.root, trie, "")]
        while stack:
            el, node, prefix = stack.pop()
            for child in el:
                sub = node.get(child.tag) if isinstance(child.tag, str) else None
                if sub is None:
                    continue
                path = prefix + _QNAME[child.tag]
                hits.add(path)
                if sub:
                    stack.append((child, sub, path + "/"))
        found = frozenset(hits)
        doc.cache[key] = found
    return found  # type: ignore[return-value]


_TRIE: Trie = {}
_QNAME: dict[str, str] = {}


def _check(rule_id: str, path: str) -> Callable[[Element, Doc], bool]:
    if "@" in path or "//" in path or "[" in path:
        absent = etree.XPath(f"not({path})", namespaces=NS)
        _XPATHS[rule_id] = absent
        return lambda el, _doc: bool(absent(el))
    # the line rules read '(cac:InvoiceLine|cac:CreditNoteLine)/...' officially
    paths: tuple[str, ...] = (path,)
    if path.startswith(_LINE):
        paths = (path, _CREDIT_NOTE_LINE + path[len(_LINE) :])
    _PLAIN[rule_id] = paths
    for alternative in paths:
        _RULES_AT.setdefault(alternative, []).append(rule_id)
        node = _TRIE
        for step in alternative.split("/"):
            tag = clark(step)
            _QNAME[tag] = step
            node = node.setdefault(tag, {})
    return lambda el, doc: not any(p in _present(doc, _TRIE) for p in paths)


_LINE = "cac:InvoiceLine/"
_CREDIT_NOTE_LINE = "cac:CreditNoteLine/"


def _message(rule_id: str, path: str, tail: str | None) -> str:
    """The official text, with the rule id in front as in all CEN messages."""
    if tail is None:
        text = _PREFIX + " ".join(step.split(":", 1)[1] for step in path.split("/"))
    else:
        text = tail[1:] if tail.startswith("!") else _PREFIX + tail
    return f"[{rule_id}]-{text}"


_XPATHS: dict[str, etree.XPath] = {}
_PLAIN: dict[str, tuple[str, ...]] = {}  # rule id -> paths, answered from the one walk
_RULES_AT: dict[str, list[str]] = {}  # path -> ids of the rules it breaks


def _load() -> tuple[Assert, ...]:
    table = resources.files("domain.validation.codelists").joinpath("ubl_cr.txt")
    asserts = []
    for line in table.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        head, _, tail = line.partition(" | ")
        number, path = head.split(" ", 1)
        make = fatal if number.endswith("F") else warning
        rule_id = f"UBL-CR-{number.rstrip('F')}"
        asserts.append(
            make(
                rule_id,
                _message(rule_id, path.strip(), tail or None),
                _check(rule_id, path.strip()),
            )
        )
    return tuple(asserts)


CR_ASSERTS: tuple[Assert, ...] = _load()


def _failing(el: Element, doc: Doc) -> Iterable[Assert]:
    """The same answers as testing each UBL-CR assert, from one walk plus the few XPaths."""
    failed = {rule_id for path in _present(doc, _TRIE) for rule_id in _RULES_AT.get(path, ())}
    failed.update(rule_id for rule_id, absent in _XPATHS.items() if not absent(el))
    return (a for a in CR_ASSERTS if a.id in failed)


CR_RULE = RuleContext(Context("/ubl:Invoice | /cn:CreditNote"), CR_ASSERTS, _failing)
