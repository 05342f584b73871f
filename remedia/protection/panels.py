"""What screenings add to pages other apps own: the staff menu, a report's
page, a case's page, and a victim file's page.

Registered in `ProtectionConfig.ready`. A panel names the screening's status
and links to it only for those who may open it; it never shows an answer.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.cases.models import Case
from remedia.core.hooks import NavItem, Panel
from remedia.intake.models import Report
from remedia.protection.models import Screening, VictimFile
from remedia.protection.selectors.screenings import (
    case_screenings,
    file_screenings,
    report_screenings,
    screenings_visible_to,
)


def screenings_nav(request: HttpRequest) -> NavItem | None:
    if not user_can(user=request.user, capability=Capability.PROTECTION_READ):
        return None
    return NavItem(
        label=_("Entrevistas de detección"),
        url=reverse("protection:screenings"),
        order=40,
    )


def _panel(request: HttpRequest, screenings: list[Screening]) -> Panel | None:
    if not screenings:
        return None
    openable = set(
        screenings_visible_to(user=request.user)
        .filter(pk__in=[s.pk for s in screenings])
        .values_list("pk", flat=True)
    )
    return Panel(
        template="protection/screening_panel.html",
        context={"rows": [(s, s.pk in openable) for s in screenings]},
        order=15,
    )


def screening_report_section(request: HttpRequest, report: Report) -> Panel | None:
    return _panel(request, report_screenings(viewer=request.user, report=report))


def screening_case_section(request: HttpRequest, case: Case) -> Panel | None:
    return _panel(request, case_screenings(viewer=request.user, case=case))


def screening_file_section(
    request: HttpRequest, file: VictimFile, file_private: bytes | None
) -> Panel | None:
    screenings = file_screenings(file=file)
    if not screenings:
        return None
    return Panel(
        template="protection/file_screenings.html",
        context={"screenings": screenings},
        order=20,
    )
