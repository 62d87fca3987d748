"""XPath-like value helpers for the checks: string values, xs:decimal, XPath rounding.

The official rules are XPath 2.0; these helpers reproduce the bits they use with Decimal
arithmetic, so sums and roundings give the same answers as Saxon's xs:decimal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
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


_XML_SPACE = re.compile(r"[ \t\r\n]+")


def ascii_digits(s: str) -> bool:
    """Only the digits 0-9, as the rules' [0-9] patterns and integer casts read them (Python's
    isdigit() also takes other scripts' digits and superscripts)."""
    return s.isascii() and s.isdigit()


def norm(s: str | None) -> str:
    """normalize-space(): only space, tab, CR and LF count (a no-break space is content)."""
    if not s:
        return ""
    if s.isascii():  # str.split() also splits at \x0b-\x0c, \x1c-\x1f: not allowed in XML 1.0
        return " ".join(s.split())
    return _XML_SPACE.sub(" ", s).strip(" ")


_FANCY: tuple[str, ...] = ()
_STEPS: dict[str, tuple[str, ...]] = {}


def _steps(path: str) -> tuple[str, ...]:
    """Clark tags of a plain child path ('cac:Item/cbc:Name'); () for anything fancier."""
    steps = _STEPS.get(path)
    if steps is None:
        if re.fullmatch(r"[a-z]+:[A-Za-z]+(/[a-z]+:[A-Za-z]+)*", path):
            steps = tuple(cp(step) for step in path.split("/"))
        else:
            steps = _FANCY
        _STEPS[path] = steps
    return steps


# Per validation run: each element asked about -> its children by tag, and the nodes found at the
# multi-step paths asked from it (prefixed paths and Clark tags cannot collide as keys). Keys are
# the elements themselves, so a map can never be taken for another element's; a run started in
# another thread replaces the dict, which only costs this run a rebuild.
_MAPS: dict[Element, dict[object, list[Element]]] = {}


def _kids(el: Element) -> dict[object, list[Element]]:
    kids = _MAPS.get(el)
    if kids is None:
        kids = {}
        for child in el:
            found = kids.get(child.tag)
            if found is None:
                kids[child.tag] = [child]
            else:
                found.append(child)
        _MAPS[el] = kids
    return kids


def reset_cache() -> None:
    """Forget the children maps (called before and after each validation run)."""
    global _MAPS, _IDS, _VAT
    _MAPS, _IDS, _VAT = {}, {}, {}


_NONE: list[Element] = []  # shared, never changed


def _at(el: Element, path: str) -> list[Element] | None:
    """The nodes at a plain child path ('cac:Item/cbc:Name'), in document order, remembered
    in el's map under the path itself; None for a fancier path (left to ElementPath)."""
    kids = _MAPS.get(el)
    if kids is None:
        kids = _kids(el)
    nodes = kids.get(path)
    if nodes is None:
        steps = _steps(path)
        if not steps:
            return None
        nodes = kids.get(steps[0]) or _NONE
        for tag in steps[1:]:
            if not nodes:
                break
            nodes = [found for node in nodes for found in _kids(node).get(tag, _NONE)]
        kids[path] = nodes
    return nodes


def each(el: Element, path: str) -> Iterator[Element]:
    """The nodes at path in document order (child steps are walked without ElementPath)."""
    nodes = _at(el, path)
    return el.iterfind(cp(path)) if nodes is None else iter(nodes)


def first(el: Element, path: str) -> Element | None:
    """The first node at path, None when absent."""
    nodes = _at(el, path)
    if nodes is None:
        return next(el.iterfind(cp(path)), None)
    return nodes[0] if nodes else None


def every(el: Element, path: str) -> list[Element]:
    nodes = _at(el, path)
    return list(el.iterfind(cp(path))) if nodes is None else list(nodes)


def exists(el: Element, path: str) -> bool:
    return first(el, path) is not None


def text(el: Element, path: str) -> str:
    """String value of the first node at path, '' when absent (XPath string(path))."""
    found = first(el, path)
    return "" if found is None else sv(found)


def ntext(el: Element, path: str) -> str:
    """normalize-space(path)."""
    return norm(text(el, path))


def dec(s: str | None) -> Decimal | None:
    """xs:decimal(s), None when s is not a decimal literal."""
    if s is None or not _DECIMAL.match(s):
        return None
    return Decimal(s.strip())


def number(s: str | None) -> Decimal | None:
    """number(s) / untyped-to-double comparisons: None for NaN; INF and -INF are the
    infinities (they compare as XPath's do)."""
    if s is None or not _DOUBLE.match(s):
        return None
    try:
        value = Decimal(s.strip())
    except InvalidOperation:
        return None
    return None if value.is_nan() else value


def only(el: Element, path: str) -> Element | None:
    """The node at path where XPath takes one item (normalize-space(), substring(), xs:date(),
    xs:decimal()): None when absent; more than one is a type error (XPTY0004), raised."""
    nodes = _at(el, path)
    if nodes is None:
        nodes = list(el.iterfind(cp(path)))
    if len(nodes) > 1:
        raise TypeError(f"more than one {path}")
    return nodes[0] if nodes else None


def xs_decimal(el: Element, path: str) -> Decimal | None:
    """xs:decimal(path): None for the empty sequence; a second node or a value that is not a
    decimal raises, as the cast does."""
    node = only(el, path)
    if node is None:
        return None
    value = dec(sv(node))
    if value is None:
        raise ValueError(f"{path} is not a decimal")
    return value


def dec_at(el: Element, path: str) -> Decimal | None:
    found = first(el, path)
    return None if found is None else dec(sv(found))


def xs_sum(nodes: Iterable[Element]) -> Decimal:
    """sum(nodes/xs:decimal(.)): a value that is not a decimal raises, as the cast does."""
    total = ZERO
    for node in nodes:
        value = dec(sv(node))
        if value is None:
            raise ValueError("a value to sum is not a decimal")
        total += value
    return total


def dec_or(el: Element, path: str, default: Decimal) -> Decimal:
    """`if (path) then xs:decimal(path) else default`: raises as the cast does (a value that is
    not a decimal, a second node)."""
    value = xs_decimal(el, path)
    return default if value is None else value


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


# Per validation run, as _MAPS: what many VAT rules ask of every tax category, asked once.
_IDS: dict[Element, str] = {}
_VAT: dict[Element, bool] = {}


def is_vat(cat: Element) -> bool:
    """cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT' on a tax category."""
    found = _VAT.get(cat)
    if found is None:
        found = any(norm(sv(x)).upper() == "VAT" for x in each(cat, "cac:TaxScheme/cbc:ID"))
        _VAT[cat] = found
    return found


def cat_id(cat: Element) -> str:
    """normalize-space(cbc:ID) of a tax category."""
    found = _IDS.get(cat)
    if found is None:
        found = _IDS[cat] = ntext(cat, "cbc:ID")
    return found


def local(el: Element) -> str:
    return etree.QName(el).localname


_DATE = re.compile(r"^(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})(Z|([+-])([0-9]{2}):([0-9]{2}))?$")


def is_date(s: str) -> bool:
    """castable as xs:date, for the YYYY-MM-DD form."""
    m = _DATE.match(s)
    if not m:
        return False
    zone = m.group(4)
    if (
        zone
        and zone != "Z"
        and not (int(zone[1:3]) * 60 + int(zone[4:6]) <= 14 * 60 and int(zone[4:6]) < 60)
    ):
        return False
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not 1 <= month <= 12 or day < 1:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return day <= days


def date_minutes(value: str) -> int | None:
    """xs:date(value) as the minute its day starts, in UTC, which is how XPath orders dates (a
    date without a time zone is taken in the implicit one, UTC); None when not castable."""
    value = value.strip(" \t\r\n")
    m = _DATE.match(value)
    if m is None or not is_date(value):
        return None
    year = m.group(1).lstrip("-")
    if len(year) > 4 and year.startswith("0"):
        return None  # more than four year digits: no leading zero
    offset = 0
    if m.group(5):
        offset = (int(m.group(6)) * 60 + int(m.group(7))) * (1 if m.group(5) == "+" else -1)
    return _day_number(int(m.group(1)), int(m.group(2)), int(m.group(3))) * 1440 - offset


def _day_number(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date, for any year."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468
