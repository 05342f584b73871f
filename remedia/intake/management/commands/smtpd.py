"""`remedia smtpd --port N [--host 127.0.0.1]`: the email intake listener.

Takes mail for `REMEDIA_REPORT_EMAIL` only (no relay) and turns each message
into a report or a follow-up; answers go out through `EMAIL_URL`. In
production it listens on loopback behind the organisation's mail server (which
does TLS and spam filtering), or on a public port when that server forwards.

`remedia smtpd --imap [--interval S] [--once]` instead reads the mailbox at
`REMEDIA_IMAP_URL` every S seconds (default `REMEDIA_IMAP_INTERVAL`, 60),
for a report address hosted elsewhere; each mail is deleted once stored.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from remedia.intake.channels import imap
from remedia.intake.channels.smtpd import controller_new


class Command(BaseCommand):
    help = (
        "Receive reports by email for REMEDIA_REPORT_EMAIL: an SMTP listener, "
        "or with --imap a poller of the mailbox at REMEDIA_IMAP_URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--imap",
            action="store_true",
            help="Poll the mailbox at REMEDIA_IMAP_URL instead of listening.",
        )
        parser.add_argument(
            "--interval",
            type=int,
            default=None,
            help="Seconds between two polls of the mailbox (with --imap).",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="Poll the mailbox once and exit (with --imap).",
        )

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
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        if options["imap"]:
            self._poll(stop, interval=options["interval"], once=options["once"])
        else:
            self._listen(stop, host=options["host"], port=options["port"])

    def _listen(self, stop: threading.Event, *, host: str, port: int) -> None:
        controller = controller_new(host=host, port=port)
        try:
            controller.start()
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
        self.stdout.write(
            f"Listening for mail to {settings.REMEDIA_REPORT_EMAIL} on "
            f"{host}:{controller.port}",
        )
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()

    def _poll(self, stop: threading.Event, *, interval: int | None, once: bool) -> None:
        if not settings.REMEDIA_IMAP_URL:
            raise CommandError(
                "REMEDIA_IMAP_URL is not set: imaps://user:password@host/INBOX."
            )
        try:
            url = imap.mailbox_url_parse(settings.REMEDIA_IMAP_URL)
        except imap.MailboxError as exc:
            raise CommandError(str(exc)) from None
        every = interval if interval is not None else settings.REMEDIA_IMAP_INTERVAL
        if every < 1:
            raise CommandError("--interval must be at least 1 second.")
        self.stdout.write(
            f"Reading the mailbox for {settings.REMEDIA_REPORT_EMAIL} at "
            f"{url.host}:{url.port}" + ("" if once else f" every {every} s")
        )
        self.stdout.flush()
        while True:
            more = False
            try:
                result = imap.mailbox_poll_locked(url)
            except imap.MailboxError as exc:
                if once:
                    raise CommandError(str(exc)) from None
                # A mail server down for a while: say so and try again later.
                self.stderr.write(str(exc))
            else:
                if result is not None:
                    self.stdout.write(
                        f"stored {result.stored}, too big {result.too_big}, "
                        f"failed {result.failed}, waiting {result.left}"
                    )
                    self.stdout.flush()
                    more = result.left > 0
                    if once and result.failed:
                        raise CommandError(
                            f"{result.failed} mail(s) could not be processed; "
                            "they stay in the mailbox."
                        )
            # More mail than one batch: read on at once rather than wait.
            if once or stop.wait(0 if more else every):
                return
