"""Staff pages of coordination: groups, the plan of a year, an action."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from remedia.coordination.selectors.access import coordination_readable
from remedia.core.hooks import NavItem
from remedia.core.kit import request_user


def coordination_nav(request: HttpRequest) -> NavItem | None:
    """Every staff member with coordination reading follows the plan."""
    if not coordination_readable(user=request_user(request)):
        return None
    return NavItem(_("Coordinación"), reverse("coordination:home"), order=70)
