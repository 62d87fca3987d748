"""`validate` and `conformance` as a user runs them (click's runner, real files)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from broker.validation_cli import conformance, validate
from domain.validation import RULE_RELEASE


def test_version_names_the_rule_release() -> None:
    result = CliRunner().invoke(validate, ["--version"])
    assert result.exit_code == 0 and RULE_RELEASE in result.output


def test_valid_document_exits_zero(ehf_dir: Path) -> None:
    result = CliRunner().invoke(validate, [str(ehf_dir / "valid" / "no" / "ehf-3-faktura-1.xml")])
    assert result.exit_code == 0, result.output


def test_invalid_document_exits_one_with_findings_as_json(ehf_dir: Path) -> None:
    path = ehf_dir / "invalid" / "ehf-2-faktura-1.xml"
    result = CliRunner().invoke(validate, ["--format", "json", str(path)])
    assert result.exit_code == 1
    document = json.loads(result.output)["documents"][0]
    assert not document["valid"]
    assert {"rule_id", "flag", "message", "location"} <= set(document["findings"][0])


def test_hostile_xml_is_a_fatal_finding_not_a_crash(tmp_path: Path) -> None:
    evil = tmp_path / "evil.xml"
    evil.write_text('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    result = CliRunner().invoke(validate, [str(evil)])
    assert result.exit_code == 1 and "XML" in result.output


def test_conformance_prints_a_summary_and_the_last_line(ehf_dir: Path) -> None:
    result = CliRunner().invoke(conformance, [str(ehf_dir / "unit" / "no")])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 0, result.output
    assert lines[-1] == "14 passed, 0 failed"


def test_conformance_reports_a_failing_case(tmp_path: Path) -> None:
    case = tmp_path / "wrong.xml"
    case.write_text(
        '<testSet xmlns="http://difi.no/xsd/vefa/validator/1.0">'
        '<test id="t1"><assert><error>BR-02</error></assert>'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        "<cbc:ID>1</cbc:ID></Invoice></test></testSet>"
    )
    result = CliRunner().invoke(conformance, [str(case)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1
    assert "t1" in lines[0] and "BR-02" in lines[0]
    assert lines[-1] == "0 passed, 1 failed"


def test_conformance_judges_the_other_files_when_one_is_not_a_test_set(
    tmp_path: Path, ehf_dir: Path
) -> None:
    (tmp_path / "broken.xml").write_text("<testSet><test>")  # not well-formed
    (tmp_path / "invoice.xml").write_bytes(
        (ehf_dir / "valid" / "no" / "ehf-3-faktura-1.xml").read_bytes()
    )
    good = sorted((ehf_dir / "unit" / "no").glob("*.xml"))[0]
    (tmp_path / "z-good.xml").write_bytes(good.read_bytes())
    result = CliRunner().invoke(conformance, [str(tmp_path)])
    assert result.exit_code == 1
    assert "broken.xml test file: expected -; got not a readable testSet: malformed XML" in (
        result.output
    )
    assert "invoice.xml test file: expected -; got not a testSet: root element" in result.output
    passed = int(result.output.strip().splitlines()[-1].split()[0])
    assert passed > 0 and result.output.strip().endswith("2 failed")
