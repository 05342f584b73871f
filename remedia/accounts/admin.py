from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from remedia.accounts import keys, services, views
from remedia.accounts.models import (
    ApiToken,
    Membership,
    Organisation,
    OrganisationKey,
    User,
)
from remedia.core.audit import audit_record


@never_cache
def _admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin has no login form of its own: the staff form checks the password,
    the second factor and the throttle, audits, and starts the session clock."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    query = QueryDict(mutable=True)
    query["next"] = target or reverse("admin:index")
    return HttpResponseRedirect(
        f"{reverse('accounts:login')}?{query.urlencode(safe='/')}"
    )


def _admin_logout(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    # The staff logout audits it and drops the key cookie.
    return views.logout_view(request)


# Replaces the admin site's own views (they are looked up on the instance when
# the admin URLs are built, after every app's admin module is imported).
admin.site.login = _admin_login  # type: ignore[method-assign]
admin.site.logout = _admin_logout  # type: ignore[method-assign]


class _AuditedAdmin(admin.ModelAdmin):
    """Admin edits leave the same audit trail as the services do."""

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action=f"{obj._meta.model_name}.{'changed' if change else 'created'}",
            actor=request.user,
            obj=obj,
            data={"fields": sorted(form.changed_data), "via": "admin"},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            action=f"{obj._meta.model_name}.deleted",
            actor=request.user,
            obj=obj,
            data={"via": "admin"},
        )
        super().delete_model(request, obj)


@admin.register(Organisation)
class OrganisationAdmin(_AuditedAdmin):
    list_display = [
        "name",
        "short_name",
        "sector",
        "country",
        "is_active",
        "has_escrow",
    ]
    list_filter = ["sector", "is_active", "country"]
    search_fields = ["name", "short_name"]
    actions = ["issue_escrow"]

    @admin.display(boolean=True, description=_("Llave de custodia"))
    def has_escrow(self, obj: Organisation) -> bool:
        return OrganisationKey.objects.filter(organisation=obj).exists()

    @admin.action(description=_("Crear la llave de custodia (se muestra una sola vez)"))
    def issue_escrow(
        self, request: HttpRequest, queryset: QuerySet[Organisation]
    ) -> HttpResponse:
        issued = [
            (
                org,
                keys.organisation_escrow_issue(
                    organisation=org, issued_by=request.user
                ),
            )
            for org in queryset
            if not OrganisationKey.objects.filter(organisation=org).exists()
        ]
        # Rendered straight into the response: never stored, not even in a message.
        response = render(request, "accounts/recovery_keys.html", {"issued": issued})
        response["Cache-Control"] = "no-store"
        return response


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "is_active", "is_staff", "last_login"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Preferencias"), {"fields": ("language",)}),
    )
    actions = ["reset_second_factor"]

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action="user.changed" if change else "user.created",
            actor=request.user,
            obj=obj,
            data={"fields": sorted(form.changed_data), "via": "admin"},
        )

    @admin.action(description=_("Restablecer el segundo factor"))
    def reset_second_factor(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> None:
        for user in queryset:
            services.second_factor_reset(user=user, reset_by=request.user)  # type: ignore[arg-type]
        messages.success(
            request,
            ngettext(
                "Se restableció el segundo factor de %(n)d usuario.",
                "Se restableció el segundo factor de %(n)d usuarios.",
                queryset.count(),
            )
            % {"n": queryset.count()},
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "name",
        "user",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "digest",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are issued with `remedia issue-token`, which shows the secret once.
        return False

    @admin.action(description=_("Revocar los tokens seleccionados"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            services.token_revoke(token=token, revoked_by=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Tokens revocados."))
