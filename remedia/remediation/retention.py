"""Remediation's kinds of personal data under retention.

- evidence of measures (photos of a place and its people, rosters with
  names), from the day its plan closed;
- the answers to verification surveys (each with a keyed hash of the phone
  or browser that gave them), of a closed survey, from the day they were
  given. The survey, its questions and the plan stay.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from remedia.core.retention import (
    Destroyed,
    RetentionKind,
    expired_delete,
    expired_destroy,
    retention_kind_register,
)
from remedia.remediation.models import (
    CourseStatus,
    Evidence,
    SurveyResponse,
    SurveyStatus,
)
from remedia.remediation.services.evidence import evidence_dir


def evidence_destroy(rows: Any) -> Destroyed:
    """Destroy these evidence rows and their files (after the commit)."""
    destroyed = expired_destroy(
        rows=rows.select_related("measure__course"),
        action="remediation.evidence_destroyed",
        files=lambda evidence: [evidence.blob],
        directory=evidence_dir,
        audit_data=lambda evidence, blobs: {
            "measure": str(evidence.measure_id),
            "files": len(blobs),
        },
        organisation=lambda evidence: evidence.measure.course.organisation,
        event="remediation.evidence_destroyed",
    )
    return Destroyed(rows=destroyed, files=destroyed)


def answers_destroy(rows: Any) -> Destroyed:
    """Delete these survey responses (their answers go with them)."""
    return Destroyed(rows=expired_delete(rows=rows))


def register() -> None:
    retention_kind_register(
        RetentionKind(
            name="remediation_evidence",
            label=_("Evidencias de medidas de remediación"),
            clock_label=_("el cierre del plan de remediación"),
            rows=lambda: Evidence.objects.exclude(
                measure__course__status=CourseStatus.ACTIVE
            ),
            clock="measure__course__closed_on",
            date_clock=True,
            destroy=evidence_destroy,
            files=lambda rows: rows.count(),
            order=40,
        )
    )
    retention_kind_register(
        RetentionKind(
            name="survey_answers",
            label=_("Respuestas a encuestas de verificación"),
            clock_label=_("el día de la respuesta (encuesta cerrada)"),
            rows=lambda: SurveyResponse.objects.filter(
                survey__status=SurveyStatus.CLOSED
            ),
            clock="answered_on",
            date_clock=True,
            destroy=answers_destroy,
            order=50,
        )
    )
