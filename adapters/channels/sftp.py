"""Delivery by upload to the customer's SFTP server (asyncssh), with a pinned host key.

Destination: `sftp://user@host:port/folder`, options `host_key` (one OpenSSH public key line,
e.g. "ssh-ed25519 AAAA..."), `auth` = password | key and `secret_ref` (the password, or the
private key in OpenSSH/PEM text). There is no trust on first use: without a pinned key, or with a
different one, the attempt fails permanently and says which key the server presented.
The folder is absolute (`/incoming`); `/~/incoming` is relative to the login directory.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncssh

from adapters.channels.base import (
    Destination,
    Evidence,
    OutgoingDocument,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from adapters.channels.naming import remote_file_name, temporary_name
from adapters.channels.network import connection_failure, public_addresses
from adapters.secrets import SecretStore, SecretStoreError


@dataclass(frozen=True, slots=True)
class SftpTarget:
    """A parsed `sftp://user@host:port/folder` address."""

    host: str
    port: int
    user: str
    folder: str

    def __str__(self) -> str:
        return f"sftp://{self.user}@{self.host}:{self.port}{self.folder or '/~'}"


def parse_target(destination: Destination) -> SftpTarget:
    """Read the destination's address, or say what is wrong with it."""
    url = urlsplit(destination.address)
    if url.scheme != "sftp" or not url.hostname or not url.username:
        raise PermanentDeliveryError(
            f"SFTP address {destination.address!r} is not of the form sftp://user@host:port/folder",
            kind="not_configured",
        )
    if url.password:
        raise PermanentDeliveryError(
            "SFTP address must not contain a password: store it with the secret store (secret_ref)",
            kind="not_configured",
        )
    try:
        port = url.port or 22
    except ValueError:
        raise PermanentDeliveryError(
            f"SFTP address {destination.address!r}: bad port", kind="not_configured"
        ) from None
    folder = unquote(url.path)
    if folder.startswith("/~"):
        folder = folder[2:].lstrip("/")  # relative to the login directory
    return SftpTarget(host=url.hostname, port=port, user=unquote(url.username), folder=folder)


def fingerprint(key: asyncssh.SSHKey) -> str:
    """`ssh-ed25519 SHA256:...`, as `ssh-keygen -lf` shows it."""
    return f"{key.get_algorithm()} {key.get_fingerprint('sha256')}"


class _HostKeyWitness(asyncssh.SSHClient):
    """Remembers the host key the server presented when it is not the pinned one."""

    def __init__(self) -> None:
        self.presented: asyncssh.SSHKey | None = None

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        self.presented = key
        return False


class SftpChannel:
    """Uploads a document to an SFTP folder: temporary name, rename, size check."""

    name = "sftp"

    def __init__(
        self, secrets: SecretStore, *, timeout: float = 30.0, allow_internal: bool = False
    ) -> None:
        self._secrets = secrets
        self._timeout = timeout
        self._allow_internal = allow_internal

    async def deliver(self, document: OutgoingDocument, destination: Destination) -> Evidence:
        """Upload `document`; raise Transient/PermanentDeliveryError with a reason."""
        target = parse_target(destination)
        pinned = self._pinned_key(destination, target)
        credentials = self._credentials(destination, target)
        witness = _HostKeyWitness()
        name = remote_file_name(document)
        phase = ["connecting"]  # what the upload was doing, for the error message
        try:
            async with asyncio.timeout(self._timeout * 2):
                # the host key is pinned, so connecting to a vetted address loses nothing
                addresses = await asyncio.to_thread(
                    public_addresses, target.host, target.port, allow_internal=self._allow_internal
                )
                conn = await _first_answering(
                    addresses,
                    target.port,
                    username=target.user,
                    known_hosts=([pinned] if pinned else [], [], []),
                    client_factory=lambda: witness,
                    connect_timeout=self._timeout,
                    login_timeout=self._timeout,
                    config=None,
                    agent_path=None,
                    preferred_auth="password" if credentials["password"] else "publickey",
                    **credentials,
                )
                async with conn:
                    detail = await self._upload(conn, target, name, document.body, phase)
        except asyncssh.HostKeyNotVerifiable:
            raise PermanentDeliveryError(
                _host_key_message(target, pinned, witness), kind="auth"
            ) from None
        except asyncssh.KeyExchangeFailed as exc:
            raise PermanentDeliveryError(
                f"{target}: key exchange failed ({exc.reason}); if the server has no "
                f"{pinned.get_algorithm() if pinned else ''} host key, pin the key it has",
                kind="auth",
            ) from None
        except asyncssh.PermissionDenied as exc:
            raise PermanentDeliveryError(
                f"{target}: login refused for user {target.user!r} ({exc.reason}): check the "
                "password or key in the customer register",
                kind="auth",
            ) from None
        except (asyncssh.SFTPPermissionDenied, asyncssh.SFTPWriteProtect) as exc:
            raise PermanentDeliveryError(
                f"{target}: permission denied while {phase[-1]}: {exc.reason}", kind="recipient"
            ) from None
        except (
            asyncssh.SFTPNoSuchFile,
            asyncssh.SFTPNoSuchPath,
            asyncssh.SFTPNotADirectory,
        ) as exc:
            raise PermanentDeliveryError(
                f"{target}: folder {target.folder or '~'!r} not found: {exc.reason}",
                kind="not_configured",
            ) from None
        except asyncssh.SFTPQuotaExceeded as exc:
            raise PermanentDeliveryError(
                f"{target}: quota exceeded: {exc.reason}", kind="recipient"
            ) from None
        except asyncssh.SFTPError as exc:
            # SFTP v3 has one code (FX_FAILURE) for disk full and most else: worth a retry.
            raise TransientDeliveryError(
                f"{target}: SFTP error {exc.code} while {phase[-1]}: {exc.reason}", kind="other"
            ) from None
        except asyncssh.DisconnectError as exc:
            raise TransientDeliveryError(
                f"{target}: disconnected while {phase[-1]}: {exc.reason}", kind="connection"
            ) from None
        except TimeoutError:
            raise TransientDeliveryError(
                f"{target}: timed out after {self._timeout:g} s while {phase[-1]}", kind="timeout"
            ) from None
        except (OSError, asyncssh.ChannelOpenError) as exc:
            raise connection_failure(target, phase[-1], exc) from None
        path = detail.pop("path")
        return Evidence(channel=self.name, reference=path, detail=detail)

    def _pinned_key(self, destination: Destination, target: SftpTarget) -> asyncssh.SSHKey | None:
        line = destination.options.get("host_key", "").strip()
        if not line:
            return None
        try:
            return asyncssh.import_public_key(line)
        except (asyncssh.KeyImportError, ValueError):
            raise PermanentDeliveryError(
                f"{target}: pinned host_key is not an OpenSSH public key line "
                "('ssh-ed25519 AAAA...', as in the server's /etc/ssh/ssh_host_*_key.pub)",
                kind="not_configured",
            ) from None

    def _credentials(self, destination: Destination, target: SftpTarget) -> dict[str, Any]:
        auth = destination.options.get("auth", "password").lower()
        if auth not in ("password", "key"):
            raise PermanentDeliveryError(
                f"{target}: option auth={auth!r} is not password or key", kind="not_configured"
            )
        ref = destination.options.get("secret_ref", "")
        if not ref:
            raise PermanentDeliveryError(
                f"{target}: no secret_ref for the {auth}", kind="not_configured"
            )
        try:
            secret = self._secrets.get(ref)
        except SecretStoreError as exc:
            raise PermanentDeliveryError(
                f"{target}: {auth} not available: {exc}", kind="not_configured"
            ) from None
        if auth == "password":
            return {"password": secret, "client_keys": []}
        try:
            key = asyncssh.import_private_key(secret)
        except (asyncssh.KeyImportError, ValueError):
            raise PermanentDeliveryError(
                f"{target}: the private key in {ref} cannot be read "
                "(OpenSSH or PEM, no passphrase)",
                kind="not_configured",
            ) from None
        return {"client_keys": [key], "password": None}

    async def _upload(
        self,
        conn: asyncssh.SSHClientConnection,
        target: SftpTarget,
        name: str,
        body: bytes,
        phase: list[str],
    ) -> dict[str, Any]:
        phase.append("starting SFTP")
        async with conn.start_sftp_client() as sftp:
            if target.folder:
                phase.append(f"changing to folder {target.folder}")
                await sftp.chdir(target.folder)
            folder = str(await sftp.getcwd())
            temporary = temporary_name(name)
            phase.append(f"uploading {temporary}")
            async with sftp.open(temporary, "wb") as remote:
                await remote.write(body)
            phase.append(f"renaming {temporary} to {name}")
            try:
                await sftp.posix_rename(temporary, name)
            except asyncssh.SFTPOpUnsupported:
                if await sftp.exists(name):
                    await sftp.remove(name)
                await sftp.rename(temporary, name)
            phase.append(f"checking the size of {name}")
            size = (await sftp.stat(name)).size
        if size != len(body):
            raise TransientDeliveryError(
                f"{target}: size check failed: {name} is {size} bytes on the server, "
                f"sent {len(body)}",
                kind="other",
            )
        path = f"{folder.rstrip('/')}/{name}"
        return {
            "path": path,
            "url": f"sftp://{target.user}@{target.host}:{target.port}{path}",
            "size": str(len(body)),
            "sha256": hashlib.sha256(body).hexdigest(),
            "size_verified_by": "stat",
        }


def _host_key_message(
    target: SftpTarget, pinned: asyncssh.SSHKey | None, witness: _HostKeyWitness
) -> str:
    presented = fingerprint(witness.presented) if witness.presented else "an unreadable key"
    if pinned is None:
        return (
            f"{target}: no host key is pinned for this destination, and keys are never trusted "
            f"on first use; the server presented {presented}: check it with the customer and "
            "set --host-key"
        )
    return (
        f"{target}: host key changed or wrong: the server presented {presented}, "
        f"the customer register pins {fingerprint(pinned)}; do not deliver until the customer "
        "confirms the new key"
    )


async def _first_answering(addresses: list[str], port: int, **options: Any) -> Any:
    """An SSH connection to the first address that accepts one (as asyncssh would try each
    address of a name); a refusal of the login or of the host key is final, not tried again."""
    refused: OSError | None = None
    for address in addresses:
        try:
            return await asyncssh.connect(address, port, **options)
        except OSError as exc:
            refused = exc
    assert refused is not None
    raise refused
