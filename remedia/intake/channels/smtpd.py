"""The email listener: an SMTP server that takes mail for the report address only.

It is not a relay: a recipient other than `REMEDIA_REPORT_EMAIL` is refused at
RCPT (550), so nothing received here is ever passed on. A message over
`MESSAGE_MAX_BYTES` is refused at DATA (552) by aiosmtpd's own size limit
(advertised in EHLO as SIZE), so the sending server tells the worker at once
and nothing partial is kept. Each accepted message is handed to
`channels.email.mail_receive` on a worker thread (the ORM is synchronous),
and answered 250 only once it has been stored, or deliberately not stored and
the worker told why.

aiosmtpd logs every peer's address, sender and recipients at INFO; those are
network identifiers and contacts, so its logger is narrowed to warnings with
their details removed, and this module logs only event names and counts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections

from remedia.intake.channels import email as email_channel

logger = logging.getLogger(__name__)


class _NoPeerDetails(logging.Filter):
    """aiosmtpd's records carry the peer's address and the envelope; keep the event only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return False
        record.msg = "smtpd.protocol_warning"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


def _quiet_library_log() -> None:
    library = logging.getLogger("mail.log")
    library.setLevel(logging.WARNING)
    if not any(isinstance(f, _NoPeerDetails) for f in library.filters):
        library.addFilter(_NoPeerDetails())


def _address_key(address: str) -> str:
    return (address or "").strip().strip("<>").lower()


def _process(raw: bytes, envelope_from: str) -> email_channel.Outcome:
    # Each worker thread has its own database connection; drop stale ones.
    close_old_connections()
    try:
        return email_channel.mail_receive(raw, envelope_from=envelope_from)
    finally:
        close_old_connections()


class ReportMailHandler:
    """aiosmtpd handler: one recipient (the report address), then one mail."""

    def __init__(
        self,
        *,
        report_address: str,
        executor: Executor | None = None,
        process: Callable[[bytes, str], Any] = _process,
    ) -> None:
        self.report_address = _address_key(report_address)
        self.executor = executor
        self.process = process

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if _address_key(address) != self.report_address:
            logger.info("smtpd.recipient_refused")
            return "550 5.1.1 Este buzón no existe aquí / No such mailbox here"
        if not envelope.rcpt_tos:
            # The same address twice still makes one report.
            envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if not envelope.rcpt_tos:
            return "503 5.5.1 Falta el destinatario / Need RCPT"
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if len(raw) > email_channel.MESSAGE_MAX_BYTES:
            return "552 5.3.4 Mensaje demasiado grande / Message too big"
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(
                self.executor, self.process, raw, envelope.mail_from or ""
            )
        except Exception as exc:
            # Whatever failed (the database, a bug), the mail must not be lost:
            # 451: the sending server keeps the mail and tries again later.
            logger.error("smtpd.processing_failed", extra={"error": type(exc).__name__})
            return "451 4.3.0 Intente más tarde / Try again later"
        logger.info("smtpd.accepted", extra={"outcome": str(outcome)})
        return "250 OK"


class ReportMailController(Controller):
    """aiosmtpd's threaded controller, able to bind port 0 (tests) and say which."""

    def _create_server(self) -> Any:
        async def bound() -> asyncio.AbstractServer:
            server = await self.loop.create_server(
                self._factory_invoker, host=self.hostname, port=self.port
            )
            self.port = server.sockets[0].getsockname()[1]
            return server

        return bound()


def controller_new(
    *,
    host: str = "127.0.0.1",
    port: int = 8025,
    executor: Executor | None = None,
    process: Callable[[bytes, str], Any] = _process,
) -> ReportMailController:
    """A listener for `REMEDIA_REPORT_EMAIL` (not yet started)."""
    _quiet_library_log()
    address = settings.REMEDIA_REPORT_EMAIL
    if not address:
        raise ValueError("REMEDIA_REPORT_EMAIL is not set.")
    handler = ReportMailHandler(
        report_address=address,
        executor=executor or ThreadPoolExecutor(max_workers=4),
        process=process,
    )
    return ReportMailController(
        handler,
        hostname=host,
        port=port,
        # Named after the report address's domain: no DNS lookup of our own name.
        server_hostname=address.rsplit("@", 1)[-1],
        data_size_limit=email_channel.MESSAGE_MAX_BYTES,
        # 8BITMIME and SMTPUTF8 so non-ASCII mail arrives as sent.
        enable_SMTPUTF8=True,
        decode_data=False,
        ident="Remedia",
    )
