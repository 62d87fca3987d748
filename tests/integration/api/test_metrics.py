"""/metrics from a live server has every metric the Grafana dashboard and the alert rules use."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import REPO, skip_or_fail
from tests.documents import ehf
from tests.integration.api.server import (
    BUYER_1,
    CLIENT_A,
    CLIENT_B,
    LiveServer,
    enrol_world,
    wait_for,
)

DASHBOARD = REPO / "ops" / "grafana" / "autotrans.json"
ALERTS = REPO / "ops" / "prometheus" / "alerts.yml"
METRIC = re.compile(r"\bautotrans_[a-z0-9_]+")
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gauge": ("",),
}


def dashboard_expressions() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in board["panels"] for t in p.get("targets", [])]


def alert_expressions() -> list[str]:
    rules = yaml.safe_load(ALERTS.read_text())
    return [r["expr"] for group in rules["groups"] for r in group["rules"]]


def exposed_names(text: str) -> dict[str, float]:
    """Every sample name the exposition can have (also of families with no sample yet)."""
    names: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for suffix in SUFFIXES.get(family.type, ("",)):
            names.setdefault(family.name + suffix, 0.0)
        for sample in family.samples:
            names[sample.name] = names.get(sample.name, 0.0) + sample.value
    return names


def rejections(exposition: str) -> dict[str, float]:
    """autotrans_invoices_rejected_total by reason, from a /metrics answer."""
    return {
        sample.labels["reason"]: sample.value
        for family in text_string_to_metric_families(exposition)
        if family.name == "autotrans_invoices_rejected"
        for sample in family.samples
        if sample.name.endswith("_total")
    }


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_every_dashboard_and_alert_metric_is_exposed(live: Callable[..., LiveServer]) -> None:
    server = live()
    enrol_world(server.broker)
    before = rejections(server.client().get("/metrics").text)
    with server.client(server.key(CLIENT_B.org_number, "client")) as client:
        accepted = client.post("/v1/invoices", content=ehf("M-1", CLIENT_B, BUYER_1)).json()
        client.post("/v1/invoices", content=b"<Invoice/>")
        wrong_total = ehf("M-2", CLIENT_B, BUYER_1).replace(
            b'<cbc:PayableAmount currencyID="NOK">', b'<cbc:PayableAmount currencyID="NOK">1', 1
        )
        assert client.post("/v1/invoices", content=wrong_total).status_code == 422
        not_ours = client.post("/v1/invoices", content=ehf("M-3", CLIENT_A, BUYER_1))
        assert not_ours.status_code == 422
        wait_for(lambda: client.get(accepted["status_url"]).json().get("billed_month"))
        scraped = server.client().get("/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    names = exposed_names(scraped.text)

    wanted = {
        m for expr in dashboard_expressions() + alert_expressions() for m in METRIC.findall(expr)
    }
    assert len(wanted) >= 12
    assert sorted(wanted - set(names)) == []

    assert names["autotrans_invoices_produced_total"] >= 1
    assert names["autotrans_transmissions_delivered_total"] >= 1
    assert names["autotrans_delivery_latency_seconds_count"] >= 1
    assert names["autotrans_invoices_rejected_total"] >= 1
    after = rejections(scraped.text)
    # one each, labelled where the rejection was decided ('<Invoice/>' is no UBL document)
    assert {reason: after[reason] - before.get(reason, 0.0) for reason in after} == {
        "size": 0.0,
        "unreadable": 1.0,
        "rules": 1.0,
        "not_enrolled": 0.0,
        "not_sender": 1.0,
    }
    assert names["autotrans_billed_nok_month_to_date"] >= 5
    assert names["autotrans_workers_running"] == 4
    assert names["autotrans_http_requests_total"] >= 3


def test_alert_rules_pass_promtool_check_and_their_unit_tests() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        skip_or_fail(
            "promtool not installed (Debian package `prometheus`; make services installs it)"
        )
    done = subprocess.run(
        [promtool, "check", "rules", str(ALERTS)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 6 rules found" in done.stdout
    tested = subprocess.run(
        [promtool, "test", "rules", str(ALERTS.with_name("alerts_test.yml"))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_dashboard_is_grafana_json() -> None:
    board = json.loads(Path(DASHBOARD).read_text())
    titles = {p["title"] for p in board["panels"]}
    for needed in ("Delivery backlog by state", "Projection lag (events behind the log)"):
        assert needed in titles
    assert all(p["gridPos"]["w"] <= 24 for p in board["panels"])
