"""The SFTP channel against a real asyncssh server on loopback: pinned host key, password, key."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from adapters.channels.base import (
    Destination,
    OutgoingDocument,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from adapters.channels.naming import remote_file_name
from adapters.channels.sftp import SftpChannel, fingerprint
from adapters.secrets import SecretStore

from .conftest import TIMEOUT, files_in

USER, PASSWORD = "kunde", "sftp-Passord-8q"


class _Server(asyncssh.SSHServer):
    """Password auth for USER; public keys come from `authorized_client_keys`."""

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USER and password == PASSWORD


class _ReadOnlyIncoming(asyncssh.SFTPServer):
    """Refuses every write, as a server with a read-only folder does."""

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        if pflags & asyncssh.FXF_WRITE:
            raise asyncssh.SFTPPermissionDenied("write access denied on this folder")
        return super().open(path, pflags, attrs)


class _DroppingServer(asyncssh.SFTPServer):
    """Accepts the first block of an upload, then drops the whole connection."""

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        self.connection.abort()
        return 0


@dataclass
class SftpServer:
    port: int
    root: Path
    host_key: asyncssh.SSHKey
    client_key: asyncssh.SSHKey

    @property
    def host_key_line(self) -> str:
        return self.host_key.export_public_key().decode().strip()


async def _serve(
    root: Path, sftp_class: type[asyncssh.SFTPServer] = asyncssh.SFTPServer
) -> tuple[asyncssh.SSHAcceptor, SftpServer]:
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())
    acceptor = await asyncssh.listen(
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        server_factory=_Server,
        authorized_client_keys=authorized,
        sftp_factory=lambda chan: sftp_class(chan, chroot=str(root).encode()),
        allow_scp=False,
        login_timeout=TIMEOUT,
    )
    return acceptor, SftpServer(acceptor.get_port(), root, host_key, client_key)


@pytest.fixture
async def sftpd(server_root: Path) -> AsyncIterator[SftpServer]:
    acceptor, server = await _serve(server_root)
    yield server
    acceptor.close()
    await acceptor.wait_closed()


def destination(
    server: SftpServer,
    secrets: SecretStore,
    *,
    auth: str = "password",
    secret: str = PASSWORD,
    host_key: str | None = None,
    folder: str = "/incoming",
    port: int | None = None,
) -> Destination:
    options = {"auth": auth, "secret_ref": secrets.put(secret)}
    pinned = server.host_key_line if host_key is None else host_key
    if pinned:
        options["host_key"] = pinned
    return Destination("sftp", f"sftp://{USER}@127.0.0.1:{port or server.port}{folder}", options)


def assert_landed(root: Path, document: OutgoingDocument, detail: dict[str, str]) -> None:
    name = remote_file_name(document)
    incoming = root / "incoming"
    assert files_in(incoming) == [name]  # final name only: no temporary file left
    data = (incoming / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == detail["sha256"] == document.sha256
    assert detail["size"] == str(len(document.body))


async def test_password_upload_lands_under_final_name(
    sftpd: SftpServer, secrets: SecretStore, document: OutgoingDocument
) -> None:
    channel = SftpChannel(secrets, timeout=TIMEOUT, allow_internal=True)
    evidence = await channel.deliver(document, destination(sftpd, secrets))
    name = remote_file_name(document)
    assert evidence.channel == "sftp" and evidence.reference == f"/incoming/{name}"
    assert_landed(sftpd.root, document, dict(evidence.detail))

    await channel.deliver(document, destination(sftpd, secrets))  # a retry overwrites
    assert_landed(sftpd.root, document, dict(evidence.detail))


async def test_key_upload(
    sftpd: SftpServer, secrets: SecretStore, document: OutgoingDocument
) -> None:
    private = sftpd.client_key.export_private_key().decode()
    to = destination(sftpd, secrets, auth="key", secret=private)
    evidence = await SftpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
        document, to
    )
    assert_landed(sftpd.root, document, dict(evidence.detail))


async def test_unknown_host_key_is_permanent_and_names_the_fingerprint(
    sftpd: SftpServer, secrets: SecretStore, document: OutgoingDocument
) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        await SftpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
            document, destination(sftpd, secrets, host_key="")
        )
    assert caught.value.kind == "auth"
    message = str(caught.value)
    assert "no host key is pinned" in message and "never trusted on first use" in message
    assert fingerprint(sftpd.host_key) in message
    assert PASSWORD not in message
    assert files_in(sftpd.root / "incoming") == []


async def test_changed_host_key_is_permanent(
    sftpd: SftpServer, secrets: SecretStore, document: OutgoingDocument
) -> None:
    impostor = asyncssh.generate_private_key("ssh-ed25519")
    pinned = impostor.export_public_key().decode().strip()
    with pytest.raises(PermanentDeliveryError) as caught:
        await SftpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
            document, destination(sftpd, secrets, host_key=pinned)
        )
    assert caught.value.kind == "auth"
    message = str(caught.value)
    assert "host key changed or wrong" in message
    assert fingerprint(sftpd.host_key) in message and fingerprint(impostor) in message
    assert files_in(sftpd.root / "incoming") == []


async def test_wrong_password_is_permanent(
    sftpd: SftpServer, secrets: SecretStore, document: OutgoingDocument
) -> None:
    wrong = "feil-Passord-2"
    with pytest.raises(PermanentDeliveryError, match="login refused") as caught:
        await SftpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
            document, destination(sftpd, secrets, secret=wrong)
        )
    assert caught.value.kind == "auth"
    assert wrong not in str(caught.value) and PASSWORD not in str(caught.value)


async def test_unknown_client_key_is_permanent(
    sftpd: SftpServer, secrets: SecretStore, document: OutgoingDocument
) -> None:
    stranger = asyncssh.generate_private_key("ssh-ed25519").export_private_key().decode()
    with pytest.raises(PermanentDeliveryError, match="login refused") as caught:
        await SftpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
            document, destination(sftpd, secrets, auth="key", secret=stranger)
        )
    assert caught.value.kind == "auth"
    assert "PRIVATE KEY" not in str(caught.value)


async def test_server_down_is_transient(
    sftpd: SftpServer, closed_port: int, secrets: SecretStore, document: OutgoingDocument
) -> None:
    with pytest.raises(TransientDeliveryError, match="cannot connect") as caught:
        await SftpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
            document, destination(sftpd, secrets, port=closed_port)
        )
    assert caught.value.kind == "connection"
    assert f"127.0.0.1:{closed_port}" in str(caught.value)


async def test_missing_folder_is_permanent(
    sftpd: SftpServer, secrets: SecretStore, document: OutgoingDocument
) -> None:
    with pytest.raises(PermanentDeliveryError, match="'/nowhere' not found") as failed:
        await SftpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
            document, destination(sftpd, secrets, folder="/nowhere")
        )
    assert failed.value.kind == "not_configured"


async def test_permission_denied_is_permanent(
    server_root: Path, secrets: SecretStore, document: OutgoingDocument
) -> None:
    acceptor, server = await _serve(server_root, _ReadOnlyIncoming)
    try:
        with pytest.raises(PermanentDeliveryError, match="permission denied") as failed:
            await SftpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
                document, destination(server, secrets)
            )
        assert failed.value.kind == "recipient"
    finally:
        acceptor.close()
        await acceptor.wait_closed()
    assert files_in(server_root / "incoming") == []


async def test_connection_dropped_mid_upload_is_transient(
    server_root: Path, secrets: SecretStore, big_document: OutgoingDocument
) -> None:
    acceptor, server = await _serve(server_root, _DroppingServer)
    try:
        with pytest.raises(TransientDeliveryError, match="while uploading") as caught:
            await SftpChannel(secrets, timeout=TIMEOUT, allow_internal=True).deliver(
                big_document, destination(server, secrets)
            )
        assert caught.value.kind == "connection"
    finally:
        acceptor.close()
        await acceptor.wait_closed()
    assert "127.0.0.1" in str(caught.value)
    assert remote_file_name(big_document) not in files_in(server_root / "incoming")


async def test_a_server_inside_our_own_network_is_refused_unless_allowed(
    sftpd: SftpServer, secrets: SecretStore, document: OutgoingDocument
) -> None:
    with pytest.raises(PermanentDeliveryError, match="inside AutoTrans's own network") as failed:
        await SftpChannel(secrets, timeout=TIMEOUT).deliver(document, destination(sftpd, secrets))
    assert failed.value.kind == "not_configured"
    assert not list((sftpd.root / "incoming").glob("*"))
