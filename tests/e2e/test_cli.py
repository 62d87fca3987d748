"""The whole system through the `autotrans` command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from broker.cli import main
from domain.billing import billing_month
from domain.ehf.writer import InvoiceSpec, LineSpec, PartySpec, write_ehf

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
MONTH = billing_month(datetime.now(UTC))

Cli = Callable[..., Result]


@pytest.fixture
def cli(tmp_path: Path, store_url: str | None) -> Cli:
    runner = CliRunner()
    options = ["--data-dir", str(tmp_path / "data")]
    if store_url:
        options += ["--store", store_url]

    def run(*args: str, expect: int | None = 0) -> Result:
        result = runner.invoke(main, [*args, *options], catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, result.output + result.stderr
        return result

    return run


def endpoint(root: etree._Element, party: str) -> str:
    e = root.find(f"{CAC}{party}/{CAC}Party/{CBC}EndpointID")
    assert e is not None
    return f"{e.get('schemeID')}:{e.text}"


def send_lines(result: Result) -> list[list[str]]:
    return [
        line.split("  ", 3)
        for line in result.stdout.splitlines()
        if "  " in line and not line.startswith(" ")
    ]


def test_every_official_valid_document_is_accepted_and_delivered(cli: Cli, ehf_dir: Path) -> None:
    files = sorted((ehf_dir / "valid").rglob("*.xml"))
    assert len(files) >= 19
    seen: set[tuple[str, str, str]] = set()
    for path in files:
        root = etree.parse(str(path)).getroot()
        seller, buyer = (
            endpoint(root, "AccountingSupplierParty"),
            endpoint(root, "AccountingCustomerParty"),
        )
        key = (seller, etree.QName(root).localname, root.findtext(f"{CBC}ID") or "")
        cli("client", "add", seller, "--name", f"Seller {seller}")
        cli("participant", "add", buyer, "--name", f"Buyer {buyer}")
        [[name, _, outcome, reason]] = send_lines(cli("send", str(path), "--client", seller))
        expected = "duplicate" if key in seen else "accepted"
        assert (name, outcome) == (str(path), expected), reason
        if outcome == "accepted":
            assert reason.startswith(f"delivered via autotrans to {buyer}"), reason
        seen.add(key)
    status = json.loads(cli("status", "--format", "json").stdout)
    assert len(status) == len(seen)
    assert {row["state"] for row in status} == {"delivered"}


@pytest.mark.parametrize(
    ("name", "sender", "why"),
    [
        ("ehf-2-faktura-1.xml", "123456785", "EHF 2.0 documents are no longer accepted"),
        ("GR-base-example-correct.xml", "9933:801399030", "not a valid UBL 2.1 Invoice"),
        ("GR-base-example-TaxRepresentative.xml", "0088:1238764941386", "not a valid UBL 2.1"),
    ],
)
def test_official_invalid_documents_are_rejected(
    cli: Cli, ehf_dir: Path, name: str, sender: str, why: str
) -> None:
    cli("client", "add", sender, "--name", "Sender")
    result = cli("send", str(ehf_dir / "invalid" / name), "--client", sender, expect=1)
    [[_, invoice_id, outcome, reason]] = send_lines(result)
    assert (invoice_id, outcome) == ("-", "rejected")
    assert reason.startswith(why), reason
    assert json.loads(cli("status", "--format", "json").stdout) == []


SELLER = PartySpec("923456708", "Fjordkraft Konsult AS")
BUYER = PartySpec("956789001", "Nordlys Handel AS")


def good_invoice(number: str = "E-1") -> bytes:
    return write_ehf(
        InvoiceSpec(
            number=number,
            issue_date=date(2026, 11, 2),
            seller=SELLER,
            buyer=BUYER,
            lines=(LineSpec("Rådgivning", Decimal("3"), Decimal("1200")),),
        )
    )


HOSTILE = {
    "xxe": b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&x;</Invoice>',
    "billion-laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]><lolz>&lol9;</lolz>",
    "truncated": good_invoice("T-1")[:700],
    "not-ubl": b"<html><body>invoice</body></html>",
    "binary": bytes(range(256)) * 4,
}


def test_hostile_and_broken_input_is_rejected_and_the_system_stays_healthy(
    cli: Cli, tmp_path: Path
) -> None:
    cli("client", "add", SELLER.org_number, "--name", SELLER.name)
    cli("participant", "add", BUYER.org_number, "--name", BUYER.name)
    files = []
    for name, body in HOSTILE.items():
        files.append(tmp_path / f"{name}.xml")
        files[-1].write_bytes(body)
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as f:  # 25 MB: over the 20 MB limit
        f.write(good_invoice("H-1")[:-12])
        f.write(b"<!--" + b"x" * (25 * 1024 * 1024) + b"-->")
    files.append(huge)
    files.append(tmp_path / "missing.xml")
    result = cli("send", *map(str, files), "--client", SELLER.org_number, expect=1)
    lines = send_lines(result)
    assert [line[2] for line in lines] == ["rejected"] * len(files)
    reasons = {Path(line[0]).stem: line[3] for line in lines}
    assert "DOCTYPE" in reasons["xxe"] and "root:" not in result.stdout
    assert "DOCTYPE" in reasons["billion-laughs"]
    assert "over the limit of 20971520 bytes" in reasons["huge"]
    assert "cannot read file" in reasons["missing"]
    assert reasons["not-ubl"].startswith("not a UBL Invoice or CreditNote")
    assert "malformed XML" in reasons["truncated"] and "malformed XML" in reasons["binary"]
    assert json.loads(cli("status", "--format", "json").stdout) == []

    good = tmp_path / "good.xml"
    good.write_bytes(good_invoice())
    [[_, _, outcome, reason]] = send_lines(cli("send", str(good), "--client", SELLER.org_number))
    assert (outcome, reason) == ("accepted", f"delivered via autotrans to 0192:{BUYER.org_number}")


def test_the_story_through_the_cli(cli: Cli, tmp_path: Path) -> None:
    office, bakery = "912345602", "934567803"
    cli("client", "add", office, "--name", "Regnskap Nord AS")
    cli("client", "add", SELLER.org_number, "--name", SELLER.name, "--accounting-office", office)
    bad = cli("client", "add", "923456709", "--name", "Feil AS", expect=1)
    assert "MOD11 check digit" in bad.stderr
    cli("participant", "add", BUYER.org_number, "--name", BUYER.name)
    paths = []
    for n in range(3):
        paths.append(tmp_path / f"e-{n}.xml")
        paths[-1].write_bytes(good_invoice(f"E-{n}"))
    lines = send_lines(cli("send", *map(str, paths), "--client", office))
    assert [line[2] for line in lines] == ["accepted"] * 3
    stranger = cli("client", "add", bakery, "--name", "Bakeri AS")
    assert stranger.exit_code == 0
    refused = send_lines(cli("send", str(paths[0]), "--client", bakery, expect=1))
    assert refused[0][2] == "rejected" and "neither 0192:934567803" in refused[0][3]

    inbox = json.loads(cli("inbox", BUYER.org_number, "--format", "json").stdout)
    assert sorted(r["number"] for r in inbox) == ["E-0", "E-1", "E-2"]
    cli("inbox", BUYER.org_number, "--ack", "E-0")
    cli("inbox", BUYER.org_number, "--approve", "E-1")
    cli("inbox", BUYER.org_number, "--reject", "E-2", "--reason", "Feil pris")
    refused_twice = cli("inbox", BUYER.org_number, "--approve", "E-2", expect=1)
    assert "already rejected" in refused_twice.stderr
    states = {
        r["number"]: r["recipient_state"]
        for r in json.loads(cli("inbox", BUYER.org_number, "--format", "json").stdout)
    }
    assert states == {"E-0": "received", "E-1": "approved", "E-2": "rejected"}

    status = json.loads(cli("status", "E-2", "--format", "json").stdout)
    assert status["recipient_state"] == "rejected" and status["recipient_reason"] == "Feil pris"
    trail = json.loads(cli("audit", "E-2", "--format", "json").stdout)
    assert [t["event"] for t in trail][-2:] == ["Received", "Rejected"]
    assert all(t["at"].endswith("Z") for t in trail)

    csv_before = cli("statement", MONTH, "--payer", office, "--format", "csv").stdout
    assert f"0192:{office},{MONTH},client,0192:{SELLER.org_number},3,5.00,15.00" in csv_before
    assert csv_before.splitlines()[-1] == f"0192:{office},{MONTH},total_incl_vat,,,,18.75"
    table = cli("statement", MONTH).stdout
    assert "total incl. VAT" in table and "18.75" in table
    cli("projections", "rebuild")
    assert cli("statement", MONTH, "--payer", office, "--format", "csv").stdout == csv_before


def test_customer_register_suggestions_prices_and_failed_status(cli: Cli, tmp_path: Path) -> None:
    other = PartySpec("978901204", "Ukjent Kunde AS")
    cli("client", "add", SELLER.org_number, "--name", SELLER.name)
    cli("client", "price", SELLER.org_number, "4.5")
    cli("participant", "add", BUYER.org_number, "--name", BUYER.name)
    paths = {}
    for number, buyer in (("S-1", BUYER), ("S-2", other)):
        paths[number] = tmp_path / f"{number}.xml"
        paths[number].write_bytes(
            write_ehf(
                InvoiceSpec(
                    number=number,
                    issue_date=date(2026, 11, 2),
                    seller=SELLER,
                    buyer=buyer,
                    lines=(LineSpec("Kurs", Decimal("1"), Decimal("900")),),
                )
            )
        )
    cli("send", str(paths["S-2"]), "--client", SELLER.org_number)
    failed = json.loads(cli("status", "--state", "failed", "--format", "json").stdout)
    assert [f["number"] for f in failed] == ["S-2"]
    assert failed[0]["last_error"].startswith("no route")
    none = cli("customer", "suggest", SELLER.org_number).stdout
    assert none.startswith("no suggestions")

    # The customer joins AutoTrans: it is suggested, and accepting sets the register entry.
    cli("participant", "add", other.org_number, "--name", other.name)
    suggested = cli("customer", "suggest", SELLER.org_number).stdout
    assert "0192:978901204  Ukjent Kunde AS  reachable in AutoTrans (now none)" in suggested
    cli("customer", "suggest", SELLER.org_number, "--accept")
    register = json.loads(cli("customer", "list", SELLER.org_number, "--format", "json").stdout)
    assert [(r["customer"], r["channel"]) for r in register] == [("0192:978901204", "autotrans")]
    assert cli("customer", "suggest", SELLER.org_number).stdout.startswith("no suggestions")

    [[_, _, outcome, reason]] = send_lines(
        cli("send", str(paths["S-1"]), "--client", SELLER.org_number)
    )
    assert (outcome, reason) == ("accepted", "delivered via autotrans to 0192:956789001")
    [own] = json.loads(cli("statement", MONTH, "--format", "json").stdout)
    assert own["rows"] == [
        {"client": "0192:923456708", "quantity": 1, "unit_price": "4.50", "amount": "4.50"}
    ]
    assert (own["vat"], own["total_incl_vat"]) == ("1.13", "5.63")


def test_console_script_runs_the_demo(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "autotrans"
    result = subprocess.run(
        [str(script), "demo"], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "rejected  invoice 'B-78' rejected: BR-CO-15" in out
    assert "duplicate" in out and "no route" in out
    assert "total incl. VAT" in out and "approved" in out


def test_logs_are_json_lines_with_bound_ids_when_not_a_terminal(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "autotrans"
    data = ["--data-dir", str(tmp_path / "data")]
    for args in (
        ["client", "add", SELLER.org_number, "--name", SELLER.name],
        ["participant", "add", BUYER.org_number, "--name", BUYER.name],
    ):
        subprocess.run([str(script), *args, *data], check=True, capture_output=True, timeout=60)
    path = tmp_path / "L-1.xml"
    path.write_bytes(good_invoice("L-1"))
    result = subprocess.run(
        [str(script), "-v", "send", str(path), "--client", SELLER.org_number, *data],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]
    events = {r["event"]: r for r in records}
    assert {"invoice.produced", "invoice.routed", "delivery.delivered", "invoice.billed"} <= set(
        events
    )
    delivered = events["delivery.delivered"]
    assert delivered["client"] == "0192:923456708" and delivered["level"] == "info"
    assert delivered["invoice_id"] and delivered["transmission_id"] and delivered["timestamp"]
    assert "<Invoice" not in result.stderr  # never a document body


def test_a_rejected_document_lists_its_findings(cli: Cli, tmp_path: Path) -> None:
    cli("client", "add", SELLER.org_number, "--name", SELLER.name)
    body = good_invoice("T-9").decode()
    start = body.index("<cbc:TaxInclusiveAmount")
    end = body.index("</cbc:TaxInclusiveAmount>")
    tampered = tmp_path / "tampered.xml"
    tampered.write_text(body[:start] + '<cbc:TaxInclusiveAmount currencyID="NOK">1.00' + body[end:])
    result = cli("send", str(tampered), "--client", SELLER.org_number, expect=1)
    [[_, invoice_id, outcome, reason]] = send_lines(result)
    assert (invoice_id, outcome) == ("-", "rejected")
    assert reason.startswith("invoice 'T-9' rejected: BR-CO-15")
    findings = [line.strip() for line in result.stdout.splitlines() if line.startswith("    ")]
    assert findings[0].startswith("[BR-CO-15] fatal: Invoice total amount with VAT (BT-112)")
    assert findings[0].endswith("(/ubl:Invoice)")  # where the rule's context is
    assert any(f.startswith("[BR-CO-16] fatal: Amount due for payment") for f in findings)
    assert len(findings) == len(set(findings))
