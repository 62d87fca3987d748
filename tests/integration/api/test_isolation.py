"""The isolation matrix: every endpoint x every role, against another tenant's data.

The world: accounting office O with client A; client B on its own; recipients R1 and R2; an
operator. invoice `a` goes from A to R1 (sent by O), invoice `b` from B to R2. Each row says what
each caller gets; a row's callers run in the order given (owners last where the call changes
state). A final check proves every route of the OpenAPI document is in the matrix.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from broker.api.keys import issue_key
from tests.documents import ehf
from tests.integration.api.server import (
    BUYER_1,
    BUYER_2,
    CLIENT_A,
    CLIENT_B,
    OFFICE,
    LiveServer,
    enrol_world,
    start_server,
    wait_for,
)

CALLERS = ("A", "B", "O", "R1", "R2", "op")


@dataclass
class World:
    server: LiveServer
    keys: dict[str, str]
    a: str
    b: str
    month: str
    spare_key_id: str = ""
    numbers: Iterator[int] = field(default_factory=lambda: iter(range(1000)))
    clients: dict[str | None, httpx.Client] = field(default_factory=dict)

    def http(self, caller: str | None) -> httpx.Client:
        """One connection per caller (an httpx client costs ~70 ms to make)."""
        if caller not in self.clients:
            self.clients[caller] = self.server.client(self.keys[caller] if caller else None)
        return self.clients[caller]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    server = start_server(Path(tmp_path_factory.mktemp("isolation")) / "data", None)
    broker = server.broker
    enrol_world(broker)
    broker.app.register_participant("0192:974760673", "Spare Mottaker AS")
    tenants = {
        "A": (CLIENT_A.org_number, "client"),
        "B": (CLIENT_B.org_number, "client"),
        "O": (OFFICE.org_number, "accounting-office"),
        "R1": (BUYER_1.org_number, "recipient"),
        "R2": (BUYER_2.org_number, "recipient"),
        "op": ("ops", "operator"),
    }
    keys = {name: issue_key(broker.app, *tenant)[0] for name, tenant in tenants.items()}
    with server.client(keys["O"]) as office, server.client(keys["B"]) as b_client:
        a = office.post("/v1/invoices", content=ehf("A-1", CLIENT_A, BUYER_1)).json()
        b = b_client.post("/v1/invoices", content=ehf("B-1", CLIENT_B, BUYER_2)).json()
        for client, invoice in ((office, a), (b_client, b)):
            wait_for(
                lambda c=client, i=invoice: c.get(i["status_url"]).json().get("billed_month"),
                what="billing",
            )
        month = office.get(a["status_url"]).json()["billed_month"]
    _, spare = issue_key(broker.app, "ops-spare", "operator")
    world = World(server, keys, a["invoice_id"], b["invoice_id"], month, str(spare))
    yield world
    for http in world.clients.values():
        http.close()
    server.stop()
    broker.close()


def invoice_body(world: World, caller: str) -> dict[str, Any]:
    """A fresh invoice of client A to R1 (unique number per call)."""
    return {"content": ehf(f"M-{caller}-{next(world.numbers)}", CLIENT_A, BUYER_1)}


# (method, path template, request, {caller: status}) ; "{a}", "{b}", "{month}", "{spare}" filled in.
Row = tuple[str, str, dict[str, Any], dict[str, int]]
DENY_R = {"R1": 403, "R2": 403}
OPERATOR_ONLY = {"A": 403, "B": 403, "O": 403, "R1": 403, "R2": 403, "op": 200}
READ_A = {"A": 200, "B": 404, "O": 200, **DENY_R, "op": 200}
A_REGISTER = {"B": 403, **DENY_R, "A": 200, "O": 200, "op": 200}
EVERYONE = dict.fromkeys(CALLERS, 200)
MATRIX: list[Row] = [
    (
        "POST",
        "/v1/invoices",
        {"invoice": True},
        {"B": 422, **DENY_R, "op": 403, "A": 202, "O": 202},
    ),
    ("GET", "/v1/invoices", {}, {**DENY_R, "A": 200, "B": 200, "O": 200, "op": 200}),
    ("GET", "/v1/invoices/{a}", {}, READ_A),
    ("GET", "/v1/invoices/{a}/events", {}, READ_A),
    ("GET", "/v1/invoices/{a}/document", {}, READ_A),
    ("GET", "/v1/customers", {"params": {"client": CLIENT_A.org_number}}, A_REGISTER),
    (
        "PUT",
        "/v1/customers/{participant}",
        {
            "path": BUYER_1.org_number,
            "params": {"client": CLIENT_A.org_number},
            "json": {"channel": "autotrans"},
        },
        A_REGISTER,
    ),
    (
        "GET",
        "/v1/customers/{participant}",
        {"path": BUYER_1.org_number, "params": {"client": CLIENT_A.org_number}},
        A_REGISTER,
    ),
    (
        "DELETE",
        "/v1/customers/{participant}",
        {"path": BUYER_2.org_number, "params": {"client": CLIENT_A.org_number}},
        {"B": 403, **DENY_R, "A": 404, "O": 404, "op": 404},  # allowed, but not in the register
    ),
    ("POST", "/v1/directory/match", {"json": {"participants": [BUYER_1.org_number]}}, EVERYONE),
    ("GET", "/v1/directory/{participant}", {"path": BUYER_1.org_number}, EVERYONE),
    ("GET", "/v1/inbox", {}, {"A": 403, "B": 403, "O": 403, "op": 403, "R1": 200, "R2": 200}),
    (
        "GET",
        "/v1/inbox/{a}/document",
        {},
        {"A": 403, "B": 403, "O": 403, "op": 403, "R2": 404, "R1": 200},
    ),
    (
        "POST",
        "/v1/inbox/{a}/ack",
        {},
        {"A": 403, "B": 403, "O": 403, "op": 403, "R2": 404, "R1": 200},
    ),
    (
        "POST",
        "/v1/inbox/{a}/approve",
        {},
        {"A": 403, "B": 403, "O": 403, "op": 403, "R2": 404, "R1": 200},
    ),
    (
        "POST",
        "/v1/inbox/{b}/reject",
        {"json": {"reason": "wrong amount"}},
        {"A": 403, "B": 403, "O": 403, "op": 403, "R1": 404, "R2": 200},
    ),
    ("GET", "/v1/statements/{month}", {}, {**DENY_R, "A": 200, "B": 200, "O": 200, "op": 200}),
    (
        "GET",
        "/v1/statements/{month}",
        {"params": {"payer": OFFICE.org_number}},
        {**DENY_R, "A": 403, "B": 403, "O": 200, "op": 200},
    ),
    ("GET", "/v1/admin/failed", {}, OPERATOR_ONLY),
    ("POST", "/v1/admin/replay", {"json": {"dry_run": True}}, OPERATOR_ONLY),
    (
        "PUT",
        "/v1/admin/participants/{participant}",
        {"path": BUYER_1.org_number, "json": {"name": BUYER_1.name}},
        OPERATOR_ONLY,
    ),
    (
        "DELETE",
        "/v1/admin/participants/{participant}",
        {"path": "0192:974760673"},
        {**OPERATOR_ONLY, "op": 204},
    ),
    ("GET", "/v1/admin/participants", {}, OPERATOR_ONLY),
    (
        "PUT",
        "/v1/admin/clients/{client}",
        {"path": CLIENT_B.org_number, "json": {"name": CLIENT_B.name}},
        OPERATOR_ONLY,
    ),
    ("GET", "/v1/admin/clients", {}, OPERATOR_ONLY),
    (
        "POST",
        "/v1/admin/apikeys",
        {"json": {"tenant": BUYER_2.org_number, "role": "recipient"}},
        {**OPERATOR_ONLY, "op": 201},
    ),
    ("GET", "/v1/admin/apikeys", {}, OPERATOR_ONLY),
    ("DELETE", "/v1/admin/apikeys/{spare}", {}, {**OPERATOR_ONLY, "op": 204}),
]


def call(world: World, caller: str | None, method: str, template: str, spec: dict[str, Any]):
    path = template.format(
        a=world.a,
        b=world.b,
        month=world.month,
        spare=world.spare_key_id,
        participant=spec.get("path", ""),
        client=spec.get("path", ""),
    )
    kwargs: dict[str, Any] = {k: spec[k] for k in ("params", "json") if k in spec}
    if spec.get("invoice"):
        kwargs.update(invoice_body(world, caller or "anon"))
    return world.http(caller).request(method, path, **kwargs)


@pytest.mark.parametrize(
    ("method", "template", "spec", "expected"),
    MATRIX,
    ids=[
        f"{m} {t}{'?' + ','.join(s.get('params', {})) if s.get('params') else ''}"
        for m, t, s, _ in MATRIX
    ],
)
def test_each_role_sees_and_changes_only_its_own(
    world: World, method: str, template: str, spec: dict[str, Any], expected: dict[str, int]
) -> None:
    assert set(expected) == set(CALLERS)
    anonymous = call(world, None, method, template, spec)
    assert anonymous.status_code == 401, anonymous.text
    got = {}
    for caller in expected:  # in the row's order: owners last
        response = call(world, caller, method, template, spec)
        got[caller] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["detail"]
            assert world.keys[caller] not in response.text
    assert got == expected


def test_what_each_role_reads_is_only_its_own(world: World) -> None:
    def numbers(caller: str, path: str, **params: str) -> set[str]:
        body = world.http(caller).get(path, params=params).json()
        rows = body["items"] if isinstance(body, dict) else body
        return {r["number"] for r in rows}

    assert "B-1" not in numbers("A", "/v1/invoices") and "A-1" in numbers("A", "/v1/invoices")
    assert numbers("B", "/v1/invoices") == {"B-1"}
    assert "B-1" not in numbers("O", "/v1/invoices")
    assert {"A-1", "B-1"} <= numbers("op", "/v1/invoices")
    assert "B-1" not in numbers("R1", "/v1/inbox") and "A-1" in numbers("R1", "/v1/inbox")
    assert numbers("R2", "/v1/inbox") == {"B-1"}
    assert world.http("A").get(f"/v1/statements/{world.month}").json() == []  # O pays for A
    [own] = world.http("B").get(f"/v1/statements/{world.month}").json()
    assert own["payer"] == "0192:945678909"


def test_every_route_is_in_the_matrix(world: World) -> None:
    spec = world.http(None).get("/openapi.json").json()
    routes = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if path not in ("/healthz", "/readyz", "/metrics")
    }
    named = {"{a}": "{invoice_id}", "{b}": "{invoice_id}", "{spare}": "{key_id}"}

    def template(path: str) -> str:
        for short, name in named.items():
            path = path.replace(short, name)
        return path

    assert routes == {(m, template(t)) for m, t, _, _ in MATRIX}
    for open_path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert world.http(None).get(open_path).status_code == 200, open_path
