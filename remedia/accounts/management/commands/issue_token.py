"""`remedia issue-token USERNAME`: print a new API token for a staff user."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from remedia.accounts import services
from remedia.accounts.models import User


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="What the token is for.")
        parser.add_argument(
            "--days", type=int, default=None, help="Expire after this many days."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(
                f"no active user named {options['username']!r}", returncode=2
            )
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more", returncode=2)
        expires = timezone.now() + timedelta(days=days) if days else None
        _token, raw = services.token_issue(
            user=user, name=options["name"], expires_at=expires
        )
        self.stdout.write(raw)
