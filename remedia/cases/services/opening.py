"""Writes of case management: opening cases from reports, working them, closing them.

Every service locks the case row, changes only the fields it owns and bumps
`version`, so two handlers editing one case at once never lose each other's
change. Every change writes a timeline event (`events.py`) and an audit entry;
emails and other side effects leave only after the commit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from remedia.accounts import keys
from remedia.accounts.models import Membership, User
from remedia.accounts.permissions import Capability, roles_with
from remedia.accounts.selectors import (
    cache_key,
    cached_while_accounts_unchanged,
    organisations_for,
)
from remedia.cases import events, hooks, selectors, sla
from remedia.cases.models import (
    TRANSITIONS,
    Case,
    CaseCategory,
    CaseDocument,
    CaseKeyGrant,
    CaseNote,
    CaseNumber,
    CaseReport,
    CaseStatus,
    CaseTask,
    CheckinAnswer,
    ClosureReason,
    Escalation,
    RetaliationCheckin,
    Severity,
)
from remedia.cases.selectors import sla_targets
from remedia.core import crypto
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError, InvalidInput, PermissionDenied
from remedia.core.kit import invalid as _invalid
from remedia.core.retention import expired_destroy
from remedia.core.sealed import (
    document_meta,
    document_open,
    document_seal,
    file_kept,
    grant_open,
    grant_seal,
    note_open,
    note_seal,
)
from remedia.core.storage import data_subdir
from remedia.facilities.models import Facility
from remedia.intake import attachments as files
from remedia.intake import selectors as intake_selectors
from remedia.intake import services as intake
from remedia.intake.categories import RRM_CATEGORIES, Category
from remedia.intake.models import Message, Report, ReportRecipient, ReportStatus

logger = logging.getLogger(__name__)

NOTE_MAX = 20_000
SUMMARY_MAX = 20_000
TASK_TITLE_MAX = 200
CHECKIN_DAYS = (30, 90)


# --- Clocks --------------------------------------------------------------------------


def _due_times_set(case: Case, *, start: datetime, paused: timedelta) -> None:
    targets = sla_targets(organisation_id=case.organisation_id, urgent=case.urgent)
    case.acknowledge_due_at = sla.due(
        start=start, target=targets.acknowledge, paused=paused
    )
    case.first_response_due_at = sla.due(
        start=start, target=targets.first_response, paused=paused
    )
    case.resolution_due_at = sla.due(
        start=start, target=targets.resolution, paused=paused
    )


def next_due_of(case: Case) -> datetime | None:
    """The nearest due time of a clock still running (what `next_due_at` holds)."""
    if case.paused_since is not None:
        return None
    pending = []
    if case.acknowledged_at is None:
        pending.append(case.acknowledge_due_at)
    if case.first_response_at is None and case.is_active:
        pending.append(case.first_response_due_at)
    if case.resolved_at is None and case.is_active:
        pending.append(case.resolution_due_at)
    return min(pending) if pending else None


def _paused(case: Case) -> timedelta:
    return timedelta(seconds=case.paused_seconds)


def _mark_acknowledged(case: Case, now: datetime) -> list[str]:
    if case.acknowledged_at is not None:
        return []
    case.acknowledged_at = now
    if case.acknowledge_seconds is None:
        case.acknowledge_seconds = sla.net_seconds(
            start=case.received_at, end=now, paused=_paused(case)
        )
    return ["acknowledged_at", "acknowledge_seconds"]


def _mark_first_response(case: Case, at: datetime) -> list[str]:
    if case.first_response_at is not None:
        return []
    case.first_response_at = at
    if case.first_response_seconds is None:
        case.first_response_seconds = sla.net_seconds(
            start=case.received_at, end=at, paused=_paused(case)
        )
    return ["first_response_at", "first_response_seconds"]


def _save(case: Case, fields: Iterable[str]) -> None:
    """Save the listed fields with the clocks refreshed and the version bumped."""
    case.next_due_at = next_due_of(case)
    case.version = F("version") + 1
    case.save(update_fields=sorted({*fields, "next_due_at", "version", "updated_at"}))
    case.refresh_from_db(fields=["version"])
    transaction.on_commit(selectors.cases_changed)


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


# --- Keys ----------------------------------------------------------------------------


def _grant(*, case: Case, case_private: bytes, fresh: bool = False) -> int:
    """Seal the case key to every handler of its organisation lacking a grant."""
    org_ids = {case.organisation_id}
    return grant_seal(
        model=CaseKeyGrant,
        owner={"case": case},
        private=case_private,
        user_keys=keys.member_public_keys(
            organisation_ids=org_ids, roles=roles_with(Capability.CASE_READ)
        ),
        escrow_keys=keys.escrow_public_keys(organisation_ids=org_ids),
        fresh=fresh,
    )


def case_key(*, case: Case, user: User, user_private_key: bytes | None) -> bytes | None:
    """The case's private key through the user's grant, or None if locked."""
    return grant_open(
        model=CaseKeyGrant,
        owner={"case": case},
        user=user,
        user_private_key=user_private_key,
    )


# --- Permissions -----------------------------------------------------------------------


def _require_write(*, case: Case, user: User) -> None:
    if case.organisation_id not in organisations_for(
        user=user, capability=Capability.CASE_WRITE
    ):
        raise PermissionDenied()


def _case_worker(*, organisation_id: Any, user_id: Any, field: str) -> User:
    """A user who may work cases in the organisation, or a clear error."""
    try:
        uid = uuid.UUID(str(user_id))
    except ValueError:
        uid = None
    member = (
        Membership.objects.filter(
            user_id=uid,
            user__is_active=True,
            organisation_id=organisation_id,
            role__in=roles_with(Capability.CASE_WRITE),
        )
        .select_related("user")
        .first()
        if uid
        else None
    )
    if member is None:
        raise _invalid(
            field,
            _(
                "Esa persona no gestiona casos en la organización del caso; "
                "elija a alguien con ese rol."
            ),
        )
    return member.user


def case_workers(*, organisation_id: Any) -> list[User]:
    """Who may be assigned cases or tasks of the organisation (for the forms)."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=organisation_id,
            memberships__role__in=roles_with(Capability.CASE_WRITE),
        )
        .distinct()
        .order_by("username")
    )


# --- Opening and merging ------------------------------------------------------------------


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


def _link_reports(*, case: Case, reports: list[Report], user: User) -> None:
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
) -> Case:
    """Merge one or more reports into a new case of the organisation that received them."""
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
    _link_reports(case=case, reports=reports, user=user)
    if assignee is not None:
        events.case_assigned_event(case=case, user=user, assignee=assignee)
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


# --- Editing -----------------------------------------------------------------------------


UNSET: Any = object()


@transaction.atomic
def case_update(
    *,
    case: Case,
    user: User,
    severity: Any = UNSET,
    facility_id: Any = UNSET,
    categories: Any = UNSET,
    assignee_id: Any = UNSET,
    retaliation_checkins: Any = UNSET,
) -> Case:
    """Change some of a case's triage fields; fields not given stay as they are."""
    _require_write(case=case, user=user)
    errors: list[dict[str, Any]] = []
    facility: Facility | None = None
    assignee: User | None = None
    codes: list[str] = []
    if severity is not UNSET and severity not in Severity.values:
        errors.append({"field": "severity", "reason": _("Gravedad desconocida.")})
    if facility_id is not UNSET and facility_id not in (None, ""):
        try:
            facility = Facility.objects.filter(pk=uuid.UUID(str(facility_id))).first()
        except ValueError:
            facility = None
        if facility is None:
            errors.append(
                {
                    "field": "facility_id",
                    "reason": _("Ese centro de trabajo no está en el padrón."),
                }
            )
        else:
            while facility.merged_into is not None:
                facility = facility.merged_into
    if categories is not UNSET:
        codes = list(dict.fromkeys(categories or []))
        if not codes:
            errors.append(
                {"field": "categories", "reason": _("Elija al menos una categoría.")}
            )
        elif any(c not in Category.values for c in codes):
            errors.append(
                {"field": "categories", "reason": _("Categoría desconocida.")}
            )
    if assignee_id is not UNSET and assignee_id not in (None, ""):
        try:
            assignee = _case_worker(
                organisation_id=case.organisation_id,
                user_id=assignee_id,
                field="assignee_id",
            )
        except InvalidInput as exc:
            errors += exc.errors
    if errors:
        raise InvalidInput(errors)

    case = _lock(case)
    fields: list[str] = []
    if severity is not UNSET and severity != case.severity:
        events.severity_changed_event(
            case=case, user=user, previous=case.severity, severity=severity
        )
        case.severity = severity
        fields.append("severity")
    if facility_id is not UNSET:
        new_id = facility.pk if facility else None
        if new_id != case.facility_id:
            events.facility_changed_event(
                case=case, user=user, previous_id=case.facility_id, facility_id=new_id
            )
            case.facility = facility
            fields.append("facility")
    if categories is not UNSET:
        have = set(case.category_rows.values_list("code", flat=True))
        if set(codes) != have:
            CaseCategory.objects.filter(case=case).exclude(code__in=codes).delete()
            CaseCategory.objects.bulk_create(
                [CaseCategory(case=case, code=c) for c in codes if c not in have]
            )
            events.categories_changed_event(
                case=case, user=user, previous=list(have), categories=codes
            )
            fields.append("updated_at")
    if assignee_id is not UNSET:
        new_assignee = assignee.pk if assignee else None
        if new_assignee != case.assignee_id:
            case.assignee = assignee
            fields.append("assignee")
            events.case_assigned_event(case=case, user=user, assignee=assignee)
            fields += _mark_acknowledged(case, timezone.now())
            if assignee is not None and assignee.pk != user.pk:
                _notify_assigned(case, assignee, by=user)
    if retaliation_checkins is not UNSET and bool(retaliation_checkins) != (
        case.retaliation_checkins
    ):
        case.retaliation_checkins = bool(retaliation_checkins)
        fields.append("retaliation_checkins")
    if fields:
        _save(case, fields)
        audit_record(
            action="case.updated",
            actor=user,
            organisation=case.organisation,
            obj=case,
            data={"fields": sorted(set(fields) - {"updated_at"})},
        )
    return case


def _notify_assigned(case: Case, assignee: User, *, by: User | None) -> None:
    from remedia.cases import alerts

    case_id, user_id = case.pk, assignee.pk
    transaction.on_commit(lambda: alerts.notify_case_assigned(case_id, user_id))


# --- Status --------------------------------------------------------------------------------


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


# --- Notes, tasks, documents ----------------------------------------------------------------


@transaction.atomic
def case_note_add(*, case: Case, user: User, body: str) -> CaseNote:
    """A note for colleagues only, sealed to the case's key."""
    _require_write(case=case, user=user)
    text = intake.clean_text(body)
    if not text:
        raise _invalid("body", _("Escriba la nota."))
    if len(text) > NOTE_MAX:
        raise _invalid(
            "body",
            _("La nota es demasiado larga (máximo %(n)s caracteres).")
            % {"n": NOTE_MAX},
        )
    case = _lock(case)
    note = CaseNote.objects.create(
        case=case,
        author=user,
        content=note_seal(text, public_key=bytes(case.public_key)),
    )
    events.note_added_event(case=case, user=user, note_id=note.pk)
    _save(case, [])
    audit_record(
        action="case.note_added",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"note": str(note.pk)},
    )
    return note


@transaction.atomic
def case_task_add(
    *, case: Case, user: User, title: str, owner_id: Any, due_on: date | None
) -> CaseTask:
    _require_write(case=case, user=user)
    errors: list[dict[str, Any]] = []
    text = intake.clean_text(title)
    if not text:
        errors.append({"field": "title", "reason": _("Escriba qué hay que hacer.")})
    elif len(text) > TASK_TITLE_MAX:
        errors.append(
            {
                "field": "title",
                "reason": _("Es demasiado largo (máximo %(n)s caracteres).")
                % {"n": TASK_TITLE_MAX},
            }
        )
    if due_on is None:
        errors.append({"field": "due_on", "reason": _("Indique la fecha límite.")})
    elif due_on < timezone.localdate():
        errors.append(
            {
                "field": "due_on",
                "reason": _("La fecha límite no puede estar en el pasado."),
            }
        )
    owner = None
    try:
        owner = _case_worker(
            organisation_id=case.organisation_id, user_id=owner_id, field="owner_id"
        )
    except InvalidInput as exc:
        errors += exc.errors
    if errors or owner is None or due_on is None:
        raise InvalidInput(errors)
    case = _lock(case)
    task = CaseTask.objects.create(
        case=case, title=text, owner=owner, due_on=due_on, created_by=user
    )
    events.task_added_event(
        case=case, user=user, task_id=task.pk, owner=owner, due_on=due_on
    )
    _save(case, [])
    audit_record(
        action="case.task_added",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"task": str(task.pk)},
    )
    return task


@transaction.atomic
def case_task_done(*, task: CaseTask, user: User) -> CaseTask:
    case = task.case
    _require_write(case=case, user=user)
    case = _lock(case)
    task = CaseTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        raise ApplicationError(_("Esa tarea ya estaba completada."))
    task.done_at = timezone.now()
    task.done_by = user
    task.save(update_fields=["done_at", "done_by", "updated_at"])
    events.task_done_event(case=case, user=user, task_id=task.pk)
    _save(case, [])
    audit_record(
        action="case.task_done",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"task": str(task.pk)},
    )
    return task


def document_dir() -> Path:
    return data_subdir("case-documents")


def case_document_add(
    *, case: Case, user: User, name: str, data: bytes, too_large: bool = False
) -> CaseDocument:
    """A staff document, cleaned of metadata like a report's attachment, encrypted."""
    _require_write(case=case, user=user)
    try:
        clean = files.clean(data, too_large=too_large)
    except files.AttachmentRefused as exc:
        raise _invalid("file", exc.message) from None
    sealed = document_seal(
        data=clean.data,
        content_type=clean.content_type,
        name=(name or "documento")[:200],
        public_key=bytes(case.public_key),
        directory=document_dir(),
    )
    with file_kept(sealed.path):
        with transaction.atomic():
            case = _lock(case)
            document = CaseDocument.objects.create(
                case=case, author=user, **sealed.fields()
            )
            events.document_added_event(
                case=case,
                user=user,
                document_id=document.pk,
                content_type=clean.content_type,
            )
            _save(case, [])
            audit_record(
                action="case.document_added",
                actor=user,
                organisation=case.organisation,
                obj=case,
                data={"document": str(document.pk)},
            )
    return document


def case_document_open(
    *, document: CaseDocument, user: User, user_private_key: bytes | None
) -> tuple[dict[str, Any], bytes] | None:
    case_private = case_key(
        case=document.case, user=user, user_private_key=user_private_key
    )
    if case_private is None:
        return None
    meta, data = document_open(
        document, private_key=case_private, directory=document_dir()
    )
    audit_record(
        action="case.document_read",
        actor=user,
        obj=document.case,
        data={"document": str(document.pk)},
    )
    return meta, data


# --- Reading (decrypting) -------------------------------------------------------------------


@dataclass(frozen=True)
class OpenNote:
    id: uuid.UUID
    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class OpenDocument:
    id: uuid.UUID
    name: str
    content_type: str
    size: int
    author: str
    created_at: datetime


@dataclass(frozen=True)
class OpenCase:
    unlocked: bool
    notes: list[OpenNote]
    documents: list[OpenDocument]


def case_open_for(
    *, case: Case, user: User, user_private_key: bytes | None
) -> OpenCase:
    """Decrypt a case's notes and document names for an entitled user; audited.

    Whoever opens the case also shares its key with colleagues who have no
    grant yet (new members, replaced keys), which the server cannot do alone.
    """
    case_private = case_key(case=case, user=user, user_private_key=user_private_key)
    audit_record(
        action="case.read",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"decrypted": case_private is not None},
    )
    if case_private is None:
        return OpenCase(unlocked=False, notes=[], documents=[])

    def share() -> bool:
        shared = _grant(case=case, case_private=case_private)
        if shared:
            audit_record(
                action="case.key_shared", actor=user, obj=case, data={"grants": shared}
            )
        return True

    # Entitlement changes only with account rows: nothing to share again
    # until the accounts version moves.
    cached_while_accounts_unchanged(
        cache_key("case-shared", case.pk), share, timeout=3600
    )
    notes = [
        OpenNote(
            id=n.pk,
            author=n.author.username if n.author else "",
            body=note_open(bytes(n.content), private_key=case_private),
            created_at=n.created_at,
        )
        for n in case.notes.select_related("author")
    ]
    documents = [
        OpenDocument(
            id=d.pk,
            name=document_meta(d, private_key=case_private).get("name", ""),
            content_type=d.content_type,
            size=d.size,
            author=d.author.username if d.author else "",
            created_at=d.created_at,
        )
        for d in case.documents.select_related("author")
    ]
    return OpenCase(unlocked=True, notes=notes, documents=documents)


# --- Talking to the reporters -------------------------------------------------------------------


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


# --- Escalation to the RRM -----------------------------------------------------------------------


@transaction.atomic
def case_escalate(
    *, case: Case, user: User, summary: str, document_ids: Iterable[Any] = ()
) -> Escalation:
    """Put a case of denied association or bargaining forward as a draft RRM petition."""
    _require_write(case=case, user=user)
    case = _lock(case)
    codes = set(case.category_rows.values_list("code", flat=True))
    alleged = sorted(codes & RRM_CATEGORIES)
    errors: list[dict[str, Any]] = []
    if not alleged:
        errors.append(
            {
                "field": "categories",
                "reason": _(
                    "Solo se escalan al MLRR casos de negación de la libertad de "
                    "asociación o de negociación colectiva (intimidación, coacción, "
                    "amenazas, falta de neutralidad, injerencia, mala fe, represalia)."
                ),
            }
        )
    facility = case.facility
    if facility is None:
        errors.append(
            {
                "field": "facility_id",
                "reason": _("Ligue el caso a un centro de trabajo del padrón antes."),
            }
        )
    text = intake.clean_text(summary)
    if len(text) < 20:
        errors.append(
            {
                "field": "summary",
                "reason": _("Resuma los hechos alegados (al menos 20 caracteres)."),
            }
        )
    elif len(text) > SUMMARY_MAX:
        errors.append(
            {"field": "summary", "reason": _("El resumen es demasiado largo.")}
        )
    wanted: list[uuid.UUID] = []
    for raw in document_ids:
        try:
            wanted.append(uuid.UUID(str(raw)))
        except ValueError:
            errors.append(
                {"field": "document_ids", "reason": _("Documento desconocido.")}
            )
            break
    documents = list(CaseDocument.objects.filter(case=case, pk__in=wanted))
    if len(documents) != len(set(wanted)):
        errors.append({"field": "document_ids", "reason": _("Documento desconocido.")})
    if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        errors.append(
            {"field": "status", "reason": _("Reabra el caso antes de escalarlo.")}
        )
    if errors or facility is None:
        raise InvalidInput(errors)
    escalation = Escalation.objects.create(
        case=case,
        facility=facility,
        categories=alleged,
        summary=text,
        created_by=user,
    )
    escalation.documents.set(documents)
    fields: list[str] = []
    if case.status != CaseStatus.ESCALATED:
        fields = _status_apply(
            case, status=CaseStatus.ESCALATED, actor=user, now=timezone.now()
        )
    events.case_escalated_event(
        case=case,
        user=user,
        escalation_id=escalation.pk,
        documents=len(documents),
    )
    _save(case, fields)
    audit_record(
        action="case.escalated",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"escalation": str(escalation.pk), "categories": alleged},
    )
    hooks.escalation_hand_over(escalation)
    return escalation


# --- Retaliation check-ins --------------------------------------------------------------------


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


# --- Facilities merged in the registry ---------------------------------------------


def cases_facility_repoint(*, source: Facility, target: Facility) -> int:
    """Cases about `source` are about `target` now (called inside the merge)."""
    moved = Case.objects.filter(facility=source).update(
        facility=target, updated_at=timezone.now()
    )
    if moved:
        transaction.on_commit(selectors.cases_changed)
    return moved


# --- Retention ---------------------------------------------------------------------


def cases_destroy_expired(*, now: datetime | None = None) -> int:
    """Destroy cases closed longer ago than the intake's retention period.

    The same period as reports: a case outliving its reports would keep notes
    about them. Rows go with their sealed keys, notes, tasks, timeline and
    check-ins; document files are unlinked after the commit.
    """
    destroyed = expired_destroy(
        rows=Case.objects.filter(
            status=CaseStatus.CLOSED, closed_at__lt=intake.retention_cutoff(now=now)
        ),
        action="case.destroyed",
        files=lambda case: list(case.documents.values_list("blob", flat=True)),
        directory=document_dir,
        audit_data=lambda case, blobs: {
            "closed_at": case.closed_at,
            "documents": len(blobs),
        },
        organisation=lambda case: case.organisation,
        event="cases.destroyed",
    )
    if destroyed:
        selectors.cases_changed()
    return destroyed
