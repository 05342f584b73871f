"""`remedia retention-run [--dry-run]`: destroy what is past its retention period.

The same run as the worker's nightly job (core.retention.retention_run). With
--dry-run it counts, kind by kind, what would go, and changes nothing.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from remedia.core.retention import kind_days, retention_kinds, retention_run


class Command(BaseCommand):
    help = "Destroy the personal data past its retention period (or count it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be destroyed; change nothing.",
        )
        parser.add_argument(
            "--kind", help="Only this kind (reports, cases, sessions...)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = {kind.name: kind for kind in retention_kinds()}
        only = options.get("kind")
        if only and only not in kinds:
            raise CommandError(
                f"unknown kind {only!r}; one of: {', '.join(sorted(kinds))}"
            )
        dry_run = bool(options["dry_run"])
        result = retention_run(dry_run=dry_run, only=only)
        verb = "would destroy" if dry_run else "destroyed"
        for name, kind in kinds.items():
            if only and name != only:
                continue
            days = kind_days(kind)
            if days is None:
                self.stdout.write(f"{name}: kept (no period)")
            elif name in result.failed:
                self.stdout.write(f"{name}: FAILED (see the log)")
            else:
                self.stdout.write(
                    f"{name}: {verb} {result.rows.get(name, 0)} "
                    f"({result.files.get(name, 0)} files), period {days} days"
                )
        if result.failed:
            sys.exit(1)
