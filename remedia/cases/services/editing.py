"""Editing a case: severity, facility, categories, assignee, check-ins."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.cases import events, signals
from remedia.cases.models import (
    Case,
    CaseCategory,
    Severity,
)
from remedia.cases.services.clocks import _lock, _mark_acknowledged, _save
from remedia.cases.services.permissions import _case_worker, _require_write
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput
from remedia.facilities.models import Facility
from remedia.intake.categories import Category

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
            added = [c for c in codes if c not in have]
            if added:
                transaction.on_commit(
                    lambda: signals.case_categories_added.send(
                        sender=Case, case=case, added=added
                    )
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
