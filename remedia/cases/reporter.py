"""What the reporter sees of the case their report joined (intake.hooks providers).

Only the case's status in words meant for a worker, and a pending retaliation
question with its answer buttons: never the case number, the handler, the
other reports or anything another reporter wrote.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from remedia.cases.models import Case, CaseStatus
from remedia.intake.hooks import ReporterSection
from remedia.intake.models import Report

REPORTER_STATUS = {
    CaseStatus.OPEN: _("Su denuncia forma parte de un caso abierto."),
    CaseStatus.INVESTIGATING: _("Estamos investigando lo que nos contó."),
    CaseStatus.AWAITING_RESPONSE: _(
        "Esperamos su respuesta: lea nuestro último mensaje."
    ),
    CaseStatus.REFERRED: _("Canalizamos el caso a otra instancia que puede atenderlo."),
    CaseStatus.ESCALATED: _(
        "Llevamos el caso a una instancia superior (mecanismo laboral del T-MEC)."
    ),
    CaseStatus.RESOLVED: _("El caso se resolvió."),
    CaseStatus.CLOSED: _("El caso se cerró."),
}


def _case_of(report: Report) -> Case | None:
    return (
        Case.objects.filter(links__report=report)
        .only("status", "updated_at")
        .order_by("-updated_at")
        .first()
    )


def case_status_section(report: Report) -> ReporterSection | None:
    case = _case_of(report)
    if case is None:
        return None
    label = REPORTER_STATUS[CaseStatus(case.status)]
    return ReporterSection(
        key="case",
        template="cases/reporter_status.html",
        context={"case_status": case.status, "case_status_label": label},
        data={
            "status": case.status,
            "status_label": str(label),
            "updated_at": case.updated_at.isoformat(),
        },
        order=10,
    )


def checkin_section(report: Report) -> ReporterSection | None:
    from remedia.cases.services import checkin_pending

    checkin = checkin_pending(report=report)
    if checkin is None:
        return None
    return ReporterSection(
        key="checkin",
        template="cases/reporter_checkin.html",
        context={"checkin": checkin},
        data={"id": str(checkin.pk), "days_after": checkin.days_after},
        order=20,
    )
