from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from remedia.core.admin import AuditedDeletesMixin
from remedia.core.audit import audit_record
from remedia.intake.models import IntakeConfiguration, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedDeletesMixin, admin.ModelAdmin):
    list_display = ["organisation", "purpose", "state", "category", "is_active"]
    list_filter = ["purpose", "state", "is_active"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action="routing_rule.changed" if change else "routing_rule.created",
            actor=request.user,
            obj=obj,
            data={"fields": sorted(form.changed_data)},
        )


@admin.register(IntakeConfiguration)
class IntakeConfigurationAdmin(admin.ModelAdmin):
    """The single configuration row; the receipt salt is never shown or edited."""

    fields = ["default_organisation", "retention_days"]
    autocomplete_fields = ["default_organisation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action="intake_configuration.changed",
            actor=request.user,
            data={"fields": sorted(form.changed_data)},
        )
