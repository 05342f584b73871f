"""`remedia import-facilities FILE [--dry-run]`: import a CSV or XLSX facility list.

Whole or not at all (services.facilities_import). Prints, on standard output,
the summary `created N, matched N, updated N, review N, rejected N`; a text
progress bar goes to standard error, and so does every rejected row with its
number and reason. Exit status: 0 imported (or, with --dry-run, importable),
1 the file was rejected and nothing kept, 2 the command could not run (no such
file, a bad argument).

Before it starts, an earlier import whose process was killed is resumed (one
queued from the staff page, its file kept) or marked failed, with a line on
standard error (services.facility_imports_recover).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from remedia.facilities import importing, services, tasks
from remedia.facilities.models import FacilityImport, ImportStatus

_STAGES = {"read": "reading", "match": "matching", "save": "saving"}


class ProgressBar:
    """A one-line bar on a terminal stream, redrawn in place (\\r) a few times a
    second; the last state of each stage is always drawn."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self._last = 0.0
        self._drawn = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < 0.2:
            return
        self._last = now
        label = _STAGES.get(stage, stage)
        if not total:  # still counting
            self.stream.write(f"\r{label:<9} {done:,} rows\x1b[K")
            self.stream.flush()
            self._drawn = True
            return
        share = done / total
        filled = int(self.width * share)
        bar = "#" * filled + "." * (self.width - filled)
        unit = "rows" if stage != "save" else "facilities"
        self.stream.write(
            f"\r{label:<9} [{bar}] {share:4.0%} {done:,}/{total:,} {unit}\x1b[K"
        )
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import facilities from a CSV or XLSX file (columns: name, state, and "
        "optionally legal_name, address, municipality, sector, workers, os_id, "
        "external_id, lat, lng; Spanish headers accepted). All or nothing."
    )
    # The import checks what it needs; the project's system checks (about
    # intake routing, say) are for `remedia check` and the server.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV or XLSX file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be created, matched and updated; store nothing.",
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

        # An earlier import whose process was killed must not stay "running":
        # it is resumed by the worker (queued from the staff page) or failed.
        recovered = tasks.facility_imports_recover_now()
        for import_id in recovered.failed:
            self.stderr.write(
                f"import {import_id} had stopped before finishing and kept nothing: "
                "marked failed"
            )
        for import_id in recovered.resumed:
            self.stderr.write(
                f"import {import_id} had stopped before finishing: queued again"
            )
        dry_run = bool(options["dry_run"])
        verbose = int(options.get("verbosity", 1)) >= 2
        outcomes: list[importing.RowOutcome] | None = [] if verbose else None
        bar = ProgressBar(sys.stderr)
        try:
            result = services.facilities_import(
                data=data,
                file_name=path.name,
                dry_run=dry_run,
                progress=bar,
                outcomes=outcomes,
            )
        finally:
            bar.close()
        self._report(result, outcomes or [], dry_run=dry_run)
        if result.status == ImportStatus.FAILED:
            sys.exit(1)

    def _report(
        self,
        result: FacilityImport,
        outcomes: list[importing.RowOutcome],
        *,
        dry_run: bool,
    ) -> None:
        for outcome in outcomes:
            where = f" -> {outcome.facility}" if outcome.facility else ""
            self.stdout.write(
                f"row {outcome.row}: {outcome.action} ({outcome.how}){where}"
            )
        self.stdout.write(
            f"created {result.created_count}, matched {result.matched_count}, "
            f"updated {result.updated_count}, review {result.review_count}, "
            f"rejected {result.rejected_count}"
        )
        for error in result.errors:
            if error.get("row") is None:
                self.stderr.write(f"file rejected: {error['reason']}")
            else:
                field = f" [{error['field']}]" if error.get("field") else ""
                self.stderr.write(f"row {error['row']}{field}: {error['reason']}")
        if result.status == ImportStatus.FAILED:
            shown = len({e.get("row") for e in result.errors})
            if result.rejected_count > shown:
                self.stderr.write(
                    f"... and more: {result.rejected_count} rows rejected in all"
                )
            self.stderr.write("nothing was imported")
        elif dry_run:
            self.stdout.write("dry run: nothing was stored")
