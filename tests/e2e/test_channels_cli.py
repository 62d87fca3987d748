"""E-mail, FTP and SFTP delivery through the CLI against real servers; failures, replay, secrets."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from broker.bootstrap import bootstrap
from broker.cli import main
from broker.settings import Settings
from domain.billing import billing_month
from domain.ehf.writer import InvoiceSpec, LineSpec, PartySpec, write_ehf
from tests.servers import (
    FTP_PASSWORD,
    FTP_USER,
    SFTP_PASSWORD,
    SFTP_USER,
    FtpServer,
    SftpServer,
    SmtpServer,
)

SELLER = PartySpec("923456708", "Fjordkraft Konsult AS")
MAIL, FTP, SFTP, INBOX = (
    PartySpec("956789001", "E-post Kunde AS"),
    PartySpec("967890103", "FTP Kunde AS"),
    PartySpec("978901204", "SFTP Kunde AS"),
    PartySpec("989012304", "Innboks Kunde AS"),
)
MONTH = billing_month(datetime.now(UTC))
Cli = Callable[..., Result]


@pytest.fixture
def cli(tmp_path: Path, store_url: str | None, smtpd: SmtpServer) -> Cli:
    runner = CliRunner()
    options = ["--data-dir", str(tmp_path / "data")]
    if store_url:
        options += ["--store", store_url]

    def run(*args: str, expect: int | None = 0, input: str | None = None) -> Result:
        env = {
            **smtpd.env(),
            "AUTOTRANS_RETRY_BASE_DELAY": "60",
            "AUTOTRANS_ALLOW_PRIVATE_DESTINATIONS": "1",  # the test servers listen on loopback
        }
        result = runner.invoke(main, [*args, *options], input=input, env=env)
        if expect is not None:
            assert result.exit_code == expect, result.output + result.stderr
        return result

    run.data_dir = tmp_path / "data"  # type: ignore[attr-defined]
    run.store_url = store_url  # type: ignore[attr-defined]
    return run


def invoice_file(folder: Path, number: str, buyer: PartySpec) -> Path:
    path = folder / f"{number}.xml"
    path.write_bytes(
        write_ehf(
            InvoiceSpec(
                number=number,
                issue_date=date(2026, 11, 2),
                seller=SELLER,
                buyer=buyer,
                lines=(LineSpec("Rådgivning", Decimal("4"), Decimal("1100")),),
                kid="12345678903",
            )
        )
    )
    return path


def send(cli: Cli, *paths: Path) -> dict[str, list[str]]:
    lines = [
        line.split("  ", 3)
        for line in cli("send", *map(str, paths), "--client", SELLER.org_number).stdout.splitlines()
    ]
    return {Path(line[0]).stem: line[1:] for line in lines}


def evidence(cli: Cli, number: str) -> dict[str, str]:
    trail = json.loads(cli("audit", number, "--format", "json").stdout)
    [delivered] = [
        t for t in trail if t["aggregate"] == "Transmission" and t["event"] == "Delivered"
    ]
    return delivered["data"]["evidence"]


def test_one_invoice_per_channel_from_send_to_evidence(
    cli: Cli, tmp_path: Path, smtpd: SmtpServer, ftpd: FtpServer, sftpd: SftpServer
) -> None:
    cli("client", "add", SELLER.org_number, "--name", SELLER.name)
    cli("participant", "add", INBOX.org_number, "--name", INBOX.name)
    cli(
        "customer",
        "set",
        SELLER.org_number,
        MAIL.org_number,
        "--channel",
        "email",
        "--email",
        "ap@epost.no",
        "--attach-xml",
    )
    cli(
        "customer",
        "set",
        SELLER.org_number,
        FTP.org_number,
        "--channel",
        "ftp",
        "--url",
        f"ftp://{FTP_USER}@127.0.0.1:{ftpd.port}/incoming",
        "--tls",
        "none",
        "--password-stdin",
        input=FTP_PASSWORD + "\n",
    )
    cli(
        "customer",
        "set",
        SELLER.org_number,
        SFTP.org_number,
        "--channel",
        "sftp",
        "--url",
        f"sftp://{SFTP_USER}@127.0.0.1:{sftpd.port}/incoming",
        "--host-key",
        sftpd.host_key_line,
        "--password-stdin",
        input=SFTP_PASSWORD + "\n",
    )
    files = [
        invoice_file(tmp_path, n, b)
        for n, b in (("M-1", MAIL), ("F-1", FTP), ("S-1", SFTP), ("I-1", INBOX))
    ]
    result = send(cli, *files)
    assert {k: v[1:] for k, v in result.items()} == {
        "M-1": ["accepted", "delivered via email to ap@epost.no"],
        "F-1": [
            "accepted",
            f"delivered via ftp to ftp://{FTP_USER}@127.0.0.1:{ftpd.port}/incoming",
        ],
        "S-1": [
            "accepted",
            f"delivered via sftp to sftp://{SFTP_USER}@127.0.0.1:{sftpd.port}/incoming",
        ],
        "I-1": ["accepted", "delivered via autotrans to 0192:989012304"],
    }

    [message] = smtpd.mailbox.messages()
    mail_evidence = evidence(cli, "M-1")
    assert message["Message-ID"] == mail_evidence["reference"]
    assert message["To"] == "ap@epost.no" and "M-1" in message["Subject"]
    names = sorted(part.get_filename() for part in message.iter_attachments())
    assert names[0] == "Faktura-M-1.pdf" and names[1].endswith(".xml")
    assert mail_evidence["smtp_code"] == "250"

    for number, server in (("F-1", ftpd), ("S-1", sftpd)):
        proof = evidence(cli, number)
        [landed] = list((server.root / "incoming").iterdir())
        assert landed.name == Path(proof["reference"]).name and not landed.name.startswith(".")
        assert hashlib.sha256(landed.read_bytes()).hexdigest() == proof["sha256"]
        assert proof["size"] == str(landed.stat().st_size)

    [statement] = json.loads(cli("statement", MONTH, "--format", "json").stdout)
    assert statement["rows"] == [
        {"client": "0192:923456708", "quantity": 4, "unit_price": "5.00", "amount": "20.00"}
    ]


def test_no_secret_in_events_read_models_logs_or_output(
    cli: Cli, tmp_path: Path, ftpd: FtpServer
) -> None:
    cli("client", "add", SELLER.org_number, "--name", SELLER.name)
    url = f"ftp://{FTP_USER}@127.0.0.1:{ftpd.port}/incoming"

    def register_ftp(password: str) -> None:
        cli(
            "customer", "set", SELLER.org_number, FTP.org_number, "--channel", "ftp",
            "--url", url, "--tls", "none", "--password-stdin", input=password + "\n",
        )  # fmt: skip

    register_ftp("wrong-" + FTP_PASSWORD)
    outputs = [
        cli("-vv", "send", str(invoice_file(tmp_path, "F-9", FTP)), "--client", SELLER.org_number)
    ]
    # Fix the password; the retry uses the register's new secret for the same destination.
    register_ftp(FTP_PASSWORD)
    outputs.append(cli("-vv", "replay", "--invoice", "F-9"))
    for args in (
        ("status", "--format", "json"),
        ("audit", "F-9", "--format", "json"),
        ("failed", "--format", "json"),
        ("customer", "list", SELLER.org_number, "--format", "json"),
    ):
        outputs.append(cli(*args))
    text = "\n".join(r.stdout + r.stderr for r in outputs)
    assert "530" in text  # the wrong password was refused, and said so
    assert "now delivered" in outputs[1].stdout

    settings = Settings.load(str(cli.data_dir), cli.store_url, environ={})  # type: ignore[attr-defined]
    with bootstrap(settings) as b:
        events = b.app.recorder.select_notifications(start=1, limit=10_000)
        stored = b"".join(n.state for n in events)
        dumps = [
            json.dumps(b.store.query(f"SELECT * FROM {table}"))
            for p in b.projections.projections
            for table in p.tables
        ]
    for secret in (FTP_PASSWORD, "wrong-" + FTP_PASSWORD):
        assert secret not in text
        assert secret.encode() not in stored
        assert all(secret not in dump for dump in dumps)
        for path in cli.data_dir.rglob("*"):  # type: ignore[attr-defined]
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
    assert b"secret:" in stored  # the register holds a reference


def test_smtp_4xx_retries_5xx_abandons_and_replay_delivers_once(
    cli: Cli, tmp_path: Path, smtpd: SmtpServer
) -> None:
    cli("client", "add", SELLER.org_number, "--name", SELLER.name)
    cli(
        "customer",
        "set",
        SELLER.org_number,
        MAIL.org_number,
        "--channel",
        "email",
        "--email",
        "ap@epost.no",
    )
    smtpd.mailbox.data_reply = "451 4.3.0 mailbox busy, try later"
    result = send(cli, invoice_file(tmp_path, "M-2", MAIL))
    assert result["M-2"][1] == "accepted"
    assert (
        result["M-2"][2].startswith("retrying: ") and "451 4.3.0 mailbox busy" in result["M-2"][2]
    )
    [row] = json.loads(cli("failed", "--format", "json").stdout)
    assert row["state"] == "retrying" and "451" in row["last_error"] and row["next_attempt_at"]

    smtpd.mailbox.data_reply = "550 5.1.1 no such mailbox"
    cli("replay", "--channel", "email")
    [row] = json.loads(cli("failed", "--channel", "email", "--format", "json").stdout)
    assert row["state"] == "abandoned" and "550" in row["last_error"]
    assert json.loads(cli("statement", MONTH, "--format", "json").stdout) == []

    dry = cli("replay", "--all-failed", "--dry-run").stdout
    assert dry.startswith("would replay") and "550" in dry
    smtpd.mailbox.data_reply = None
    replayed = cli("replay", "--all-failed").stdout
    assert "now delivered" in replayed
    assert cli("replay", "--all-failed").stdout.strip() == "nothing to replay"
    assert len(smtpd.mailbox.received) == 1
    assert json.loads(cli("failed", "--format", "json").stdout) == []
    [statement] = json.loads(cli("statement", MONTH, "--format", "json").stdout)
    assert statement["rows"][0]["quantity"] == 1


def test_fallback_to_email_when_not_in_the_registry_and_reroute_on_replay(
    cli: Cli, tmp_path: Path, smtpd: SmtpServer
) -> None:
    cli("client", "add", SELLER.org_number, "--name", SELLER.name)
    cli(
        "customer",
        "set",
        SELLER.org_number,
        INBOX.org_number,
        "--channel",
        "autotrans",
        "--fallback",
        "email",
        "--email",
        "post@innboks.no",
    )
    result = send(cli, invoice_file(tmp_path, "I-2", INBOX))
    assert result["I-2"][1:] == ["accepted", "delivered via email to post@innboks.no"]
    trail = json.loads(cli("audit", "I-2", "--format", "json").stdout)
    [routed] = [t for t in trail if t["aggregate"] == "Invoice" and t["event"] == "Routed"]
    assert (
        "not registered" in routed["data"]["why"] and "fallback to email" in routed["data"]["why"]
    )

    # No route at all, then the customer joins AutoTrans: replay routes it to the inbox.
    cli("customer", "set", SELLER.org_number, FTP.org_number, "--channel", "autotrans")
    assert send(cli, invoice_file(tmp_path, "I-3", FTP))["I-3"][2].startswith("failed: no route")
    cli("participant", "add", FTP.org_number, "--name", FTP.name)
    assert "route again" in cli("replay", "--invoice", "I-3").stdout
    [row] = (
        json.loads(cli("status", "I-3", "--format", "json").stdout)
        if False
        else [json.loads(cli("status", "I-3", "--format", "json").stdout)]
    )
    assert (row["state"], row["channel"]) == ("delivered", "autotrans")


def test_render_writes_a_pdf(tmp_path: Path) -> None:
    out = tmp_path / "faktura.pdf"
    result = CliRunner().invoke(
        main, ["render", str(invoice_file(tmp_path, "R-1", MAIL)), "--pdf", str(out)]
    )
    assert result.exit_code == 0 and result.stdout.startswith(str(out))
    assert out.read_bytes().startswith(b"%PDF-")
    from pypdf import PdfReader

    text = PdfReader(str(out)).pages[0].extract_text()
    assert "R-1" in text and "923456708" in text and "Faktura" in text
