from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import cast

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.accounts import audit_log, keys, selectors, services
from remedia.accounts.forms import EnrolForm, LoginForm, TokenForm
from remedia.accounts.models import ApiToken, User
from remedia.accounts.permissions import Capability, Role
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError, Throttled
from remedia.core.hooks import NavItem, home_panels, waiting, waiting_cookie_set
from remedia.core.kit import capability_require
from remedia.core.retention import (
    next_run,
    retention_last_run,
    retention_outlook,
)

_ENROL_SESSION_KEY = "remedia_enrol_device"


def _staff(request: HttpRequest) -> User:
    """The logged-in staff member (the views using it require a login)."""
    return cast(User, request.user)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.login_attempt(
                    request=request,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    code=form.cleaned_data["code"],
                )
            except Throttled as exc:
                form.add_error(None, str(exc.message))
                status = 429
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
                status = 400
            else:
                return redirect(_next_url(request) or "accounts:home")
        else:
            status = 400
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": _next_url(request)},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.logout_record(user=_staff(request))
    logout(request)
    messages.info(request, _("Cerró su sesión."))
    return redirect("accounts:login")


def _pending_device(request: HttpRequest) -> TOTPDevice:
    device_id = request.session.get(_ENROL_SESSION_KEY)
    device = None
    if device_id is not None:
        device = TOTPDevice.objects.filter(
            pk=device_id, user=_staff(request), confirmed=False
        ).first()
    if device is None:
        device = services.totp_enrol_begin(user=_staff(request))
        request.session[_ENROL_SESSION_KEY] = device.pk
    return device


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app; the recovery codes are shown once, here."""
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect("accounts:account")
    if TOTPDevice.objects.filter(user=_staff(request), confirmed=True).exists():
        # Every login through the staff form with a confirmed device is verified,
        # so this session skipped the factor the user has: end it.
        services.logout_record(user=_staff(request))
        logout(request)
        messages.error(request, str(services.SecondFactorAlreadyEnrolled().message))
        return redirect("accounts:login")
    device = _pending_device(request)
    form = EnrolForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                codes = services.totp_enrol_confirm(
                    request=request,
                    user=_staff(request),
                    device=device,
                    code=form.cleaned_data["code"],
                )
            except ApplicationError as exc:
                form.add_error("code", str(exc.message))
                status = 400
            else:
                request.session.pop(_ENROL_SESSION_KEY, None)
                return render(request, "accounts/recovery_codes.html", {"codes": codes})
        else:
            status = 400
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "qr_data_uri": qr.svg_data_uri(scale=5, dark="#1b1b1b"),
            "secret": base64.b32encode(device.bin_key).decode(),
        },
        status=status,
    )


@never_cache
@login_required
@require_POST
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    codes = services.recovery_codes_regenerate(user=_staff(request))
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {
            "organisations": selectors.user_organisations(user=request.user),
            "roles": sorted(selectors.user_roles(user=request.user)),
        },
    )


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    """One section per role the user holds, in the order of the Role list."""
    roles = selectors.user_roles(user=request.user)
    response = render(
        request,
        "accounts/home.html",
        {
            "sections": [role for role in Role if role.value in roles],
            "waiting": waiting(request),
            "panels": home_panels(request),
            # The API's documentation is for administrators and integrators.
            "show_api": Role.ADMIN.value in roles or request.user.is_superuser,
            "organisations": selectors.user_organisations(user=request.user),
        },
    )
    waiting_cookie_set(request, response)
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(_staff(request), request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.password_change(
                    request=request,
                    user=_staff(request),
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password1"],
                )
            except ApplicationError as exc:
                form.add_error("old_password", str(exc.message))
                status = 400
            else:
                messages.success(request, _("Su contraseña cambió."))
                return redirect("accounts:account")
        else:
            status = 400
    return render(request, "accounts/password.html", {"form": form}, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens; a new one can decrypt what its user may read."""
    form = TokenForm(request.POST if request.POST.get("action") == "issue" else None)
    issued = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue" and form.is_valid():
            _token, issued = services.token_issue(
                user=_staff(request),
                name=form.cleaned_data["name"],
                issued_by=_staff(request),
                expires_at=timezone.now() + timedelta(days=form.cleaned_data["days"]),
                private_key=keys.request_private_key(request),
            )
            form = TokenForm()
        elif action == "revoke":
            token_id = _uuid_or_none(request.POST.get("token"))
            token = (
                ApiToken.objects.filter(user=_staff(request), pk=token_id).first()
                if token_id
                else None
            )
            if token is None:
                raise Http404
            services.token_revoke(token=token, revoked_by=_staff(request))
            messages.success(request, _("Token revocado."))
            return redirect("accounts:tokens")
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "issued": issued,
            "tokens": ApiToken.objects.filter(
                user=_staff(request), revoked_at__isnull=True
            ),
            "key_unlocked": keys.request_private_key(request) is not None,
        },
    )


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@login_required
def retention_view(request: HttpRequest) -> HttpResponse:
    """Administrators: per kind of personal data, its period and what goes when.

    The policy is the site's (settings, and the reports' period in the admin);
    the counts are of rows only, never of what they hold.
    """
    capability_require(request, Capability.ORGANISATION_MANAGE)
    now = timezone.now()
    last = retention_last_run()
    return render(
        request,
        "accounts/retention.html",
        {
            "lines": retention_outlook(now=now),
            "next_run": next_run(now),
            "last_at": last[0] if last else None,
            "last_failed": (last[1].get("failed") or []) if last else [],
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def audit_log_view(request: HttpRequest) -> HttpResponse:
    """The audit log of the reader's organisations, newest first, filtered.

    For holders of ``audit.read`` (administrators); anyone else gets a 404.
    Every read is itself written to the log, with the filters used.
    """
    scope = audit_log.audit_scope(viewer=request.user)
    if scope is None:
        raise Http404
    form = audit_log.AuditFilterForm(
        request.GET or None, actions=audit_log.audit_actions(scope=scope)
    )
    entries = None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        status = 200
        filters = form.filters() if form.is_bound else audit_log.AuditFilters()
        number = (form.cleaned_data.get("page") or 1) if form.is_bound else 1
        entries = audit_log.audit_page(
            audit_log.audit_entries(scope=scope, filters=filters), number=number
        )
        audit_record(
            action="audit.read",
            actor=request.user,
            organisation=audit_log.audit_organisation(viewer=request.user),
            data={
                "action": filters.action,
                "actor": filters.actor,
                "since": filters.since.isoformat() if filters.since else "",
                "until": filters.until.isoformat() if filters.until else "",
                "object": filters.obj,
                "page": entries.number,
            },
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "entries": entries,
            "rows": [
                {"entry": e, "label": audit_log.action_label(e.action)}
                for e in (entries.object_list if entries else [])
            ],
            "query": query.urlencode(),
            "platform": audit_log.platform_reader(request.user),
        },
        status=status,
    )


def audit_log_nav(request: HttpRequest) -> NavItem | None:
    if not (
        selectors.user_can(user=request.user, capability=Capability.AUDIT_READ)
        or audit_log.platform_reader(request.user)
    ):
        return None
    return NavItem(
        label=gettext_lazy("Auditoría"), url=reverse("accounts:audit_log"), order=90
    )
