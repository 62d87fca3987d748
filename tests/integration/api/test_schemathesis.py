"""Property-based: schemathesis against the live server's /openapi.json; never a 5xx.

Each operation is called with a key of a role that reaches its handler (an office for
submitting, a recipient for the inbox, the operator for the rest), 20 examples per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from broker.api.keys import issue_key
from tests.documents import ehf
from tests.integration.api.server import (
    BUYER_1,
    CLIENT_A,
    OFFICE,
    LiveServer,
    enrol_world,
    start_server,
)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    server = start_server(Path(tmp_path_factory.mktemp("fuzz")) / "data", None, poll_seconds=0.25)
    enrol_world(server.broker)
    keys = {
        "office": issue_key(server.broker.app, OFFICE.org_number, "accounting-office")[0],
        "recipient": issue_key(server.broker.app, BUYER_1.org_number, "recipient")[0],
        "operator": issue_key(server.broker.app, "fuzz", "operator")[0],
    }
    with server.client(keys["office"]) as office:
        assert office.post("/v1/invoices", content=ehf("F-1", CLIENT_A, BUYER_1)).status_code == 202
    yield server, keys
    server.stop()
    server.broker.close()


def key_for(path: str, method: str, keys: dict[str, str]) -> str:
    if path.startswith("/v1/inbox"):
        return keys["recipient"]
    if path == "/v1/invoices" and method == "POST":
        return keys["office"]
    return keys["operator"]


def test_no_server_errors(fuzzed: tuple[LiveServer, dict[str, str]]) -> None:
    # Driven through hypothesis directly: schemathesis' lazy pytest fixture loader does not
    # work with pytest 9 (it reads a private pytest attribute).
    server, keys = fuzzed
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    server_errors: list[str] = []
    calls: list[int] = []
    session = requests.Session()

    def fuzz(operation: schemathesis.APIOperation) -> None:
        key = key_for(operation.path, operation.method.upper(), keys)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call(
                base_url=server.url, session=session, headers={"Authorization": f"Bearer {key}"}
            )
            calls.append(1)
            if response.status_code >= 500:
                server_errors.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:300]}"
                )

        call()

    for operation in operations:
        fuzz(operation)
    session.close()
    assert server_errors == []
    assert len(calls) >= 10 * len(operations)
