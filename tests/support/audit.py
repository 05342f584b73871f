"""Helpers for tests of the audit log."""

from __future__ import annotations

from django.db import connection


def restart_audit_sequence() -> None:
    """Number the next audit entry after the highest one stored (PostgreSQL).

    The entries' sequence is not rolled back with a test's transaction, so
    numbers would otherwise carry on from earlier tests. A no-op on SQLite,
    whose next number is the highest stored plus one.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval('core_auditentry_seq', COALESCE(MAX(seq), 0) + 1, false) "
            "FROM core_auditentry"
        )
