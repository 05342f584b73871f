"""Opening a case from reports, and adding reports to an open case."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import (
    organisations_for,
)
from remedia.cases import events, selectors, signals
from remedia.cases.models import (
    Case,
    CaseCategory,
    CaseNumber,
    CaseReport,
    CaseStatus,
    Severity,
)
from remedia.cases.services.clocks import (
    _due_times_set,
    _lock,
    _mark_acknowledged,
    _mark_first_response,
    _paused,
    _save,
    next_due_of,
)
from remedia.cases.services.editing import _notify_assigned
from remedia.cases.services.grants import _grant
from remedia.cases.services.permissions import _case_worker, _require_write
from remedia.core import crypto
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput, PermissionDenied
from remedia.core.kit import invalid as _invalid
from remedia.intake import selectors as intake_selectors
from remedia.intake import services as intake
from remedia.intake.models import Message, Report, ReportRecipient, ReportStatus


def _number_next(year: int) -> str:
    CaseNumber.objects.get_or_create(year=year)
    row = CaseNumber.objects.select_for_update().get(year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return f"{year}-{row.last:05d}"


def _reports_for(
    *, report_ids: Iterable[Any], organisation_id: Any | None, user: User
) -> tuple[list[Report], Any]:
    """The reports, all routed to one organisation where the user works cases."""
    ids = []
    for raw in report_ids:
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            raise _invalid(
                "report_ids", _("Alguna denuncia elegida no existe.")
            ) from None
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise _invalid("report_ids", _("Elija al menos una denuncia."))
    writable = organisations_for(user=user, capability=Capability.CASE_WRITE)
    if not writable:
        raise PermissionDenied()
    reports = list(
        Report.objects.filter(pk__in=ids)
        .prefetch_related("category_rows")
        .defer("content", "reporter_wrapped_key", "receipt_lookup")
    )
    recipients: dict[Any, set[Any]] = {}
    for report_id, org_id in ReportRecipient.objects.filter(
        report_id__in=ids, organisation_id__in=writable
    ).values_list("report_id", "organisation_id"):
        recipients.setdefault(report_id, set()).add(org_id)
    if len(reports) != len(ids) or any(r.pk not in recipients for r in reports):
        # A report of another organisation looks exactly like a missing one.
        raise _invalid("report_ids", _("Alguna denuncia elegida no existe."))
    common = set.intersection(*(recipients[r.pk] for r in reports))
    if organisation_id is not None:
        common &= {organisation_id}
    if not common:
        raise _invalid(
            "report_ids",
            _(
                "Esas denuncias llegaron a organizaciones distintas; un caso solo "
                "puede reunir denuncias de una misma organización."
            ),
        )
    return reports, sorted(common, key=str)[0]


def _link_reports(
    *, case: Case, reports: list[Report], user: User, opened: bool = False
) -> None:
    taken = list(
        CaseReport.objects.filter(
            report__in=reports, organisation_id=case.organisation_id
        ).select_related("case")
    )
    if taken:
        numbers = sorted({link.case.number for link in taken})
        raise _invalid(
            "report_ids",
            _("Alguna denuncia ya está en el caso %(numbers)s.")
            % {"numbers": ", ".join(numbers)},
        )
    try:
        with transaction.atomic():
            CaseReport.objects.bulk_create(
                [
                    CaseReport(
                        case=case,
                        report=r,
                        organisation_id=case.organisation_id,
                        added_by=user,
                    )
                    for r in reports
                ]
            )
    except IntegrityError:
        # Another handler merged one of them a moment ago.
        raise _invalid(
            "report_ids", _("Alguna denuncia acaba de unirse a otro caso.")
        ) from None
    have = set(case.category_rows.values_list("code", flat=True))
    new_codes = {row.code for r in reports for row in r.category_rows.all()} - have
    CaseCategory.objects.bulk_create(
        [CaseCategory(case=case, code=code) for code in sorted(new_codes)]
    )
    # A report leaving triage changes what the inboxes count.
    transaction.on_commit(intake_selectors.inbox_changed)
    for report in reports:
        if report.status != ReportStatus.CLOSED or case.is_active:
            intake.report_status_follow_case(
                report=report, status=_report_status_for(case), actor=user
            )
        events.report_added_event(case=case, user=user, report=report)
    report_ids = [r.pk for r in reports]
    transaction.on_commit(
        lambda: signals.case_reports_joined.send(
            sender=Case, case=case, report_ids=report_ids, opened=opened
        )
    )


def _report_status_for(case: Case) -> str:
    if case.status == CaseStatus.CLOSED:
        return ReportStatus.CLOSED
    return ReportStatus.IN_REVIEW


@transaction.atomic
def case_open(
    *,
    report_ids: Iterable[Any],
    user: User,
    organisation_id: Any | None = None,
    assignee_id: Any = None,
    severity: str | None = None,
    assign_creator: bool = False,
) -> Case:
    """Merge one or more reports into a new case of the organisation that received them.

    With `assign_creator` and no `assignee_id`, whoever opens the case is its
    assignee when they may work the organisation's cases: a case opened from
    the page is somebody's at once, never "Responsable: nadie".
    """
    reports, org_id = _reports_for(
        report_ids=report_ids, organisation_id=organisation_id, user=user
    )
    if severity is not None and severity not in Severity.values:
        raise _invalid("severity", _("Gravedad desconocida."))
    assignee = (
        _case_worker(organisation_id=org_id, user_id=assignee_id, field="assignee_id")
        if assignee_id
        else None
    )
    if assignee is None and assign_creator:
        try:
            assignee = _case_worker(
                organisation_id=org_id, user_id=user.pk, field="assignee_id"
            )
        except InvalidInput:
            assignee = None
    now = timezone.now()
    facilities = {r.facility_id for r in reports if r.facility_id}
    pair = crypto.keypair_new()
    urgent = any(r.urgent for r in reports)
    case = Case(
        number=_number_next(timezone.localdate().year),
        organisation_id=org_id,
        severity=severity or (Severity.HIGH if urgent else Severity.MEDIUM),
        urgent=urgent,
        facility_id=facilities.pop() if len(facilities) == 1 else None,
        assignee=assignee,
        opened_by=user,
        public_key=pair.public,
        received_at=min(r.created_at for r in reports),
    )
    _due_times_set(case, start=case.received_at, paused=timedelta(0))
    # Opening a case acknowledges its reports, if nobody had yet.
    acknowledged = [r.acknowledged_at for r in reports if r.acknowledged_at]
    _mark_acknowledged(case, min(acknowledged) if acknowledged else now)
    first_staff = (
        Message.objects.filter(
            report__in=reports, author_kind="staff", author_organisation_id=org_id
        )
        .aggregate(at=Min("created_at"))
        .get("at")
    )
    if first_staff is not None:
        _mark_first_response(case, first_staff)
    case.next_due_at = next_due_of(case)
    case.full_clean(exclude=["public_key", "number"])
    case.save()
    transaction.on_commit(selectors.cases_changed)
    _grant(case=case, case_private=pair.private, fresh=True)
    events.case_opened_event(case=case, user=user, reports=len(reports), urgent=urgent)
    _link_reports(case=case, reports=reports, user=user, opened=True)
    if assignee is not None:
        events.case_assigned_event(case=case, user=user, assignee=assignee)
        if assignee.pk != user.pk:  # nobody needs a notice of their own act
            _notify_assigned(case, assignee, by=user)
    audit_record(
        action="case.opened",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"reports": [str(r.pk) for r in reports]},
    )
    return case


@transaction.atomic
def case_reports_add(*, case: Case, report_ids: Iterable[Any], user: User) -> Case:
    """More reports about the same events join an existing case."""
    _require_write(case=case, user=user)
    case = _lock(case)
    reports, _org = _reports_for(
        report_ids=report_ids, organisation_id=case.organisation_id, user=user
    )
    _link_reports(case=case, reports=reports, user=user)
    fields: list[str] = []
    earliest = min(r.created_at for r in reports)
    if any(r.urgent for r in reports) and not case.urgent:
        case.urgent = True
        fields.append("urgent")
    if earliest < case.received_at or "urgent" in fields:
        # An earlier report or a new urgency moves every clock.
        case.received_at = min(earliest, case.received_at)
        _due_times_set(case, start=case.received_at, paused=_paused(case))
        fields += [
            "received_at",
            "acknowledge_due_at",
            "first_response_due_at",
            "resolution_due_at",
        ]
    _save(case, fields)
    audit_record(
        action="case.reports_added",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"reports": [str(r.pk) for r in reports]},
    )
    return case
