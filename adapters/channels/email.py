"""Delivery by e-mail: a MIME message with the PDF print (and optionally the XML) over SMTP."""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate
from typing import Literal

import aiosmtplib

from adapters.channels.base import (
    Destination,
    Evidence,
    FailureKind,
    OutgoingDocument,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from adapters.channels.naming import sanitise
from adapters.pdf import render_pdf

SmtpTls = Literal["none", "starttls", "implicit"]

_TITLES = {"Invoice": "Faktura", "CreditNote": "Kreditnota"}


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the outgoing SMTP server; `password` is never printed (repr hides it)."""

    host: str
    port: int
    tls: SmtpTls
    user: str | None
    password: str | None = field(repr=False)
    sender: str
    timeout: float = 30.0


def message_id(document: OutgoingDocument) -> str:
    """The Message-ID of every attempt of one transmission, so a retry is recognisable."""
    return f"<{document.transmission_id}@autotrans>"


class EmailChannel:
    """Sends a document as an e-mail with its PDF print attached."""

    name = "email"

    def __init__(
        self,
        settings: SmtpSettings,
        pdf_renderer: Callable[[bytes], bytes] = render_pdf,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._settings = settings
        self._render = pdf_renderer
        self._ssl_context = ssl_context

    def build_message(self, document: OutgoingDocument, destination: Destination) -> EmailMessage:
        """The MIME message for `document`: text body, PDF, and the XML if the options ask."""
        title = _TITLES.get(document.document_type, document.document_type)
        try:
            pdf = self._render(document.body)
        except ValueError as exc:
            raise PermanentDeliveryError(
                f"{title.lower()} {document.number!r}: cannot render the PDF: {exc}"
            ) from exc
        msg = EmailMessage(policy=SMTP_POLICY)
        msg["From"] = self._settings.sender
        msg["To"] = destination.address
        msg["Subject"] = f"{title} {document.number} fra {document.seller_name}"
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = message_id(document)
        msg["X-AutoTrans-Invoice"] = document.invoice_id
        msg.set_content(
            f"Hei,\n\nvedlagt er {title.lower()} {document.number} fra {document.seller_name}"
            f" til {document.buyer_name}.\n\n"
            "Dokumentet er sendt som e-post fordi det er slik dere ønsker å motta det. "
            "PDF-en er en utskrift av det elektroniske EHF-dokumentet"
            + (", som også ligger vedlagt" if self._attach_xml(destination) else "")
            + ".\n\nSendt av AutoTrans.\n"
        )
        stem = f"{title}-{sanitise(document.number)}"
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{stem}.pdf")
        if self._attach_xml(destination):
            msg.add_attachment(
                document.body, maintype="application", subtype="xml", filename=f"{stem}.xml"
            )
        return msg

    @staticmethod
    def _attach_xml(destination: Destination) -> bool:
        return destination.options.get("attach_xml", "false").lower() == "true"

    async def deliver(self, document: OutgoingDocument, destination: Destination) -> Evidence:
        """Send the message; 4xx, timeouts and dropped connections are transient, 5xx permanent."""
        if not destination.address or "@" not in destination.address:
            raise PermanentDeliveryError(
                f"e-mail address {destination.address!r} is not usable", kind="not_configured"
            )
        msg = self.build_message(document, destination)
        s = self._settings
        server = f"SMTP server {s.host}:{s.port} ({s.tls})"
        smtp = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            username=s.user or None,
            password=s.password or None,
            timeout=s.timeout,
            use_tls=s.tls == "implicit",
            start_tls=s.tls == "starttls",
            tls_context=self._ssl_context,
        )
        try:
            async with smtp:
                await smtp.mail(s.sender)
                await smtp.rcpt(destination.address)
                reply = await smtp.data(msg.as_bytes())
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise PermanentDeliveryError(
                f"{server} refused login for user {s.user!r}: {exc.code} {exc.message} "
                "(check AUTOTRANS_SMTP_USER / AUTOTRANS_SMTP_PASSWORD)",
                kind="auth",
            ) from None
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise _classify(exc.recipients[0], server, destination.address) from None
        except aiosmtplib.SMTPSenderRefused as exc:
            # our own sender address (AUTOTRANS_SMTP_FROM) refused: ours to mend
            error = PermanentDeliveryError if exc.code >= 500 else TransientDeliveryError
            raise error(
                f"{server} refused the sender {s.sender!r}: {exc.code} {exc.message}",
                kind="not_configured",
            ) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise _classify(exc, server, destination.address) from None
        except aiosmtplib.SMTPNotSupported as exc:
            raise PermanentDeliveryError(
                f"{server} does not support what we need: {exc}", kind="not_configured"
            ) from None
        except (aiosmtplib.SMTPTimeoutError, TimeoutError) as exc:
            raise TransientDeliveryError(
                f"{server} timed out after {s.timeout:g} s: {exc}", kind="timeout"
            ) from None
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError) as exc:
            if _is_certificate_error(exc):
                raise PermanentDeliveryError(
                    f"{server}: TLS certificate not trusted: {_cause(exc)}", kind="auth"
                ) from None
            raise TransientDeliveryError(
                f"{server} unreachable: {_cause(exc)}", kind="connection"
            ) from None
        except aiosmtplib.SMTPException as exc:
            # What is left is the server lacking something we need, e.g. AUTH without TLS.
            raise PermanentDeliveryError(f"{server}: {exc}") from None
        return Evidence(
            channel=self.name,
            reference=message_id(document),
            detail={
                "recipient": destination.address,
                "smtp_code": str(reply.code),
                "smtp_reply": f"{reply.code} {reply.message}",
                "server": f"{s.host}:{s.port}",
            },
        )


def _classify(
    exc: aiosmtplib.SMTPResponseException, server: str, recipient: str
) -> TransientDeliveryError | PermanentDeliveryError:
    text = f"{server} answered {exc.code} {exc.message} (recipient {recipient})"
    kind = _kind(exc.code, exc.message)
    if 400 <= exc.code < 500:
        return TransientDeliveryError(text, kind=kind)
    return PermanentDeliveryError(text, kind=kind)


_AUTH_CODES = frozenset({454, 530, 534, 535, 538})  # authentication required / refused
# mailbox busy, unknown, full; the domain accepts no mail (RFC 7504)
_RECIPIENT_CODES = frozenset({450, 452, 550, 551, 552, 553, 521, 556})
_ENHANCED = re.compile(r"^[245]\.(\d{1,3})\.\d{1,3}\b")


def _kind(code: int, message: str) -> FailureKind:
    """The failure kind of an SMTP reply: by its enhanced status code where it has one (RFC
    3463: x.1 addressing and x.2 mailbox are the recipient's, x.4 the network, x.7 security
    or policy), else by the reply code."""
    enhanced = _ENHANCED.match(message.strip())
    if enhanced:
        subject = enhanced.group(1)
        if subject in ("1", "2"):
            return "recipient"
        if subject == "4":
            return "connection"
        return "auth" if code in _AUTH_CODES else "other"
    if code in _AUTH_CODES:
        return "auth"
    if code in _RECIPIENT_CODES:
        return "recipient"
    return "connection" if code == 421 else "other"  # 421: the server closes the channel


def _is_certificate_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _cause(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    inner = exc.__cause__
    if inner is not None and str(inner) and str(inner) not in text:
        text = f"{text} ({inner})"
    return text
