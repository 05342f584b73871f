"""`remedia audit-verify`: check the audit chain; non-zero exit names the first bad entry."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from remedia.core.audit import audit_anchor_write, audit_verify


class Command(BaseCommand):
    help = "Seal the audit entries committed so far, then verify the hash chain."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        problem = report.problem
        if problem is None:
            # The verified tip is anchored outside the database (issue 15.4).
            audit_anchor_write(report)
            self.stdout.write(
                f"audit log intact: {report.checked} entries verified "
                f"({report.unsealed} not sealed yet, {report.skipped} sequence "
                "numbers skipped)"
            )
            return
        self.stderr.write(
            f"audit log broken at entry {problem.seq}: {problem.reason} "
            f"({report.checked} entries before it verified)"
        )
        sys.exit(1)
