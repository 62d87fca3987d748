"""Operator and register endpoints: failed deliveries, replay, write-only secrets."""

from __future__ import annotations

from collections.abc import Callable

from domain.ehf.writer import PartySpec
from tests.documents import ehf
from tests.integration.api.server import CLIENT_B, LiveServer, enrol_world, wait_for

LATECOMER = PartySpec("978901204", "Ukjent Kunde AS")  # joins the registry after the invoice


def test_a_failed_invoice_is_listed_and_replayed(live: Callable[..., LiveServer]) -> None:
    server = live()
    enrol_world(server.broker)
    client = server.client(server.key(CLIENT_B.org_number, "client"))
    operator = server.client(server.key("ops", "operator"))
    sent = client.post("/v1/invoices", content=ehf("N-1", CLIENT_B, LATECOMER)).json()
    wait_for(lambda: client.get(sent["status_url"]).json()["state"] == "failed", what="no route")

    # the invoice's own status may come from the aggregate; the list is a read model: wait for it
    [failed] = wait_for(
        lambda: operator.get("/v1/admin/failed", params={"client": CLIENT_B.org_number}).json(),
        what="the failed list",
    )
    assert failed["invoice_id"] == sent["invoice_id"]
    assert failed["last_error"].startswith("no route")
    registered = operator.put(
        f"/v1/admin/participants/{LATECOMER.org_number}", json={"name": LATECOMER.name}
    )
    assert registered.status_code == 200
    dry = operator.post("/v1/admin/replay", json={"dry_run": True}).json()
    assert dry["dry_run"] and len(dry["done"]) == 1 and "route again" in dry["done"][0]
    done = operator.post("/v1/admin/replay", json={"invoice_ids": [sent["invoice_id"]]}).json()
    assert len(done["done"]) == 1
    wait_for(lambda: client.get(sent["status_url"]).json()["state"] == "delivered", what="replayed")
    assert operator.get("/v1/admin/failed").json() == []


def test_register_secrets_are_write_only(live: Callable[..., LiveServer]) -> None:
    server = live()
    enrol_world(server.broker)
    client = server.client(server.key(CLIENT_B.org_number, "client"))
    entry = {
        "channel": "sftp",
        "address": "sftp://invoices@files.ukjent.no:22/inbound",
        "secret": "hunter2-private-key",
    }
    put = client.put(f"/v1/customers/{LATECOMER.org_number}", json=entry)
    assert put.status_code == 200, put.text
    got = client.get(f"/v1/customers/{LATECOMER.org_number}")
    for answer in (put, got):
        assert answer.json()["has_secret"] is True and answer.json()["channel"] == "sftp"
        assert "hunter2" not in answer.text and "secret_ref" not in answer.text
    assert [c["customer"] for c in client.get("/v1/customers").json()] == ["0192:978901204"]
    removed = client.delete(f"/v1/customers/{LATECOMER.org_number}")
    assert removed.status_code == 204
    assert client.get(f"/v1/customers/{LATECOMER.org_number}").status_code == 404
    wrong = client.put(f"/v1/customers/{LATECOMER.org_number}", json={"channel": "email"})
    assert wrong.status_code == 422 and "needs an address" in wrong.json()["detail"]


def test_tenants_cannot_point_deliveries_at_internal_hosts(
    live: Callable[..., LiveServer],
) -> None:
    server = live()
    enrol_world(server.broker)
    client = server.client(server.key(CLIENT_B.org_number, "client"))
    for address in (
        "ftp://x@127.0.0.1:5432/incoming",
        "sftp://x@10.1.2.3:22/in",
        "ftp://x@localhost/in",
        "sftp://x@[::1]:22/in",
        "ftp://x@169.254.169.254/latest",
    ):
        channel = address.split(":", 1)[0]
        extra = {"options": {"host_key": "ssh-ed25519 AAAA"}} if channel == "sftp" else {}
        refused = client.put(
            f"/v1/customers/{LATECOMER.org_number}",
            json={"channel": channel, "address": address, "secret": "pw", **extra},
        )
        assert refused.status_code == 422, (address, refused.text)
        assert "loopback, private or reserved" in refused.json()["detail"]
    assert client.get(f"/v1/customers/{LATECOMER.org_number}").status_code == 404
