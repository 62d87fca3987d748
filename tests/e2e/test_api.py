"""The whole story through the HTTP API of real `autotrans serve` processes, over a socket.

Two clients, an accounting office and two recipients, each with its own key, submit, follow,
answer and read statements through the API alone; SIGTERM drains and exits in time; two `serve`
processes on one PostgreSQL schema deliver every transmission exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from broker.cli import main
from tests.documents import ehf
from tests.integration.api.server import (
    BUYER_1,
    BUYER_2,
    CLIENT_A,
    CLIENT_B,
    OFFICE,
    free_port,
    wait_for,
)

SCRIPT = Path(sys.executable).parent / "autotrans"


class Serve:
    """One `autotrans serve` process on a free loopback port."""

    def __init__(self, store: list[str], log: Path, drain: float = 5) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, "AUTOTRANS_POLL_SECONDS": "0.2"}
        with log.open("wb") as stderr:  # a file, never a pipe nobody reads: that would block
            self.process = subprocess.Popen(
                [
                    *(str(SCRIPT), "serve", "--port", str(self.port)),
                    *("--drain-seconds", str(drain), *store),
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=env,
            )

    def wait_ready(self) -> Serve:
        try:
            wait_for(self._ready, timeout=30, what=f"autotrans serve on {self.url}")
        except AssertionError:
            self.process.kill()
            raise AssertionError(self.output()) from None
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(self.output())
        try:
            return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def api(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def terminate(self, timeout: float = 30) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def store(tmp_path: Path, store_url: str | None) -> list[str]:
    options = ["--data-dir", str(tmp_path / "data")]
    return options + (["--store", store_url] if store_url else [])


@pytest.fixture
def serve(store: list[str], tmp_path: Path) -> Iterator[Callable[..., Serve]]:
    started: list[Serve] = []

    def start(count: int = 1, **kwargs: Any) -> list[Serve]:
        """Start `count` processes at once; return them when all are ready."""
        new = [
            Serve(store, tmp_path / f"serve-{len(started) + i}.log", **kwargs) for i in range(count)
        ]
        started.extend(new)
        return [process.wait_ready() for process in new]

    yield start
    for process in started:
        process.kill()


def cli(store: list[str], *args: str) -> str:
    """Run an `autotrans` command in this process (a subprocess costs 2 s of imports)."""
    done = CliRunner().invoke(main, [*args, *store], catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    return done.stdout


def test_the_whole_story_through_the_api(serve: Callable[..., Serve], store: list[str]) -> None:
    [server] = serve()
    created = cli(store, "apikey", "create", "ops", "--role", "operator")
    [operator_key] = created.splitlines()  # the key alone on stdout
    assert operator_key.startswith("atk_") and len(operator_key) > 40
    op = server.api(operator_key)
    assert op.put(f"/v1/admin/clients/{OFFICE.org_number}", json={"name": OFFICE.name}).is_success
    for client, office in ((CLIENT_A, OFFICE.org_number), (CLIENT_B, None)):
        enrolled = op.put(
            f"/v1/admin/clients/{client.org_number}",
            json={"name": client.name, "accounting_office": office},
        )
        assert enrolled.status_code == 200, enrolled.text
    for buyer in (BUYER_1, BUYER_2):
        registered = op.put(f"/v1/admin/participants/{buyer.org_number}", json={"name": buyer.name})
        assert registered.status_code == 200, registered.text

    def key(tenant: str, role: str) -> httpx.Client:
        issued = op.post("/v1/admin/apikeys", json={"tenant": tenant, "role": role})
        assert issued.status_code == 201, issued.text
        return server.api(issued.json()["key"])

    office = key(OFFICE.org_number, "accounting-office")
    client_a = key(CLIENT_A.org_number, "client")
    client_b = key(CLIENT_B.org_number, "client")
    recipient_1 = key(BUYER_1.org_number, "recipient")
    recipient_2 = key(BUYER_2.org_number, "recipient")

    # Customers and the directory, as the accounting software would set them up.
    match = client_a.post(
        "/v1/directory/match", json={"participants": [BUYER_1.org_number, "0192:974760673"]}
    ).json()
    assert [m["reachable"] for m in match] == [True, False]
    assert client_a.put(
        f"/v1/customers/{BUYER_1.org_number}", json={"channel": "autotrans"}
    ).is_success

    sent = {
        "A-1": office.post("/v1/invoices", content=ehf("A-1", CLIENT_A, BUYER_1)),
        "A-2": client_a.post("/v1/invoices", content=ehf("A-2", CLIENT_A, BUYER_2)),
        "B-1": client_b.post("/v1/invoices", content=ehf("B-1", CLIENT_B, BUYER_2)),
    }
    assert {n: r.status_code for n, r in sent.items()} == {"A-1": 202, "A-2": 202, "B-1": 202}
    urls = {n: r.json()["status_url"] for n, r in sent.items()}
    for number, reader in (("A-1", office), ("A-2", client_a), ("B-1", client_b)):
        wait_for(
            lambda r=reader, u=urls[number]: r.get(u).json().get("billed_month"),
            what=f"{number} delivered and billed",
        )

    inbox_1 = recipient_1.get("/v1/inbox").json()
    assert [i["number"] for i in inbox_1] == ["A-1"]
    a1 = inbox_1[0]["invoice_id"]
    assert recipient_1.get(f"/v1/inbox/{a1}/document").content == ehf("A-1", CLIENT_A, BUYER_1)
    assert recipient_1.post(f"/v1/inbox/{a1}/approve").json()["recipient_state"] == "approved"
    inbox_2 = {i["number"]: i["invoice_id"] for i in recipient_2.get("/v1/inbox").json()}
    assert set(inbox_2) == {"A-2", "B-1"}
    assert recipient_2.post(f"/v1/inbox/{inbox_2['A-2']}/ack").json()["recipient_state"] == (
        "received"
    )
    rejected = recipient_2.post(
        f"/v1/inbox/{inbox_2['B-1']}/reject", json={"reason": "wrong order number"}
    )
    assert rejected.json()["recipient_state"] == "rejected"

    # The senders see the recipients' answers in the invoice status.
    wait_for(
        lambda: client_b.get(urls["B-1"]).json().get("recipient_reason") == "wrong order number",
        what="rejection visible to the sender",
    )
    wait_for(lambda: office.get(urls["A-1"]).json()["recipient_state"] == "approved")
    assert client_b.get(urls["A-1"]).status_code == 404  # not B's invoice

    month = office.get(urls["A-1"]).json()["billed_month"]
    [office_statement] = office.get(f"/v1/statements/{month}").json()
    assert office_statement["payer"] == "0192:912345602"
    assert [(r["client"], r["quantity"]) for r in office_statement["rows"]] == [
        ("0192:923456708", 2)
    ]
    assert office_statement["total_incl_vat"] == "12.50"
    [own] = client_b.get(f"/v1/statements/{month}").json()
    assert (own["payer"], own["total_excl_vat"]) == ("0192:945678909", "5.00")
    csv = office.get(f"/v1/statements/{month}", headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "0192:923456708,2,5.00,10.00" in csv.text
    assert client_a.get(f"/v1/statements/{month}").json() == []  # its office pays

    listed = json.loads(cli(store, "apikey", "list", "--format", "json"))
    assert operator_key not in json.dumps(listed)
    [r2_key] = [k["key_id"] for k in listed if k["tenant"] == "0192:967890103"]
    assert recipient_2.get("/v1/inbox").status_code == 200
    cli(store, "apikey", "revoke", r2_key)
    revoked = recipient_2.get("/v1/inbox")
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]

    code, took = server.terminate()
    assert code == 0 and took < 5 + 3, (code, took)


def delivered_here(server: Serve) -> float:
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "autotrans_transmissions_delivered_total"
    )


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_two_serve_processes_deliver_each_transmission_once(
    serve: Callable[..., Serve], store: list[str]
) -> None:
    n = 16
    first, second = serve(2)
    [operator_key] = cli(store, "apikey", "create", "ops", "--role", "operator").splitlines()
    op = first.api(operator_key)
    op.put(f"/v1/admin/clients/{CLIENT_B.org_number}", json={"name": CLIENT_B.name})
    op.put(f"/v1/admin/participants/{BUYER_1.org_number}", json={"name": BUYER_1.name})
    key = op.post(
        "/v1/admin/apikeys", json={"tenant": CLIENT_B.org_number, "role": "client"}
    ).json()["key"]
    senders = [first.api(key), second.api(key)]
    ids = []
    for number in range(n):  # half through each process
        answer = senders[number % 2].post(
            "/v1/invoices", content=ehf(f"P-{number}", CLIENT_B, BUYER_1)
        )
        assert answer.status_code == 202, answer.text
        ids.append(answer.json()["invoice_id"])
    wait_for(
        lambda: (
            len(senders[0].get("/v1/invoices", params={"state": "delivered"}).json()["items"]) == n
        ),
        timeout=60,
        what="every invoice delivered\n" + first.output() + second.output(),
    )
    for invoice_id in ids:
        events = op.get(f"/v1/invoices/{invoice_id}/events").json()
        claims = [
            e for e in events if (e["aggregate"], e["event"]) == ("Transmission", "Attempted")
        ]
        delivered = [
            e for e in events if (e["aggregate"], e["event"]) == ("Transmission", "Delivered")
        ]
        assert (len(claims), len(delivered)) == (1, 1), invoice_id
    assert delivered_here(first) + delivered_here(second) == n
    for server in (first, second):
        code, took = server.terminate()
        assert code == 0 and took < 8
