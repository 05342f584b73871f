"""Large exports as jobs: the worker writes the file, a page shows the progress
and then the download link.

An app registers a producer once, at start-up (its `AppConfig.ready`):

    from remedia.core import exports

    def reports_producer(parameters, user, progress):
        rows = report_rows(viewer=user, **parameters)     # the viewer's scope
        progress(0, rows.count())                         # the total, if known
        return [exports.Sheet(title=_("Denuncias"), header=[...],
                              rows=(row_cells(r) for r in rows.iterator()))]

    exports.export_register(
        "analytics.reports", producer=reports_producer,
        label=_("Denuncias"), filename="denuncias", capability="analytics.read",
    )

and its view starts a job and sends the person to its page:

    job = exports.export_start(user=request.user, name="analytics.reports",
                               file_format="xlsx", parameters={"year": 2026})
    return redirect("exports:detail", export_id=job.pk)

The producer is called in the worker with the parameters (JSON), the user who
asked (it must apply that user's scope: the job does not) and
`progress(done, total)`; it returns sheets (`core.tables.Sheet`), whose rows
may be lazy. While the file is written the job counts the rows into `done`,
so a producer of lazy rows only announces `total`. Every text cell is
neutralised against formulas (`core.tables`). A CSV holds one table: sheets
after the first follow it, each after an empty row and its title.

The file is encrypted (a key derived from the secret key for this purpose
alone) under ``DATA_DIR/exports/`` and deleted at `expires_at`
(REMEDIA_EXPORT_KEEP_HOURS after it was made) by `exports_housekeeping`, run
every few minutes by the worker. Only the person who asked sees the job and
downloads it; every download is audited.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from remedia.core.audit import audit_record
from remedia.core.crypto import DecryptionFailed, subkey, unwrap, wrap
from remedia.core.errors import NotFound
from remedia.core.jobqueue import PRIORITY_WAITED
from remedia.core.kit import capability_allowed, invalid
from remedia.core.models import ExportJob
from remedia.core.storage import data_subdir
from remedia.core.tables import Cell, Sheet, csv_bytes, xlsx_sheets_bytes

logger = logging.getLogger(__name__)

__all__ = ["Sheet", "export_register", "export_start"]

DIRECTORY = "exports"
# XLSX holds 1,048,576 rows a sheet; an export refuses to be larger than that.
MAX_ROWS = 1_048_575
# Jobs a person may have waiting or running at once.
MAX_PENDING = 3
# A running job whose progress has not moved for this long has lost its worker.
STALE = timedelta(minutes=15)
# A job that never started (its queued message lost) is failed after this long.
NEVER_STARTED = timedelta(hours=6)
# Finished jobs are listed this long after their file is gone, then deleted.
KEEP_ROWS = timedelta(days=30)
# At most one progress write a second.
PROGRESS_EVERY = 1.0

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Why a job failed, by the code kept on the row.
ERRORS: dict[str, Promise] = {
    "too_large": _(
        "La exportación tiene más de 1 048 575 filas, el máximo de una hoja. "
        "Acote los filtros y pídala de nuevo."
    ),
    "stopped": _("El proceso que hacía esta exportación se detuvo. Pídala de nuevo."),
    "refused": _("Ya no tiene acceso a estos datos."),
    "failed": _(
        "La exportación falló por un error interno. Pídala de nuevo; si vuelve "
        "a fallar, avise a quien administra Remedia."
    ),
}

Progress = Callable[[int, int], None]
Producer = Callable[[dict[str, Any], Any, Progress], Sequence[Sheet]]


@dataclass(frozen=True)
class ExportKind:
    """A registered export: who may ask for it and what makes it."""

    name: str
    producer: Producer
    label: str | Promise
    filename: str
    capability: str | None = None


_REGISTRY: dict[str, ExportKind] = {}


def export_register(
    name: str,
    *,
    producer: Producer,
    label: str | Promise,
    filename: str = "",
    capability: str | None = None,
) -> ExportKind:
    """Register (or replace) the producer of the export `name`.

    `capability`: only holders of it in some organisation may start it (the
    producer still applies the user's own scope). `filename`: the download's
    name before its date and extension (letters, digits, "-" and "_").
    """
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in filename or name)
    kind = ExportKind(name, producer, label, safe.strip("-") or "export", capability)
    _REGISTRY[name] = kind
    return kind


def export_kind(name: str) -> ExportKind | None:
    return _REGISTRY.get(name)


def _allowed(user: Any, kind: ExportKind) -> bool:
    return kind.capability is None or capability_allowed(user, kind.capability)


# --- Starting a job ---------------------------------------------------------------------


def export_start(
    *,
    user: Any,
    name: str,
    file_format: str,
    parameters: dict[str, Any] | None = None,
) -> ExportJob:
    """Queue the export `name` for `user`; the job runs once this commits.

    Refused with `InvalidInput` (a clear, translated reason): an unknown
    format, a person with MAX_PENDING jobs already waiting; with `NotFound`:
    an unknown name or one the user may not start.
    """
    kind = export_kind(name)
    if kind is None or not _allowed(user, kind):
        raise NotFound
    if file_format not in ExportJob.Format.values:
        raise invalid("format", _("Elija CSV o XLSX."))
    with transaction.atomic():
        pending = ExportJob.objects.filter(
            requested_by=user,
            status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
        ).count()
        if pending >= MAX_PENDING:
            raise invalid(
                "format",
                _(
                    "Ya tiene %(count)s exportaciones en curso. Espere a que "
                    "terminen y pida esta de nuevo."
                )
                % {"count": pending},
            )
        job = ExportJob.objects.create(
            requested_by=user,
            name=name,
            format=file_format,
            parameters=dict(parameters or {}),
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        audit_record(
            action="export.requested",
            actor=user,
            obj=job,
            data={"name": name, "format": file_format},
        )
        job_id = str(job.pk)
        # Queued after the commit; if the queue is down the job is kept in
        # the database and queued later (core.jobqueue).
        transaction.on_commit(lambda: export_job(job_id))
    return job


# --- Running a job ----------------------------------------------------------------------


@db_task(priority=PRIORITY_WAITED)
def export_job(job_id: str) -> None:
    """The worker's side: run the queued export `job_id` (see `export_run`)."""
    export_run(job_id)


def _claim(job_id: str) -> ExportJob | None:
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update()
            .select_related("requested_by")
            .filter(pk=job_id, status=ExportJob.Status.QUEUED)
            .first()
        )
        if job is None:
            return None  # already taken (queued twice), finished, or gone
        job.status = ExportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])
    return job


class _Tracker:
    """The job's progress: the producer's reports and the rows written, kept
    in the row at most once a second."""

    def __init__(self, job: ExportJob) -> None:
        self.job = job
        self.done = 0
        self.total = 0
        self.written = 0
        self._at = 0.0

    def report(self, done: int, total: int = 0) -> None:
        self.done = max(self.done, int(done))
        self.total = max(self.total, int(total or 0))
        self._save()

    def row(self) -> None:
        self.written += 1
        if self.written > MAX_ROWS:
            raise _TooLarge
        self.done = max(self.done, self.written)
        self._save()

    def _save(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._at < PROGRESS_EVERY:
            return
        self._at = now
        ExportJob.objects.filter(pk=self.job.pk).update(
            progress_done=min(self.done, self.total) if self.total else self.done,
            progress_total=self.total,
            updated_at=timezone.now(),
        )

    def counted(self, rows: Iterable[Iterable[Cell]]) -> Iterator[Iterable[Cell]]:
        for row in rows:
            self.row()
            yield row


class _TooLarge(Exception):
    pass


def _bytes(file_format: str, sheets: Sequence[Sheet], tracker: _Tracker) -> bytes:
    counted = [
        Sheet(title=s.title, header=s.header, rows=tracker.counted(s.rows))
        for s in sheets
    ]
    if file_format == ExportJob.Format.XLSX:
        return xlsx_sheets_bytes(counted)
    if not counted:
        return csv_bytes(header=[], rows=[])
    first, *others = counted

    def rows() -> Iterator[Iterable[Cell]]:
        yield from first.rows
        for sheet in others:
            yield []
            yield [sheet.title]
            yield sheet.header
            yield from sheet.rows

    return csv_bytes(header=first.header, rows=rows())


def _key(secret: str | None = None) -> bytes:
    return subkey("export-files", secret=secret)


def _read(path: Path) -> bytes | None:
    """The file's content; None if it is gone or no key opens it. Files made
    before the secret key was rotated open with the previous key (listed in
    REMEDIA_SECRET_KEY_FALLBACKS)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    for secret in (None, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        try:
            return unwrap(data, key=_key(secret))
        except DecryptionFailed:
            continue
    return None


def _fail(job: ExportJob, code: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.FAILED,
        error=code,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def export_run(job_id: str) -> None:
    """Run the export `job_id` here and now: the producer, the file, the row.

    Whatever goes wrong, the job ends (failed, with a reason for its page);
    nothing of the producer's data reaches the log.
    """
    job = _claim(job_id)
    if job is None:
        return
    kind = export_kind(job.name)
    user = job.requested_by
    if kind is None or not user.is_active or not _allowed(user, kind):
        _fail(job, "refused")
        return
    tracker = _Tracker(job)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            sheets = kind.producer(dict(job.parameters), user, tracker.report)
            content = _bytes(job.format, sheets, tracker)
    except _TooLarge:
        _fail(job, "too_large")
        return
    except (NotFound, PermissionError):
        _fail(job, "refused")
        return
    except Exception:
        logger.exception(
            "export.failed", extra={"export": job_id, "export_name": job.name}
        )
        _fail(job, "failed")
        return
    name = f"{job.pk}-{secrets.token_hex(8)}.bin"
    path = data_subdir(DIRECTORY) / name
    encrypted = wrap(content, key=_key())
    path.write_bytes(encrypted)
    now = timezone.now()
    total = max(tracker.total, tracker.done, tracker.written)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        file=name,
        size=len(content),
        progress_done=total,
        progress_total=total,
        finished_at=now,
        expires_at=now + timedelta(hours=settings.REMEDIA_EXPORT_KEEP_HOURS),
        updated_at=now,
    )
    logger.info(
        "export.done", extra={"export": job_id, "export_name": job.name, "rows": total}
    )


# --- Reading a job ----------------------------------------------------------------------


def export_get(*, user: Any, export_id: Any) -> ExportJob:
    """The job, for the person who asked for it only; anyone else: `NotFound`."""
    job = ExportJob.objects.filter(pk=export_id, requested_by=user).first()
    if job is None or not getattr(user, "is_authenticated", False):
        raise NotFound
    return job


def export_list(*, user: Any, limit: int = 50) -> list[ExportJob]:
    return list(
        ExportJob.objects.filter(requested_by=user).order_by("-created_at")[:limit]
    )


def export_ready(job: ExportJob) -> bool:
    """Whether the file can be downloaded now."""
    return (
        job.status == ExportJob.Status.DONE
        and bool(job.file)
        and job.expires_at is not None
        and job.expires_at > timezone.now()
    )


def export_filename(job: ExportJob) -> str:
    kind = export_kind(job.name)
    stem = kind.filename if kind is not None else "export"
    when = timezone.localtime(job.finished_at or job.created_at)
    return f"{stem}-{when:%Y%m%d-%H%M}.{job.format}"


def export_label(job: ExportJob) -> str:
    kind = export_kind(job.name)
    return str(kind.label) if kind is not None else job.name


def export_error(job: ExportJob) -> str:
    return str(ERRORS.get(job.error, ERRORS["failed"])) if job.error else ""


def export_open(*, user: Any, export_id: Any) -> tuple[ExportJob, bytes]:
    """The job and its file for the person who asked for it; audited.

    `NotFound` for anyone else, and for a file not ready, expired or gone."""
    job = export_get(user=user, export_id=export_id)
    if not export_ready(job):
        raise NotFound
    path = data_subdir(DIRECTORY) / Path(job.file).name
    content = _read(path)
    if content is None:
        logger.warning("export.file_unreadable", extra={"export": str(job.pk)})
        raise NotFound
    audit_record(
        action="export.downloaded",
        actor=user,
        obj=job,
        data={"name": job.name, "format": job.format, "bytes": len(content)},
    )
    return job, content


# --- Housekeeping -----------------------------------------------------------------------


@dataclass
class HousekeepingReport:
    expired: int = 0
    stopped: int = 0
    deleted_rows: int = 0
    orphans: int = 0


def exports_housekeeping_now() -> HousekeepingReport:
    """Delete the files past their time (and any file no job claims), fail
    the jobs whose worker stopped, and forget old finished jobs."""
    report = HousekeepingReport()
    now = timezone.now()
    directory = data_subdir(DIRECTORY)
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(file=""):
        (directory / Path(job.file).name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        report.expired += 1
    report.stopped = ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING, updated_at__lt=now - STALE
    ).update(status=ExportJob.Status.FAILED, error="stopped", finished_at=now)
    report.stopped += ExportJob.objects.filter(
        status=ExportJob.Status.QUEUED, created_at__lt=now - NEVER_STARTED
    ).update(status=ExportJob.Status.FAILED, error="stopped", finished_at=now)
    report.deleted_rows, _detail = ExportJob.objects.filter(
        finished_at__lt=now
        - KEEP_ROWS
        - timedelta(hours=settings.REMEDIA_EXPORT_KEEP_HOURS),
        file="",
    ).delete()
    # A file whose job is gone (its user deleted) or that was never recorded
    # (the worker stopped between writing it and saving the job).
    kept = set(ExportJob.objects.exclude(file="").values_list("file", flat=True))
    oldest = time.time() - STALE.total_seconds()
    for path in directory.iterdir():
        if path.name not in kept and path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)
            report.orphans += 1
    if report.expired or report.stopped or report.orphans:
        logger.info("export.housekeeping", extra=report.__dict__)
    return report


@db_periodic_task(crontab(minute="*/5"))
def exports_housekeeping() -> None:
    """Every five minutes: expired export files deleted (docs/security.md)."""
    exports_housekeeping_now()
