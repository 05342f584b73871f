"""`remedia rrm-import FILE [--dry-run]`: load a newer file of the public RRM record.

The file has exactly the columns of ``rrm-cases.csv``. Prints, on standard
output, each case created or updated with what changed (``field: old → new``)
and the summary ``created N, updated N, unchanged N``. Exit status: 0 imported
(or, with --dry-run, importable), 1 the file has errors (each on standard
error with its row and column) and nothing was stored, 2 the command could not
run (no such file, a bad argument).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from remedia.rrm import services


class Command(BaseCommand):
    help = (
        "Import a file of the public RRM record (the columns of rrm-cases.csv): "
        "creates new cases, updates changed ones by case_id. All or nothing."
    )
    requires_system_checks: list[str] = []

    def create_parser(
        self, prog_name: str, subcommand: str, **kwargs: Any
    ) -> CommandParser:
        return super().create_parser(prog_name, "rrm-import", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file (UTF-8, with a header row).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be created and updated; store nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"no such file: {path}", returncode=2) from None
        except IsADirectoryError:
            raise CommandError(
                f"{path} is a directory, not a file", returncode=2
            ) from None
        except OSError as exc:
            raise CommandError(
                f"cannot read {path}: {exc.strerror or exc}", returncode=2
            ) from None
        try:
            result = services.rrm_record_import(
                data=data, dry_run=bool(options["dry_run"])
            )
        except services.RecordRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            self.stderr.write(f"{len(exc.errors)} error(s); nothing was imported")
            sys.exit(1)
        for slug in result.created:
            self.stdout.write(f"created {slug}")
        for slug, changes in result.updated.items():
            self.stdout.write(f"updated {slug}")
            for change in changes:
                self.stdout.write(f"  {change}")
        counts = result.counts()
        self.stdout.write(
            f"created {counts['created']}, updated {counts['updated']}, "
            f"unchanged {counts['unchanged']}"
        )
        if result.dry_run:
            self.stdout.write("dry run: nothing was stored")
