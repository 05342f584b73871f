"""What analytics adds to pages other apps own: the staff menu and the home page.

Registered in `AnalyticsConfig.ready`.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.analytics import selectors
from remedia.core.hooks import NavItem, Panel


def analytics_nav(request: HttpRequest) -> NavItem | None:
    if not user_can(user=request.user, capability=Capability.ANALYTICS_READ):
        return None
    return NavItem(label=_("Cifras"), url=reverse("analytics:dashboard"), order=80)


def analytics_panel(request: HttpRequest) -> Panel | None:
    """Reports this month, cases in course and overdue, from the tallies."""
    summary = selectors.summary(viewer=request.user)
    if summary is None:
        return None
    run = selectors.last_refresh()
    return Panel(
        template="analytics/home_panel.html",
        context={
            "summary": summary,
            "as_of": run.finished_at if run else None,
            # An analyst sees the case figures, not the cases: no link to them.
            "cases_open": user_can(user=request.user, capability=Capability.CASE_READ),
        },
        order=90,
    )
