"""`remedia smtpd --port N [--host 127.0.0.1]`: the email intake listener.

Takes mail for `REMEDIA_REPORT_EMAIL` only (no relay) and turns each message
into a report or a follow-up; answers go out through `EMAIL_URL`. In
production it listens on loopback behind the organisation's mail server (which
does TLS and spam filtering), or on a public port when that server forwards.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from remedia.intake.channels.smtpd import controller_new


class Command(BaseCommand):
    help = "Receive reports by email for REMEDIA_REPORT_EMAIL (an SMTP listener)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REMEDIA_REPORT_EMAIL:
            raise CommandError(
                "REMEDIA_REPORT_EMAIL is not set: the listener needs the address "
                "workers write to."
            )
        if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
            # Development only: the answers, with workers' addresses, go to stdout.
            self.stderr.write(
                "EMAIL_URL is not set: answers to workers are printed here, "
                "addresses included. Set EMAIL_URL outside development."
            )
        controller = controller_new(host=options["host"], port=options["port"])
        try:
            controller.start()
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(
            f"Listening for mail to {settings.REMEDIA_REPORT_EMAIL} on "
            f"{options['host']}:{controller.port}",
        )
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
