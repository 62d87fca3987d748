"""The `autotrans` command line. It parses, calls the application layer and prints; no logic."""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import click
from rich.progress import Progress

from broker.application import CommandError, SubmitResult, party
from broker.bootstrap import Broker, bootstrap
from broker.output import (
    print_json,
    print_statement,
    print_table,
    statement_json,
    statements_csv,
)
from broker.settings import Settings, SettingsError
from ops.logs import configure_logging
from projections import queries
from projections.audit import audit_trail
from projections.statements import statements_for

F = TypeVar("F", bound=Callable[..., Any])
FORMAT = click.Choice(["table", "json"])


def store_options(command: F) -> F:
    """Every command takes --data-dir and --store (or their environment variables)."""
    command = click.option(
        "--store",
        envvar="AUTOTRANS_STORE",
        default=None,
        help="Event store URL: sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
        "(default: SQLite in the data dir).",
    )(command)
    command = click.option(
        "--data-dir",
        envvar="AUTOTRANS_DATA_DIR",
        default=None,
        type=click.Path(file_okay=False, path_type=Path),
        help="Where AutoTrans keeps its data (default ./autotrans-data).",
    )(command)
    return command


@contextmanager
def opened(data_dir: Path | None, store: str | None) -> Iterator[Broker]:
    try:
        settings = Settings.load(str(data_dir) if data_dir else None, store)
    except SettingsError as e:
        raise click.UsageError(str(e)) from None
    try:
        broker = bootstrap(settings)
    except Exception as e:
        raise click.ClickException(
            f"cannot open the store {settings.store.describe()}: {type(e).__name__}: {e}"
        ) from None
    with broker:
        broker.projections.catch_up()
        yield broker


def command_errors(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CommandError as e:
            raise click.ClickException(str(e)) from None

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug) to stderr.")
def main(verbose: int) -> None:
    """AutoTrans: EHF e-invoices checked, routed, delivered with proof and billed."""
    configure_logging({0: None, 1: "INFO"}.get(verbose, "DEBUG"))


# -- clients --------------------------------------------------------------------------------------


@main.group()
def client() -> None:
    """Senders enrolled in AutoTrans."""


@client.command("add")
@click.argument("client_id")
@click.option("--name", required=True)
@click.option("--accounting-office", default=None, help="The accounting office that pays.")
@store_options
@command_errors
def client_add(
    client_id: str, name: str, accounting_office: str | None, data_dir: Path, store: str
) -> None:
    """Enrol a sender: AutoTrans activated, terms accepted."""
    with opened(data_dir, store) as b:
        before = b.app.find_client(party(client_id, "client"))
        enrolled = b.app.enrol_client(client_id, name, accounting_office)
        b.projections.catch_up()
        after = b.app.find_client(enrolled)
        assert after is not None
        office = f", accounting office {after.accounting_office}" if after.accounting_office else ""
        if before is None:
            click.echo(f"client {enrolled} enrolled ({name}{office})")
        else:
            click.echo(f"client {enrolled} is already enrolled ({after.name}{office})")


@client.command("price")
@click.argument("client_id")
@click.argument("price")
@click.option("--channel", default="*", help="Channel the price is for (default: all).")
@store_options
@command_errors
def client_price(client_id: str, price: str, channel: str, data_dir: Path, store: str) -> None:
    """Give one client its own price per transaction (NOK), overriding the price list."""
    from decimal import Decimal, InvalidOperation

    try:
        amount = Decimal(price)
    except InvalidOperation:
        raise click.BadParameter(f"{price!r} is not an amount", param_hint="PRICE") from None
    if amount < 0:
        raise click.BadParameter("a price cannot be negative", param_hint="PRICE")
    with opened(data_dir, store) as b:
        b.app.set_client_price(client_id, amount, channel)
        click.echo(f"client {client_id}: NOK {amount:.2f} per transaction ({channel})")


@client.command("list")
@click.option("--format", "fmt", type=FORMAT, default="table")
@store_options
def client_list(fmt: str, data_dir: Path, store: str) -> None:
    """Enrolled clients."""
    with opened(data_dir, store) as b:
        rows = queries.clients(b.store)
        if fmt == "json":
            print_json(rows)
        else:
            columns = ("client", "name", "accounting_office", "enrolled_at")
            print_table("Clients", columns, [[r[c] for c in columns] for r in rows])


# -- registry -------------------------------------------------------------------------------------


@main.group()
def participant() -> None:
    """Recipients in the AutoTrans registry."""


@participant.command("add")
@click.argument("participant_id")
@click.option("--name", required=True)
@click.option(
    "--document-type",
    "document_types",
    multiple=True,
    type=click.Choice(["Invoice", "CreditNote"]),
    help="Document types it receives (default: both).",
)
@store_options
@command_errors
def participant_add(
    participant_id: str, name: str, document_types: tuple[str, ...], data_dir: Path, store: str
) -> None:
    """Register a recipient in the AutoTrans registry."""
    with opened(data_dir, store) as b:
        registered = b.app.register_participant(
            participant_id, name, document_types or ("Invoice", "CreditNote")
        )
        b.projections.catch_up()
        click.echo(f"participant {registered} registered ({name})")


@participant.command("remove")
@click.argument("participant_id")
@store_options
@command_errors
def participant_remove(participant_id: str, data_dir: Path, store: str) -> None:
    """Take a recipient out of the registry (its history stays)."""
    with opened(data_dir, store) as b:
        b.app.deregister_participant(participant_id)
        click.echo(f"participant {participant_id} left the registry")


@participant.command("list")
@click.option("--format", "fmt", type=FORMAT, default="table")
@store_options
def participant_list(fmt: str, data_dir: Path, store: str) -> None:
    """The AutoTrans registry."""
    with opened(data_dir, store) as b:
        rows = queries.participants(b.store)
        if fmt == "json":
            print_json(rows)
        else:
            columns = ("participant", "name", "document_types", "active", "registered_at")
            print_table("AutoTrans registry", columns, [[r[c] for c in columns] for r in rows])


# -- customer register ----------------------------------------------------------------------------


@main.group()
def customer() -> None:
    """A client's customer register: how each customer wants its invoices."""


@customer.command("set")
@click.argument("client_id")
@click.argument("customer_id")
@click.option("--channel", type=click.Choice(["autotrans", "email", "ftp", "sftp"]), required=True)
@click.option("--email", default=None, help="E-mail address (channel email, or --fallback email).")
@click.option("--attach-xml", is_flag=True, help="E-mail: attach the EHF XML beside the PDF.")
@click.option("--url", default=None, help="ftp://user@host:21/folder or sftp://user@host:22/folder")
@click.option("--password-stdin", is_flag=True, help="Read the FTP/SFTP password from stdin.")
@click.option(
    "--key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="SFTP: private key file (OpenSSH or PEM, no passphrase).",
)
@click.option("--tls", type=click.Choice(["explicit", "implicit", "none"]), default=None)
@click.option("--host-key", default=None, help='SFTP: pinned server key "ssh-ed25519 AAAA..."')
@click.option(
    "--fallback",
    type=click.Choice(["email"]),
    default=None,
    help="Channel autotrans: e-mail (--email) when the customer is not in the registry.",
)
@store_options
@command_errors
def customer_set(
    client_id: str,
    customer_id: str,
    channel: str,
    email: str | None,
    attach_xml: bool,
    url: str | None,
    password_stdin: bool,
    key_file: Path | None,
    tls: str | None,
    host_key: str | None,
    fallback: str | None,
    data_dir: Path,
    store: str,
) -> None:
    """Say how CUSTOMER gets CLIENT's invoices. Secrets go to the encrypted secret store."""
    address, options, secret = _customer_channel(
        channel, email, attach_xml, url, password_stdin, key_file, tls, host_key, fallback
    )
    with opened(data_dir, store) as b:
        b.app.set_customer(client_id, customer_id, channel, address, options, secret)
        shown = address if channel != "autotrans" else "AutoTrans inbox"
        extra = f", fallback e-mail to {email}" if fallback else ""
        click.echo(f"customer {customer_id} of {client_id}: {channel} ({shown}{extra})")


def _customer_channel(
    channel: str,
    email: str | None,
    attach_xml: bool,
    url: str | None,
    password_stdin: bool,
    key_file: Path | None,
    tls: str | None,
    host_key: str | None,
    fallback: str | None,
) -> tuple[str | None, dict[str, str], str | None]:
    """Check the options that fit the channel; return address, register options and secret."""
    from urllib.parse import urlsplit

    options: dict[str, str] = {}
    secret: str | None = None
    if channel == "email":
        if not email or "@" not in email:
            raise click.UsageError("--channel email needs --email ADDRESS")
        options["attach_xml"] = "true" if attach_xml else "false"
        return email, options, None
    if channel == "autotrans":
        if fallback:
            if not email or "@" not in email:
                raise click.UsageError("--fallback email needs --email ADDRESS")
            options.update(
                fallback="email",
                fallback_address=email,
                attach_xml="true" if attach_xml else "false",
            )
        return None, options, None
    if not url:
        raise click.UsageError(f"--channel {channel} needs --url {channel}://user@host/folder")
    parts = urlsplit(url)
    if parts.scheme != channel or not parts.hostname:
        raise click.UsageError(f"--url must look like {channel}://user@host:port/folder")
    if parts.password:
        raise click.UsageError("put no password in --url: use --password-stdin")
    if password_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
        if not secret:
            raise click.UsageError("--password-stdin read an empty password")
    if channel == "ftp":
        if key_file or host_key:
            raise click.UsageError("--key-file and --host-key are for sftp")
        options["tls"] = tls or "explicit"
    else:
        if tls:
            raise click.UsageError("--tls is for ftp")
        if not host_key:
            raise click.UsageError("--channel sftp needs --host-key (the server key is pinned)")
        if key_file:
            if secret is not None:
                raise click.UsageError("give --password-stdin or --key-file, not both")
            secret = key_file.read_text(encoding="utf-8")
            options["auth"] = "key"
        else:
            options["auth"] = "password"
        options["host_key"] = host_key.strip()
    if secret is None:
        raise click.UsageError(f"--channel {channel} needs --password-stdin or --key-file")
    return url, options, secret


@customer.command("list")
@click.argument("client_id")
@click.option("--format", "fmt", type=FORMAT, default="table")
@store_options
@command_errors
def customer_list(client_id: str, fmt: str, data_dir: Path, store: str) -> None:
    """CLIENT's customer register."""
    with opened(data_dir, store) as b:
        rows = queries.customers(b.store, party(client_id, "client"))
        if fmt == "json":
            print_json(rows)
        else:
            columns = ("customer", "channel", "address")
            print_table(
                f"Customers of {client_id}", columns, [[r[c] for c in columns] for r in rows]
            )


@customer.command("suggest")
@click.argument("client_id")
@click.option(
    "--accept", is_flag=True, help="Set the suggested customers to the AutoTrans channel."
)
@store_options
@command_errors
def customer_suggest(client_id: str, accept: bool, data_dir: Path, store: str) -> None:
    """Customers of CLIENT that are reachable in the AutoTrans registry."""
    with opened(data_dir, store) as b:
        the_client = b.app.require_client(client_id)
        rows = queries.suggestions(b.store, the_client.client)
        if not rows:
            click.echo(
                f"no suggestions: no other customer of {the_client.client} is in the registry"
            )
            return
        for row in rows:
            if accept:
                b.app.set_customer(the_client.client, row["customer"], "autotrans")
                click.echo(
                    f"{row['customer']}  {row['name']}  now autotrans "
                    f"(was {row['current_channel']})"
                )
            else:
                click.echo(
                    f"{row['customer']}  {row['name']}  reachable in AutoTrans "
                    f"(now {row['current_channel']})"
                )


# -- sending --------------------------------------------------------------------------------------


SUBMIT_CHUNK = 50  # documents checked, then recorded in one transaction


def _read(path: Path, limit: int) -> bytes | str:
    try:
        size = path.stat().st_size
        if size > limit:
            return f"document is {size} bytes, over the limit of {limit} bytes"
        return path.read_bytes()
    except OSError as e:
        return f"cannot read file: {e.strerror}"


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--client", "client_id", required=True, help="The submitting client or accounting office."
)
@store_options
def send(files: tuple[Path, ...], client_id: str, data_dir: Path, store: str) -> None:
    """Submit EHF documents; each is checked, routed, delivered and billed before this returns.

    One line per file: invoice id, accepted|duplicate|rejected, reason.
    Exit status 1 when any file was rejected.
    """
    with opened(data_dir, store) as b:
        results: list[tuple[Path, SubmitResult]] = []
        show_progress = len(files) > 1 and sys.stderr.isatty()
        with Progress(disable=not show_progress, transient=True) as progress:
            task = progress.add_task("submitting", total=len(files))
            for start in range(0, len(files), SUBMIT_CHUNK):
                chunk = files[start : start + SUBMIT_CHUNK]
                bodies = [_read(path, b.settings.max_document_bytes) for path in chunk]
                readable = [body for body in bodies if isinstance(body, bytes)]
                submitted = iter(b.app.submit_many(readable, client_id))
                for path, body in zip(chunk, bodies, strict=True):
                    result = (
                        next(submitted)
                        if isinstance(body, bytes)
                        else SubmitResult("rejected", body, refusal="unreadable")  # or too large
                    )
                    results.append((path, result))
                progress.advance(task, len(chunk))
            progress.update(task, description="routing, delivering, billing")
            asyncio.run(b.processor.run_until_idle())
        rejected = 0
        for path, result in results:
            reason = result.reason
            if result.outcome == "accepted" and result.invoice_id:
                reason = _delivery_summary(b, result.invoice_id, result.reason)
            rejected += result.outcome == "rejected"
            invoice_id = str(result.invoice_id) if result.invoice_id else "-"
            click.echo(f"{path}  {invoice_id}  {result.outcome}  {reason}")
            if result.outcome == "rejected":
                for finding in result.findings:  # every finding, indented under its file
                    click.echo(f"    {finding}")
        if rejected:
            sys.exit(1)


def _delivery_summary(b: Broker, invoice_id: UUID, reason: str) -> str:
    rows = queries.invoices(b.store, invoice_id=str(invoice_id))
    if not rows:
        return reason
    row = rows[0]
    state = row["state"]
    if state == "delivered":
        text = f"delivered via {row['channel']} to {row['destination']}"
    elif state in ("failed", "retrying"):
        text = f"{state}: {row['last_error']}"
    else:
        text = state
    return text if reason == "ok" else f"{text}; {reason}"


@main.command()
@store_options
def process(data_dir: Path, store: str) -> None:
    """Run routing, due deliveries (retries), billing and projections until idle."""
    with opened(data_dir, store) as b:
        asyncio.run(b.processor.run_until_idle())
        next_at = b.processor.delivery.next_due_at()
        click.echo("idle" + (f"; next retry due at {next_at.isoformat()}" if next_at else ""))


# -- status and audit -----------------------------------------------------------------------------


def _resolve(b: Broker, text: str, receiver: str | None = None) -> str:
    found = queries.find_invoice_ids(b.store, text, receiver)
    if not found:
        raise click.ClickException(
            f"no invoice {text!r} (give an invoice id, its first 8+ characters or its number)"
        )
    if len(found) > 1:
        raise click.ClickException(f"{text!r} matches {len(found)} invoices; give more of the id")
    return found[0]


STATES = click.Choice(["produced", "routed", "retrying", "delivered", "failed"])


@main.command()
@click.argument("invoice_id", required=False)
@click.option("--state", type=STATES, default=None)
@click.option("--format", "fmt", type=FORMAT, default="table")
@store_options
def status(invoice_id: str | None, state: str | None, fmt: str, data_dir: Path, store: str) -> None:
    """Delivery status of one invoice, or of all (optionally in one state)."""
    with opened(data_dir, store) as b:
        wanted = _resolve(b, invoice_id) if invoice_id else None
        rows = queries.invoices(b.store, state=state, invoice_id=wanted)
        if fmt == "json":
            print_json(rows[0] if wanted else rows)
            return
        if wanted:
            row = rows[0]
            print_table(
                f"Invoice {row['number']}", ("field", "value"), [[k, v] for k, v in row.items()]
            )
            return
        columns = (
            "invoice_id",
            "number",
            "client",
            "receiver",
            "state",
            "channel",
            "attempts",
            "last_error",
        )
        print_table("Invoices", columns, [[r[c] for c in columns] for r in rows])


@main.command()
@click.argument("invoice_id")
@click.option("--format", "fmt", type=FORMAT, default="table")
@store_options
def audit(invoice_id: str, fmt: str, data_dir: Path, store: str) -> None:
    """Every event of an invoice and its transmissions, with its time."""
    import json

    with opened(data_dir, store) as b:
        wanted = _resolve(b, invoice_id)
        trail = audit_trail(b.store, wanted)
        if fmt == "json":
            print_json([{**row, "data": json.loads(row["data"])} for row in trail])
            return
        print_table(
            f"Audit trail of invoice {wanted}",
            ("#", "time (UTC)", "aggregate", "event", "details"),
            [
                [r["position"], r["at"], r["aggregate"], r["event"], _details(r["data"])]
                for r in trail
            ],
        )


def _details(data: str) -> str:
    import json

    facts = json.loads(data)
    if facts.get("warnings"):
        facts["warnings"] = ", ".join(w["rule_id"] for w in facts["warnings"])
    if isinstance(facts.get("evidence"), dict):
        facts["evidence"] = facts["evidence"].get("reference")
    keep = (
        "warnings",
        "channel",
        "destination",
        "why",
        "reason",
        "attempt",
        "evidence",
        "month",
        "payer",
        "unit_price",
        "number",
        "receiver",
        "client",
        "next_attempt_at",
        "participant",
    )
    return "; ".join(f"{k}={facts[k]}" for k in keep if facts.get(k) not in (None, "", [], {}))


# -- recipient side -------------------------------------------------------------------------------


@main.command()
@click.argument("participant_id")
@click.option("--ack", "ack_id", default=None, help="Acknowledge receipt of an invoice.")
@click.option("--approve", "approve_id", default=None, help="Approve an invoice.")
@click.option("--reject", "reject_id", default=None, help="Reject an invoice (needs --reason).")
@click.option("--reason", default=None)
@click.option("--format", "fmt", type=FORMAT, default="table")
@store_options
@command_errors
def inbox(
    participant_id: str,
    ack_id: str | None,
    approve_id: str | None,
    reject_id: str | None,
    reason: str | None,
    fmt: str,
    data_dir: Path,
    store: str,
) -> None:
    """A recipient's AutoTrans inbox; acknowledge, approve or reject what it received."""
    actions = [a for a in (ack_id, approve_id, reject_id) if a]
    if len(actions) > 1:
        raise click.UsageError("give one of --ack, --approve, --reject")
    if reject_id and not reason:
        raise click.UsageError("--reject needs --reason TEXT")
    with opened(data_dir, store) as b:
        who = party(participant_id, "participant")
        if actions:
            target = UUID(_resolve(b, actions[0], receiver=who))
            if ack_id:
                b.app.acknowledge(who, target)
                verb = "acknowledged"
            elif approve_id:
                b.app.approve(who, target)
                verb = "approved"
            else:
                b.app.reject(who, target, reason or "")
                verb = "rejected"
            b.projections.catch_up()
            click.echo(f"invoice {target} {verb} by {who}")
            return
        rows = queries.inbox(b.store, who)
        if fmt == "json":
            print_json(rows)
            return
        columns = (
            "invoice_id",
            "number",
            "document_type",
            "seller_name",
            "payable",
            "currency",
            "due_date",
            "recipient_state",
        )
        print_table(f"Inbox of {who}", columns, [[r[c] for c in columns] for r in rows])


# -- billing --------------------------------------------------------------------------------------


@main.command()
@click.argument("month")
@click.option(
    "--payer", default=None, help="One payer's statement (a client or accounting office)."
)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@store_options
@command_errors
def statement(month: str, payer: str | None, fmt: str, data_dir: Path, store: str) -> None:
    """Monthly statements: per client quantity, unit price, amount; totals with 25 % VAT."""
    import re

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise click.BadParameter(f"{month!r} is not a month like 2026-11", param_hint="MONTH")
    with opened(data_dir, store) as b:
        who = party(payer, "payer") if payer else None
        summaries = statements_for(b.store, month, who)
        if fmt == "json":
            print_json([statement_json(s) for s in summaries])
        elif fmt == "csv":
            click.echo(statements_csv(summaries), nl=False)
        else:
            if not summaries:
                click.echo(f"no billed transactions in {month}" + (f" for {who}" if who else ""))
            names = {r["client"]: r["name"] for r in queries.clients(b.store)}
            for summary in summaries:
                print_statement(summary, names)


# -- operations -----------------------------------------------------------------------------------


@main.command()
@click.option("--channel", type=click.Choice(["autotrans", "email", "ftp", "sftp"]), default=None)
@click.option("--client", "client_id", default=None)
@click.option("--since", default=None, help="Changed on or after this date (YYYY-MM-DD, UTC).")
@click.option("--format", "fmt", type=FORMAT, default="table")
@store_options
@command_errors
def failed(
    channel: str | None,
    client_id: str | None,
    since: str | None,
    fmt: str,
    data_dir: Path,
    store: str,
) -> None:
    """Dead letters and failing transmissions with their last error."""
    with opened(data_dir, store) as b:
        rows = queries.failing(
            b.store,
            channel=channel,
            client=party(client_id, "client") if client_id else None,
            since=_since(since),
        )
        if fmt == "json":
            print_json(rows)
            return
        columns = (
            "invoice_id",
            "number",
            "client",
            "channel",
            "destination",
            "state",
            "attempts",
            "next_attempt_at",
            "last_error",
        )
        print_table("Failing deliveries", columns, [[r[c] for c in columns] for r in rows])


def _since(text: str | None) -> str | None:
    from datetime import date

    if text is None:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date like 2026-11-01", param_hint="--since"
        ) from None


@main.command()
@click.option("--invoice", "invoice_ref", default=None, help="One invoice (id, prefix or number).")
@click.option("--channel", type=click.Choice(["autotrans", "email", "ftp", "sftp"]), default=None)
@click.option("--client", "client_id", default=None)
@click.option("--since", default=None, help="Failing since this date (YYYY-MM-DD, UTC).")
@click.option("--all-failed", is_flag=True, help="Every failing or abandoned delivery.")
@click.option("--dry-run", is_flag=True, help="Say what would be replayed, change nothing.")
@store_options
@command_errors
def replay(
    invoice_ref: str | None,
    channel: str | None,
    client_id: str | None,
    since: str | None,
    all_failed: bool,
    dry_run: bool,
    data_dir: Path,
    store: str,
) -> None:
    """New attempts for failed deliveries (and new routing for invoices with no route).

    Safe to run twice; a replayed invoice is never billed twice.
    """
    if not (invoice_ref or channel or client_id or since or all_failed):
        raise click.UsageError(
            "say what to replay: --invoice, --channel, --client, --since or --all-failed"
        )
    with opened(data_dir, store) as b:
        rows = queries.failing(
            b.store,
            channel=channel,
            client=party(client_id, "client") if client_id else None,
            since=_since(since),
            invoice_id=_resolve(b, invoice_ref) if invoice_ref else None,
        )
        done = b.app.replay([UUID(r["invoice_id"]) for r in rows], by="operator", dry_run=dry_run)
        for line in done:
            click.echo(("would replay  " if dry_run else "replayed  ") + line)
        if not dry_run and done:
            asyncio.run(b.processor.run_until_idle())
            for row in queries.invoices(b.store):
                if any(line.startswith(row["invoice_id"]) for line in done):
                    click.echo(
                        f"{row['invoice_id']}  {row['number']}  now {row['state']}"
                        + (f": {row['last_error']}" if row["last_error"] else "")
                    )
        if not done:
            click.echo("nothing to replay")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pdf", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--language", type=click.Choice(["no", "en"]), default=None)
def render(file: Path, out: Path, language: str | None) -> None:
    """Write the PDF print of an EHF invoice or credit note (what the e-mail channel sends)."""
    from adapters.pdf import render_pdf
    from adapters.printable import UnreadableDocument

    try:
        pdf = render_pdf(file.read_bytes(), language=language)
    except UnreadableDocument as e:
        raise click.ClickException(f"{file}: {e}") from None
    out.write_bytes(pdf)
    click.echo(f"{out}: {len(pdf)} bytes")


@main.group()
def projections() -> None:
    """Read models built from the event log."""


@projections.command("rebuild")
@store_options
def projections_rebuild(data_dir: Path, store: str) -> None:
    """Drop and rebuild every read model from the log."""
    with opened(data_dir, store) as b:
        count = b.projections.rebuild()
        click.echo(f"rebuilt {len(b.projections.projections)} read models from {count} events")


@main.command()
@click.option("--keep", is_flag=True, help="Keep the temporary data dir and print where it is.")
def demo(keep: bool) -> None:
    """The whole story on a fresh temporary data dir."""
    from broker.demo import run_demo

    run_demo(keep=keep)


def _attach_validation_commands() -> None:
    try:
        from broker.validation_cli import conformance, validate
    except ImportError:
        return
    main.add_command(validate)
    main.add_command(conformance)


_attach_validation_commands()


def _attach_service_commands() -> None:
    from broker.service_cli import apikey, serve

    main.add_command(serve)
    main.add_command(apikey)


_attach_service_commands()
