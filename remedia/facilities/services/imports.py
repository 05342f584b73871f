"""Import of facility lists and the review queue."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError, NotFound
from remedia.facilities import bulk, importing
from remedia.facilities.models import (
    CandidateStatus,
    Facility,
    FacilityImport,
    FacilityImportFile,
    FacilityMatchCandidate,
    ImportedRow,
    ImportStatus,
)
from remedia.facilities.services.matcher import (
    MatchRecord,
    MatchResult,
    index_words,
    match_decision_remember,
    match_records,
)
from remedia.facilities.services.registry import (
    facility_alias_add,
    facility_create,
    facility_source_for_user,
    facility_update,
)

logger = logging.getLogger(__name__)


# (issue 4, item 2: `remedia import-facilities`, the staff import page, the queue)
#
# Reading and checking a file, planning where each row goes and the bulk writes
# are in importing.py; here is the transaction around them and the decisions a
# person takes in the review queue.
#
# What is kept: a real import keeps its `FacilityImport` row (counts, and the
# errors when the file was rejected, so the person who sent it sees why). A
# dry run writes nothing to the registry; it keeps its `FacilityImport` row only
# when one was made for it beforehand (`facility_import_queue`, the staff page,
# which must show the result of a job), never from the command line.

# Rejected rows kept on a failed import; a file with more is wrong throughout.
IMPORT_ERRORS_KEPT = 10_000
# PostgreSQL advisory lock that makes imports write one at a time (SQLite's
# IMMEDIATE transactions already do).
_IMPORT_LOCK = 0x52454D31


def _import_matcher(rows: list[importing.CleanRow]) -> list[MatchResult]:
    return match_records(
        [
            MatchRecord(
                name=r.name,
                address=r.address,
                municipality=r.municipality,
                state=r.state,
            )
            for r in rows
        ]
    )


def _import_progress(
    facility_import: FacilityImport, progress: importing.Progress | None
) -> importing.Progress:
    """Pass progress on, and keep the import row current for the staff page
    and for `facility_imports_recover`: the count while rows are matched (at
    most twice a second), the heartbeat at every stage but saving (the save is
    one transaction: what it would write is seen only at its end)."""
    last = [0.0, 0.0]

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)
        if not facility_import.pk or facility_import._state.adding:
            return
        now = time.monotonic()
        if stage == "match" and (now - last[0] >= 0.5 or done == total):
            last[0] = last[1] = now
            FacilityImport.objects.filter(pk=facility_import.pk).update(
                processed_rows=done, heartbeat_at=timezone.now()
            )
        elif stage == "read" and now - last[1] >= HEARTBEAT_SECONDS:
            last[1] = now
            FacilityImport.objects.filter(pk=facility_import.pk).update(
                heartbeat_at=timezone.now()
            )

    return report


def _import_finish(
    facility_import: FacilityImport, *, keep: bool, status: str, retryable: bool = False
) -> FacilityImport:
    facility_import.status = status
    facility_import.finished_at = timezone.now()
    if keep:
        facility_import.save()
        if not retryable:
            # Done, or refused for what the file says: the upload has served.
            FacilityImportFile.objects.filter(pk=facility_import.pk).delete()
    return facility_import


@transaction.atomic
def facility_import_queue(
    *, data: bytes, file_name: str, dry_run: bool, created_by: User | None
) -> FacilityImport:
    """The record of an import a job will run (the staff page follows it), and
    its file, kept until the import ends so that it can be resumed or retried
    if the worker running it dies."""
    facility_import = FacilityImport(
        file_name=(file_name or "archivo")[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        created_by=created_by,
        dry_run=dry_run,
        status=ImportStatus.PENDING,
    )
    facility_import.full_clean()
    facility_import.save()
    FacilityImportFile.objects.create(facility_import=facility_import, data=data)
    return facility_import


# --- Imports whose process stopped (issue 20) --------------------------------------
#
# An import runs in one process (a worker's job, or `remedia import-facilities`)
# and writes in one transaction, so a process killed mid-way has kept nothing
# but its `FacilityImport` row, left "running". That process beats a heartbeat
# (`heartbeat_at`) while it reads and matches rows, and sets it once more just
# before it saves; an import silent for `stale_after()` is stopped. A queued
# import (its file is kept, `FacilityImportFile`) is resumed: it is queued
# again and starts over, which is safe because nothing of it was kept and a
# re-import changes nothing; after `MAX_ATTEMPTS` starts it fails instead,
# saying why, and a person may retry it from its page. An import from the
# command line has no file kept: it fails, saying so, and the operator runs the
# command again.

# Starts of one import (the first and automatic resumptions) before it fails.
MAX_ATTEMPTS = 3
# Seconds between heartbeats while rows are read (matching beats with its count).
HEARTBEAT_SECONDS = 5
# How long the file of a failed import is kept for a retry: the retention
# kind "import_files" (facilities/retention.py, REMEDIA_RETENTION).


def stale_after() -> timedelta:
    """Silence after which a running import is taken for stopped: far longer
    than the save of the largest import takes (about a minute at 100,000 rows),
    during which no heartbeat can be seen."""
    return timedelta(
        seconds=int(getattr(settings, "FACILITY_IMPORT_STALE_SECONDS", 300))
    )


def _stopped_reason(*, attempts: int, kept: bool) -> str:
    if not kept:
        return str(
            _(
                "El proceso que hacía la importación se detuvo antes de terminar y "
                "no se guardó nada. Vuelva a importar el archivo."
            )
        )
    return str(
        _(
            "La importación se detuvo %(count)d veces antes de terminar y no se "
            "guardó nada. Puede reintentarla; si vuelve a pasar, avise a quien "
            "administra Remedia."
        )
        % {"count": attempts}
    )


@dataclass(frozen=True)
class RecoverReport:
    resumed: list[str]
    failed: list[str]


def facility_imports_recover(*, now: datetime | None = None) -> RecoverReport:
    """Find imports whose process stopped: queued ones with their file are put
    back in the queue (the caller queues their job: `resumed`), the others
    fail with the reason on their page. Each import is changed by a
    conditional update, so two sweeps at once settle each import once."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    stuck = FacilityImport.objects.filter(
        status__in=(ImportStatus.PENDING, ImportStatus.RUNNING)
    ).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    kept = set(
        FacilityImportFile.objects.filter(
            facility_import__in=stuck.values("pk")
        ).values_list("pk", flat=True)
    )
    resumed: list[str] = []
    failed: list[str] = []
    for pk, status, heartbeat_at, attempts in stuck.values_list(
        "pk", "status", "heartbeat_at", "attempts"
    ):
        same = FacilityImport.objects.filter(
            pk=pk, status=status, heartbeat_at=heartbeat_at
        )
        if pk in kept and attempts < MAX_ATTEMPTS:
            if same.update(status=ImportStatus.PENDING, heartbeat_at=now):
                resumed.append(str(pk))
                logger.warning(
                    "facility.import.resumed",
                    extra={"import": str(pk), "attempts": attempts},
                )
            continue
        reason = _stopped_reason(attempts=attempts, kept=pk in kept)
        with transaction.atomic():
            if not same.update(
                status=ImportStatus.FAILED,
                finished_at=now,
                errors=[{"row": None, "field": "", "reason": reason}],
            ):
                continue
            audit_record(
                action="facility.import_stopped",
                object_type="facilities.facilityimport",
                object_id=str(pk),
                data={"attempts": attempts, "retryable": pk in kept},
            )
        failed.append(str(pk))
        logger.warning(
            "facility.import.stopped",
            extra={"import": str(pk), "attempts": attempts},
        )
    return RecoverReport(resumed=resumed, failed=failed)


def facility_import_claim(*, import_id: Any) -> FacilityImport | None:
    """Take a queued import for this process: the import, now running, or
    None when another process has it (a job queued twice) or it is gone."""
    now = timezone.now()
    taken = FacilityImport.objects.filter(
        pk=import_id, status=ImportStatus.PENDING
    ).update(status=ImportStatus.RUNNING, heartbeat_at=now, attempts=F("attempts") + 1)
    if not taken:
        return None
    return FacilityImport.objects.select_related("created_by").get(pk=import_id)


def facility_import_data(*, facility_import: FacilityImport) -> bytes | None:
    """The kept file of a queued import (None once it ended for good)."""
    data = (
        FacilityImportFile.objects.filter(pk=facility_import.pk)
        .values_list("data", flat=True)
        .first()
    )
    return bytes(data) if data is not None else None


def facility_import_retryable(*, facility_import: FacilityImport) -> bool:
    """A failed import that stopped or broke, not one refused for its content:
    its file is still kept."""
    return (
        facility_import.status == ImportStatus.FAILED
        and FacilityImportFile.objects.filter(pk=facility_import.pk).exists()
    )


@transaction.atomic
def facility_import_retry(
    *, facility_import: FacilityImport, user: User
) -> FacilityImport:
    """Queue a stopped or broken import again (the caller queues its job)."""
    locked = FacilityImport.objects.select_for_update().get(pk=facility_import.pk)
    if not facility_import_retryable(facility_import=locked):
        raise ApplicationError(
            _(
                "Esta importación no se puede reintentar: terminó, sigue en curso o "
                "su archivo ya no se guarda. Vuelva a subir el archivo."
            )
        )
    locked.status = ImportStatus.PENDING
    locked.attempts = 0
    locked.errors = []
    locked.finished_at = None
    locked.processed_rows = 0
    locked.heartbeat_at = timezone.now()
    locked.save(
        update_fields=[
            "status",
            "attempts",
            "errors",
            "finished_at",
            "processed_rows",
            "heartbeat_at",
            "updated_at",
        ]
    )
    audit_record(action="facility.import_retried", actor=user, obj=locked)
    return locked


def facilities_import(
    *,
    data: bytes,
    file_name: str,
    dry_run: bool,
    created_by: User | None = None,
    progress: importing.Progress | None = None,
    facility_import: FacilityImport | None = None,
    outcomes: list[importing.RowOutcome] | None = None,
) -> FacilityImport:
    """Import a CSV or XLSX list of facilities whole, or not at all.

    Any rejected row rejects the file: nothing is created or changed, and the
    import's `errors` say which rows and why. Otherwise every row is placed
    (importing.plan) and the plan written in one transaction. Re-importing a
    file changes nothing: every row finds its facility and no value differs.
    `progress(stage, done, total)` is called as rows are read, matched and saved;
    `outcomes`, when given, receives what happens (or would) to each row.
    """
    started = time.monotonic()
    keep = facility_import is not None or not dry_run
    if facility_import is None:
        facility_import = FacilityImport(
            file_name=(file_name or "archivo")[:255],
            file_sha256=hashlib.sha256(data).hexdigest(),
            created_by=created_by,
            dry_run=dry_run,
        )
    facility_import.status = ImportStatus.RUNNING
    facility_import.heartbeat_at = timezone.now()
    if keep:
        facility_import.save()
    report = _import_progress(facility_import, progress)

    try:
        parsed = importing.parse(data=data, file_name=file_name, progress=report)
    except importing.FileRejected as exc:
        facility_import.errors = [{"row": None, "field": "", "reason": exc.reason}]
        logger.info("facility.import.file_rejected", extra={"dry_run": dry_run})
        return _import_finish(facility_import, keep=keep, status=ImportStatus.FAILED)
    facility_import.total_rows = parsed.total
    if keep:
        # The staff page draws its bar against this while the rows are matched.
        FacilityImport.objects.filter(pk=facility_import.pk).update(
            total_rows=parsed.total
        )
    report("read", parsed.total, parsed.total)

    if parsed.errors:
        facility_import.rejected_count = len({e.row for e in parsed.errors})
        facility_import.errors = [
            e.as_dict() for e in parsed.errors[:IMPORT_ERRORS_KEPT]
        ]
        logger.info(
            "facility.import.rows_rejected",
            extra={"rows": parsed.total, "rejected": facility_import.rejected_count},
        )
        return _import_finish(facility_import, keep=keep, status=ImportStatus.FAILED)

    try:
        return _import_rows(
            facility_import,
            parsed=parsed,
            dry_run=dry_run,
            created_by=created_by,
            report=report,
            outcomes=outcomes,
            started=started,
        )
    finally:
        importing.cache_clear()


def _import_rows(
    facility_import: FacilityImport,
    *,
    parsed: importing.ParsedFile,
    dry_run: bool,
    created_by: User | None,
    report: importing.Progress,
    outcomes: list[importing.RowOutcome] | None,
    started: float,
) -> FacilityImport:
    keep = facility_import.pk is not None and not facility_import._state.adding
    plan = importing.plan(parsed.rows, match=_import_matcher, progress=report)
    if not dry_run:
        report("save", 0, parsed.total)
        # The last heartbeat before the transaction: the save must end within
        # `stale_after()` of it.
        FacilityImport.objects.filter(pk=facility_import.pk).update(
            heartbeat_at=timezone.now()
        )
        try:
            with bulk.large_writes(), transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK]
                        )
                if importing.stale(plan):
                    # Someone changed the registry while this file was matched:
                    # match again, now that no one else can.
                    plan = importing.plan(parsed.rows, match=_import_matcher)
                importing.write(
                    plan,
                    facility_import=facility_import,
                    actor=created_by,
                    words=index_words,
                    progress=report,
                )
                _import_counts(facility_import, plan)
                facility_import.processed_rows = parsed.total
                _import_finish(facility_import, keep=True, status=ImportStatus.DONE)
                audit_record(
                    action="facility.imported",
                    actor=created_by,
                    obj=facility_import,
                    data={
                        "file_sha256": facility_import.file_sha256,
                        "rows": parsed.total,
                        **plan.counts(),
                    },
                )
        except DatabaseError:
            logger.exception("facility.import.write_failed")
            facility_import.refresh_from_db()
            facility_import.errors = [
                {
                    "row": None,
                    "field": "",
                    "reason": str(
                        _(
                            "No se pudo guardar la importación y no se guardó nada. "
                            "Inténtelo de nuevo."
                        )
                    ),
                }
            ]
            return _import_finish(
                facility_import, keep=True, status=ImportStatus.FAILED, retryable=True
            )
    else:
        _import_counts(facility_import, plan)
        facility_import.processed_rows = parsed.total
        _import_finish(facility_import, keep=keep, status=ImportStatus.DONE)
    if outcomes is not None:
        outcomes.extend(plan.outcomes)
    logger.info(
        "facility.import.done",
        extra={
            "dry_run": dry_run,
            "rows": parsed.total,
            "seconds": round(time.monotonic() - started, 2),
            **{f"{name}_count": n for name, n in plan.counts().items()},
        },
    )
    return facility_import


def _import_counts(facility_import: FacilityImport, plan: importing.Plan) -> None:
    counts = plan.counts()
    facility_import.created_count = counts["created"]
    facility_import.matched_count = counts["matched"]
    facility_import.updated_count = counts["updated"]
    facility_import.review_count = counts["review"]
    facility_import.rejected_count = 0
    facility_import.errors = []


def facility_import_fail(*, facility_import: FacilityImport, reason: str) -> None:
    """Mark an import that could not run at all (its job failed) as rejected;
    its file stays, so that it can be retried."""
    FacilityImport.objects.filter(pk=facility_import.pk).update(
        status=ImportStatus.FAILED,
        finished_at=timezone.now(),
        errors=[{"row": None, "field": "", "reason": reason}],
    )


def _candidate_pending(candidate: FacilityMatchCandidate) -> FacilityMatchCandidate:
    locked = (
        FacilityMatchCandidate.objects.select_for_update()
        .filter(pk=candidate.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    if locked.status != CandidateStatus.PENDING:
        raise ApplicationError(_("Alguien ya decidió sobre esta coincidencia."))
    return locked


def _candidate_source(candidate: FacilityMatchCandidate, user: User) -> str:
    if candidate.facility_import_id:
        return f"import:{candidate.facility_import_id}"
    return facility_source_for_user(user)


def _candidate_siblings(
    candidate: FacilityMatchCandidate,
) -> QuerySet[FacilityMatchCandidate]:
    """The other facilities the same incoming record was put to a person with."""
    if candidate.facility_import_id is None:
        return FacilityMatchCandidate.objects.none()
    return FacilityMatchCandidate.objects.filter(
        facility_import_id=candidate.facility_import_id,
        row_number=candidate.row_number,
        status=CandidateStatus.PENDING,
    ).exclude(pk=candidate.pk)


def _row_placed(candidate: FacilityMatchCandidate, facility: Facility) -> None:
    """The row a person placed is this facility from now on, by its content:
    a re-import of it changes nothing (importing.row_fingerprint)."""
    ImportedRow.objects.update_or_create(
        fingerprint=importing.record_fingerprint(candidate.record),
        defaults={
            "facility": facility,
            "facility_import_id": candidate.facility_import_id,
        },
    )


def _candidate_decided(
    candidate: FacilityMatchCandidate, *, status: str, user: User
) -> None:
    candidate.status = status
    candidate.decided_by = user
    candidate.decided_at = timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])


@transaction.atomic
def candidate_confirm(*, candidate: FacilityMatchCandidate, user: User) -> Facility:
    """The incoming record is this facility: link it, take its new values, and
    remember the decision so that the same record is never asked about again.

    Its name becomes another name of the facility when it is not one already;
    the other facilities it was put to a person with are thereby ruled out.
    """
    candidate = _candidate_pending(candidate)
    facility = importing.merge_target(candidate.facility)
    source = _candidate_source(candidate, user)
    row = importing.CleanRow.from_record(
        candidate.record, row=candidate.row_number or 0
    )
    target = importing.Target.existing(facility, [row])
    importing.fold_rows([target])
    if target.changes:
        facility = facility_update(
            facility=facility,
            changes={name: after for name, (_before, after) in target.changes.items()},
            actor=user,
            source=source,
        )
    for alias in target.aliases:
        facility_alias_add(facility=facility, name=alias, actor=user, source=source)
    _candidate_decided(candidate, status=CandidateStatus.CONFIRMED, user=user)
    for sibling in _candidate_siblings(candidate):
        _candidate_decided(sibling, status=CandidateStatus.REJECTED, user=user)
    match_decision_remember(
        key=importing.candidate_key(candidate.record),
        facility=facility,
        decided_by=user,
    )
    _row_placed(candidate, facility)
    audit_record(
        action="facility.match_confirmed",
        actor=user,
        obj=facility,
        data={
            "candidate": str(candidate.pk),
            "score": candidate.score,
            "fields": sorted(target.changes),
        },
    )
    return facility


@transaction.atomic
def candidate_reject(
    *, candidate: FacilityMatchCandidate, user: User
) -> Facility | None:
    """The incoming record is not this facility.

    When no other candidate of the record is still open, the record is a
    facility of its own: it is created, and the decision remembered, so that a
    re-import finds it instead of asking again. Returns that facility, or None
    while other candidates wait.
    """
    candidate = _candidate_pending(candidate)
    _candidate_decided(candidate, status=CandidateStatus.REJECTED, user=user)
    if _candidate_siblings(candidate).exists():
        audit_record(
            action="facility.match_rejected",
            actor=user,
            obj=candidate,
            data={"facility": str(candidate.facility_id), "created": None},
        )
        return None
    row = importing.CleanRow.from_record(
        candidate.record, row=candidate.row_number or 0
    )
    facility = facility_create(
        data=row.values(), actor=user, source=_candidate_source(candidate, user)
    )
    match_decision_remember(
        key=importing.candidate_key(candidate.record),
        facility=facility,
        decided_by=user,
    )
    _row_placed(candidate, facility)
    audit_record(
        action="facility.match_rejected",
        actor=user,
        obj=candidate,
        data={"facility": str(candidate.facility_id), "created": str(facility.pk)},
    )
    return facility
