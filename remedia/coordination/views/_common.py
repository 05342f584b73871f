"""What the coordination pages share: who may open them, and how a form page
answers (its form again with the reasons beside the fields, and a 422)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from remedia.coordination.selectors.access import (
    coordination_readable,
    coordination_writable,
)
from remedia.core.kit import request_user


def reader(request: HttpRequest) -> Any:
    """The user, if they read coordination; a 404 for anyone else."""
    user = request_user(request)
    if not coordination_readable(user=user):
        raise Http404
    return user


def writer(request: HttpRequest) -> Any:
    """A coordinator; a reader who is not one is refused (403), as the pages
    they read show them that the plan is kept by the coordination."""
    return writer_check(reader(request))


def writer_check(user: Any) -> Any:
    """Called once the object is found: a missing one is the same 404 for
    every reader, an existing one a 403 for those who only read."""
    if not coordination_writable(user=user):
        raise DjangoPermissionDenied
    return user


def form_page(
    request: HttpRequest,
    *,
    form: Any,
    heading: Any,
    back_url: str,
    back_label: Any,
    submit_label: Any,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """The one page of a form (`coordination/form.html`); 422 once refused."""
    if form.is_bound and form.errors:
        status = 422
    return render(
        request,
        "coordination/form.html",
        {
            "form": form,
            "heading": heading,
            "back_url": back_url,
            "back_label": back_label,
            "submit_label": submit_label,
            **extra,
        },
        status=status,
    )
