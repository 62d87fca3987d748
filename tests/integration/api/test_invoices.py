"""Submitting and following invoices over HTTP: accepted, duplicate, rejected, too large."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from broker.application import SubmitResult
from broker.service import ServiceSettings
from domain import ids
from tests.documents import ehf
from tests.integration.api.server import (
    BUYER_1,
    CLIENT_A,
    CLIENT_B,
    OFFICE,
    LiveServer,
    enrol_world,
    wait_for,
)


def test_submit_follow_and_fetch_an_invoice(live: Callable[..., LiveServer]) -> None:
    server = live()
    enrol_world(server.broker)
    office = server.client(server.key(OFFICE.org_number, "accounting-office"))
    body = ehf("A-1", CLIENT_A, BUYER_1)

    first = office.post(
        "/v1/invoices",
        content=body,
        headers={"Content-Type": "application/xml", "Idempotency-Key": "k-1"},
    )
    assert first.status_code == 202, first.text
    answer = first.json()
    assert answer["outcome"] == "accepted" and answer["number"] == "A-1"
    assert first.headers["location"] == answer["status_url"]
    assert first.headers["idempotency-key"] == "k-1"

    again = office.post("/v1/invoices", content=body, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 200 and again.json()["invoice_id"] == answer["invoice_id"]
    assert again.json()["outcome"] == "duplicate"
    reused = office.post(
        "/v1/invoices", content=ehf("A-9", CLIENT_A, BUYER_1), headers={"Idempotency-Key": "k-1"}
    )
    assert reused.status_code == 422
    assert reused.json()["detail"].startswith("Idempotency-Key 'k-1' was used before")
    assert (
        office.get(
            "/v1/invoices/" + str(ids.invoice_id("0192:923456708", "Invoice", "A-9"))
        ).status_code
        == 404
    )  # nothing recorded

    status = wait_for(
        lambda: (r := office.get(answer["status_url"]).json()).get("state") == "delivered" and r,
        what="delivery",
    )
    assert status["channel"] == "autotrans" and status["client"] == "0192:923456708"
    billed = wait_for(
        lambda: office.get(answer["status_url"]).json().get("billed_month"), what="billing"
    )
    assert billed

    events = office.get(f"{answer['status_url']}/events").json()
    assert [(e["aggregate"], e["event"]) for e in events][:3] == [
        ("Invoice", "Produced"),
        ("Invoice", "Routed"),
        ("Transmission", "Routed"),
    ]
    document = office.get(f"{answer['status_url']}/document")
    assert document.content == body and document.headers["content-type"] == "application/xml"

    page = office.get("/v1/invoices", params={"state": "delivered", "limit": 1}).json()
    assert [i["number"] for i in page["items"]] == ["A-1"] and page["next_cursor"]
    assert office.get("/v1/invoices", params={"cursor": page["next_cursor"]}).json() == {
        "items": [],
        "next_cursor": None,
    }
    customer = office.get("/v1/invoices", params={"customer": BUYER_1.org_number}).json()
    assert len(customer["items"]) == 1


def test_rejections_are_problems_with_a_clear_detail(live: Callable[..., LiveServer]) -> None:
    server = live(environ={"AUTOTRANS_MAX_DOCUMENT_BYTES": "20000"})
    enrol_world(server.broker)
    key = server.key(CLIENT_B.org_number, "client")
    client = server.client(key)

    not_xml = client.post("/v1/invoices", content=b"hello")
    assert not_xml.status_code == 422
    assert not_xml.headers["content-type"] == "application/problem+json"
    assert not_xml.json()["status"] == 422 and not_xml.json()["detail"]

    not_seller = client.post("/v1/invoices", content=ehf("A-2", CLIENT_A, BUYER_1))
    assert not_seller.status_code == 422
    assert "is neither 0192:945678909 nor a client" in not_seller.json()["detail"]

    too_big = client.post("/v1/invoices", content=b"<x/>" * 6000)
    assert (
        too_big.status_code == 413 and "over the limit of 20000 bytes" in too_big.json()["detail"]
    )

    nobody = server.client().get("/v1/invoices")
    assert nobody.status_code == 401 and "Authorization: Bearer KEY" in nobody.json()["detail"]
    wrong = server.client("atk_not-a-key").get("/v1/invoices")
    assert wrong.status_code == 401 and "atk_not-a-key" not in wrong.text
    assert key not in not_seller.text + not_xml.text

    bad_id = client.get("/v1/invoices/not-a-uuid")
    assert bad_id.status_code == 422 and bad_id.json()["detail"].startswith("path.invoice_id")


def test_submissions_are_checked_one_at_a_time(
    live: Callable[..., LiveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = live()
    enrol_world(server.broker)
    submit, inside, most = server.broker.app.submit, [0], [0]

    def counted(body: bytes, submitter: str) -> SubmitResult:
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        try:
            time.sleep(0.05)  # a long check: others would overlap it if let in
            return submit(body, submitter)
        finally:
            inside[0] -= 1

    monkeypatch.setattr(server.broker.app, "submit", counted)
    key = server.key(CLIENT_A.org_number, "client")

    def send(n: int) -> int:
        with server.client(key) as client:
            return client.post("/v1/invoices", content=ehf(f"C-{n}", CLIENT_A, BUYER_1)).status_code

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(send, range(8))) == [202] * 8
    assert most[0] == 1  # AUTOTRANS_SUBMIT_CONCURRENCY, default 1
    assert ServiceSettings.load({"AUTOTRANS_SUBMIT_CONCURRENCY": "3"}).submit_concurrency == 3
    assert ServiceSettings.load({"AUTOTRANS_SUBMIT_CONCURRENCY": "0"}).submit_concurrency == 1


def test_official_rules_reject_with_findings_and_keep_warnings(
    live: Callable[..., LiveServer],
) -> None:
    server = live()
    enrol_world(server.broker)
    client = server.client(server.key(CLIENT_B.org_number, "client"))
    good = ehf("R-1", CLIENT_B, BUYER_1)

    wrong_total = re.sub(
        rb'<cbc:PayableAmount currencyID="NOK">[^<]*<',
        b'<cbc:PayableAmount currencyID="NOK">1.00<',
        ehf("R-2", CLIENT_B, BUYER_1),
    )
    rejected = client.post("/v1/invoices", content=wrong_total)
    assert rejected.status_code == 422
    problem = rejected.json()
    assert problem["detail"].startswith("invoice 'R-2' rejected: BR-CO-16")
    [finding] = [f for f in problem["findings"] if f["rule_id"] == "BR-CO-16"]
    assert finding["flag"] == "fatal"
    assert finding["message"].startswith("[BR-CO-16]-Amount due for payment (BT-115)")
    assert finding["location"] == "/ubl:Invoice/cac:LegalMonetaryTotal"

    # the UBL 2.1 schema: an element it does not have, deep in a line
    unknown = ehf("R-3", CLIENT_B, BUYER_1).replace(
        b"<cbc:InvoicedQuantity", b"<cbc:Colour>red</cbc:Colour><cbc:InvoicedQuantity", 1
    )
    refused = client.post("/v1/invoices", content=unknown)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith(
        "invoice 'R-3' rejected: UBL-XSD Element 'cbc:Colour'"
    )
    [schema_error] = [f for f in refused.json()["findings"] if f["rule_id"] == "UBL-XSD"]
    assert schema_error["location"] == "/ubl:Invoice/cac:InvoiceLine/cbc:Colour"

    # a document the reader cannot take (no buyer endpoint) still gets every rule finding
    no_endpoint = re.sub(
        rb"(<cac:AccountingCustomerParty>\s*<cac:Party>\s*)<cbc:EndpointID[^>]*>[^<]*</cbc:EndpointID>",
        rb"\1",
        wrong_total,
    )
    assert no_endpoint != wrong_total
    unreadable = client.post("/v1/invoices", content=no_endpoint)
    assert unreadable.status_code == 422
    assert unreadable.json()["detail"].startswith("missing cac:AccountingCustomerParty")
    fired = {f["rule_id"] for f in unreadable.json()["findings"]}
    assert {"PEPPOL-EN16931-R010", "BR-CO-16"} <= fired

    # UBL-CR-002 is a warning: accepted, and the warning stays with the invoice
    old_version = good.replace(
        b"<cbc:CustomizationID>", b"<cbc:UBLVersionID>2.0</cbc:UBLVersionID><cbc:CustomizationID>"
    )
    accepted = client.post("/v1/invoices", content=old_version)
    assert accepted.status_code == 202, accepted.text
    [warned] = accepted.json()["warnings"]
    assert (warned["rule_id"], warned["flag"]) == ("UBL-CR-002", "warning")
    events_url = accepted.json()["status_url"] + "/events"
    [produced] = wait_for(  # the audit trail is a read model
        lambda: [e for e in client.get(events_url).json() if e["event"] == "Produced"],
        what="the audit trail",
    )
    assert [w["rule_id"] for w in produced["data"]["warnings"]] == ["UBL-CR-002"]
