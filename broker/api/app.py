"""The ASGI app: routers, problem+json errors, HTTP metrics, health, readiness and /metrics.

`create_app(broker, workers=...)` is all a server needs; with `workers`, the app's lifespan starts
them and drains them on shutdown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from broker.api import admin, customers, inbox, invoices, problems, statements
from broker.api.problems import problem_response
from broker.bootstrap import Broker
from broker.service import ServiceSettings, Workers, refresh_gauges
from ops import metrics

OPEN_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.json")


def create_app(
    broker: Broker,
    *,
    workers: Workers | None = None,
    settings: ServiceSettings | None = None,
) -> FastAPI:
    """The HTTP API over one Broker; `workers` run in its event loop while it serves."""
    settings = settings or ServiceSettings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if workers is not None:
            await workers.start()
        try:
            yield
        finally:
            if workers is not None:
                await workers.stop()

    app = FastAPI(
        title="AutoTrans",
        version="1",
        summary="EHF e-invoices checked, routed, delivered with proof and billed.",
        description="Every endpoint except /healthz, /readyz, /metrics and /openapi.json needs "
        "`Authorization: Bearer KEY`. Errors are application/problem+json.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.broker = broker
    app.state.workers = workers
    app.state.settings = settings
    app.state.checking = asyncio.Semaphore(settings.submit_concurrency)
    problems.install(app)
    for module in (invoices, customers, inbox, statements, admin):
        app.include_router(module.router)

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            template = getattr(route, "path", "unmatched")
            metrics.HTTP_REQUESTS.labels(request.method, template, str(status)).inc()
            metrics.HTTP_SECONDS.labels(request.method, template).observe(
                time.perf_counter() - started
            )

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        responses={503: {"description": "Not ready: store, workers or projection lag."}},
    )
    def readyz() -> Any:
        """Ready for traffic: the store answers, workers run, read models are nearly current."""
        checks: dict[str, Any] = {}
        try:
            lag = broker.projections.lag()
            checks["store"] = "ok"
        except Exception as e:
            return problem_response(
                503,
                f"event store unreachable: {type(e).__name__}",  # no host or user: anonymous
            )
        worst = max(lag.values(), default=0)
        checks["projection_lag"] = worst
        if workers is not None and not workers.running:
            return problem_response(503, "background workers are not running", checks=checks)
        checks["workers"] = "running" if workers is not None else "not in this process"
        if worst > settings.ready_max_lag:
            return problem_response(
                503,
                f"read models lag {worst} events behind the log (limit {settings.ready_max_lag})",
                checks=checks,
            )
        return {"status": "ready", **checks}

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus metrics."}},
    )
    async def prometheus() -> Response:
        """Prometheus exposition of this process's metrics."""
        await run_in_threadpool(refresh_gauges, broker)
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return app
