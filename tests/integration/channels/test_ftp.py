"""The FTP/FTPS channel against a real pyftpdlib server on loopback: plain, explicit, implicit."""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import DTPHandler, FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer

from adapters.channels.base import (
    Destination,
    OutgoingDocument,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from adapters.channels.ftp import FtpChannel
from adapters.channels.naming import remote_file_name
from adapters.secrets import SecretStore

from .conftest import TIMEOUT, Tls, files_in

USER, PASSWORD = "kunde", "ftp-Passord-3k"
logging.getLogger("pyftpdlib").setLevel(logging.WARNING)  # it logs every serve_forever() call
READER, READER_PASSWORD = "leser", "leser-Passord-5"


class _ImplicitTlsHandler(TLS_FTPHandler):
    """FTPS with TLS from the first byte: pyftpdlib only knows AUTH TLS, so start it ourselves."""

    def handle(self) -> None:
        self.secure_connection(self.ssl_context)
        super().handle()


class _DroppingDtp(DTPHandler):
    """Receives one chunk of an upload, then drops the control and data connections."""

    def handle_read_event(self) -> None:  # DTPHandler aliases handle_read to this name
        self.handle_read()
        self.cmd_channel.close()


def _stor_reply(reply: str) -> Callable[..., None]:
    def ftp_STOR(self: FTPHandler, file: str, mode: str = "w") -> None:
        self.respond(reply)

    return ftp_STOR


@dataclass
class FtpServerThread:
    """A pyftpdlib server running in a thread until `stop()`."""

    server: FTPServer
    root: Path

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="test-ftpd")
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self.server.address[1])

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.server.serve_forever(timeout=0.05, blocking=False, handle_exit=False)
        self.server.close_all()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(TIMEOUT)


def start_ftpd(root: Path, base: type[FTPHandler] = FTPHandler, **attrs: Any) -> FtpServerThread:
    authorizer = DummyAuthorizer()
    authorizer.add_user(USER, PASSWORD, str(root), perm="elradfmwMT")
    authorizer.add_user(READER, READER_PASSWORD, str(root), perm="elr")
    handler = type("TestHandler", (base,), {"authorizer": authorizer, "timeout": TIMEOUT, **attrs})
    return FtpServerThread(FTPServer(("127.0.0.1", 0), handler), root)


@pytest.fixture
def ftpd_factory(server_root: Path) -> Iterator[Callable[..., FtpServerThread]]:
    started: list[FtpServerThread] = []

    def factory(base: type[FTPHandler] = FTPHandler, **attrs: Any) -> FtpServerThread:
        started.append(start_ftpd(server_root, base, **attrs))
        return started[-1]

    yield factory
    for server in started:
        server.stop()


def destination(
    port: int, secrets: SecretStore, tls: str = "none", user: str = USER, password: str = PASSWORD
) -> Destination:
    return Destination(
        "ftp",
        f"ftp://{user}@127.0.0.1:{port}/incoming",
        {"tls": tls, "secret_ref": secrets.put(password)},
    )


def assert_landed(root: Path, document: OutgoingDocument, evidence_detail: dict[str, str]) -> None:
    name = remote_file_name(document)
    incoming = root / "incoming"
    assert files_in(incoming) == [name]  # final name only: no temporary file left
    data = (incoming / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == evidence_detail["sha256"] == document.sha256
    assert evidence_detail["size"] == str(len(document.body))


async def test_plain_upload_lands_under_final_name(
    ftpd_factory: Callable[..., FtpServerThread], secrets: SecretStore, document: OutgoingDocument
) -> None:
    server = ftpd_factory()
    channel = FtpChannel(secrets, timeout=TIMEOUT, allow_internal=True)
    evidence = await channel.deliver(document, destination(server.port, secrets))

    name = remote_file_name(document)
    assert name.startswith("123456785_TOSL108_") and name.endswith(".xml")
    assert evidence.channel == "ftp" and evidence.reference == f"/incoming/{name}"
    assert evidence.detail["size_verified_by"] == "SIZE"
    assert evidence.detail["ftp_reply"].startswith("226")
    assert_landed(server.root, document, dict(evidence.detail))

    # A retry (same transmission) overwrites the same name: still one file.
    await channel.deliver(document, destination(server.port, secrets))
    assert_landed(server.root, document, dict(evidence.detail))


@pytest.mark.parametrize(
    ("mode", "handler"), [("explicit", TLS_FTPHandler), ("implicit", _ImplicitTlsHandler)]
)
async def test_tls_upload(
    mode: str,
    handler: type[FTPHandler],
    ftpd_factory: Callable[..., FtpServerThread],
    secrets: SecretStore,
    tls: Tls,
    document: OutgoingDocument,
) -> None:
    server = ftpd_factory(
        handler,
        certfile=str(tls.cert_and_key),
        tls_control_required=True,
        tls_data_required=True,
    )
    channel = FtpChannel(
        secrets, ssl_context=tls.client_context(), timeout=TIMEOUT, allow_internal=True
    )
    evidence = await channel.deliver(document, destination(server.port, secrets, mode))
    assert evidence.detail["tls"] == mode
    assert_landed(server.root, document, dict(evidence.detail))


async def test_untrusted_certificate_is_permanent(
    ftpd_factory: Callable[..., FtpServerThread],
    secrets: SecretStore,
    tls: Tls,
    document: OutgoingDocument,
) -> None:
    server = ftpd_factory(TLS_FTPHandler, certfile=str(tls.cert_and_key))
    channel = FtpChannel(
        secrets, timeout=TIMEOUT, allow_internal=True
    )  # system trust store: test CA unknown
    with pytest.raises(PermanentDeliveryError, match="certificate not trusted") as failed:
        await channel.deliver(document, destination(server.port, secrets, "explicit"))
    assert failed.value.kind == "auth"
    assert files_in(server.root / "incoming") == []


async def test_server_down_is_transient(
    closed_port: int, secrets: SecretStore, document: OutgoingDocument
) -> None:
    with pytest.raises(TransientDeliveryError, match="cannot connect") as caught:
        await FtpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
            document, destination(closed_port, secrets)
        )
    assert caught.value.kind == "connection"
    assert f"127.0.0.1:{closed_port}" in str(caught.value)
    assert PASSWORD not in str(caught.value)


async def test_wrong_password_is_permanent(
    ftpd_factory: Callable[..., FtpServerThread], secrets: SecretStore, document: OutgoingDocument
) -> None:
    server = ftpd_factory()
    wrong = "feil-Passord-1"
    with pytest.raises(PermanentDeliveryError) as caught:
        await FtpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
            document, destination(server.port, secrets, password=wrong)
        )
    assert caught.value.kind == "auth"
    message = str(caught.value)
    assert "530" in message and "login incorrect" in message
    assert wrong not in message and PASSWORD not in message


async def test_permission_denied_is_permanent(
    ftpd_factory: Callable[..., FtpServerThread], secrets: SecretStore, document: OutgoingDocument
) -> None:
    server = ftpd_factory()
    with pytest.raises(
        PermanentDeliveryError,
        match=r"550 Not enough privileges\. while uploading .*permission denied",
    ) as caught:
        await FtpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
            document, destination(server.port, secrets, user=READER, password=READER_PASSWORD)
        )
    assert READER_PASSWORD not in str(caught.value)
    assert files_in(server.root / "incoming") == []


async def test_missing_folder_is_permanent(
    ftpd_factory: Callable[..., FtpServerThread], secrets: SecretStore, document: OutgoingDocument
) -> None:
    server = ftpd_factory()
    to = Destination(
        "ftp",
        f"ftp://{USER}@127.0.0.1:{server.port}/nowhere",
        {"secret_ref": secrets.put(PASSWORD)},
    )
    with pytest.raises(
        PermanentDeliveryError, match=r"550 .* while changing to folder nowhere"
    ) as failed:
        await FtpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(document, to)
    assert failed.value.kind == "recipient"


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("452 Insufficient storage space in system.", TransientDeliveryError),
        ("552 Exceeded storage allocation.", PermanentDeliveryError),
        ("553 File name not allowed.", PermanentDeliveryError),
    ],
)
async def test_disk_full_is_transient_and_quota_permanent(
    ftpd_factory: Callable[..., FtpServerThread],
    secrets: SecretStore,
    document: OutgoingDocument,
    reply: str,
    error: type[Exception],
) -> None:
    server = ftpd_factory(ftp_STOR=_stor_reply(reply))
    with pytest.raises(error) as caught:
        await FtpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
            document, destination(server.port, secrets)
        )
    assert reply in str(caught.value)


async def test_connection_dropped_mid_upload_is_transient(
    ftpd_factory: Callable[..., FtpServerThread],
    secrets: SecretStore,
    big_document: OutgoingDocument,
) -> None:
    server = ftpd_factory(dtp_handler=_DroppingDtp)
    with pytest.raises(TransientDeliveryError, match="connection lost while uploading") as failed:
        await FtpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
            big_document, destination(server.port, secrets)
        )
    assert failed.value.kind == "connection"
    # The customer never sees a half file under the final name.
    assert remote_file_name(big_document) not in files_in(server.root / "incoming")


async def test_missing_secret_is_permanent(
    ftpd_factory: Callable[..., FtpServerThread], secrets: SecretStore, document: OutgoingDocument
) -> None:
    server = ftpd_factory()
    to = destination(server.port, secrets)
    secrets.delete(to.options["secret_ref"])
    with pytest.raises(PermanentDeliveryError, match="not found") as failed:
        await FtpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(document, to)
    assert failed.value.kind == "not_configured"


async def test_a_server_inside_our_own_network_is_refused_unless_allowed(
    ftpd_factory: Callable[..., FtpServerThread], secrets: SecretStore, document: OutgoingDocument
) -> None:
    server = ftpd_factory()
    with pytest.raises(PermanentDeliveryError, match="inside AutoTrans's own network") as failed:
        await FtpChannel(secrets, timeout=TIMEOUT).deliver(
            document, destination(server.port, secrets)
        )
    assert failed.value.kind == "not_configured"
    assert files_in(server.root / "incoming") == []


async def test_the_next_address_of_the_host_is_tried_when_one_does_not_answer(
    ftpd_factory: Callable[..., FtpServerThread],
    secrets: SecretStore,
    document: OutgoingDocument,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = ftpd_factory()
    resolve = socket.getaddrinfo

    def two_addresses(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host != "ftp.kunde.test":
            return resolve(host, port, *args, **kwargs)
        # the first address has no server: a node that is down, or IPv6 without a route
        return [(2, 1, 6, "", ("127.0.0.3", port)), (2, 1, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    to = destination(server.port, secrets)
    to = Destination("ftp", to.address.replace("127.0.0.1", "ftp.kunde.test"), to.options)
    channel = FtpChannel(secrets, timeout=TIMEOUT, allow_internal=True)
    evidence = await channel.deliver(document, to)
    assert_landed(server.root, document, dict(evidence.detail))
