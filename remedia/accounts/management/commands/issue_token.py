"""`remedia issue-token USERNAME`: print a new API token for a staff user.

To let the token decrypt what its user may read, the user's private key must
be unlocked, which takes their password (`--password-stdin`, or a prompt on a
terminal). Without it the token is issued for metadata only: the server holds
no key it could use on its own (docs/security.md).
"""

from __future__ import annotations

import getpass
import sys
from datetime import timedelta
from typing import Any

from django.contrib.auth import authenticate
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from remedia.accounts import keys, services
from remedia.accounts.models import User


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="What the token is for.")
        parser.add_argument(
            "--days", type=int, default=None, help="Expire after this many days."
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the user's password from standard input, so the token "
            "can decrypt what the user may read.",
        )
        parser.add_argument(
            "--metadata-only",
            action="store_true",
            help="Do not ask for the password; the token will not decrypt content.",
        )

    def _password(self, options: dict[str, Any]) -> str | None:
        if options["password_stdin"]:
            return sys.stdin.readline().rstrip("\n")
        if options["metadata_only"] or not sys.stdin.isatty():
            return None
        return getpass.getpass(f"Password for {options['username']}: ")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(
                f"no active user named {options['username']!r}", returncode=2
            )
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more", returncode=2)
        private_key = None
        password = self._password(options)
        if password is not None:
            if authenticate(username=user.username, password=password) is None:
                raise CommandError("the password is not correct", returncode=2)
            private_key = keys.user_key_unlock(user=user, password=password)
        expires = timezone.now() + timedelta(days=days) if days else None
        _token, raw = services.token_issue(
            user=user, name=options["name"], expires_at=expires, private_key=private_key
        )
        self.stdout.write(raw)
        if private_key is None:
            self.stderr.write(
                "note: this token reads metadata only; to let it decrypt content, "
                "issue it with --password-stdin"
            )
