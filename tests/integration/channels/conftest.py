"""Fixtures for the channel adapters' tests: a document, certificates, secrets, ports."""

from __future__ import annotations

import hashlib
import socket
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from adapters.channels.base import OutgoingDocument
from adapters.secrets import SecretStore

# Generous: the suite must stay green on a loaded 2-core machine.
TIMEOUT = 20.0


def free_port() -> int:
    """A loopback port nobody listens on (for servers that cannot bind port 0 themselves)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening: the 'server down' case."""
    return free_port()


def make_document(
    body: bytes, number: str = "TOSL108", transmission: str = "t-1"
) -> OutgoingDocument:
    """An outgoing document around an EHF body, with ids as the broker would derive them."""
    return OutgoingDocument(
        transmission_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"transmission/{transmission}")),
        invoice_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"invoice/{number}")),
        document_type="Invoice",
        number=number,
        seller_name="The Sellercompany ASA",
        buyer_name="Buyercompany ASA",
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
    )


@pytest.fixture(scope="session")
def invoice_xml(ehf_dir: Path) -> bytes:
    """The Norwegian EHF 3 sample invoice (TOSL108, seller 123456785)."""
    return (ehf_dir / "valid" / "no" / "ehf-3-faktura-1.xml").read_bytes()


@pytest.fixture
def document(invoice_xml: bytes) -> OutgoingDocument:
    return make_document(invoice_xml)


@pytest.fixture
def big_document(invoice_xml: bytes) -> OutgoingDocument:
    """A 16 MiB document (padded with an XML comment): bigger than any loopback socket buffer."""
    padding = b"<!--" + b"x" * (16 * 1024 * 1024) + b"-->\n"
    return make_document(invoice_xml + padding, transmission="t-big")


@dataclass(frozen=True)
class Tls:
    """A test CA with a certificate for 127.0.0.1: server side files and client trust."""

    ca: trustme.CA
    leaf: trustme.LeafCert
    cert_and_key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.leaf.configure_cert(ctx)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        self.ca.configure_trust(ctx)
        return ctx


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """Certificates generated for this test session (never checked in)."""
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    path = tmp_path_factory.mktemp("tls") / "server.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(path))
    return Tls(ca=ca, leaf=leaf, cert_and_key=path)


@pytest.fixture
def secrets(tmp_path: Path) -> SecretStore:
    """A secret store in a fresh data directory (key file created on first use)."""
    return SecretStore(tmp_path / "data")


@pytest.fixture
def server_root(tmp_path: Path) -> Iterator[Path]:
    """The file server's root, with an `incoming` folder the customer picks files up from."""
    root = tmp_path / "server"
    (root / "incoming").mkdir(parents=True)
    yield root


def files_in(folder: Path) -> list[str]:
    """Every entry in `folder`, hidden ones included, sorted."""
    return sorted(p.name for p in folder.iterdir())
