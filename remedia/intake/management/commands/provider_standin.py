"""`remedia provider-standin --port N`: the telephony provider's REST API, played locally.

For demos: point `TWILIO_API_URL` at it and handler replies to SMS and
WhatsApp workers show up here instead of going out. It listens on 127.0.0.1
only and prints each request it serves.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from remedia.intake.channels.standin import ProviderStandin


class Command(BaseCommand):
    help = "Run a local stand-in for the telephony provider's REST API (127.0.0.1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument(
            "--account-sid",
            default=None,
            help="Defaults to TWILIO_ACCOUNT_SID.",
        )
        parser.add_argument(
            "--auth-token",
            default=None,
            help="Defaults to TWILIO_AUTH_TOKEN.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sid = options["account_sid"] or settings.TWILIO_ACCOUNT_SID
        token = options["auth_token"] or settings.TWILIO_AUTH_TOKEN
        if not sid or not token:
            raise CommandError(
                "Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN "
                "(or --account-sid and --auth-token)."
            )

        def show(event: str, details: dict[str, Any]) -> None:
            shown = " ".join(f"{k}={v!r}" for k, v in details.items())
            self.stdout.write(f"{event} {shown}")
            self.stdout.flush()

        standin = ProviderStandin(
            account_sid=sid, auth_token=token, port=options["port"], on_event=show
        )
        try:
            standin.start()
        except OSError as exc:
            raise CommandError(
                f"cannot listen on port {options['port']}: {exc}"
            ) from None
        self.stdout.write(
            f"provider stand-in on {standin.url} (account {sid}); "
            f"set TWILIO_API_URL={standin.url}"
        )
        self.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            standin.stop()
