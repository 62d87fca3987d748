"""Real SMTP, FTP and SFTP servers on loopback, each in a thread, for end-to-end tests.

The CLI under test runs its own event loop in the main thread, so every server here runs in a
background thread of its own and is stopped by its fixture.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

TIMEOUT = 20.0


def free_port() -> int:
    """A loopback port that was free a moment ago (aiosmtpd needs the number up front)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps what it received, or answers MAIL/RCPT/DATA with a set
    reply (e.g. '451 ...', '550 ...')."""

    received: list[Envelope] = field(default_factory=list)
    data_reply: str | None = None
    rcpt_reply: str | None = None
    mail_reply: str | None = None

    async def handle_MAIL(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope)
        return "250 2.0.0 Ok: queued as 4F2C1"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(bytes(e.original_content or b""), policy=default_policy)  # type: ignore[misc]
            for e in self.received
        ]


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox

    def env(self) -> dict[str, str]:
        return {
            "AUTOTRANS_SMTP_HOST": "127.0.0.1",
            "AUTOTRANS_SMTP_PORT": str(self.port),
            "AUTOTRANS_SMTP_TLS": "none",
            "AUTOTRANS_SMTP_FROM": "faktura@autotrans.test",
            "AUTOTRANS_SMTP_TIMEOUT": "10",
        }


@pytest.fixture
def smtpd() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, ready_timeout=TIMEOUT)
    controller.start()
    yield SmtpServer(port, mailbox)
    controller.stop()


FTP_USER, FTP_PASSWORD = "regnskap", "ftp-Hemmelig-4711"


@dataclass
class FtpServer:
    port: int
    root: Path


@pytest.fixture
def ftpd(tmp_path: Path) -> Iterator[FtpServer]:
    root = tmp_path / "ftp-root"
    (root / "incoming").mkdir(parents=True)
    authorizer = DummyAuthorizer()
    authorizer.add_user(FTP_USER, FTP_PASSWORD, str(root), perm="elradfmwMT")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "timeout": TIMEOUT})
    server = FTPServer(("127.0.0.1", 0), handler)
    stopping = threading.Event()

    def run() -> None:
        while not stopping.is_set():
            server.serve_forever(timeout=0.05, blocking=False, handle_exit=False)
        server.close_all()

    thread = threading.Thread(target=run, daemon=True, name="e2e-ftpd")
    thread.start()
    yield FtpServer(int(server.address[1]), root)
    stopping.set()
    thread.join(TIMEOUT)


SFTP_USER, SFTP_PASSWORD = "kunde", "sftp-Hemmelig-0815"


class _SshServer(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == SFTP_USER and password == SFTP_PASSWORD


@dataclass
class SftpServer:
    port: int
    root: Path
    host_key_line: str


@pytest.fixture
def sftpd(tmp_path: Path) -> Iterator[SftpServer]:
    root = tmp_path / "sftp-root"
    (root / "incoming").mkdir(parents=True)
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    async def serve() -> None:
        holder["acceptor"] = await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[host_key],
            server_factory=_SshServer,
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root).encode()),
            allow_scp=False,
            login_timeout=TIMEOUT,
        )
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serve())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True, name="e2e-sftpd")
    thread.start()
    assert started.wait(TIMEOUT), "SFTP server did not start"
    acceptor = holder["acceptor"]
    yield SftpServer(acceptor.get_port(), root, host_key.export_public_key().decode().strip())

    async def close() -> None:
        acceptor.close()
        await acceptor.wait_closed()

    asyncio.run_coroutine_threadsafe(close(), loop).result(TIMEOUT)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(TIMEOUT)
