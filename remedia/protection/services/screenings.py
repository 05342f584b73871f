"""Screenings: the tasks a protection report or case opens, and the interviews.

A report in a protection category (child labour, forced labour, trafficking)
opens a pending screening for each protection team it reached; a case opened
on (or joined by) such a report opens one for the case's organisation. The
interview's answers are sealed to the screening's own key; what the rule
engine concluded is kept in codes (which rules applied, never what the person
said) for the lists and the figures.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.cases.models import Case
from remedia.core.audit import audit_record
from remedia.core.errors import PermissionDenied
from remedia.core.kit import full_clean, invalid, invalid_missing, text_field
from remedia.intake.categories import PROTECTION_CATEGORIES
from remedia.intake.models import Report, ReportRecipient, RoutePurpose
from remedia.protection.models import Screening
from remedia.protection.selectors.screenings import (
    protection_team_ids,
    screening_can_conduct,
)
from remedia.protection.vocabulary import ScreeningStatus

logger = logging.getLogger(__name__)

DISMISS_REASON_MAX = 300


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _notify(screenings: list[Screening]) -> None:
    """Tell each new screening's protection staff, after the commit."""
    from remedia.protection import alerts

    ids = [str(s.pk) for s in screenings]
    if ids:
        transaction.on_commit(lambda: alerts.notify_screenings_pending(ids))


def _create_pending(**fields: Any) -> Screening | None:
    """A pending screening, or None when another worker made it a moment ago."""
    try:
        with transaction.atomic():
            screening = Screening(status=ScreeningStatus.PENDING, **fields)
            # The one-pending-per-report constraint is the database's to
            # enforce: a race between two workers ends here, not in a refusal.
            full_clean(screening, validate_constraints=False)
            screening.save()
    except IntegrityError:
        return None
    audit_record(
        action="protection.screening_opened",
        organisation=screening.organisation,
        obj=screening,
        data={
            "report": str(screening.report_id or ""),
            "case": str(screening.case_id or ""),
        },
    )
    return screening


def _in_protection_category(report_ids: Iterable[Any]) -> list[Report]:
    return list(
        Report.objects.filter(
            pk__in=list(report_ids), category_rows__code__in=PROTECTION_CATEGORIES
        )
        .distinct()
        .only("pk", "created_at")
        .order_by("created_at")
    )


# --- Opened by the intake and by cases ------------------------------------------------


@transaction.atomic
def screenings_open_for_report(
    *, report_id: Any, organisation_ids: Iterable[Any]
) -> list[Screening]:
    """A report was routed: a pending screening for each protection team it reached.

    A protection team is a recipient that received the report by a protection
    route, or one whose members include protection workers. Each team gets one
    screening per report, however often this runs.
    """
    pk = _uuid(report_id)
    if pk is None or not _in_protection_category([pk]):
        return []
    wanted = [o for o in map(_uuid, organisation_ids) if o is not None]
    recipients = dict(
        ReportRecipient.objects.filter(
            report_id=pk, organisation_id__in=wanted, organisation__is_active=True
        ).values_list("organisation_id", "purpose")
    )
    teams = {
        org for org, purpose in recipients.items() if purpose == RoutePurpose.PROTECTION
    } | protection_team_ids(organisation_ids=recipients)
    have = set(
        Screening.objects.filter(report_id=pk, organisation_id__in=teams).values_list(
            "organisation_id", flat=True
        )
    )
    created = [
        screening
        for org in sorted(teams - have, key=str)
        if (screening := _create_pending(organisation_id=org, report_id=pk)) is not None
    ]
    _notify(created)
    if created:
        logger.info("protection.screenings_opened", extra={"count": len(created)})
    return created


@transaction.atomic
def screening_open_for_case(
    *, case_id: Any, report_ids: Iterable[Any] | None = None
) -> Screening | None:
    """A case got protection work: a pending screening for its organisation.

    With `report_ids` (reports that joined the case), only those in a
    protection category count: a screening the organisation already has for
    one of them (pending, held or dismissed) is the case's too, and no other
    is opened. Without (the case gained a protection category by an edit), a
    screening opens unless the case has one pending or held. Never a second
    pending screening for one case.
    """
    pk = _uuid(case_id)
    case = Case.objects.filter(pk=pk).only("pk", "organisation_id").first()
    if case is None:
        return None
    Case.objects.select_for_update().filter(pk=case.pk).first()
    for_case = Screening.objects.filter(case=case, organisation_id=case.organisation_id)
    if for_case.filter(status=ScreeningStatus.PENDING).exists():
        return None
    report: Report | None = None
    if report_ids is not None:
        reports = _in_protection_category(report_ids)
        if not reports:
            return None
        existing = Screening.objects.filter(
            report__in=reports, organisation_id=case.organisation_id
        )
        if existing.exists():
            existing.filter(case__isnull=True).update(
                case=case, updated_at=timezone.now()
            )
            return None
        report = reports[0]
    elif for_case.filter(status=ScreeningStatus.DONE).exists():
        return None
    screening = _create_pending(
        organisation_id=case.organisation_id, case=case, report=report
    )
    if screening is not None:
        _notify([screening])
    return screening


# --- What staff do ----------------------------------------------------------------------


def screening_conduct_require(*, user: User, screening: Screening) -> None:
    if not screening_can_conduct(user=user, screening=screening):
        raise PermissionDenied()


def _lock_pending(screening: Screening) -> Screening:
    locked = Screening.objects.select_for_update().get(pk=screening.pk)
    if locked.status != ScreeningStatus.PENDING:
        raise invalid(
            "status",
            _("Esta entrevista ya se hizo.")
            if locked.status == ScreeningStatus.DONE
            else _("Esta entrevista se descartó."),
        )
    return locked


@transaction.atomic
def screening_dismiss(*, screening: Screening, user: User, reason: Any) -> Screening:
    """A pending screening that needs no interview (a duplicate, an adult's
    wage claim filed under child labour...), with the reason."""
    screening_conduct_require(user=user, screening=screening)
    text = text_field(reason, field="reason", limit=DISMISS_REASON_MAX, required=True)
    screening = _lock_pending(screening)
    screening.status = ScreeningStatus.DISMISSED
    screening.dismissed_reason = text
    full_clean(screening)
    screening.save(update_fields=["status", "dismissed_reason", "updated_at"])
    audit_record(
        action="protection.screening_dismissed",
        actor=user,
        organisation=screening.organisation,
        obj=screening,
    )
    return screening


@transaction.atomic
def screening_start(*, user: User, organisation_id: Any = None) -> Screening:
    """An interview a protection worker starts without a report (a visit, a call)."""
    mine = organisations_for(user=user, capability=Capability.PROTECTION_WRITE)
    if not mine:
        raise PermissionDenied()
    if organisation_id in (None, ""):
        if len(mine) > 1:
            raise invalid(
                "organisation_id", _("Elija la organización de la entrevista.")
            )
        (org,) = mine
    else:
        org = _uuid(organisation_id)
        if org not in mine:
            raise invalid_missing("organisation_id")
    screening = Screening(organisation_id=org, status=ScreeningStatus.PENDING)
    full_clean(screening)
    screening.save()
    audit_record(
        action="protection.screening_started",
        actor=user,
        organisation=screening.organisation,
        obj=screening,
    )
    return screening
