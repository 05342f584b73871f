from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
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
from remedia.core.admin import AuditedAdmin, AuditedDeletesMixin, NoDeleteAdminMixin
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
admin.site.logout = _admin_logout  # type: ignore[method-assign,assignment]


@admin.register(Organisation)
class OrganisationAdmin(NoDeleteAdminMixin, AuditedAdmin):
    """Deleting an organisation would cascade its recipients, key grants and
    escrow silently: it is deactivated instead (`is_active`)."""

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
    """Listed on the user's page, changed only on the memberships page, whose
    grant and revoke go through the services (audited, escrow and keys kept
    right)."""

    model = Membership
    extra = 0
    fields = ["organisation", "role"]
    readonly_fields = ["organisation", "role"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Memberships carry report access (and colleagues share keys with new
    members), so they are granted and revoked only through the services."""

    list_display = ["user", "organisation", "role", "created"]
    list_filter = ["role"]
    search_fields = ["user__username", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    actions = ["revoke_memberships"]

    @admin.display(description=_("creación"), ordering="created_at")
    def created(self, obj: Membership) -> Any:
        return obj.created_at

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The add form needs it for a new row; an existing one is never edited.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        if change:
            raise PermissionDenied
        granted = services.membership_grant(
            user=obj.user,
            organisation=obj.organisation,
            role=obj.role,
            granted_by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = granted.pk
        obj._state.adding = False

    @admin.action(description=_("Revocar las membresías seleccionadas"))
    def revoke_memberships(
        self, request: HttpRequest, queryset: QuerySet[Membership]
    ) -> None:
        count = 0
        for membership in queryset.select_related("user", "organisation"):
            services.membership_revoke(
                membership=membership,
                revoked_by=request.user,  # type: ignore[arg-type]
            )
            count += 1
        messages.success(
            request,
            ngettext(
                "Se revocó %(n)d membresía.", "Se revocaron %(n)d membresías.", count
            )
            % {"n": count},
        )


@admin.register(User)
class UserAdmin(NoDeleteAdminMixin, DjangoUserAdmin):
    """Deleting a user would cascade their keys and grants: deactivate instead."""

    inlines = [MembershipInline]
    list_display = [
        "username",
        "full_name",
        "roles",
        "organisations",
        "is_active",
        "is_staff",
        "last_login",
    ]
    list_filter = [
        "memberships__role",
        "memberships__organisation",
        "is_active",
        "is_staff",
        "is_superuser",
    ]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Preferencias"), {"fields": ("language",)}),
    )
    actions = ["reset_second_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # The role and organisation columns without a query per row.
        return (
            super()
            .get_queryset(request)
            .prefetch_related("memberships__organisation")
            .distinct()
        )

    @admin.display(description=_("nombre"), ordering="last_name")
    def full_name(self, obj: User) -> str:
        return obj.get_full_name() or "—"

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        labels = {m.get_role_display() for m in obj.memberships.all()}
        return ", ".join(sorted(str(label) for label in labels)) or "—"

    @admin.display(description=_("organizaciones"))
    def organisations(self, obj: User) -> str:
        names = {m.organisation.name for m in obj.memberships.all()}
        return ", ".join(sorted(names)) or "—"

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

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            # Set outside Remedia's own flow: the key cannot be re-wrapped, and
            # the user's next login replaces it (keys.user_key_unlock).
            audit_record(
                action="password.set",
                actor=request.user,
                object_type=User._meta.label_lower,
                object_id=str(id),
                data={"via": "admin"},
            )
        return response

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
class ApiTokenAdmin(AuditedDeletesMixin, admin.ModelAdmin):
    list_display = [
        "prefix",
        "name",
        "user",
        "created",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]

    @admin.display(description=_("creación"), ordering="created_at")
    def created(self, obj: ApiToken) -> Any:
        return obj.created_at

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
