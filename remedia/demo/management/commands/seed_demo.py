"""`remedia seed-demo`: idempotent demo data; secrets printed on the first run only."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from remedia.demo.services import seed_demo


class Command(BaseCommand):
    help = "Load the demo organisations, users and data (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_demo()
        if result.organisations:
            self.stdout.write(
                "Organisation recovery keys (shown only now; they recover members' "
                "access if a password is lost):"
            )
            for org in result.organisations:
                self.stdout.write(f"  {org.name}\n    {org.recovery_key}")
        if result.receipts:
            self.stdout.write("Demo report receipts (follow them up at /seguimiento/):")
            for facility, receipt in result.receipts:
                self.stdout.write(f"  {receipt}  {facility}")
        if result.survey_code:
            self.stdout.write(
                "INISA course: workers answer the neutrality statement survey at "
                f"/encuesta/ with the code {result.survey_code}"
            )
        if not result.users:
            self.stdout.write("demo users already present; nothing to print")
            return
        self.stdout.write(
            "Demo users (shown only now; add the TOTP secret to an authenticator app):"
        )
        for cred in result.users:
            self.stdout.write(
                f"  {cred.username:<12} password: {cred.password:<18} "
                f"TOTP secret: {cred.totp_secret}"
            )
