"""Escalating a case to the RRM."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.cases import events, hooks
from remedia.cases.models import (
    Case,
    CaseDocument,
    CaseStatus,
    Escalation,
)
from remedia.cases.services.clocks import _lock, _save
from remedia.cases.services.permissions import _require_write
from remedia.cases.services.status import _status_apply
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput
from remedia.intake import services as intake
from remedia.intake.categories import RRM_CATEGORIES

SUMMARY_MAX = 20_000


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
