"""The one retention loop: rows past their retention period are destroyed.

Each app says which rows have expired (a queryset), which files each row
leaves under which directory, and what its audit entry says; this loop does
the rest the same way for every app. Rows go one by one, each in its own
transaction with its audit entry, so one failure leaves the rows before it
destroyed and audited; they are fetched in batches, so a year of expired rows
never sits in memory at once. Deleting a row deletes what hangs off it (sealed
key grants, notes, messages, timeline) through its foreign keys; the files,
whose keys went with the rows, are unlinked after the commit.

Above the loop, the policy: each app registers its kinds of personal data
(`RetentionKind`), each with its rows, its clock and its period
(``settings.REMEDIA_RETENTION``); `retention_run` destroys what is past it,
kind by kind (the worker's nightly job, `remedia retention-run`), and
`retention_outlook` says what will go when (the administrators' page).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import Min
from django.utils import timezone

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
    directory: Callable[[], Path] | None,
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

            if blobs and directory is not None:

                def unlink(
                    blobs: list[str] = blobs, directory: Callable[[], Path] = directory
                ) -> None:
                    files_unlink(directory(), blobs)

                transaction.on_commit(unlink)
            destroyed += 1
    if destroyed:
        logger.info(event, extra={"count": destroyed})
    return destroyed


def expired_delete(*, rows: models.QuerySet[Any], batch: int = 1000) -> int:
    """Delete `rows` (expired, with no files and no audit entry of their own)
    in batches by key, each batch in its own transaction; returns how many."""
    deleted = 0
    while True:
        keys = list(rows.order_by("pk").values_list("pk", flat=True)[:batch])
        if not keys:
            break
        with transaction.atomic():
            rows.model._default_manager.filter(pk__in=keys).delete()
        deleted += len(keys)
    return deleted


# --- The policy: one kind per thing that holds personal data -----------------------


@dataclass(frozen=True)
class Destroyed:
    """What destroying one kind's expired rows removed: rows and files."""

    rows: int
    files: int = 0


@dataclass(frozen=True)
class RetentionKind:
    """One kind of personal data and how it expires.

    An app registers its kinds at start-up (`retention_kind_register`, in its
    AppConfig.ready), as it registers its home panels: `core` runs them all
    without importing the app.

    - `name`: the key in ``settings.REMEDIA_RETENTION`` (and of the variable
      ``REMEDIA_RETENTION_<NAME>_DAYS``);
    - `rows()`: the rows whose clock runs (a closed report, any notification);
    - `clock`: the field (path) the clock starts from (``closed_at``); a
      `date_clock` is a date, not a moment;
    - `destroy(expired)`: destroys those rows, their keys and their files,
      and says how many went;
    - `files(expired)`: how many files those rows hold (for a dry run);
    - `days()`: the period in days when it is not the setting's (the
      reports' period is the administrator's, `IntakeConfiguration`), None
      when the kind is kept.
    """

    name: str
    label: Any
    clock_label: Any
    rows: Callable[[], models.QuerySet[Any]]
    clock: str
    destroy: Callable[[models.QuerySet[Any]], Destroyed]
    files: Callable[[models.QuerySet[Any]], int] | None = None
    days: Callable[[], int | None] | None = None
    date_clock: bool = False
    order: int = 100


_kinds: dict[str, RetentionKind] = {}


def retention_kind_register(kind: RetentionKind) -> RetentionKind:
    _kinds[kind.name] = kind
    return kind


def retention_kinds() -> list[RetentionKind]:
    return sorted(_kinds.values(), key=lambda k: (k.order, k.name))


def policy_days(name: str) -> int | None:
    """The setting's period for a kind: days, or None (kept, or not set)."""
    value = settings.REMEDIA_RETENTION.get(name)
    if value is None or value == NEVER:
        return None
    return int(value)


def kind_days(kind: RetentionKind) -> int | None:
    """The period in force for a kind: the setting's, else the kind's own."""
    if settings.REMEDIA_RETENTION.get(kind.name) == NEVER:
        return None
    days = policy_days(kind.name)
    if days is None and kind.days is not None:
        days = kind.days()
    return days


NEVER = "never"


def _cutoff(kind: RetentionKind, *, now: datetime, days: int) -> Any:
    cutoff = now - timedelta(days=days)
    return timezone.localdate(cutoff) if kind.date_clock else cutoff


def kind_expired(
    kind: RetentionKind, *, now: datetime, days: int
) -> models.QuerySet[Any]:
    """The kind's rows whose clock started more than `days` before `now`."""
    return kind.rows().filter(
        **{f"{kind.clock}__lt": _cutoff(kind, now=now, days=days)}
    )


@dataclass
class RunResult:
    """What one run destroyed (or, dry, would destroy), kind by kind."""

    at: datetime
    dry_run: bool
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    def total(self) -> int:
        return sum(self.rows.values())


def retention_run(
    *, now: datetime | None = None, dry_run: bool = False, only: str | None = None
) -> RunResult:
    """Destroy, kind by kind, every row past its period (the nightly job).

    A kind that fails is logged and named in the result; the others still
    run. A real run leaves one `retention.destroyed` audit entry with the
    counts per kind (never content), the page's "last run". A dry run
    counts and changes nothing.
    """
    now = now or timezone.now()
    result = RunResult(at=now, dry_run=dry_run)
    for kind in retention_kinds():
        if only is not None and kind.name != only:
            continue
        days = kind_days(kind)
        if days is None:
            continue
        try:
            expired = kind_expired(kind, now=now, days=days)
            if dry_run:
                done = Destroyed(
                    rows=expired.count(),
                    files=kind.files(expired) if kind.files else 0,
                )
            else:
                done = kind.destroy(expired)
        except Exception:
            logger.exception("retention.failed", extra={"kind": kind.name})
            result.failed.append(kind.name)
            continue
        result.rows[kind.name] = done.rows
        result.files[kind.name] = done.files
    if not dry_run:
        audit_record(
            action="retention.destroyed",
            data={
                "rows": result.rows,
                "files": result.files,
                "failed": result.failed,
            },
        )
        logger.info(
            "retention.run",
            extra={"rows": result.total(), "failed": len(result.failed)},
        )
    return result


def retention_last_run() -> tuple[datetime, dict[str, Any]] | None:
    """When the last real run was and what it destroyed (its audit entry)."""
    from remedia.core.models import AuditEntry

    entry = (
        AuditEntry.objects.filter(action="retention.destroyed")
        .order_by("-seq")
        .values_list("at", "data")
        .first()
    )
    return entry


# --- What the administrators' page shows -------------------------------------------

RUN_HOUR, RUN_MINUTE = 2, 40


def next_run(after: datetime) -> datetime:
    """The first nightly run at or after `after`: 02:40 UTC (the job queue
    reads its schedules in UTC)."""
    local = after.astimezone(UTC)
    run = local.replace(hour=RUN_HOUR, minute=RUN_MINUTE, second=0, microsecond=0)
    if run < local:
        run += timedelta(days=1)
    return run


@dataclass(frozen=True)
class KindOutlook:
    """A kind's line on the page: its policy and what is coming."""

    kind: RetentionKind
    days: int | None
    due_next_run: int
    due_30_days: int
    next_destruction: datetime | None
    last_run: int | None


def retention_outlook(*, now: datetime | None = None) -> list[KindOutlook]:
    """Per kind: the period, what the next run destroys, what the next 30 days
    destroy, and when the next destruction is (the run after the first clock
    to run out)."""
    now = now or timezone.now()
    last = retention_last_run()
    last_rows = last[1].get("rows", {}) if last else {}
    lines = []
    for kind in retention_kinds():
        days = kind_days(kind)
        if days is None:
            lines.append(KindOutlook(kind, None, 0, 0, None, last_rows.get(kind.name)))
            continue
        upcoming = next_run(now)
        due_next = kind_expired(kind, now=upcoming, days=days).count()
        due_30 = kind_expired(kind, now=now + timedelta(days=30), days=days).count()
        when: datetime | None
        if due_next:
            when = upcoming
        else:
            first = kind.rows().aggregate(first=Min(kind.clock))["first"]
            when = None if first is None else next_run(_expiry(kind, first, days))
        lines.append(
            KindOutlook(kind, days, due_next, due_30, when, last_rows.get(kind.name))
        )
    return lines


def _expiry(kind: RetentionKind, clock: Any, days: int) -> datetime:
    """When a row whose clock started at `clock` has expired."""
    if kind.date_clock or not isinstance(clock, datetime):
        start = datetime.combine(clock, time.min)
        moment = timezone.make_aware(start) + timedelta(days=days + 1)
    else:
        moment = clock + timedelta(days=days)
    return moment
