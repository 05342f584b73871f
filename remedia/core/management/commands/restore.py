"""`remedia restore --from PATH --identity SECRET_KEY_FILE`: a backup, back.

Only into an empty database (created, not migrated) and an empty data
directory: anything there and nothing is changed. The backup is decrypted and
every member checked against the manifest before anything is written; then
the database and the files are put in place and the audit chain is verified
(`audit-verify`), which needs the original REMEDIA_SECRET_KEY.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from remedia.core.audit import audit_anchor_write, audit_verify
from remedia.core.backup import (
    BackupError,
    identity_read,
    pending_migrations,
    restore_read,
)


class Command(BaseCommand):
    help = "Restore an encrypted backup into an empty database and data directory."
    # Checks may open the database; nothing may touch it before it is found empty.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", required=True, help="The backup.")
        parser.add_argument(
            "--identity",
            required=True,
            help="The operator's secret key file (backup-keygen's, not the .pub).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            identity = identity_read(options["identity"])
            summary = restore_read(
                source=Path(options["source"]),
                identity=identity,
                progress=self.stdout.write,
            )
        except BackupError as exc:
            raise CommandError(exc.message, returncode=exc.code) from None
        connection.close()
        self.stdout.write(f"restored in {summary.seconds:.1f} s")
        pending = pending_migrations()
        if pending:
            self.stdout.write(
                f"{len(pending)} migrations of this version are not applied yet: "
                "run `remedia migrate`"
            )
        report = audit_verify()
        if report.problem is None:
            audit_anchor_write(report)
            self.stdout.write(f"audit log intact: {report.checked} entries verified")
            return
        self.stderr.write(
            f"audit log broken at entry {report.problem.seq}: {report.problem.reason} "
            f"({report.checked} entries before it verified). If every entry fails, "
            "REMEDIA_SECRET_KEY is not the one of the server the backup came from."
        )
        sys.exit(1)
