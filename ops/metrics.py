"""Prometheus metrics of one AutoTrans process, in their own registry.

Counters and histograms count what this process did (sum them over processes); the gauges
read from the shared store (pending deliveries, projection lag, billed NOK) say the same in
every process of one installation (take their max). Names here are what the Grafana dashboard
(ops/grafana/autotrans.json) and the alert rules (ops/prometheus/alerts.yml) use.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400)

INVOICES_PRODUCED = Counter(
    "autotrans_invoices_produced",
    "Invoices accepted and recorded as Produced.",
    registry=REGISTRY,
)
INVOICES_REJECTED = Counter(
    "autotrans_invoices_rejected",
    "Submitted documents rejected, by reason family.",
    ["reason"],
    registry=REGISTRY,
)
INVOICES_DUPLICATE = Counter(
    "autotrans_invoices_duplicate",
    "Submissions of an invoice that was already submitted.",
    registry=REGISTRY,
)
VALIDATION_SECONDS = Histogram(
    "autotrans_validation_seconds",
    "Time to check one document against the EHF rules.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=REGISTRY,
)
TRANSMISSIONS_DELIVERED = Counter(
    "autotrans_transmissions_delivered",
    "Transmissions delivered, by channel.",
    ["channel"],
    registry=REGISTRY,
)
TRANSMISSIONS_FAILED = Counter(
    "autotrans_transmissions_failed",
    "Failed delivery attempts, by channel, whether a retry may help, and reason family.",
    ["channel", "retryable", "reason"],
    registry=REGISTRY,
)
TRANSMISSIONS_ABANDONED = Counter(
    "autotrans_transmissions_abandoned",
    "Transmissions given up (dead letters), by channel.",
    ["channel"],
    registry=REGISTRY,
)
DELIVERY_LATENCY = Histogram(
    "autotrans_delivery_latency_seconds",
    "Time from Produced to Delivered, by channel.",
    ["channel"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
PENDING_DELIVERIES = Gauge(
    "autotrans_pending_deliveries",
    "Transmissions not yet delivered nor abandoned, by state.",
    ["state"],
    registry=REGISTRY,
)
PROJECTION_LAG = Gauge(
    "autotrans_projection_lag_events",
    "Events in the log that a read model has not applied yet.",
    ["projection"],
    registry=REGISTRY,
)
BILLED_MONTH_TO_DATE = Gauge(
    "autotrans_billed_nok_month_to_date",
    "NOK billed (excluding VAT) in the current billing month, all payers.",
    registry=REGISTRY,
)
WORKERS_RUNNING = Gauge(
    "autotrans_workers_running",
    "Background workers running in this process.",
    registry=REGISTRY,
)
WORKER_ERRORS = Counter(
    "autotrans_worker_errors",
    "Worker rounds that ended in an error, by worker.",
    ["worker"],
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "autotrans_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "autotrans_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)

PENDING_STATES = ("pending", "attempting", "retrying")
REJECTION_REASONS = ("size", "unreadable", "rules", "not_enrolled", "not_sender")


def init_labels(channels: tuple[str, ...], failure_kinds: tuple[str, ...]) -> None:
    """Create the labelled series at zero, so rates and alerts see them before the first event."""
    for channel in channels:
        TRANSMISSIONS_DELIVERED.labels(channel)
        TRANSMISSIONS_ABANDONED.labels(channel)
        for kind in failure_kinds:
            for retryable in ("true", "false"):
                TRANSMISSIONS_FAILED.labels(channel, retryable, kind)
    for reason in REJECTION_REASONS:
        INVOICES_REJECTED.labels(reason)
    for state in PENDING_STATES:
        PENDING_DELIVERIES.labels(state)
