"""The official rule unit tests (vefa testSets) in ../shared/ehf/unit, one case per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from broker.conformance import run, run_file
from tests.conftest import EHF_DIR

UNIT = EHF_DIR / "unit"
FILES = sorted(str(p.relative_to(UNIT)) for p in UNIT.rglob("*.xml")) if UNIT.is_dir() else []

# The material as shipped: 324 testSet files with 1,322 test cases. All of them pass today; the
# floor guards against regressions if the material or the rules change.
EXPECTED_FILES = 324
PASS_FLOOR = 1322


def test_unit_material_is_present(ehf_dir: Path) -> None:
    assert len(list((ehf_dir / "unit").rglob("*.xml"))) >= EXPECTED_FILES


@pytest.mark.parametrize("name", FILES)
def test_unit_set(ehf_dir: Path, name: str) -> None:
    results = run_file(ehf_dir / "unit" / name)
    failures = [f"test {r.test}: {'; '.join(r.failures)}" for r in results if not r.passed]
    assert not failures, "\n".join(failures)


def test_all_unit_cases(ehf_dir: Path) -> None:
    results = run([ehf_dir / "unit"])
    passed = sum(r.passed for r in results)
    assert passed >= PASS_FLOOR, f"{passed} of {len(results)} unit cases pass (floor {PASS_FLOOR})"
