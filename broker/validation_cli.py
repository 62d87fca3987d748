"""`autotrans validate` and `autotrans conformance`: the EHF rule set from the command line."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from broker.conformance import CaseResult, run
from broker.output import print_json, print_table
from domain.ehf.xml import DocumentRejected, parse_xml
from domain.findings import Finding
from domain.validation import RULE_RELEASE
from domain.validation import validate as validate_document


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(RULE_RELEASE)
        ctx.exit()


def findings_for(path: Path) -> list[Finding]:
    """Validate one file; a document that cannot be read is one fatal finding saying why."""
    try:
        root = parse_xml(path.read_bytes())
    except DocumentRejected as e:
        return [Finding("XML", "fatal", f"document rejected: {e}", "/")]
    except OSError as e:
        return [Finding("FILE", "fatal", f"cannot read {path}: {e.strerror or e}", "/")]
    return validate_document(root)


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Print the rule release and exit.",
)
def validate(files: tuple[Path, ...], fmt: str) -> None:
    """Validate EHF / PEPPOL BIS Billing 3.0 documents; exit 1 if any finding is fatal."""
    if not files:
        raise click.UsageError("give at least one FILE (or --version)")
    results = {path: findings_for(path) for path in files}
    if fmt == "json":
        print_json(
            {
                "rule_release": RULE_RELEASE,
                "documents": [
                    {
                        "file": str(path),
                        "valid": not any(f.flag == "fatal" for f in found),
                        "findings": [f.as_dict() for f in found],
                    }
                    for path, found in results.items()
                ],
            }
        )
    else:
        for path, found in results.items():
            fatal = sum(1 for f in found if f.flag == "fatal")
            title = f"{path}: {fatal} fatal, {len(found) - fatal} warning(s)"
            if found:
                print_table(
                    title,
                    ["rule", "flag", "message", "location"],
                    [(f.rule_id, f.flag, f.message, f.location) for f in found],
                )
            else:
                click.echo(f"{path}: valid, no findings ({RULE_RELEASE})")
    if any(f.flag == "fatal" for found in results.values() for f in found):
        sys.exit(1)


def _expected(result: CaseResult) -> str:
    return ", ".join(str(e) for e in result.expected) or "-"


@click.command("conformance")
@click.argument("targets", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def conformance(targets: tuple[Path, ...]) -> None:
    """Run vefa testSet files (official rule unit tests); exit 1 if any case fails."""
    results = run(targets)
    per_folder: Counter[str] = Counter()
    failed_per_folder: Counter[str] = Counter()
    for result in results:
        folder = str(result.file.parent)
        per_folder[folder] += 1
        if not result.passed:
            failed_per_folder[folder] += 1
            click.echo(
                f"FAIL {result.file} test {result.test}: expected {_expected(result)}; "
                f"got {'; '.join(result.failures)}"
            )
    for folder in sorted(per_folder):
        total, failed = per_folder[folder], failed_per_folder[folder]
        click.echo(f"{folder}: {total - failed} passed, {failed} failed")
    failed_total = sum(failed_per_folder.values())
    click.echo(f"{len(results) - failed_total} passed, {failed_total} failed")
    if failed_total:
        sys.exit(1)
