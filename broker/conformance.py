"""Run vefa testSet files (the official rule unit tests) through the native validator.

Each <test> holds a document fragment and asserts: <success>ID</success> (ID must not fire),
<error [number="N"]>ID</error> (fires as fatal, N times when given), <warning ...> likewise.
Only the rules named in the asserts are judged, as the official validator does.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from domain.ehf.xml import DocumentRejected, parse_xml
from domain.findings import Finding
from domain.validation import families_of, validate

VEFA = "http://difi.no/xsd/vefa/validator/1.0"
_V = f"{{{VEFA}}}"


@dataclass(frozen=True)
class Expectation:
    """One assert of a test: kind is success, error or warning."""

    kind: str
    rule_id: str
    number: int | None = None

    def __str__(self) -> str:
        count = f" x{self.number}" if self.number is not None else ""
        return f"{self.kind} {self.rule_id}{count}"


@dataclass(frozen=True)
class CaseResult:
    """The verdict for one <test> of a testSet file."""

    file: Path
    test: str  # test id, or its 1-based index as "#N"
    expected: tuple[Expectation, ...]
    failures: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return not self.failures


def _expectations(test: etree._Element) -> list[Expectation]:
    found = []
    for assert_el in test.iterfind(f"{_V}assert"):
        for child in assert_el:
            if not isinstance(child.tag, str):
                continue
            kind = etree.QName(child).localname
            if kind not in ("success", "error", "warning"):
                continue
            number = child.get("number")
            found.append(
                Expectation(kind, (child.text or "").strip(), int(number) if number else None)
            )
    return found


def _document(test: etree._Element) -> etree._Element | None:
    for child in test:
        if isinstance(child.tag, str) and not child.tag.startswith(_V):
            return copy.deepcopy(child)
    return None


def judge(expectations: Iterable[Expectation], findings: list[Finding]) -> list[str]:
    """Failures of the expectations against the findings (empty when all hold)."""
    failures = []
    for exp in expectations:
        fired = [f for f in findings if f.rule_id == exp.rule_id]
        if exp.kind == "success":
            if fired:
                failures.append(f"expected {exp}, got {len(fired)} firing(s)")
            continue
        flag = "fatal" if exp.kind == "error" else "warning"
        matching = [f for f in fired if f.flag == flag]
        if exp.number is None and not matching:
            got = f"{len(fired)} firing(s) as {fired[0].flag}" if fired else "no firing"
            failures.append(f"expected {exp}, got {got}")
        elif exp.number is not None and len(matching) != exp.number:
            failures.append(f"expected {exp}, got {len(matching)} {flag} firing(s)")
    return failures


def run_file(path: Path) -> list[CaseResult]:
    """Run every <test> of one testSet file; a file that is not one is one failed case, so a
    run over a folder still judges every other file."""
    try:
        root = parse_xml(path.read_bytes())  # the same hardened parser as every document
    except (DocumentRejected, OSError) as error:
        return [CaseResult(path, "file", (), (f"not a readable testSet: {error}",))]
    if root.tag != f"{_V}testSet":
        return [CaseResult(path, "file", (), (f"not a testSet: root element {root.tag}",))]
    results = []
    for index, test in enumerate(root.iterfind(f"{_V}test"), start=1):
        name = test.get("id") or f"#{index}"
        expected = tuple(_expectations(test))
        document = _document(test)
        if document is None:
            results.append(CaseResult(path, name, expected, ("no document in test",)))
            continue
        ids = {e.rule_id for e in expected}
        findings = validate(document, families=families_of(ids), rule_ids=ids)
        results.append(CaseResult(path, name, expected, tuple(judge(expected, findings))))
    return results


def test_files(targets: Iterable[Path]) -> Iterator[Path]:
    """The testSet files under each target (a file, or a folder searched recursively)."""
    for target in targets:
        if target.is_dir():
            yield from sorted(target.rglob("*.xml"))
        else:
            yield target


def run(targets: Iterable[Path]) -> list[CaseResult]:
    """Run all testSet files under the targets."""
    results: list[CaseResult] = []
    for path in test_files(targets):
        results.extend(run_file(path))
    return results
