"""`remedia rrm-timeline [--json] [--petition D] ... [--today D]`: Annex 31-A due dates.

The contract is the JSON form (``domain/rrm.md``): one object
``{"steps": [...]}`` on standard output. Without ``--json`` the same steps are
printed as a table for a person. Exit status 2, with a message naming the
argument on standard error and nothing on standard output, when a date is not
an ISO date (YYYY-MM-DD) or the dates given cannot all be true.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from remedia.rrm.deadlines import (
    DATE_ARGUMENTS,
    Step,
    TimelineOrderError,
    date_from_iso,
    timeline_compute,
)

_STEP_LABELS = {
    "ilc_determination": "Determinación del ILC",
    "review_acceptance": "Aceptación de la revisión",
    "review": "Revisión",
    "remediation_consultation": "Consulta sobre la reparación",
}
_STATUS_LABELS = {
    "met": "cumplido",
    "late": "tardío",
    "done_undated": "hecho, sin fecha",
    "pending": "pendiente",
    "overdue": "vencido",
}
_HEADERS = ("Paso", "Desde", "Días", "Vence", "Vence (hábil)", "Hecho", "Estado")


def _iso_date(text: str) -> dt.date:
    """An extended-form ISO date; argparse names the option when this refuses."""
    try:
        return date_from_iso(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _option(argument: str) -> str:
    return "--" + argument.replace("_", "-")


class Command(BaseCommand):
    help = (
        "Print the Annex 31-A (RRM) due dates and statuses that follow from the "
        "dates given, as domain/rrm.md defines them."
    )
    # A pure computation: nothing to check, no database.
    requires_system_checks: list[str] = []

    def create_parser(
        self, prog_name: str, subcommand: str, **kwargs: Any
    ) -> CommandParser:
        # Usage and errors name the command as users type it (remedia/cli.py
        # turns the hyphen into Django's underscore).
        return super().create_parser(prog_name, "rrm-timeline", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json",
            action="store_true",
            help='Print {"steps": [...]} (the contract) instead of a table.',
        )
        for argument in DATE_ARGUMENTS:
            parser.add_argument(
                _option(argument),
                dest=argument,
                type=_iso_date,
                metavar="YYYY-MM-DD",
                help=f"Date of the {argument.replace('_', ' ')}.",
            )
        parser.add_argument(
            "--today",
            type=_iso_date,
            metavar="YYYY-MM-DD",
            help="The day to judge pending and overdue steps by (default: today "
            "in Mexico City).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        dates = {argument: options[argument] for argument in DATE_ARGUMENTS}
        try:
            steps = timeline_compute(today=today, **dates)
        except TimelineOrderError as exc:
            raise CommandError(
                f"{_option(exc.argument)} {exc.value.isoformat()} is before "
                f"{_option(exc.earlier)} {exc.earlier_value.isoformat()}: "
                f"the {exc.earlier.replace('_', ' ')} comes first",
                returncode=2,
            ) from None
        if options["json"]:
            document = {"steps": [step.as_json() for step in steps]}
            self.stdout.write(json.dumps(document, ensure_ascii=False))
        else:
            self._table(steps)

    def _table(self, steps: list[Step]) -> None:
        if not steps:
            self.stdout.write("Sin pasos: no se dio ninguna fecha de inicio.")
            return
        rows = [_HEADERS] + [
            (
                _STEP_LABELS.get(step.step, step.step),
                step.start.isoformat(),
                str(step.days),
                step.due.isoformat(),
                step.due_business.isoformat(),
                step.done.isoformat() if step.done else "—",
                _STATUS_LABELS.get(str(step.status), str(step.status)),
            )
            for step in steps
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(7)]
        for row in rows:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
