"""Pages of the services directory: list and search for every reader, forms
for coordinators (thin: parse, call the directory's services, render)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.errors import ApplicationError
from remedia.core.forms import errors_onto
from remedia.core.geo import MX_STATES
from remedia.core.hooks import NavItem
from remedia.core.kit import or_404, request_user
from remedia.protection.forms.directory import ServiceForm
from remedia.protection.forms.referrals import PickerForm
from remedia.protection.models import Service
from remedia.protection.selectors.directory import (
    ServiceFilters,
    directory_readable,
    directory_writable,
    service_get_for_user,
    service_list,
)
from remedia.protection.services.directory import (
    service_create,
    service_deactivate,
    service_update,
)
from remedia.protection.vocabulary import ServiceType

SERVICES_PER_PAGE = 30


def services_nav(request: HttpRequest) -> NavItem | None:
    """Protection staff refer to the directory; coordinators keep it."""
    if not (
        user_can(user=request_user(request), capability=Capability.PROTECTION_READ)
        or directory_writable(user=request_user(request))
    ):
        return None
    return NavItem(_("Servicios de atención"), reverse("protection:services"), order=64)


def picker_filters(form: PickerForm) -> ServiceFilters:
    """The directory filters a valid picker form asks for (nothing if invalid)."""
    if not form.is_valid():
        return ServiceFilters()
    data = form.cleaned_data
    return ServiceFilters(
        q=data.get("q") or "",
        service_type=data.get("service_type") or None,
        state=data.get("state") or None,
        age=data.get("age"),
        sex=data.get("sex") or None,
    )


def _organisations() -> list[Organisation]:
    return list(Organisation.objects.filter(is_active=True).order_by("name"))


@login_required
@require_GET
def service_list_view(request: HttpRequest) -> HttpResponse:
    if not directory_readable(user=request_user(request)):
        raise Http404
    form = PickerForm(request.GET or None)
    filters = picker_filters(form)
    in_remedia = request.GET.get("in_remedia") == "1"
    writable = directory_writable(user=request_user(request))
    withdrawn = writable and request.GET.get("withdrawn") == "1"
    filters = ServiceFilters(
        q=filters.q,
        service_type=filters.service_type,
        state=filters.state,
        age=filters.age,
        sex=filters.sex,
        in_remedia=True if in_remedia else None,
        active=not withdrawn,
    )
    page = Paginator(
        service_list(viewer=request.user, filters=filters), SERVICES_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "protection/service_list.html",
        {
            "form": form,
            "page": page,
            "in_remedia": in_remedia,
            "withdrawn": withdrawn,
            "can_edit": writable,
        },
    )


def _service_or_404(request: HttpRequest, service_id: Any) -> Service:
    return or_404(
        lambda: service_get_for_user(user=request_user(request), service_id=service_id)
    )


@login_required
@require_GET
def service_detail_view(request: HttpRequest, service_id: Any) -> HttpResponse:
    service = _service_or_404(request, service_id)
    return render(
        request,
        "protection/service_detail.html",
        {
            "service": service,
            "types": [ServiceType(c).label for c in service.service_types],
            "states": [MX_STATES.get(c, c) for c in service.states],
            "can_edit": directory_writable(user=request_user(request)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_create_view(request: HttpRequest) -> HttpResponse:
    if not directory_writable(user=request_user(request)):
        raise Http404
    form = ServiceForm(request.POST or None, organisations=_organisations())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                service = service_create(user=request_user(request), data=form.values())
            except ApplicationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("Servicio agregado al directorio."))
                return redirect("protection:service", service_id=service.pk)
        status = 422
    return render(
        request,
        "protection/service_form.html",
        {"form": form, "service": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_edit_view(request: HttpRequest, service_id: Any) -> HttpResponse:
    service = _service_or_404(request, service_id)
    if not directory_writable(user=request_user(request)):
        # A reader of the directory knows the service exists; only editing is not theirs.
        raise Http404
    form = ServiceForm(
        request.POST or None, organisations=_organisations(), service=service
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                service = service_update(
                    user=request_user(request),
                    service=service,
                    data=form.values(),
                    seen=form.cleaned_data.get("seen"),
                )
            except ApplicationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("Cambios guardados."))
                return redirect("protection:service", service_id=service.pk)
        status = 422
    return render(
        request,
        "protection/service_form.html",
        {"form": form, "service": service},
        status=status,
    )


@login_required
@require_POST
def service_deactivate_view(request: HttpRequest, service_id: Any) -> HttpResponse:
    service = _service_or_404(request, service_id)
    try:
        service_deactivate(
            user=request_user(request), service=service, seen=request.POST.get("seen")
        )
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
    else:
        messages.success(
            request, _("El servicio se dio de baja: ya no se ofrece al canalizar.")
        )
    return redirect("protection:service", service_id=service.pk)
