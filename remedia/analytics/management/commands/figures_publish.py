"""`remedia figures-publish [--through YYYY-MM-DD]`: count, suppress and publish
the public figures (`/cifras/`).

By default the figures run to the end of the last complete month, as the
worker's daily job publishes them; `--through` picks another last day (the
demo publishes through today). Exit status 2, with a message naming the
argument, when the date is not an ISO date or lies in the future.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from remedia.analytics import public_figures


class Command(BaseCommand):
    help = "Count, suppress and publish the public figures of /cifras/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--through",
            metavar="YYYY-MM-DD",
            help="last day counted (default: the last day of the previous month)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        before = None
        if options["through"]:
            try:
                through = dt.date.fromisoformat(options["through"])
            except ValueError:
                raise CommandError(
                    "--through: expected a date as YYYY-MM-DD", returncode=2
                ) from None
            if through > timezone.localdate():
                raise CommandError(
                    f"--through: the date is after today ({timezone.localdate()}, "
                    "local time)",
                    returncode=2,
                )
            before = through + dt.timedelta(days=1)
        publication = public_figures.publication_create(before=before)
        suppressed = _suppressed(publication.figures)
        self.stdout.write(
            f"published figures through {publication.figures['through']} "
            f"(threshold {publication.threshold}; {suppressed} cells suppressed)"
        )


def _suppressed(figures: dict[str, Any]) -> int:
    count = 0
    for table in figures["tables"]:
        cells = [table["total"]]
        if table["kind"] == "two_way":
            cells += [c for row in table["cells"] for c in row]
            cells += table["row_totals"] + table["column_totals"]
        else:
            cells += table["cells"]
        count += sum(1 for c in cells if c["suppressed"])
    return count
