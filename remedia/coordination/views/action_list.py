"""The plan actions across plans, filtered: what the home page's count of
actions due soon leads to."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from remedia.coordination.forms.actions import ActionFilterForm
from remedia.coordination.selectors.access import coordination_readable
from remedia.coordination.selectors.plan import (
    ActionFilters,
    action_list_filtered,
    action_overdue,
)
from remedia.coordination.views._common import reader
from remedia.core.forms import filtered_page
from remedia.core.hooks import Waiting
from remedia.core.kit import request_user

ACTIONS_PER_PAGE = 50
SOON = {"mine": "1", "due": "soon"}


def _filters(data: Mapping[str, object]) -> ActionFilters:
    return ActionFilters(mine=bool(data.get("mine")), due=str(data.get("due") or ""))


@login_required
@require_GET
def action_list_view(request: HttpRequest) -> HttpResponse:
    user = reader(request)
    today = timezone.localdate()
    form = ActionFilterForm(request.GET)
    page, status = filtered_page(
        request,
        form,
        lambda data: action_list_filtered(
            viewer=user, filters=_filters(data), today=today
        ),
        per_page=ACTIONS_PER_PAGE,
    )
    actions = list(page.object_list)
    for action in actions:
        action.overdue = action_overdue(action, today=today)
    return render(
        request,
        "coordination/action_list.html",
        {
            "form": form,
            "page": page,
            "actions": actions,
        },
        status=status,
    )


def actions_waiting(request: HttpRequest) -> list[Waiting]:
    """Open actions of the viewer's organisation past due or due within a
    week: the action list filtered the same way."""
    user = request_user(request)
    if not coordination_readable(user=user):
        return []
    n = action_list_filtered(viewer=user, filters=_filters(SOON)).count()
    return [
        Waiting(
            key="coordination.actions_due_soon",
            count=n,
            label=ngettext(
                "acción del plan a cargo de su organización vencida o por vencer "
                "en 7 días",
                "acciones del plan a cargo de su organización vencidas o por vencer "
                "en 7 días",
                n,
            ),
            url=f"{reverse('coordination:actions')}?{urlencode(SOON)}",
            nav_url=reverse("coordination:home"),
            urgent=n > 0,
            order=70,
        )
    ]
