"""Complete documents: valid ones have no fatal finding, invalid ones do, CEN-only ones pass CEN."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.ehf.xml import DocumentRejected, parse_xml
from domain.findings import Finding
from domain.validation import validate
from tests.conftest import EHF_DIR


def _names(folder: str) -> list[str]:
    base = EHF_DIR / folder
    return sorted(str(p.relative_to(base)) for p in base.rglob("*.xml")) if base.is_dir() else []


def _findings(path: Path, families: list[str] | None = None) -> list[Finding]:
    try:
        root = parse_xml(path.read_bytes())
    except DocumentRejected as e:
        return [Finding("XML", "fatal", str(e))]
    return validate(root, families=families)


def _fatal(findings: list[Finding]) -> list[str]:
    return [f"{f.rule_id} at {f.location}: {f.message}" for f in findings if f.flag == "fatal"]


@pytest.mark.parametrize("name", _names("valid"))
def test_valid_document_has_no_fatal_finding(ehf_dir: Path, name: str) -> None:
    assert _fatal(_findings(ehf_dir / "valid" / name)) == []


@pytest.mark.parametrize("name", _names("invalid"))
def test_invalid_document_is_rejected(ehf_dir: Path, name: str) -> None:
    assert _fatal(_findings(ehf_dir / "invalid" / name))


@pytest.mark.parametrize("name", _names("cen-only"))
def test_cen_only_document_passes_the_cen_rules(ehf_dir: Path, name: str) -> None:
    assert _fatal(_findings(ehf_dir / "cen-only" / name, families=["xsd", "cen"])) == []


def test_material_is_present(ehf_dir: Path) -> None:
    assert _names("valid") and _names("invalid") and _names("cen-only")
