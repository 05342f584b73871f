"""Moving a case between statuses, with its clocks, reports and check-ins in step.

Closing a case schedules its retaliation check-ins here (`checkins.py` asks
and answers them), so that status never imports check-ins and back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.cases import events, sla
from remedia.cases.models import (
    TRANSITIONS,
    Case,
    CaseReport,
    CaseStatus,
    ClosureReason,
    RetaliationCheckin,
)
from remedia.cases.services.clocks import _lock, _mark_acknowledged, _paused, _save
from remedia.cases.services.opening import _report_status_for
from remedia.cases.services.permissions import _require_write
from remedia.core.audit import audit_record
from remedia.core.kit import invalid as _invalid
from remedia.intake import services as intake
from remedia.intake.models import Report

CHECKIN_DAYS = (30, 90)


def _pause(case: Case, now: datetime) -> list[str]:
    if case.paused_since is not None:
        return []
    case.paused_since = now
    return ["paused_since"]


def _resume(case: Case, now: datetime) -> list[str]:
    if case.paused_since is None:
        return []
    length = sla.pause_length(paused_since=case.paused_since, now=now)
    case.paused_seconds += int(length.total_seconds())
    case.acknowledge_due_at += length
    case.first_response_due_at += length
    case.resolution_due_at += length
    case.paused_since = None
    return [
        "paused_since",
        "paused_seconds",
        "acknowledge_due_at",
        "first_response_due_at",
        "resolution_due_at",
    ]


def _status_apply(
    case: Case,
    *,
    status: str,
    actor: User | None,
    reason: str = "",
    now: datetime,
) -> list[str]:
    """Move a locked case to `status`, keeping clocks, reports and check-ins in step."""
    previous = case.status
    fields = ["status"]
    if previous == CaseStatus.AWAITING_RESPONSE:
        fields += _resume(case, now)
        events.clock_resumed_event(case=case, user=actor)
    if status == CaseStatus.AWAITING_RESPONSE:
        fields += _pause(case, now)
        events.clock_paused_event(case=case, user=actor)
    case.status = status
    if status != CaseStatus.OPEN:
        fields += _mark_acknowledged(case, now)
    if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and case.resolved_at is None:
        case.resolved_at = now
        case.resolution_seconds = sla.net_seconds(
            start=case.received_at, end=now, paused=_paused(case)
        )
        fields += ["resolved_at", "resolution_seconds"]
    if status == CaseStatus.CLOSED:
        case.closed_at = now
        case.closure_reason = reason
        fields += ["closed_at", "closure_reason"]
    elif previous in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        # Reopened: the resolution clock runs again from where it stood.
        case.resolved_at = None
        case.closed_at = None
        case.closure_reason = ""
        fields += ["resolved_at", "closed_at", "closure_reason"]
        RetaliationCheckin.objects.filter(case=case, asked_at__isnull=True).delete()
    events.status_changed_event(
        case=case, user=actor, previous=previous, status=status, reason=reason or None
    )
    report_status = _report_status_for(case)
    for report in Report.objects.filter(case_links__case=case).only("pk", "status"):
        if report.status != report_status:
            intake.report_status_follow_case(
                report=report, status=report_status, actor=actor
            )
    if status == CaseStatus.CLOSED and case.retaliation_checkins:
        _checkins_schedule(case, today=timezone.localdate(now))
    return fields


@transaction.atomic
def case_status_change(
    *, case: Case, user: User, status: str, reason: str = ""
) -> Case:
    _require_write(case=case, user=user)
    if status not in CaseStatus.values:
        raise _invalid("status", _("Estado desconocido."))
    if status == CaseStatus.CLOSED and reason not in ClosureReason.values:
        raise _invalid("reason", _("Para cerrar un caso, elija el motivo del cierre."))
    case = _lock(case)
    if status == case.status:
        return case
    if status not in TRANSITIONS[case.status]:
        raise _invalid(
            "status",
            _("Un caso «%(from)s» no puede pasar a «%(to)s».")
            % {"from": case.get_status_display(), "to": CaseStatus(status).label},
        )
    fields = _status_apply(
        case,
        status=status,
        actor=user,
        reason=reason if status == CaseStatus.CLOSED else "",
        now=timezone.now(),
    )
    _save(case, fields)
    audit_record(
        action="case.status_changed",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"to": status, "reason": reason or None},
    )
    return case


def _checkins_schedule(case: Case, *, today: date) -> None:
    report_ids = list(
        CaseReport.objects.filter(case=case).values_list("report_id", flat=True)
    )
    RetaliationCheckin.objects.bulk_create(
        [
            RetaliationCheckin(
                case=case,
                report_id=report_id,
                days_after=days,
                due_on=today + timedelta(days=days),
            )
            for report_id in report_ids
            for days in CHECKIN_DAYS
        ],
        ignore_conflicts=True,
    )
