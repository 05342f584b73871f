"""A real SMTP listener (aiosmtpd) on a free local port, as the `smtp` fixture.

Notifications and alerts of every app are checked the whole way: signal, job,
Notification row, SMTP. Safe under pytest-xdist: each listener takes a port
the system hands out.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from remedia.accounts.models import User

# Where notification emails point (settings.REMEDIA_BASE_URL under `smtp`).
BASE_URL = "http://127.0.0.1:8000"


# --- A real SMTP listener ------------------------------------------------------------------


@dataclass(frozen=True)
class Delivered:
    recipients: list[str]
    raw: bytes
    message: EmailMessage

    @property
    def subject(self) -> str:
        # A long subject is folded into encoded words; read it back unfolded.
        return " ".join(str(self.message["Subject"]).split())

    @property
    def body(self) -> str:
        return str(self.message.get_content())


class Mailbox:
    """The aiosmtpd handler: keeps every message the server accepted."""

    def __init__(self) -> None:
        self.delivered: list[Delivered] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content or envelope.content)
        message = BytesParser(policy=policy.default).parsebytes(raw)
        with self._lock:
            self.delivered.append(
                Delivered(
                    recipients=list(envelope.rcpt_tos),
                    raw=raw,
                    message=message,  # type: ignore[arg-type]
                )
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Delivered]:
        return [d for d in self.delivered if address in d.recipients]

    def recipients(self) -> list[str]:
        return sorted(r for d in self.delivered for r in d.recipients)

    def clear(self) -> None:
        with self._lock:
            self.delivered.clear()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings, db) -> Iterator[Mailbox]:
    """Django's SMTP backend pointed at a listener on a free local port."""
    mailbox = Mailbox()
    # The listener's own log would print every recipient of the test run.
    server_log = logging.getLogger("mail.log")
    level = server_log.level
    server_log.setLevel(logging.WARNING)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.REMEDIA_BASE_URL = BASE_URL
    try:
        yield mailbox
    finally:
        controller.stop()
        server_log.setLevel(level)
    # Whatever a test did, nobody but staff ever received an email.
    staff = set(User.objects.exclude(email="").values_list("email", flat=True))
    assert set(mailbox.recipients()) <= staff
