"""Lifecycle benchmark: N generated invoices through send -> route -> deliver -> bill on SQLite.

Prints invoices/s and events/s, and, measured in the same run on the same documents, a raw
baseline: lxml parse of every document plus one sqlite3 `executemany` of as many event rows in a
single transaction. The ratio says what the whole lifecycle costs against that floor.

    .venv/bin/python ops/bench/lifecycle.py [--invoices 5000] [--lines 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from broker.bootstrap import bootstrap
from broker.settings import Settings
from domain.ehf.writer import DEMO_BUYERS, DEMO_SELLER, generated_invoices
from domain.validation import validate
from ops.logs import configure_logging


def lifecycle(
    documents: list[bytes], data_dir: Path, rules: bool
) -> tuple[float, float, float, int]:
    """Seconds to submit, to process (route, deliver, bill, project), and events written."""
    settings = Settings.load(str(data_dir), None, environ={})
    with bootstrap(settings, validator=validate if rules else None) as broker:
        app = broker.app
        app.enrol_client(DEMO_SELLER.org_number, DEMO_SELLER.name)
        for buyer in DEMO_BUYERS:
            app.register_participant(buyer.org_number, buyer.name)
        start_events = app.recorder.max_notification_id() or 0
        t0 = time.perf_counter()
        for start in range(0, len(documents), 50):  # as `autotrans send` does
            for result in app.submit_many(documents[start : start + 50], DEMO_SELLER.org_number):
                assert result.outcome == "accepted", result.reason
        t1 = time.perf_counter()
        asyncio.run(broker.processor.run_until_idle())
        t2 = time.perf_counter()
        events = (app.recorder.max_notification_id() or 0) - start_events
        delivered = broker.store.query(
            "SELECT COUNT(*) AS n FROM rm_invoices "
            "WHERE state = 'delivered' AND billed_month IS NOT NULL"
        )[0]["n"]
        assert delivered == len(documents), f"only {delivered} of {len(documents)} billed"
        return t1 - t0, t2 - t1, t2 - t0, events


def baseline(documents: list[bytes], events: int, data_dir: Path) -> float:
    """lxml parse of the same documents + one executemany of `events` rows in one transaction."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    t0 = time.perf_counter()
    for body in documents:
        etree.fromstring(body, parser)
    conn = sqlite3.connect(str(data_dir / "baseline.sqlite"))
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE events (originator_id TEXT, originator_version INTEGER, topic TEXT, "
        "state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    payload = b'{"receiver":"0192:920000004","number":"INV-0-000001","channel":"autotrans"}' * 3
    rows = [(f"{i:032x}", 1, "domain.invoice:Invoice.Produced", payload) for i in range(events)]
    with conn:
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)
    conn.close()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument(
        "--no-rules",
        action="store_true",
        help="only the minimum checks (default: the full EHF rule set, as `autotrans send`)",
    )
    args = parser.parse_args()
    configure_logging("WARNING")

    documents = list(generated_invoices(args.invoices, lines=args.lines))
    with tempfile.TemporaryDirectory(prefix="autotrans-bench-") as tmp:
        submit_s, process_s, total_s, events = lifecycle(
            documents, Path(tmp) / "data", rules=not args.no_rules
        )
        raw_s = baseline(documents, events, Path(tmp))

    n = len(documents)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    checks = "minimum checks" if args.no_rules else "full EHF rule set"
    print(f"invoices: {n} x {args.lines} lines, {checks}, SQLite event store, AutoTrans inbox")
    print(
        f"submit (parse, check, Produced):        {submit_s:8.2f} s  {n / submit_s:9.0f} invoices/s"
    )
    print(
        f"process (route, deliver, bill, views):  {process_s:8.2f} s  "
        f"{n / process_s:9.0f} invoices/s"
    )
    print(
        f"lifecycle total:                        {total_s:8.2f} s  {n / total_s:9.0f} invoices/s"
        f"  {events / total_s:9.0f} events/s  ({events} events, {events / n:.1f} per invoice)"
    )
    print(
        f"raw baseline (lxml parse + executemany): {raw_s:7.2f} s  {n / raw_s:9.0f} invoices/s"
        f"  {events / raw_s:9.0f} events/s"
    )
    print(f"ratio lifecycle / baseline: {total_s / raw_s:.1f}x")


if __name__ == "__main__":
    main()
