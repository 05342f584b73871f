"""`remedia seed-demo`: idempotent demo data; credentials printed on the first run only."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from remedia.demo.services import seed_accounts


class Command(BaseCommand):
    help = "Load the demo organisations, users and data (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed_accounts()
        if not created:
            self.stdout.write("demo users already present; nothing to print")
            return
        self.stdout.write(
            "Demo users (shown only now; add the TOTP secret to an authenticator app):"
        )
        for cred in created:
            self.stdout.write(
                f"  {cred.username:<12} password: {cred.password:<18} "
                f"TOTP secret: {cred.totp_secret}"
            )
