"""What cases add to pages other apps own: the staff menu, the home page, a report's page.

Registered in `CasesConfig.ready`.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.cases import selectors
from remedia.core.hooks import NavItem, Panel, Waiting
from remedia.intake.models import Report

HOME_TASKS_SHOWN = 10
HOME_EVENTS_SHOWN = 8


def cases_nav(request: HttpRequest) -> NavItem | None:
    if not user_can(user=request.user, capability=Capability.CASE_READ):
        return None
    return NavItem(label=_("Casos"), url=reverse("cases:list"), order=20)


def triage_nav(request: HttpRequest) -> NavItem | None:
    if not user_can(user=request.user, capability=Capability.CASE_WRITE):
        return None
    return NavItem(label=_("Triaje"), url=reverse("cases:triage"), order=15)


def cases_panel(request: HttpRequest) -> Panel | None:
    """My open tasks, nearest first (the overdue counts are in `cases_waiting`)."""
    if not user_can(user=request.user, capability=Capability.CASE_READ):
        return None
    tasks = selectors.my_open_tasks(viewer=request.user, limit=HOME_TASKS_SHOWN + 1)
    return Panel(
        template="cases/home_panel.html",
        context={
            "tasks": tasks[:HOME_TASKS_SHOWN],
            "more_tasks": len(tasks) > HOME_TASKS_SHOWN,
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


def cases_waiting(request: HttpRequest) -> list[Waiting]:
    """Reports waiting for triage, overdue cases, and my cases with an overdue
    task: each counted as its list counts it (`case_count`, `triage_count`),
    so the number on the home page is the number of rows the link shows."""
    if not user_can(user=request.user, capability=Capability.CASE_READ):
        return []
    cases = reverse("cases:list")
    found: list[Waiting] = []
    if user_can(user=request.user, capability=Capability.CASE_WRITE):
        reports = selectors.triage_list(viewer=request.user)
        n = selectors.triage_count(viewer=request.user, reports=reports)
        found.append(
            Waiting(
                key="cases.triage",
                count=n,
                label=ngettext("denuncia espera triaje", "denuncias esperan triaje", n),
                url=reverse("cases:triage"),
                nav_url=reverse("cases:triage"),
                order=12,
            )
        )
    overdue = selectors.case_count(
        viewer=request.user, filters=selectors.CaseFilters(overdue=True)
    )
    found.append(
        Waiting(
            key="cases.overdue",
            count=overdue,
            label=ngettext(
                "caso con plazo vencido", "casos con plazo vencido", overdue
            ),
            url=f"{cases}?overdue=1",
            nav_url=cases,
            urgent=overdue > 0,
            order=20,
        )
    )
    mine = selectors.case_count(
        viewer=request.user, filters=selectors.CaseFilters(tasks="mine_overdue")
    )
    found.append(
        Waiting(
            key="cases.my_tasks_overdue",
            count=mine,
            label=ngettext(
                "caso con una tarea mía vencida", "casos con tareas mías vencidas", mine
            ),
            url=f"{cases}?tasks=mine_overdue",
            urgent=mine > 0,
            order=21,
        )
    )
    return found


def cases_activity(request: HttpRequest) -> Panel | None:
    """The latest changes to the viewer's cases, in words, newest first."""
    if not user_can(user=request.user, capability=Capability.CASE_READ):
        return None
    from remedia.cases.views import event_lines

    return Panel(
        template="cases/activity_panel.html",
        context={
            "lines": event_lines(
                selectors.recent_events(viewer=request.user, limit=HOME_EVENTS_SHOWN)
            )
        },
        order=25,
    )
