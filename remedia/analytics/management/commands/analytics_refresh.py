"""`remedia analytics-refresh`: rebuild the staff dashboard's figures now.

What the worker does every ten minutes; prints how many rows of figures it
wrote and how long it took. Exit status 0 on success, 1 if it failed (the
old figures stay).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from remedia.analytics import services


class Command(BaseCommand):
    help = "Rebuild the staff dashboard's aggregates (reports and cases) now."
    requires_system_checks: list[str] = []

    def create_parser(
        self, prog_name: str, subcommand: str, **kwargs: Any
    ) -> CommandParser:
        return super().create_parser(prog_name, "analytics-refresh", **kwargs)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = services.refresh()
        except Exception as exc:
            raise CommandError(f"refresh failed: {type(exc).__name__}") from exc
        assert run.finished_at is not None  # noqa: S101 (set by a finished run)
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(f"{run.rows} rows in {seconds:.1f} s")
