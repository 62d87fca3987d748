"""A live AutoTrans API for tests: the real ASGI app on uvicorn over a loopback socket, with its
workers running; and the parties and documents the API tests share."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from broker.api.app import create_app
from broker.api.keys import issue_key
from broker.bootstrap import Broker
from broker.service import ServiceSettings, Workers, build_broker
from broker.settings import Settings
from domain.ehf.writer import PartySpec

OFFICE = PartySpec("912345602", "Regnskap Nord AS")
CLIENT_A = PartySpec("923456708", "Fjordkraft Konsult AS")  # invoices through OFFICE
CLIENT_B = PartySpec("945678909", "Snekker Hansen AS")  # invoices itself, pays itself
BUYER_1 = PartySpec("956789001", "Nordlys Handel AS")
BUYER_2 = PartySpec("967890103", "Sørlandet Bygg AS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A running server: its base URL and the Broker behind it (for setup only)."""

    url: str
    broker: Broker
    server: uvicorn.Server
    thread: threading.Thread

    def client(self, key: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)

    def key(self, tenant: str, role: str) -> str:
        key, _ = issue_key(self.broker.app, tenant, role)
        return key

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def start_server(
    data_dir: Path,
    store_url: str | None,
    *,
    channels: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    poll_seconds: float = 0.05,
) -> LiveServer:
    settings = Settings.load(str(data_dir), store_url, environ=environ or {})
    broker = build_broker(settings, channels=channels)
    service = ServiceSettings(port=free_port(), poll_seconds=poll_seconds, drain_seconds=5)
    workers = Workers(broker, service.poll_seconds, service.drain_seconds)
    app = create_app(broker, workers=workers, settings=service)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=service.port, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{service.port}", broker, server, thread)


def enrol_world(broker: Broker) -> None:
    """An office with client A, client B on its own, two registered recipients."""
    app = broker.app
    app.enrol_client(OFFICE.org_number, OFFICE.name)
    app.enrol_client(CLIENT_A.org_number, CLIENT_A.name, OFFICE.org_number)
    app.enrol_client(CLIENT_B.org_number, CLIENT_B.name)
    app.register_participant(BUYER_1.org_number, BUYER_1.name)
    app.register_participant(BUYER_2.org_number, BUYER_2.name)


def wait_for(predicate: Callable[[], Any], timeout: float = 20, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
