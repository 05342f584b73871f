"""Talking to the reporters of a case, and their messages reaching it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.cases import events
from remedia.cases.models import (
    Case,
    CaseReport,
    CaseStatus,
)
from remedia.cases.services.clocks import (
    _lock,
    _mark_acknowledged,
    _mark_first_response,
    _save,
)
from remedia.cases.services.permissions import _require_write
from remedia.cases.services.status import _status_apply
from remedia.core.kit import invalid as _invalid
from remedia.intake import services as intake
from remedia.intake.models import Report


def case_message_reporters(
    *, case: Case, user: User, body: str, user_private_key: bytes | None = None
) -> int:
    """One question or update to every reporter of the case, each through their receipt.

    Each reporter gets their own copy, sealed to their own report's key: no
    reporter ever sees who else reported or what they said. With the handler's
    key, a reporter who chose SMS, WhatsApp or email also gets it that way.
    """
    _require_write(case=case, user=user)
    reports = list(Report.objects.filter(case_links__case=case))
    if not reports:
        raise _invalid("body", _("El caso no tiene denuncias."))
    with transaction.atomic():
        locked = _lock(case)
        for report in reports:
            intake.staff_reply(
                report=report,
                user=user,
                body=body,
                user_private_key=user_private_key,
            )
        now = timezone.now()
        fields = _mark_first_response(locked, now) + _mark_acknowledged(locked, now)
        events.message_sent_event(case=locked, user=user, reporters=len(reports))
        _save(locked, fields)
    return len(reports)


def _notify_replied(case_id: Any) -> Any:
    def send() -> None:
        from remedia.cases import alerts

        alerts.notify_reporter_replied(case_id)

    return send


def case_report_message(
    *, report: Report, author_kind: str, organisation_id: Any
) -> None:
    """A message on one report (from its page or from a channel) reaches its cases."""
    links = CaseReport.objects.filter(report=report).select_related("case")
    now = timezone.now()
    for link in links:
        with transaction.atomic():
            case = _lock(link.case)
            fields: list[str] = []
            if author_kind == "staff" and organisation_id == case.organisation_id:
                fields += _mark_first_response(case, now) + _mark_acknowledged(
                    case, now
                )
                if not fields:
                    continue
            elif author_kind == "reporter":
                events.reporter_replied_event(case=case, report=report)
                if case.status == CaseStatus.AWAITING_RESPONSE:
                    # The reporter answered: the clocks run again.
                    fields += _status_apply(
                        case, status=CaseStatus.INVESTIGATING, actor=None, now=now
                    )
                if case.is_active:
                    transaction.on_commit(_notify_replied(case.pk))
            else:
                continue
            _save(case, fields)
