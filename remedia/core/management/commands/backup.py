"""`remedia backup --to PATH --recipient KEY`: one encrypted backup of everything.

The database (SQLite online backup or `pg_dump --format=custom`), the data
directory and the audit anchor, with a manifest of sizes and SHA-256, in one
file encrypted to the operator's public key (remedia/core/backup.py). PATH is
a new file or a directory (the file is then named remedia-<UTC time>.backup).
Prints the file's name and sizes, never a file name of the data or any content.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from remedia.core.backup import BackupError, backup_write, recipient_read


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


class Command(BaseCommand):
    help = "Write an encrypted backup of the database and the data directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to", required=True, help="A new file, or a directory to write one in."
        )
        parser.add_argument(
            "--recipient",
            required=True,
            help="The operator's public key: its file (backup-keygen's .pub) or "
            "its text.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            recipient = recipient_read(options["recipient"])
            summary = backup_write(to=Path(options["to"]), recipient=recipient)
        except BackupError as exc:
            raise CommandError(exc.message, returncode=exc.code) from None
        self.stdout.write(
            f"backup written: {summary.path} ({_mb(summary.archive_bytes)}; database "
            f"{_mb(summary.database_bytes)}, {summary.files} files of "
            f"{_mb(summary.data_bytes)}) in {summary.seconds:.1f} s"
        )
        if summary.vanished:
            self.stdout.write(
                f"{summary.vanished} files were deleted while the backup ran "
                "(retention) and are not in it"
            )
