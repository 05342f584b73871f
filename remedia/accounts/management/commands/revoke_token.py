"""`remedia revoke-token PREFIX`: revoke the token that starts with PREFIX."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from remedia.accounts import services
from remedia.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token by its visible prefix (see the admin's token list)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        matches = list(ApiToken.objects.filter(prefix=options["prefix"][:10]))
        if len(matches) != 1:
            raise CommandError(
                f"{len(matches)} tokens match {options['prefix']!r}; need exactly one",
                returncode=2,
            )
        services.token_revoke(token=matches[0], revoked_by=None)
        self.stdout.write(f"revoked {matches[0].prefix}")
