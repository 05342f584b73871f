"""The intake's kind of personal data under retention: closed reports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from remedia.core.retention import RetentionKind, retention_kind_register
from remedia.intake import services
from remedia.intake.models import Attachment, Report, ReportStatus


def register() -> None:
    retention_kind_register(
        RetentionKind(
            name="reports",
            label=_("Denuncias (mensajes, adjuntos y llaves)"),
            clock_label=_("el cierre de la denuncia"),
            rows=lambda: Report.objects.filter(status=ReportStatus.CLOSED),
            clock="closed_at",
            destroy=services.reports_destroy,
            files=lambda rows: Attachment.objects.filter(report__in=rows).count(),
            days=services.report_retention_days,
            order=10,
        )
    )
