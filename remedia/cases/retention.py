"""The cases' kind of personal data under retention: closed cases."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from remedia.cases.models import Case, CaseDocument, CaseStatus
from remedia.cases.services.retention import case_retention_days, cases_destroy
from remedia.core.retention import RetentionKind, retention_kind_register


def register() -> None:
    retention_kind_register(
        RetentionKind(
            name="cases",
            label=_("Casos (notas, documentos, tareas y llaves)"),
            clock_label=_("el cierre del caso"),
            rows=lambda: Case.objects.filter(status=CaseStatus.CLOSED),
            clock="closed_at",
            destroy=cases_destroy,
            files=lambda rows: CaseDocument.objects.filter(case__in=rows).count(),
            days=case_retention_days,
            order=20,
        )
    )
