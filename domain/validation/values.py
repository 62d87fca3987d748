"""XPath-like value helpers for the checks: string values, xs:decimal, XPath rounding.

The official rules are XPath 2.0; these helpers reproduce the bits they use with Decimal
arithmetic, so sums and roundings give the same answers as Saxon's xs:decimal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from functools import cache

from lxml import etree

from domain.validation.engine import NS, Element

# xs:decimal / xs:double lexical forms: ASCII digits, XML whitespace around
_DECIMAL = re.compile(r"^[ \t\n\r]*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)[ \t\n\r]*$")
_DOUBLE = re.compile(
    r"^[ \t\n\r]*[+-]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|INF)[ \t\n\r]*$"
)
HUNDRED = Decimal(100)
HALF = Decimal("0.5")
ZERO = Decimal(0)
ONE = Decimal(1)


@cache
def cp(path: str) -> str:
    """A prefixed ElementPath ('cac:Item/cbc:Name') in Clark notation, converted once.

    lxml re-parses a path and its namespace map on every call; Clark paths skip that.
    """
    return re.sub(
        r"\b([a-z]+):([A-Za-z_*])",
        lambda m: f"{{{NS[m.group(1)]}}}{m.group(2)}" if m.group(1) in NS else m.group(0),
        path,
    )


def sv(el: Element) -> str:
    """XPath string value of an element: all descendant text."""
    if len(el) == 0:
        return el.text or ""
    return "".join(str(t) for t in el.itertext())


def norm(s: str | None) -> str:
    """normalize-space()."""
    return " ".join(s.split()) if s else ""


@cache
def _steps(path: str) -> tuple[str, ...] | None:
    """Clark tags of a plain child path ('cac:Item/cbc:Name'), None for anything fancier."""
    if not re.fullmatch(r"[a-z]+:[A-Za-z]+(/[a-z]+:[A-Za-z]+)*", path):
        return None
    return tuple(cp(step) for step in path.split("/"))


_WIDE: dict[int, tuple[Element, dict[object, list[Element]] | None]] = {}


def _kids_map(el: Element) -> dict[object, list[Element]]:
    kids: dict[object, list[Element]] = {}
    for child in el:
        kids.setdefault(child.tag, []).append(child)
    return kids


def _asked_before(el: Element) -> dict[object, list[Element]] | None:
    """Children by tag of an element other than the focus, once it is asked about twice.

    Rules on every line ask about the root, and a breakdown's rules about their parent: such
    elements get their map built once per run (the root at once), instead of a scan of their
    children per question, which turns quadratic when there are thousands of them."""
    hit = _WIDE.get(id(el))
    if hit is not None and hit[0] is el:
        if hit[1] is None:
            hit = (el, _kids_map(el))
            _WIDE[id(el)] = hit
        return hit[1]
    if el.getparent() is None:
        kids = _kids_map(el)
        _WIDE[id(el)] = (el, kids)
        return kids
    _WIDE[id(el)] = (el, None)
    return None


def reset_cache() -> None:
    """Forget the maps of wide elements (called before and after each validation run)."""
    _WIDE.clear()
    focus(None)


class _Focus:
    """The element the engine is testing, paired with what the helpers found under it: its
    children by tag, and the nodes at the child paths asked for so far.

    The pair is replaced as one tuple, so a concurrent run in another thread can only cause a
    rebuild, never a map of the wrong element."""

    state: tuple[Element | None, dict[object, list[Element]] | None] = (None, None)


_focus = _Focus()


def focus(el: Element | None) -> None:
    """Tell the helpers which element the engine is testing: all asserts of its rule contexts
    look into it, so its children are grouped by tag once, and each child path is walked once,
    instead of per assert."""
    _focus.state = (el, None)


def _focused(el: Element) -> dict[object, list[Element]] | None:
    """The focus element's map (children by tag, then paths), None for other elements."""
    focused, found = _focus.state
    if el is not focused:
        return None
    if found is None:
        found = {}
        for child in el:
            found.setdefault(child.tag, []).append(child)
        _focus.state = (el, found)
    return found


def _children(el: Element, tag: str) -> Iterator[Element]:
    found = _focused(el)
    if found is None:
        found = _asked_before(el)
    if found is not None:
        return iter(found.get(tag, ()))
    return el.iterchildren(tag)


def _walk(nodes: list[Element], tags: tuple[str, ...]) -> list[Element]:
    for tag in tags:
        if not nodes:
            break
        nodes = [found for node in nodes for found in node.iterchildren(tag)]
    return nodes


def each(el: Element, path: str) -> Iterator[Element]:
    """The nodes at path in document order (child steps are walked without ElementPath)."""
    steps = _steps(path)
    if steps is None:
        return el.iterfind(cp(path))
    found = _focused(el)
    if found is None:
        if len(steps) == 1:
            return _children(el, steps[0])
        return iter(_walk(list(_children(el, steps[0])), steps[1:]))
    if len(steps) == 1:
        return iter(found.get(steps[0], ()))
    # prefixed paths and Clark tags cannot collide as keys
    nodes = found.get(path)
    if nodes is None:
        nodes = found[path] = _walk(found.get(steps[0], []), steps[1:])
    return iter(nodes)


def first(el: Element, path: str) -> Element | None:
    """The first node at path, None when absent."""
    steps = _steps(path)
    if steps is None or len(steps) > 1:
        return next(each(el, path), None)
    tag = steps[0]
    found = _focused(el)
    if found is None:
        found = _asked_before(el)
    if found is not None:
        hits = found.get(tag)
        return hits[0] if hits else None
    # a plain child: stop at the first match (an lxml tag iterator looks ahead for the next
    # match, which on an element with thousands of children costs a scan per call)
    for child in el:
        if child.tag == tag:
            return child
    return None


def every(el: Element, path: str) -> list[Element]:
    return list(each(el, path))


def exists(el: Element, path: str) -> bool:
    return first(el, path) is not None


def text(el: Element, path: str) -> str:
    """String value of the first node at path, '' when absent (XPath string(path))."""
    found = first(el, path)
    return "" if found is None else sv(found)


def ntext(el: Element, path: str) -> str:
    """normalize-space(path)."""
    return norm(text(el, path))


def nonempty(el: Element, path: str) -> bool:
    """XPath `(path) != ''`: some node at path has a non-empty string value."""
    return any(sv(x) != "" for x in each(el, path))


def dec(s: str | None) -> Decimal | None:
    """xs:decimal(s), None when s is not a decimal literal."""
    if s is None or not _DECIMAL.match(s):
        return None
    return Decimal(s.strip())


def number(s: str | None) -> Decimal | None:
    """number(s) / untyped-to-double comparisons: None for NaN."""
    if s is None or not _DOUBLE.match(s):
        return None
    try:
        value = Decimal(s.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def dec_at(el: Element, path: str) -> Decimal | None:
    found = first(el, path)
    return None if found is None else dec(sv(found))


def dec_or(el: Element, path: str, default: Decimal) -> Decimal:
    """`if (path) then xs:decimal(path) else default`: raises on a non-decimal value."""
    found = first(el, path)
    if found is None:
        return default
    value = dec(sv(found))
    if value is None:
        raise ValueError(f"{path} is not a decimal")
    return value


def dec_req(el: Element, path: str) -> Decimal:
    """xs:decimal(path) where the official rule would raise on absence or garbage."""
    value = dec_at(el, path)
    if value is None:
        raise ValueError(f"no decimal at {path}")
    return value


def num_at(el: Element, path: str) -> Decimal | None:
    found = first(el, path)
    return None if found is None else number(sv(found))


def xround(v: Decimal) -> Decimal:
    """XPath round(): half rounds towards positive infinity."""
    return (v + HALF).to_integral_value(rounding=ROUND_FLOOR)


def round2(v: Decimal) -> Decimal:
    """round(v * 10 * 10) div 100, as the CEN rules write it."""
    return xround(v * HUNDRED) / HUNDRED


def decimals(s: str | None) -> int:
    """string-length(substring-after(s, '.'))."""
    if not s or "." not in s:
        return 0
    return len(s.split(".", 1)[1])


def max2(el: Element, path: str) -> bool:
    """BR-DEC style: at most two decimals in the first node at path."""
    return decimals(text(el, path)) <= 2


def upper_norm(s: str | None) -> str:
    return norm(s).upper()


def is_vat(cat: Element) -> bool:
    """cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT' on a tax category."""
    return any(norm(sv(x)).upper() == "VAT" for x in each(cat, "cac:TaxScheme/cbc:ID"))


def cat_id(cat: Element) -> str:
    return ntext(cat, "cbc:ID")


def local(el: Element) -> str:
    return etree.QName(el).localname


def is_date(s: str) -> bool:
    """castable as xs:date, for the YYYY-MM-DD form."""
    m = re.match(r"^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$", s)
    if not m:
        return False
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not 1 <= month <= 12 or day < 1:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return day <= days
