"""The e-mail channel against a real aiosmtpd server on loopback (plain, and STARTTLS + AUTH)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from adapters.channels.base import (
    DeliveryError,
    Destination,
    OutgoingDocument,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from adapters.channels.email import EmailChannel, SmtpSettings, SmtpTls
from tests.servers import Mailbox

from .conftest import TIMEOUT, Tls, free_port

USER, PASSWORD = "autotrans", "smtp-Passord-9x"
RECIPIENT = "ap@customer.no"


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    tls: SmtpTls


def _authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def _start(mailbox: Mailbox, **server_kwargs: Any) -> Controller:
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        ready_timeout=TIMEOUT,
        **server_kwargs,
    )
    controller.start()
    return controller


@pytest.fixture
def plain_smtp() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    controller = _start(mailbox)
    yield SmtpServer(controller.port, mailbox, "none")
    controller.stop()


@pytest.fixture
def starttls_smtp(tls: Tls) -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    controller = _start(
        mailbox,
        tls_context=tls.server_context(),
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    yield SmtpServer(controller.port, mailbox, "starttls")
    controller.stop()


def channel(
    server: SmtpServer, tls: Tls | None = None, user: str | None = None, password: str | None = None
) -> EmailChannel:
    settings = SmtpSettings(
        host="127.0.0.1",
        port=server.port,
        tls=server.tls,
        user=user,
        password=password,
        sender="faktura@autotrans.no",
        timeout=TIMEOUT,
    )
    return EmailChannel(settings, ssl_context=tls.client_context() if tls else None)


TO = Destination("email", RECIPIENT)


async def test_plain_delivery_sends_pdf_and_deterministic_message_id(
    plain_smtp: SmtpServer, document: OutgoingDocument
) -> None:
    evidence = await channel(plain_smtp).deliver(document, TO)

    expected_id = f"<{document.transmission_id}@autotrans>"
    assert evidence.channel == "email"
    assert evidence.reference == expected_id
    assert evidence.detail["smtp_code"] == "250"
    assert evidence.detail["smtp_reply"] == "250 2.0.0 Ok: queued as 4F2C1"

    (envelope,) = plain_smtp.mailbox.received
    assert envelope.mail_from == "faktura@autotrans.no" and envelope.rcpt_tos == [RECIPIENT]
    (msg,) = plain_smtp.mailbox.messages()
    assert msg["Message-ID"] == expected_id
    assert msg["Subject"] == "Faktura TOSL108 fra The Sellercompany ASA"
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None and "faktura TOSL108" in body.get_content()
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["Faktura-TOSL108.pdf"]
    pdf = attachments[0].get_content()
    assert attachments[0].get_content_type() == "application/pdf" and pdf.startswith(b"%PDF-")


async def test_xml_attached_when_asked_and_retry_keeps_message_id(
    plain_smtp: SmtpServer, document: OutgoingDocument
) -> None:
    to = Destination("email", RECIPIENT, {"attach_xml": "true"})
    sender = channel(plain_smtp)
    await sender.deliver(document, to)
    await sender.deliver(document, to)  # a retry after a crash: same Message-ID

    first, second = plain_smtp.mailbox.messages()
    assert first["Message-ID"] == second["Message-ID"]
    names = [a.get_filename() for a in first.iter_attachments()]
    assert names == ["Faktura-TOSL108.pdf", "Faktura-TOSL108.xml"]
    xml_part = list(first.iter_attachments())[1]
    assert xml_part.get_content_type() == "application/xml"
    assert xml_part.get_payload(decode=True) == document.body


async def test_starttls_with_auth_delivers(
    starttls_smtp: SmtpServer, tls: Tls, document: OutgoingDocument
) -> None:
    evidence = await channel(starttls_smtp, tls, USER, PASSWORD).deliver(document, TO)
    assert evidence.detail["smtp_code"] == "250"
    assert len(starttls_smtp.mailbox.received) == 1


async def test_wrong_password_is_permanent_and_not_echoed(
    starttls_smtp: SmtpServer, tls: Tls, document: OutgoingDocument
) -> None:
    wrong = "wrong-Passord-7"
    with pytest.raises(PermanentDeliveryError) as caught:
        await channel(starttls_smtp, tls, USER, wrong).deliver(document, TO)
    assert caught.value.kind == "auth"
    message = str(caught.value)
    assert "535" in message and "refused login" in message and USER in message
    assert wrong not in message and PASSWORD not in message
    assert wrong not in repr(channel(starttls_smtp, tls, USER, wrong)._settings)
    assert starttls_smtp.mailbox.received == []


async def test_untrusted_certificate_is_permanent(
    starttls_smtp: SmtpServer, document: OutgoingDocument
) -> None:
    with pytest.raises(PermanentDeliveryError, match="certificate not trusted") as failed:
        await channel(starttls_smtp, None, USER, PASSWORD).deliver(document, TO)
    assert failed.value.kind == "auth"


async def test_server_down_is_transient(closed_port: int, document: OutgoingDocument) -> None:
    down = SmtpServer(closed_port, Mailbox(), "none")
    with pytest.raises(
        TransientDeliveryError, match=rf"127.0.0.1:{closed_port}.*unreachable"
    ) as failed:
        await channel(down, user=USER, password=PASSWORD).deliver(document, TO)
    assert failed.value.kind == "connection"


async def test_silent_server_times_out_as_transient(document: OutgoingDocument) -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        settings = SmtpSettings("127.0.0.1", port, "none", None, None, "f@autotrans.no", 1.0)
        with pytest.raises(TransientDeliveryError, match="timed out") as failed:
            await EmailChannel(settings).deliver(document, TO)
        assert failed.value.kind == "timeout"


@pytest.mark.parametrize(
    ("hook", "reply", "error", "kind"),
    [
        (
            "data_reply",
            "451 4.3.0 Mail server temporarily rejected message",
            TransientDeliveryError,
            "other",
        ),
        ("rcpt_reply", "452 4.2.2 Mailbox full", TransientDeliveryError, "recipient"),
        ("data_reply", "550 5.7.1 Message rejected as spam", PermanentDeliveryError, "other"),
        ("rcpt_reply", "550 5.1.1 No such user", PermanentDeliveryError, "recipient"),
        ("rcpt_reply", "550 No such user here", PermanentDeliveryError, "recipient"),
        ("rcpt_reply", "421 4.4.2 Closing connection", TransientDeliveryError, "connection"),
    ],
)
async def test_4xx_is_transient_and_5xx_permanent(
    plain_smtp: SmtpServer,
    document: OutgoingDocument,
    hook: str,
    reply: str,
    error: type[Exception],
    kind: str,
) -> None:
    setattr(plain_smtp.mailbox, hook, reply)
    with pytest.raises(error) as caught:
        await channel(plain_smtp).deliver(document, TO)
    assert reply in str(caught.value) and RECIPIENT in str(caught.value)
    assert isinstance(caught.value, DeliveryError) and caught.value.kind == kind
    assert plain_smtp.mailbox.received == []


async def test_our_sender_address_refused_is_ours_to_mend(
    plain_smtp: SmtpServer, document: OutgoingDocument
) -> None:
    plain_smtp.mailbox.mail_reply = "553 5.7.1 Sender address not owned by user"
    with pytest.raises(PermanentDeliveryError, match="refused the sender") as caught:
        await channel(plain_smtp).deliver(document, TO)
    assert caught.value.kind == "not_configured" and "553" in str(caught.value)


async def test_unusable_address_is_permanent(document: OutgoingDocument) -> None:
    settings = SmtpSettings("127.0.0.1", 1, "none", None, None, "f@autotrans.no", 1.0)
    with pytest.raises(PermanentDeliveryError, match="not usable") as failed:
        await EmailChannel(settings).deliver(document, Destination("email", "nobody"))
    assert failed.value.kind == "not_configured"
