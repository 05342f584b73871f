"""What the intake adds to the staff home page (registered in IntakeConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.hooks import NavItem, Panel, Waiting
from remedia.facilities.hooks import SECTION_REPORTS, FacilitySection
from remedia.facilities.models import Facility
from remedia.intake import selectors
from remedia.intake.models import ReportStatus


def inbox_panel(request: HttpRequest) -> Panel | None:
    if not user_can(user=request.user, capability=Capability.REPORT_READ):
        return None
    waiting = selectors.report_list(
        viewer=request.user,
        filters=selectors.ReportFilters(status=ReportStatus.RECEIVED),
    )
    return Panel(
        template="intake/home_panel.html",
        context={
            "unacknowledged": waiting.count(),
            "urgent": waiting.filter(urgent=True).count(),
        },
        order=10,
    )


def routing_panel(request: HttpRequest) -> Panel | None:
    """Administrators are warned when reports find no rule or could find no reader."""
    if not user_can(user=request.user, capability=Capability.ORGANISATION_MANAGE):
        return None
    health = selectors.routing_health()
    if health.default_configured and not health.routed_by_default_30d:
        return None
    return Panel(
        template="intake/routing_panel.html", context={"health": health}, order=1
    )


def inbox_nav(request: HttpRequest) -> NavItem | None:
    if not user_can(user=request.user, capability=Capability.REPORT_READ):
        return None
    return NavItem(label=_("Denuncias"), url=reverse("intake:inbox"), order=10)


def facility_reports_section(
    request: HttpRequest, facility: Facility
) -> FacilitySection:
    """The facility page's reports section: counts for the viewer's organisations."""
    if not user_can(user=request.user, capability=Capability.REPORT_READ):
        return FacilitySection(
            key=SECTION_REPORTS,
            template="intake/facility_reports.html",
            context={"can_read_reports": False},
        )
    return FacilitySection(
        key=SECTION_REPORTS,
        template="intake/facility_reports.html",
        context={
            "can_read_reports": True,
            "figures": selectors.facility_report_figures(
                viewer=request.user, facility=facility
            ),
        },
    )


def inbox_waiting(request: HttpRequest) -> list[Waiting]:
    """Reports nobody has acknowledged: the inbox filtered to "Recibida"."""
    if not user_can(user=request.user, capability=Capability.REPORT_READ):
        return []
    n = selectors.report_count(
        viewer=request.user,
        filters=selectors.ReportFilters(status=ReportStatus.RECEIVED),
    )
    inbox = reverse("intake:inbox")
    return [
        Waiting(
            key="reports.unacknowledged",
            count=n,
            label=ngettext(
                "denuncia sin acuse de recibo", "denuncias sin acuse de recibo", n
            ),
            url=f"{inbox}?status={ReportStatus.RECEIVED.value}",
            nav_url=inbox,
            urgent=n > 0,
            order=10,
        )
    ]
