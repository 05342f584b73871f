"""What cases add to pages other apps own: the staff menu, the home page, a report's page.

Registered in `CasesConfig.ready`.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.cases import selectors
from remedia.core.hooks import NavItem, Panel
from remedia.intake.models import Report

HOME_TASKS_SHOWN = 10


def cases_nav(request: HttpRequest) -> NavItem | None:
    if not user_can(user=request.user, capability=Capability.CASE_READ):
        return None
    return NavItem(label=_("Casos"), url=reverse("cases:list"), order=20)


def triage_nav(request: HttpRequest) -> NavItem | None:
    if not user_can(user=request.user, capability=Capability.CASE_WRITE):
        return None
    return NavItem(label=_("Triaje"), url=reverse("cases:triage"), order=15)


def cases_panel(request: HttpRequest) -> Panel | None:
    """My open tasks, nearest first, and how many cases are overdue now."""
    if not user_can(user=request.user, capability=Capability.CASE_READ):
        return None
    tasks = selectors.my_open_tasks(viewer=request.user, limit=HOME_TASKS_SHOWN + 1)
    overdue = selectors.case_list(
        viewer=request.user, filters=selectors.CaseFilters(overdue=True)
    ).count()
    return Panel(
        template="cases/home_panel.html",
        context={
            "tasks": tasks[:HOME_TASKS_SHOWN],
            "more_tasks": len(tasks) > HOME_TASKS_SHOWN,
            "overdue": overdue,
            "today": timezone.localdate(),
        },
        order=20,
    )


def report_section(request: HttpRequest, report: Report) -> Panel | None:
    """The report page's case section (an `intake.hooks` staff report provider).

    The cases the report is in; if none, the reports and open cases that look
    like the same events, with a form to merge them.
    """
    if not user_can(user=request.user, capability=Capability.CASE_READ):
        return None
    cases = selectors.report_cases(viewer=request.user, report=report)
    can_write = user_can(user=request.user, capability=Capability.CASE_WRITE)
    related = (
        selectors.related_for(viewer=request.user, report=report)
        if can_write and not cases
        else None
    )
    return Panel(
        template="cases/report_section.html",
        context={"cases": cases, "can_write": can_write, "related": related},
        order=10,
    )
