"""Only the SLA targets are edited in the admin; cases are worked in the staff pages,
where organisation scoping and the timeline apply."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from remedia.cases.models import SlaPolicy
from remedia.core.admin import AuditedDeletesMixin
from remedia.core.audit import audit_record


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedDeletesMixin, admin.ModelAdmin):
    list_display = [
        "organisation",
        "urgent",
        "acknowledge_hours",
        "first_response_hours",
        "resolution_days",
    ]
    list_filter = ["urgent"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        # Cases opened before keep the due times they were given; new cases
        # take the new targets.
        super().save_model(request, obj, form, change)
        audit_record(
            action="sla_policy.changed" if change else "sla_policy.created",
            actor=request.user,
            obj=obj,
            data={"fields": sorted(form.changed_data)},
        )
