"""The one retention loop: rows past their retention period are destroyed.

Each app says which rows have expired (a queryset), which files each row
leaves under which directory, and what its audit entry says; this loop does
the rest the same way for every app. Rows go one by one, each in its own
transaction with its audit entry, so one failure leaves the rows before it
destroyed and audited; they are fetched in batches, so a year of expired rows
never sits in memory at once. Deleting a row deletes what hangs off it (sealed
key grants, notes, messages, timeline) through its foreign keys; the files,
whose keys went with the rows, are unlinked after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction

from remedia.core.audit import audit_record
from remedia.core.sealed import files_unlink

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)

BATCH = 200


def expired_destroy(
    *,
    rows: models.QuerySet[M],
    action: str,
    files: Callable[[M], list[str]],
    directory: Callable[[], Path],
    audit_data: Callable[[M, list[str]], dict[str, Any]],
    organisation: Callable[[M], Any] | None = None,
    event: str,
    batch: int = BATCH,
) -> int:
    """Destroy every row of `rows` (the expired ones); returns how many went.

    `files(row)` names the row's files under `directory()`; the audit entry
    is `action` on the row with `audit_data(row, files)` (and the row's
    `organisation(row)` when given); `event` is the log line's name when
    anything was destroyed.
    """
    destroyed = 0
    while True:
        chunk = list(rows.order_by("pk")[:batch])
        if not chunk:
            break
        for row in chunk:
            blobs = files(row)
            with transaction.atomic():
                audit_record(
                    action=action,
                    organisation=organisation(row) if organisation else None,
                    obj=row,
                    data=audit_data(row, blobs),
                )
                row.delete()

            def unlink(blobs: list[str] = blobs) -> None:
                files_unlink(directory(), blobs)

            transaction.on_commit(unlink)
            destroyed += 1
    if destroyed:
        logger.info(event, extra={"count": destroyed})
    return destroyed
