"""The staff member's own notifications and preferences, as plain HTML forms."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from remedia.accounts.models import User
from remedia.core.errors import InvalidInput, NotFound
from remedia.notifications import registry, selectors, services
from remedia.notifications.forms import PreferencesForm

PER_PAGE = 25


def _staff(request: HttpRequest) -> User:
    return cast(User, request.user)


def _items(rows: list[Any]) -> list[dict[str, Any]]:
    # A kind's label and a link: never what the notice is about.
    return [
        {
            "id": n.pk,
            "title": registry.kind_label(n.kind),
            "url": n.url,
            "created_at": n.created_at,
            "read": n.read_at is not None,
        }
        for n in rows
    ]


@never_cache
@login_required
def notification_list_view(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.notification_list(
        viewer=user, unread=True if unread_only else None
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    items = _items(list(page.object_list))
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "items": items,
            # Newest first: a page with nothing unread has nothing to mark.
            "any_unread": any(not item["read"] for item in items),
            "unread_only": unread_only,
        },
    )


@login_required
@require_POST
def notification_read_view(request: HttpRequest, notification_id: Any) -> HttpResponse:
    try:
        services.notification_mark_read(
            user=_staff(request), notification_id=notification_id
        )
    except NotFound:
        raise Http404 from None
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all_view(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=_staff(request))
    return redirect("notifications:list")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def preferences_view(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    current = selectors.preference_for(user=user)
    initial = {
        "email_kinds": [
            k.value
            for k in registry.kinds()
            if k.value not in (current.email_off or [])
        ],
        "language": current.language,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.preferences_set(
                    user=user,
                    email_kinds=form.cleaned_data["email_kinds"],
                    language=form.cleaned_data["language"],
                )
            except InvalidInput as exc:
                form.add_error(None, exc.reasons)
            else:
                messages.success(request, _("Preferencias guardadas."))
                return redirect("notifications:preferences")
        status = 422
    return render(
        request, "notifications/preferences.html", {"form": form}, status=status
    )
