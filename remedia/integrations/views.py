"""Staff pages of the webhook endpoints and partner tokens (under
/staff/integraciones/), for
organisation administrators only; anyone else gets 404, as for a page that
does not exist. Thin: parse, call the services, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts import selectors as account_selectors
from remedia.accounts import services as account_services
from remedia.accounts.permissions import Capability
from remedia.accounts.principals import Scope
from remedia.accounts.selectors import user_can
from remedia.core.errors import ApplicationError
from remedia.core.forms import errors_onto
from remedia.core.hooks import NavItem
from remedia.core.kit import capability_require, or_404, request_user
from remedia.integrations import selectors, services
from remedia.integrations.catalogue import EventType
from remedia.integrations.forms import EndpointForm, PartnerTokenForm
from remedia.integrations.models import DeliveryStatus, Endpoint

DELIVERIES_PER_PAGE = 50


def integrations_nav(request: HttpRequest) -> NavItem | None:
    if not user_can(user=request.user, capability=Capability.ORGANISATION_MANAGE):
        return None
    return NavItem(
        label=gettext_lazy("Webhooks"),
        url=reverse("integrations:endpoint_list"),
        order=90,
    )


def _admin(request: HttpRequest) -> Any:
    capability_require(request, Capability.ORGANISATION_MANAGE)
    return request_user(request)


def _endpoint_or_404(request: HttpRequest, endpoint_id: Any) -> Endpoint:
    user = _admin(request)
    return or_404(lambda: selectors.endpoint_get(user=user, endpoint_id=endpoint_id))


def _secret_page(
    request: HttpRequest, endpoint: Endpoint, secret: str, *, rotated: bool
) -> HttpResponse:
    return render(
        request,
        "integrations/endpoint_secret.html",
        {"endpoint": endpoint, "secret": secret, "rotated": rotated},
    )


def _chosen(form: Any, organisations: list[Any]) -> Any:
    """The organisation the form names among those the user administers (the
    first when it names none: a user who administers one)."""
    chosen = form.cleaned_data.get("organisation")
    return next((o for o in organisations if str(o.pk) == chosen), organisations[0])


@login_required
@require_GET
@never_cache
def endpoint_list_view(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    return render(
        request,
        "integrations/endpoint_list.html",
        {
            "endpoints": selectors.endpoint_list(user=user),
            "labels": dict(EventType.choices),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def endpoint_create_view(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    organisations = selectors.administered_organisations(user=user)
    form = EndpointForm(request.POST or None, organisations=organisations)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            organisation = _chosen(form, organisations)
            try:
                created = services.endpoint_create(
                    user=user, organisation=organisation, **form.values()
                )
            except ApplicationError as exc:
                errors_onto(form, exc)
            else:
                return _secret_page(
                    request, created.endpoint, created.secret, rotated=False
                )
        status = 422
    return render(
        request,
        "integrations/endpoint_form.html",
        {"form": form, "endpoint": None},
        status=status,
    )


@login_required
@require_GET
@never_cache
def endpoint_detail_view(request: HttpRequest, endpoint_id: Any) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    status = request.GET.get("status", "")
    deliveries = selectors.delivery_list(
        endpoint=endpoint, status=status if status in DeliveryStatus.values else None
    ).prefetch_related("attempts")
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    labels = dict(EventType.choices)
    return render(
        request,
        "integrations/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "page": page,
            "status": status,
            "statuses": DeliveryStatus.choices,
            "event_labels": [labels.get(t, t) for t in endpoint.event_types],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def endpoint_update_view(request: HttpRequest, endpoint_id: Any) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    form = EndpointForm(
        request.POST or None,
        organisations=[],
        editing=True,
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": endpoint.event_types,
            "enabled": endpoint.enabled,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.endpoint_update(
                    user=request_user(request), endpoint=endpoint, **form.values()
                )
            except ApplicationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("Destino guardado."))
                return redirect("integrations:endpoint_detail", endpoint_id=endpoint.pk)
        status = 422
    return render(
        request,
        "integrations/endpoint_form.html",
        {"form": form, "endpoint": endpoint},
        status=status,
    )


@login_required
@require_POST
@never_cache
def endpoint_delete_view(request: HttpRequest, endpoint_id: Any) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    services.endpoint_delete(user=request_user(request), endpoint=endpoint)
    messages.success(request, _("Destino eliminado."))
    return redirect("integrations:endpoint_list")


@login_required
@require_POST
@never_cache
def endpoint_rotate_view(request: HttpRequest, endpoint_id: Any) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    rotated = services.endpoint_rotate(user=request_user(request), endpoint=endpoint)
    return _secret_page(request, rotated.endpoint, rotated.secret, rotated=True)


@login_required
@require_POST
@never_cache
def delivery_redeliver_view(request: HttpRequest, delivery_id: Any) -> HttpResponse:
    user = _admin(request)
    delivery = or_404(
        lambda: selectors.delivery_get(user=user, delivery_id=delivery_id)
    )
    try:
        services.delivery_redeliver(user=user, delivery=delivery)
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
    else:
        messages.success(request, _("Reenvío en cola."))
    return redirect("integrations:endpoint_detail", endpoint_id=delivery.endpoint_id)


# --- Partner tokens (accounts.PartnerToken) ------------------------------------------


@login_required
@require_GET
@never_cache
def partner_token_list_view(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    return render(
        request,
        "integrations/partner_token_list.html",
        {
            "tokens": account_selectors.partner_token_list(user=user),
            "scope_labels": dict(Scope.choices),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def partner_token_create_view(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    organisations = account_selectors.administered_organisations(user=user)
    form = PartnerTokenForm(request.POST or None, organisations=organisations)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            organisation = _chosen(form, organisations)
            try:
                issued = account_services.partner_token_issue(
                    organisation=organisation,
                    name=form.cleaned_data["name"],
                    scopes=list(form.cleaned_data.get("scopes") or []),
                    expires_in_days=form.cleaned_data["expires_in_days"],
                    rate_limit_per_minute=form.cleaned_data["rate_limit_per_minute"],
                    issued_by=user,
                )
            except ApplicationError as exc:
                errors_onto(form, exc)
            else:
                return render(
                    request,
                    "integrations/partner_token_secret.html",
                    {"token": issued.token, "raw": issued.raw},
                )
        status = 422
    return render(
        request,
        "integrations/partner_token_form.html",
        {"form": form},
        status=status,
    )


@login_required
@require_POST
@never_cache
def partner_token_revoke_view(request: HttpRequest, token_id: Any) -> HttpResponse:
    user = _admin(request)
    token = or_404(
        lambda: account_selectors.partner_token_get(user=user, token_id=token_id)
    )
    account_services.partner_token_revoke(token=token, revoked_by=user)
    messages.success(request, _("Token revocado."))
    return redirect("integrations:partner_token_list")
