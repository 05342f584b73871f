"""`remedia backup-keygen --out FILE`: the operator's keypair for backups.

Writes the secret key to FILE (mode 600) and the public key to FILE.pub. Run
it on the operator's own machine, not on the server: the server needs only the
public key (`remedia backup --recipient FILE.pub`); the secret key opens every
backup and belongs offline (docs/operations.md, "Backups").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from remedia.core.backup import keypair_new


class Command(BaseCommand):
    help = "Write a keypair for encrypted backups: FILE (secret) and FILE.pub."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", required=True, help="Where to write the secret key (and .pub)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        secret_path = Path(options["out"])
        public_path = secret_path.with_name(secret_path.name + ".pub")
        for path in (secret_path, public_path):
            if path.exists():
                raise CommandError(
                    f"{path} already exists; not overwritten", returncode=2
                )
        if not secret_path.parent.is_dir():
            raise CommandError(f"{secret_path.parent} is not a directory", returncode=2)
        secret, public = keypair_new()
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(
                "# Remedia backup SECRET key: it opens every backup made to the\n"
                "# public key beside it. Keep it offline, never on the server.\n"
                f"{secret}\n"
            )
        public_path.write_text(
            "# Remedia backup public key: give it to `remedia backup --recipient`.\n"
            f"{public}\n",
            encoding="utf-8",
        )
        self.stdout.write(f"secret key: {secret_path} (keep it off the server)")
        self.stdout.write(f"public key: {public_path}")
        self.stdout.write(public)
