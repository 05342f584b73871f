"""What the registry adds to the staff pages (registered in FacilitiesConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.hooks import NavItem, Panel
from remedia.facilities import selectors


def facilities_nav(request: HttpRequest) -> NavItem | None:
    if not user_can(user=request.user, capability=Capability.FACILITY_READ):
        return None
    return NavItem(
        label=_("Centros de trabajo"), url=reverse("facilities:list"), order=20
    )


def import_panel(request: HttpRequest) -> Panel | None:
    """Those who may edit the registry: import a list, and what waits for them."""
    if not user_can(user=request.user, capability=Capability.FACILITY_WRITE):
        return None
    return Panel(
        template="facilities/import_panel.html",
        context={"pending": selectors.candidate_pending_count(viewer=request.user)},
        order=40,
    )
