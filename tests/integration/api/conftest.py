"""Fixtures of the API tests: live servers on this test's store (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.api.server import LiveServer, start_server


@pytest.fixture
def live(tmp_path: Path, store_url: str | None) -> Iterator[Callable[..., LiveServer]]:
    """Start live servers on this test's store (SQLite and PostgreSQL); stopped at the end."""
    started: list[LiveServer] = []

    def start(**kwargs: Any) -> LiveServer:
        server = start_server(tmp_path / "data", store_url, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        server.broker.close()
