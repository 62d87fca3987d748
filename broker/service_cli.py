"""`autotrans serve` (HTTP API with in-process workers) and `autotrans apikey create|list|revoke`.

Standalone click objects; broker/cli.py attaches them to the `autotrans` group.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Generator
from pathlib import Path
from types import FrameType
from uuid import UUID

import click
import uvicorn

from broker.application import CommandError
from broker.bootstrap import Broker
from broker.cli import command_errors, opened, store_options
from broker.output import print_table
from broker.service import ServiceSettings, Workers, build_broker
from broker.settings import Settings, SettingsError
from domain.apikeys import ROLES
from projections.apikeys import api_keys


class DrainingServer(uvicorn.Server):
    """uvicorn, telling the workers to stop taking new work as soon as SIGTERM/SIGINT arrives,
    so that HTTP and workers drain within the same bound."""

    def __init__(self, config: uvicorn.Config, workers: Workers | None) -> None:
        super().__init__(config)
        self.workers = workers

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.workers is not None:
            self.workers.request_stop()
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # uvicorn re-raises SIGTERM after shutting down; a completed drain is a clean exit (0).
        with super().capture_signals():
            yield
            if self.workers is None or self.workers.drained_clean:
                self._captured_signals.clear()


def open_with_retries(settings: Settings, attempts: int = 3) -> Broker:
    """Build the broker; retried because processes starting together on a fresh PostgreSQL
    schema race on `CREATE TABLE IF NOT EXISTS` (the loser gets a unique violation once)."""
    for attempt in range(1, attempts + 1):
        try:
            return build_broker(settings)
        except Exception as e:
            if attempt == attempts:
                raise click.ClickException(
                    f"cannot open the store {settings.store.describe()}: {type(e).__name__}: {e}"
                ) from None
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


@click.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8080).")
@click.option("--no-workers", is_flag=True, help="Serve HTTP only; other processes do the work.")
@click.option(
    "--drain-seconds",
    type=float,
    default=None,
    help="On SIGTERM, how long in-flight requests and deliveries may take (default 30).",
)
@click.option(
    "--poll-seconds", type=float, default=None, help="How often idle workers look for work."
)
@store_options
def serve(
    host: str | None,
    port: int | None,
    no_workers: bool,
    drain_seconds: float | None,
    poll_seconds: float | None,
    data_dir: Path | None,
    store: str | None,
) -> None:
    """Serve the HTTP API, with routing, delivery, billing and projections in this process.

    SIGTERM drains: no new work, in-flight requests and deliveries finish within --drain-seconds.
    """
    try:
        settings = Settings.load(str(data_dir) if data_dir else None, store)
        service = ServiceSettings.load(
            host=host,
            port=port,
            drain_seconds=drain_seconds,
            poll_seconds=poll_seconds,
            workers=False if no_workers else None,
        )
    except SettingsError as e:
        raise click.UsageError(str(e)) from None
    broker = open_with_retries(settings)
    from broker.api.app import create_app

    with broker:
        broker.projections.catch_up()
        workers = (
            Workers(broker, service.poll_seconds, service.drain_seconds, service.batch_seconds)
            if service.workers
            else None
        )
        app = create_app(broker, workers=workers, settings=service)
        config = uvicorn.Config(
            app,
            host=service.host,
            port=service.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=max(1, int(service.drain_seconds)),
        )
        click.echo(
            f"autotrans serving {settings.store.describe()} on http://{service.host}:"
            f"{service.port} (workers {'on' if workers else 'off'})",
            err=True,
        )
        DrainingServer(config, workers).run()
        if workers is not None and workers.drained_clean is False:
            raise click.ClickException(
                "drain bound passed with deliveries in flight; their claims are taken over "
                "after AUTOTRANS_ATTEMPT_TIMEOUT"
            )


@click.group()
def apikey() -> None:
    """API keys for the HTTP API: one per tenant and role, stored hashed."""


@apikey.command("create")
@click.argument("tenant")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--label", default="", help="A note for the operator, e.g. where the key is used.")
@store_options
@command_errors
def apikey_create(
    tenant: str, role: str, label: str, data_dir: Path | None, store: str | None
) -> None:
    """Create a key for TENANT (participant id; a name for an operator). Prints only the key:
    it is shown this once and stored only as a hash."""
    from broker.api.keys import issue_key

    with opened(data_dir, store) as b:
        key, key_id = issue_key(b.app, tenant, role, label)
        b.projections.catch_up()
        click.echo(key)
        click.echo(f"api key {key_id} created for {role} {tenant}", err=True)


@apikey.command("list")
@click.option("--tenant", default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@store_options
def apikey_list(tenant: str | None, fmt: str, data_dir: Path | None, store: str | None) -> None:
    """Every key: id, tenant, role, label, issued, revoked (never the key itself)."""
    with opened(data_dir, store) as b:
        rows = api_keys(b.store, tenant)
        if fmt == "json":
            click.echo(json.dumps(rows, indent=2, sort_keys=True))
            return
        columns = ("key_id", "tenant", "role", "label", "issued_at", "revoked_at")
        print_table("API keys", columns, [[r[c] for c in columns] for r in rows])


@apikey.command("revoke")
@click.argument("key_id")
@store_options
@command_errors
def apikey_revoke(key_id: str, data_dir: Path | None, store: str | None) -> None:
    """Revoke a key by its id (see `autotrans apikey list`); it stops working at once."""
    from broker.api.keys import revoke_key

    try:
        wanted = UUID(key_id)
    except ValueError:
        raise CommandError(f"{key_id!r} is not a key id (see: autotrans apikey list)") from None
    with opened(data_dir, store) as b:
        found = revoke_key(b.app, wanted, by="cli")
        b.projections.catch_up()
        click.echo(f"api key {wanted} of {found.role} {found.tenant} revoked")
