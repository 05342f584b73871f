"""Retaliation check-ins: asking the reporters after closing, and their answers."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from remedia.cases import events
from remedia.cases.models import (
    Case,
    CaseStatus,
    CheckinAnswer,
    RetaliationCheckin,
)
from remedia.cases.services.clocks import _due_times_set, _lock, _save
from remedia.cases.services.status import _status_apply
from remedia.core.audit import audit_record
from remedia.core.kit import invalid as _invalid
from remedia.intake import services as intake
from remedia.intake.models import Report

logger = logging.getLogger(__name__)


CHECKIN_QUESTION = _(
    "Su caso se cerró hace %(days)s días. ¿Ha sufrido alguna represalia desde "
    "entonces (despido, amenazas, cambios de turno, trato distinto)? Responda "
    "«Sí» o «No» con los botones de esta página. Si responde que sí, "
    "reabriremos el caso con urgencia."
)


def checkins_send_due(*, today: date | None = None) -> int:
    """Ask every reporter whose check-in falls due today (daily job)."""
    today = today or timezone.localdate()
    sent = 0
    due = RetaliationCheckin.objects.filter(
        asked_at__isnull=True, due_on__lte=today, case__status=CaseStatus.CLOSED
    ).select_related("case", "report")
    for checkin in due:
        with transaction.atomic():
            locked = (
                RetaliationCheckin.objects.select_for_update()
                .filter(pk=checkin.pk, asked_at__isnull=True)
                .first()
            )
            if locked is None:
                continue
            with override(checkin.report.language):
                body = str(CHECKIN_QUESTION % {"days": checkin.days_after})
            intake.system_message_to_reporter(
                report=checkin.report,
                organisation_id=checkin.case.organisation_id,
                body=body,
            )
            locked.asked_at = timezone.now()
            locked.save(update_fields=["asked_at", "updated_at"])
            events.checkin_sent_event(case=checkin.case, days_after=checkin.days_after)
            sent += 1
    if sent:
        logger.info("checkins.sent", extra={"count": sent})
    return sent


def checkin_pending(*, report: Report) -> RetaliationCheckin | None:
    """The question this reporter has been asked and not yet answered."""
    return (
        RetaliationCheckin.objects.filter(
            report=report,
            asked_at__isnull=False,
            answered_at__isnull=True,
            # A case reopened since the question was asked makes it moot.
            case__status=CaseStatus.CLOSED,
        )
        .order_by("due_on")
        .first()
    )


@transaction.atomic
def checkin_answer(
    *, access: intake.ReporterAccess, checkin_id: Any, answer: str
) -> RetaliationCheckin:
    """The reporter answers; "yes" reopens the case as urgent."""
    if answer not in CheckinAnswer.values:
        raise _invalid("answer", _("Responda «Sí» o «No»."))
    try:
        checkin_uuid = uuid.UUID(str(checkin_id))
    except ValueError:
        checkin_uuid = None
    checkin = (
        RetaliationCheckin.objects.select_for_update()
        .filter(pk=checkin_uuid, report=access.report, asked_at__isnull=False)
        .first()
        if checkin_uuid
        else None
    )
    if checkin is None:
        raise _invalid("checkin", _("No hay ninguna pregunta pendiente."))
    if checkin.answered_at is not None:
        raise _invalid("checkin", _("Ya respondió esta pregunta. Gracias."))
    if not Case.objects.filter(pk=checkin.case_id, status=CaseStatus.CLOSED).exists():
        # Reopened since the question was asked: the question no longer stands.
        raise _invalid("checkin", _("No hay ninguna pregunta pendiente."))
    now = timezone.now()
    checkin.answer = answer
    checkin.answered_at = now
    checkin.save(update_fields=["answer", "answered_at", "updated_at"])
    case = _lock(checkin.case)
    events.checkin_answered_event(
        case=case, days_after=checkin.days_after, answer=answer
    )
    fields: list[str] = []
    if answer == CheckinAnswer.YES:
        fields = _reopen_urgent(case, now=now)
        case_id = case.pk

        def notify() -> None:
            from remedia.cases import alerts

            alerts.notify_retaliation(case_id)

        transaction.on_commit(notify)
    _save(case, fields)
    audit_record(
        action="case.checkin_answered",
        organisation=case.organisation,
        obj=case,
        data={"answer": answer, "days_after": checkin.days_after},
    )
    return checkin


def _reopen_urgent(case: Case, *, now: datetime) -> list[str]:
    """Retaliation after closing: the case opens again, urgent, with fresh clocks."""
    fields: list[str] = []
    if case.status != CaseStatus.OPEN:
        fields += _status_apply(case, status=CaseStatus.OPEN, actor=None, now=now)
    events.case_reopened_event(case=case, why="retaliation")
    case.urgent = True
    case.acknowledged_at = None
    case.first_response_at = None
    _due_times_set(case, start=now, paused=timedelta(0))
    case.paused_since = None
    return [
        *fields,
        "urgent",
        "acknowledged_at",
        "first_response_at",
        "acknowledge_due_at",
        "first_response_due_at",
        "resolution_due_at",
        "paused_since",
    ]
