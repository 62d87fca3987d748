"""`autotrans demo`: the whole story on a fresh temporary data dir, told through the CLI itself."""

from __future__ import annotations

import email
import email.policy
import os
import shlex
import shutil
import socket
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from domain.ehf.writer import InvoiceSpec, LineSpec, PartySpec, kid_mod10, write_ehf

OFFICE = PartySpec("912345602", "Regnskap Nord AS", "Kaigata 5", "Tromsø", "9008")
FJORD = PartySpec("923456708", "Fjordkraft Konsult AS", "Bryggen 12", "Bergen", "5003")
BAKERI = PartySpec("934567803", "Bakeriet på Hjørnet AS", "Torget 1", "Trondheim", "7011")
SNEKKER = PartySpec("945678909", "Snekker Hansen AS", "Verkstedveien 3", "Bodø", "8006")
NORDLYS = PartySpec("956789001", "Nordlys Handel AS", "Storgata 40", "Tromsø", "9008")
KOMMUNE = PartySpec("967890103", "Vestland Byggservice AS", "Fjellveien 7", "Førde", "6800")
UKJENT = PartySpec("978901204", "Ukjent Kunde AS", "Sideveien 2", "Hamar", "2317")
KAFE = PartySpec("989012304", "Kafé Sentrum AS", "Nordre gate 9", "Trondheim", "7011")


def _invoice(number: str, seller: PartySpec, buyer: PartySpec, *lines: LineSpec) -> bytes:
    today = date.today()
    return write_ehf(
        InvoiceSpec(
            number=number,
            issue_date=today,
            due_date=today + timedelta(days=14),
            seller=seller,
            buyer=buyer,
            lines=lines,
            buyer_reference=f"Bestilling {number}",
            kid=kid_mod10("".join(c for c in number if c.isdigit()).rjust(8, "0")),
        )
    )


def _line(text: str, qty: str, price: str, vat: str = "25") -> LineSpec:
    return LineSpec(text, Decimal(qty), Decimal(price), Decimal(vat))


def _write_documents(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True)
    docs = {
        "fjord-1001": _invoice(
            "F-1001", FJORD, NORDLYS, _line("Rådgivning, timer", "12", "1450.00")
        ),
        "fjord-1002": _invoice(
            "F-1002",
            FJORD,
            KOMMUNE,
            _line("Energianalyse", "1", "18500.00"),
            _line("Reise", "1", "2300.00", "12"),
        ),
        "bakeri-77": _invoice("B-77", BAKERI, NORDLYS, _line("Rundstykker", "240", "9.50", "15")),
        "snekker-5": _invoice("S-5", SNEKKER, KOMMUNE, _line("Montering kjøkken", "16", "890.00")),
        "snekker-6": _invoice("S-6", SNEKKER, UKJENT, _line("Reparasjon", "3", "890.00")),
        "bakeri-80": _invoice("B-80", BAKERI, KAFE, _line("Brød", "60", "42.00", "15")),
    }
    paths = {}
    for name, body in docs.items():
        paths[name] = folder / f"{name}.xml"
        paths[name].write_bytes(body)
    # A tampered copy: the total with VAT no longer adds up (BR-CO-15).
    tampered = docs["bakeri-77"].replace(b"B-77", b"B-78")
    tampered = tampered.replace(b"<cbc:PayableAmount", b"<cbc:PayableAmount", 1)
    text = tampered.decode()
    start = text.index("<cbc:TaxInclusiveAmount")
    end = text.index("</cbc:TaxInclusiveAmount>")
    text = text[:start] + '<cbc:TaxInclusiveAmount currencyID="NOK">99999.00' + text[end:]
    paths["bakeri-78-tampered"] = folder / "bakeri-78-tampered.xml"
    paths["bakeri-78-tampered"].write_text(text, encoding="utf-8")
    return paths


class _DemoMailbox:
    """The demo's own SMTP server keeps what it receives, to show it."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(bytes(envelope.original_content or b""))
        return "250 2.0.0 Ok: queued by the AutoTrans demo"


def _local_smtp() -> tuple[Any, _DemoMailbox]:
    """Start an SMTP server on loopback for the demo only (when no SMTP is configured)."""
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mailbox = _DemoMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    os.environ.update(
        AUTOTRANS_SMTP_HOST="127.0.0.1",
        AUTOTRANS_SMTP_PORT=str(port),
        AUTOTRANS_SMTP_TLS="none",
        AUTOTRANS_SMTP_FROM="faktura@autotrans.demo",
    )
    return controller, mailbox


def run_demo(keep: bool = False) -> None:
    """Tell the AutoTrans story step by step, running each CLI command as a user would."""
    from broker.cli import main

    controller, mailbox = (None, None) if os.environ.get("AUTOTRANS_SMTP_HOST") else _local_smtp()

    os.environ.setdefault("AUTOTRANS_LOG_LEVEL", "ERROR")  # the story is on stdout
    root = Path(tempfile.mkdtemp(prefix="autotrans-demo-"))
    data = root / "data"
    docs = _write_documents(root / "invoices")
    month = date.today().strftime("%Y-%m")
    first_invoice: list[str] = []

    def say(text: str) -> None:
        click.echo()
        click.secho(text, bold=True)

    def run(*args: str) -> None:
        shown = " ".join(shlex.quote(a) for a in args)
        click.secho(f"$ autotrans {shown}", fg="cyan")
        where = [] if args[0] == "render" else ["--data-dir", str(data)]
        try:
            main.main([*args, *where], prog_name="autotrans", standalone_mode=False)
        except SystemExit:
            pass
        except click.ClickException as e:
            click.secho(f"error: {e.format_message()}", fg="red")

    say("AutoTrans demo: invoices in, checked, routed, delivered with proof, billed NOK 5 each.")
    click.echo(f"(data in {data})")

    say("1. Enrol senders. Regnskap Nord is an accounting office; two of its clients invoice.")
    run("client", "add", OFFICE.org_number, "--name", OFFICE.name)
    run(
        "client",
        "add",
        FJORD.org_number,
        "--name",
        FJORD.name,
        "--accounting-office",
        OFFICE.org_number,
    )
    run(
        "client",
        "add",
        SNEKKER.org_number,
        "--name",
        SNEKKER.name,
        "--accounting-office",
        OFFICE.org_number,
    )
    run("client", "add", BAKERI.org_number, "--name", BAKERI.name)
    say("   A bad organisation number is refused with the rule it breaks:")
    run("client", "add", "923456709", "--name", "Feil Nummer AS")

    say("2. Register recipients in the AutoTrans registry.")
    run("participant", "add", NORDLYS.org_number, "--name", NORDLYS.name)
    run("participant", "add", KOMMUNE.org_number, "--name", KOMMUNE.name)

    say(
        "3. The accounting office sends for Fjordkraft; the bakery and the carpenter send\n"
        "   their own."
    )
    run("send", str(docs["fjord-1001"]), str(docs["fjord-1002"]), "--client", OFFICE.org_number)
    run("send", str(docs["bakeri-77"]), "--client", BAKERI.org_number)
    run("send", str(docs["snekker-5"]), str(docs["snekker-6"]), "--client", SNEKKER.org_number)

    say("   The bakery's customer Kafé Sentrum is not in AutoTrans: it wants e-mail with a PDF.")
    run(
        "customer",
        "set",
        BAKERI.org_number,
        KAFE.org_number,
        "--channel",
        "email",
        "--email",
        "faktura@kafesentrum.no",
    )
    run("send", str(docs["bakeri-80"]), "--client", BAKERI.org_number)
    if mailbox is not None:
        for raw in mailbox.messages:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            files = ", ".join(str(p.get_filename()) for p in message.iter_attachments())
            click.echo(
                f"   (local SMTP server received: To {message['To']}, "
                f"Subject {message['Subject']!r}, attached {files})"
            )
    run("render", str(docs["bakeri-80"]), "--pdf", str(root / "B-80.pdf"))

    say("4. A tampered invoice is rejected, a resubmission is recognised as a duplicate:")
    run("send", str(docs["bakeri-78-tampered"]), "--client", BAKERI.org_number)
    run("send", str(docs["fjord-1001"]), "--client", OFFICE.org_number)

    say("5. Delivery status. Ukjent Kunde is neither registered nor in the carpenter's register:")
    run("status")

    say("6. Nordlys Handel fetches its inbox, approves one invoice and rejects the other.")
    run("inbox", NORDLYS.org_number)
    run("inbox", NORDLYS.org_number, "--approve", "F-1001")
    run("inbox", NORDLYS.org_number, "--reject", "B-77", "--reason", "Feil antall, vi bestilte 200")
    run("inbox", NORDLYS.org_number)
    first_invoice.append("F-1001")

    say("7. The audit trail of invoice F-1001: every event, with its time.")
    run("audit", first_invoice[0])

    say(
        f"8. Statements for {month}: the office's lists every client it pays for, including\n"
        "   the carpenter that sent its invoices itself; the bakery pays its own."
    )
    run("statement", month)

    say("9. Read models can always be rebuilt from the log; statements come out the same.")
    run("projections", "rebuild")
    run("statement", month, "--payer", OFFICE.org_number, "--format", "csv")

    if controller is not None:
        controller.stop()
    if keep:
        click.echo(f"\nThe demo's data is kept in {data}; try: autotrans status --data-dir {data}")
    else:
        shutil.rmtree(root, ignore_errors=True)
