"""Evidence for a measure: submitting, reviewing, opening."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from remedia.accounts.models import User
from remedia.core import files
from remedia.core.errors import (
    NotFound,
)
from remedia.core.kit import invalid as _invalid
from remedia.core.kit import text_field
from remedia.core.storage import data_subdir
from remedia.remediation import access, events
from remedia.remediation.models import (
    Evidence,
    EvidenceStatus,
    Measure,
    MeasureStatus,
)
from remedia.remediation.services._common import (
    TEXT_MAX,
    _audit,
    _error,
    _full_clean,
    _lock_measure,
    _raise,
    _require_open,
)

logger = logging.getLogger(__name__)

EVIDENCE_DESCRIPTION_MAX = 300
EVIDENCE_DIR = "remediation-evidence"


def evidence_dir() -> Path:
    return data_subdir(EVIDENCE_DIR)


def evidence_submit(
    *,
    measure: Measure,
    user: User,
    name: str,
    data: bytes,
    description: str = "",
    too_large: bool = False,
) -> Evidence:
    """Store a photo, PDF or other file that shows a measure was carried out.

    Refused with nothing written (neither file nor row) when the type is not
    one ``core.files.clean`` accepts, the file is too large or
    damaged. A pending measure is then in progress: someone is working on it.
    """
    access.require_evidence_submit(user=user, course=measure.course)
    _require_open(measure.course)
    errors: list[dict[str, Any]] = []
    description = text_field(
        description,
        field="description",
        errors=errors,
        limit=EVIDENCE_DESCRIPTION_MAX,
    )
    _raise(errors)
    try:
        clean = files.clean(data, too_large=too_large)
    except files.AttachmentRefused as exc:
        raise _invalid("file", exc.message) from None
    blob = f"{uuid.uuid4().hex}.{clean.extension.lstrip('.') or 'bin'}"
    path = evidence_dir() / blob
    path.write_bytes(clean.data)
    try:
        with transaction.atomic():
            measure = _lock_measure(measure)
            _require_open(measure.course)
            evidence = Evidence(
                measure=measure,
                description=description,
                name=(Path(name or "evidencia").name or "evidencia")[:200],
                content_type=clean.content_type,
                size=len(clean.data),
                blob=blob,
                submitted_by=user,
            )
            _full_clean(evidence)
            evidence.save()
            events.evidence_submitted_event(
                measure=measure, user=user, evidence=evidence
            )
            moved = measure.status == MeasureStatus.PENDING
            if moved:
                measure.status = MeasureStatus.IN_PROGRESS
                measure.status_changed_at = timezone.now()
                measure.save(
                    update_fields=["status", "status_changed_at", "updated_at"]
                )
                events.measure_status_changed_event(
                    measure=measure,
                    user=user,
                    previous=MeasureStatus.PENDING,
                    status=MeasureStatus.IN_PROGRESS,
                    by_evidence=True,
                )
            _audit(
                "evidence_submitted",
                user=user,
                course=measure.course,
                obj=measure,
                evidence=str(evidence.pk),
                type=clean.content_type,
                size=len(clean.data),
                started=moved,
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    logger.info(
        "remediation.evidence_submitted",
        extra={"measure": str(measure.pk), "type": clean.content_type},
    )
    return evidence


DECISIONS = (EvidenceStatus.ACCEPTED, EvidenceStatus.REJECTED)


@transaction.atomic
def evidence_review(
    *, evidence: Evidence, user: User, decision: str, reason: str = ""
) -> Evidence:
    """A monitor accepts an evidence item, or rejects it saying why.

    A decision may be revised, except that the last accepted item of a
    verified measure cannot be rejected: the verification rests on it, so the
    measure must be taken back first.
    """
    course = evidence.measure.course
    access.require_manage(user=user, course=course)
    errors: list[dict[str, Any]] = []
    if decision not in DECISIONS:
        errors.append(_error("decision", _("Elija aceptar o rechazar.")))
    reason = text_field(reason, field="reason", errors=errors, limit=TEXT_MAX)
    if decision == EvidenceStatus.REJECTED and not reason:
        errors.append(
            _error("reason", _("Diga por qué se rechaza, para quien la subió."))
        )
    _raise(errors)
    measure = _lock_measure(evidence.measure)
    _require_open(measure.course)
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.measure_id != measure.pk:
        raise NotFound()
    if (
        decision == EvidenceStatus.REJECTED
        and measure.status == MeasureStatus.VERIFIED
        and not measure.evidence.filter(status=EvidenceStatus.ACCEPTED)
        .exclude(pk=evidence.pk)
        .exists()
    ):
        raise _invalid(
            "decision",
            _(
                "La medida está verificada con esta evidencia. Regrésela a «En "
                "proceso» antes de rechazarla."
            ),
        )
    previous = evidence.status
    evidence.status = decision
    evidence.review_reason = reason if decision == EvidenceStatus.REJECTED else ""
    evidence.reviewed_by = user
    evidence.reviewed_at = timezone.now()
    _full_clean(evidence, validate_unique=False)
    evidence.save(
        update_fields=[
            "status",
            "review_reason",
            "reviewed_by",
            "reviewed_at",
            "updated_at",
        ]
    )
    events.evidence_reviewed_event(
        measure=measure, user=user, evidence=evidence, previous=previous
    )
    _audit(
        "evidence_reviewed",
        user=user,
        course=measure.course,
        obj=measure,
        evidence=str(evidence.pk),
        **{"from": previous, "to": decision},
    )
    return evidence


def evidence_open(*, evidence: Evidence, user: User) -> IO[bytes]:
    """The evidence file, open for reading, for whoever may read the course.

    The opening is audited first (it commits with the caller's transaction);
    the caller streams and closes the file.
    """
    course = access.course_get(user=user, course_id=evidence.measure.course_id)
    path = evidence_dir() / evidence.blob
    if not path.is_file():
        logger.warning(
            "remediation.evidence_missing", extra={"evidence": str(evidence.pk)}
        )
        raise NotFound()
    _audit(
        "evidence_opened",
        user=user,
        course=course,
        obj=evidence.measure,
        evidence=str(evidence.pk),
    )
    return path.open("rb")
