"""API benchmark: N generated invoices through `POST /v1/invoices` of a real `autotrans serve`.

Concurrent clients (httpx, one connection each) submit every document; the server validates
with the full EHF rule set, records, routes, delivers (AutoTrans inbox) and bills with its
in-process workers. Prints submissions per second, the submit round trip (p50/p99), the latency
from Produced to Delivered (p50/p99, from the server's own timestamps), the end-to-end rate, and,
in the same run on the same documents, the in-process lifecycle benchmark (ops/bench/lifecycle.py).

    .venv/bin/python ops/bench/api.py [--invoices 1000] [--clients 8] [--lines 3] [--store URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lifecycle import lifecycle

from broker.api.keys import issue_key
from broker.bootstrap import bootstrap
from broker.settings import Settings
from domain.ehf.writer import DEMO_BUYERS, DEMO_SELLER, generated_invoices
from ops.logs import configure_logging

SCRIPT = Path(sys.executable).parent / "autotrans"
Row = dict[str, Any]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def prepare(data_dir: Path, store: str | None) -> str:
    """Enrol the demo seller, register the demo buyers, and return a client key."""
    settings = Settings.load(str(data_dir), store, environ={})
    with bootstrap(settings) as broker:
        broker.app.enrol_client(DEMO_SELLER.org_number, DEMO_SELLER.name)
        for buyer in DEMO_BUYERS:
            broker.app.register_participant(buyer.org_number, buyer.name)
        key, _ = issue_key(broker.app, DEMO_SELLER.org_number, "client")
        broker.projections.catch_up()
        return key


async def submit_all(
    url: str, key: str, documents: list[bytes], clients: int
) -> tuple[float, list[float]]:
    """Seconds to submit everything with `clients` concurrent connections; round trips."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in documents:
        queue.put_nowait(body)
    round_trips: list[float] = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/xml"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as http:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                answer = await http.post("/v1/invoices", content=body)
                round_trips.append(time.perf_counter() - started)
                assert answer.status_code == 202, answer.text

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started, round_trips


def delivered_rows(url: str, key: str, expected: int, timeout: float = 600) -> list[Row]:
    """Every delivered invoice (paging through the API) once all `expected` are delivered."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as http:
        while True:
            rows: list[Row] = []
            cursor = None
            while True:
                params: dict[str, str | int] = {"state": "delivered", "limit": 1000}
                if cursor:
                    params["cursor"] = cursor
                page = http.get("/v1/invoices", params=params).json()
                rows += page["items"]
                cursor = page["next_cursor"]
                if not cursor:
                    break
            if len(rows) >= expected or time.monotonic() > deadline:
                return rows
            time.sleep(0.2)


def seconds_between(start: str, end: str) -> float:
    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    return (parse(end) - parse(start)).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--store", default=None, help="store URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    configure_logging("WARNING")
    documents = list(generated_invoices(args.invoices, lines=args.lines))
    n = len(documents)

    with tempfile.TemporaryDirectory(prefix="autotrans-bench-api-") as tmp:
        data_dir = Path(tmp) / "data"
        key = prepare(data_dir, args.store)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        store = ["--store", args.store] if args.store else []
        with (Path(tmp) / "serve.log").open("wb") as log:
            server = subprocess.Popen(
                [str(SCRIPT), "serve", "--port", str(port), "--data-dir", str(data_dir), *store],
                stdout=subprocess.DEVNULL,
                stderr=log,
                env={**os.environ, "AUTOTRANS_LOG_LEVEL": "WARNING"},
            )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit((Path(tmp) / "serve.log").read_text()[-2000:])
                time.sleep(0.1)
            t0 = time.perf_counter()
            submit_s, round_trips = asyncio.run(submit_all(url, key, documents, args.clients))
            rows = delivered_rows(url, key, n)
            all_delivered_s = time.perf_counter() - t0
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        assert len(rows) == n, f"only {len(rows)} of {n} delivered"
        latencies = [seconds_between(r["produced_at"], r["delivered_at"]) for r in rows]
        in_submit_s, in_process_s, in_total_s, _ = lifecycle(
            documents, Path(tmp) / "inproc", rules=True
        )

    store_name = "PostgreSQL" if args.store else "SQLite"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    print(
        f"invoices: {n} x {args.lines} lines, {store_name}, AutoTrans inbox channel, "
        f"{args.clients} concurrent HTTP clients, one `autotrans serve` (full EHF validation)"
    )
    print(f"API submit (POST /v1/invoices, 202):     {submit_s:8.2f} s  {n / submit_s:8.0f} /s")
    print(
        f"  submit round trip:                     p50 {percentile(round_trips, 0.5) * 1000:6.0f}"
        f" ms  p99 {percentile(round_trips, 0.99) * 1000:6.0f} ms"
    )
    print(
        f"  Produced -> Delivered (server times):  p50 {percentile(latencies, 0.5) * 1000:6.0f}"
        f" ms  p99 {percentile(latencies, 0.99) * 1000:6.0f} ms"
        f"  (mean {statistics.mean(latencies) * 1000:.0f} ms)"
    )
    print(
        f"API end to end (first POST -> all delivered): {all_delivered_s:6.2f} s"
        f"  {n / all_delivered_s:8.0f} invoices/s"
    )
    print(
        f"in-process lifecycle (ops/bench/lifecycle.py, same documents, SQLite, no HTTP, "
        "full EHF rule set, as serve):"
        f"\n  submit {n / in_submit_s:8.0f} /s   process {n / in_process_s:8.0f} /s"
        f"   total {n / in_total_s:8.0f} invoices/s"
    )


if __name__ == "__main__":
    main()
