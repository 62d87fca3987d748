"""Delivery by upload to the customer's FTP or FTPS server (stdlib ftplib, run in a thread).

Destination: `ftp://user@host:port/folder`, options `tls` = none | explicit | implicit and
`secret_ref` for the password. The file goes up under a temporary name and is renamed when
complete, so the customer never picks up half a file; the size is then checked on the server.
The folder follows RFC 1738: relative to the login directory, `%2F` at its start makes it absolute.
"""

from __future__ import annotations

import asyncio
import contextlib
import ftplib
import hashlib
import io
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from adapters.channels.base import (
    Destination,
    Evidence,
    FailureKind,
    OutgoingDocument,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from adapters.channels.naming import remote_file_name, temporary_name
from adapters.channels.network import connection_failure, public_addresses
from adapters.secrets import SecretStore, SecretStoreError

_TLS_MODES = ("none", "explicit", "implicit")
# 4xx replies that mean "try later" are transient; these 5xx replies are never worth a retry.
_PERMANENT_HINTS = {
    530: "login incorrect: check the user name and password in the customer register",
    550: "permission denied or folder missing on the server",
    552: "the server refuses the file size (quota)",
    553: "the server refuses the file name",
}


@dataclass(frozen=True, slots=True)
class FtpTarget:
    """A parsed `ftp://user@host:port/folder` address."""

    host: str
    port: int
    user: str
    folder: str
    tls: str

    def __str__(self) -> str:
        return f"ftp://{self.user}@{self.host}:{self.port}/{self.folder} (tls={self.tls})"


def parse_target(destination: Destination) -> FtpTarget:
    """Read the destination's address and options, or say what is wrong with them."""
    url = urlsplit(destination.address)
    tls = destination.options.get("tls", "none").lower()
    if url.scheme not in ("ftp", "ftps") or not url.hostname:
        raise PermanentDeliveryError(
            f"FTP address {destination.address!r} is not of the form ftp://user@host:port/folder",
            kind="not_configured",
        )
    if url.password:
        raise PermanentDeliveryError(
            "FTP address must not contain a password: store it with the secret store (secret_ref)",
            kind="not_configured",
        )
    if tls not in _TLS_MODES:
        raise PermanentDeliveryError(
            f"FTP option tls={tls!r} is not one of {', '.join(_TLS_MODES)}", kind="not_configured"
        )
    try:
        port = url.port or (990 if tls == "implicit" else 21)
    except ValueError:
        raise PermanentDeliveryError(
            f"FTP address {destination.address!r}: bad port", kind="not_configured"
        ) from None
    return FtpTarget(
        host=url.hostname,
        port=port,
        user=unquote(url.username or "anonymous"),
        folder=unquote(url.path[1:]) if url.path.startswith("/") else unquote(url.path),
        tls=tls,
    )


class _FtpTls(ftplib.FTP_TLS):
    """FTP_TLS that reuses the control channel's TLS session on data connections.

    Many servers (vsftpd, FileZilla, ProFTPD with TLSOptions) refuse a data connection that does
    not resume the control session; stdlib ftplib does not do it by itself.
    """

    def ntransfercmd(self, cmd: str, rest: int | str | None = None) -> tuple[socket.socket, int]:
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:  # type: ignore[attr-defined]
            session = getattr(self.sock, "session", None)
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=session)
        return conn, size  # type: ignore[return-value]


class _ImplicitFtpTls(_FtpTls):
    """FTPS with TLS from the first byte (port 990 style), which ftplib has no switch for."""

    def connect(
        self,
        host: str = "",
        port: int = 0,
        timeout: float = -999,
        source_address: tuple[str, int] | None = None,
    ) -> str:
        self.port, self.timeout = port, timeout
        raw = socket.create_connection((host, port), timeout)
        self.af = raw.family
        # the certificate is checked against the name we were given, not the vetted address
        self.host = self.host or host
        self.sock = self.context.wrap_socket(raw, server_hostname=self.host)
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome


class FtpChannel:
    """Uploads a document to an FTP/FTPS folder: temporary name, rename, size check."""

    name = "ftp"

    def __init__(
        self,
        secrets: SecretStore,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
        allow_internal: bool = False,
    ) -> None:
        self._secrets = secrets
        self._ssl_context = ssl_context
        self._timeout = timeout
        self._allow_internal = allow_internal

    async def deliver(self, document: OutgoingDocument, destination: Destination) -> Evidence:
        """Upload `document`; raise Transient/PermanentDeliveryError with the server's reply."""
        target = parse_target(destination)
        password = self._password(destination)
        name = remote_file_name(document)
        phase = ["connecting"]  # what the worker thread was doing, for the error message
        try:
            detail = await asyncio.to_thread(
                self._upload, target, password, name, document.body, phase
            )
        except ftplib.error_temp as exc:
            text = _reply(exc)
            raise TransientDeliveryError(
                f"{target}: server answered {text} while {phase[-1]}", kind=_kind(_code(text))
            ) from None
        except ftplib.error_perm as exc:
            text = _reply(exc)
            hint = _PERMANENT_HINTS.get(_code(text), "")
            raise PermanentDeliveryError(
                f"{target}: server answered {text} while {phase[-1]}"
                + (f" ({hint})" if hint else ""),
                kind=_kind(_code(text)),
            ) from None
        except ssl.SSLCertVerificationError as exc:
            raise PermanentDeliveryError(
                f"{target}: TLS certificate not trusted: {exc}", kind="auth"
            ) from None
        except (ftplib.error_reply, ftplib.error_proto) as exc:
            raise TransientDeliveryError(
                f"{target}: unexpected reply {_reply(exc)} while {phase[-1]}", kind="other"
            ) from None
        except (OSError, EOFError) as exc:
            raise connection_failure(target, phase[-1], exc) from None
        path = detail.pop("path")
        return Evidence(channel=self.name, reference=path, detail=detail)

    def _password(self, destination: Destination) -> str:
        ref = destination.options.get("secret_ref")
        if not ref:
            return ""
        try:
            return self._secrets.get(ref)
        except SecretStoreError as exc:
            raise PermanentDeliveryError(
                f"FTP password for {destination}: {exc}", kind="not_configured"
            ) from None

    def _connect(self, target: FtpTarget) -> ftplib.FTP:
        """Connect to the first of the host's vetted addresses that answers. ftplib checks TLS
        certificates (control and data connections) against `host`: kept as the name."""
        addresses = public_addresses(target.host, target.port, allow_internal=self._allow_internal)
        refused: OSError | None = None
        for address in addresses:
            ftp = self._client(target)
            ftp.host = target.host  # the implicit-TLS handshake happens inside connect()
            try:
                ftp.connect(address, target.port, timeout=self._timeout)
            except OSError as exc:
                ftp.close()
                refused = exc
                continue
            ftp.host = target.host
            return ftp
        assert refused is not None
        raise refused

    def _client(self, target: FtpTarget) -> ftplib.FTP:
        context = self._ssl_context or ssl.create_default_context()
        if target.tls == "implicit":
            return _ImplicitFtpTls(context=context, timeout=self._timeout)
        if target.tls == "explicit":
            return _FtpTls(context=context, timeout=self._timeout)
        return ftplib.FTP(timeout=self._timeout)

    def _upload(
        self, target: FtpTarget, password: str, name: str, body: bytes, phase: list[str]
    ) -> dict[str, Any]:
        ftp = self._connect(target)
        try:
            phase.append("logging in")
            ftp.login(target.user, password)  # FTP_TLS.login sends AUTH TLS first when explicit
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
            ftp.set_pasv(True)
            if target.folder:
                phase.append(f"changing to folder {target.folder}")
                ftp.cwd(target.folder)
            folder = ftp.pwd()
            temporary = temporary_name(name)
            phase.append(f"uploading {temporary}")
            stored = ftp.storbinary(f"STOR {temporary}", io.BytesIO(body))
            phase.append(f"renaming {temporary} to {name}")
            _replace(ftp, temporary, name)
            phase.append(f"checking the size of {name}")
            size, verified_by = _remote_size(ftp, name)
            if size is not None and size != len(body):
                raise ftplib.error_temp(
                    f"451 size check failed: {name} is {size} bytes on the server, sent {len(body)}"
                )
            with contextlib.suppress(*ftplib.all_errors):
                ftp.quit()
        finally:
            ftp.close()
        path = f"{folder.rstrip('/')}/{name}"
        return {
            "path": path,
            "url": f"ftp://{target.user}@{target.host}:{target.port}{path}",
            "size": str(len(body)),
            "sha256": hashlib.sha256(body).hexdigest(),
            "size_verified_by": verified_by,
            "ftp_reply": stored,
            "tls": target.tls,
        }


def _replace(ftp: ftplib.FTP, temporary: str, name: str) -> None:
    """Rename over an earlier attempt's file; a server that refuses to overwrite gets a DELE."""
    try:
        ftp.rename(temporary, name)
    except ftplib.error_perm:
        with contextlib.suppress(ftplib.error_perm):
            ftp.delete(name)
        ftp.rename(temporary, name)


def _remote_size(ftp: ftplib.FTP, name: str) -> tuple[int | None, str]:
    """The file's size on the server by SIZE, else by an MLSD listing; None when neither works."""
    with contextlib.suppress(ftplib.error_perm, ftplib.error_reply):
        size = ftp.size(name)
        if size is not None:
            return int(size), "SIZE"
    with contextlib.suppress(ftplib.error_perm, ftplib.error_reply):
        for entry, facts in ftp.mlsd(facts=["size"]):
            if entry == name and "size" in facts:
                return int(facts["size"]), "MLSD"
    return None, "none"


def _reply(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _code(reply: str) -> int:
    head = reply[:3]
    return int(head) if head.isdigit() else 0


def _kind(code: int) -> FailureKind:
    """The failure kind of an FTP reply code (RFC 959)."""
    if code in (430, 530, 532):
        return "auth"
    if code in (450, 452, 550, 551, 552, 553):
        return "recipient"  # the file or folder refused, or no room for it
    if code in (421, 425, 426):
        return "connection"
    return "other"
