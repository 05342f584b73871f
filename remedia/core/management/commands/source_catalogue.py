"""`remedia source-catalogue`: build the es-MX catalogue of source strings
(`remedia/core/source_catalogue.py`); `make messages` runs it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from remedia.core.source_catalogue import spanish_mo, write_spanish_catalogue


class Command(BaseCommand):
    help = (
        "Write the es-MX catalogue: every source string translated to itself, "
        "so Spanish lookups find their string at once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        written, left_out = write_spanish_catalogue()
        self.stdout.write(
            f"{written} source strings written to {spanish_mo()}; "
            f"{len(left_out)} left to another catalogue's Spanish"
        )
