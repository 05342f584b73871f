"""Admin building blocks: every write through the admin leaves an audit entry."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from remedia.core.audit import audit_record
from remedia.core.audit_labels import action_label
from remedia.core.models import AuditEntry


def _deleted(request: HttpRequest, obj: Model) -> None:
    audit_record(
        action=f"{obj._meta.model_name}.deleted",
        actor=request.user,
        obj=obj,
        data={"via": "admin"},
    )


class AuditedDeletesMixin:
    """Deletions through the admin, one by one or the bulk action, are audited.

    Each object gets its own entry in the same transaction as the delete (the
    admin wraps both in one), so a rolled-back delete leaves no entry.
    """

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _deleted(request, obj)
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            _deleted(request, obj)
        super().delete_queryset(request, queryset)  # type: ignore[misc]


class AuditedAdmin(AuditedDeletesMixin, admin.ModelAdmin):
    """Additions, changes and deletions through the admin leave the same trail
    as the services do."""

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


class NoDeleteAdminMixin:
    """For models whose deletion cascades keys or grants: deactivate instead.

    Also removes the bulk "delete selected" action, which would bypass it.
    """

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return dict(actions)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, even for administrators."""

    list_display = ["number", "when", "what", "who", "object_type_", "object_id_"]
    list_filter = ["action"]
    search_fields = ["object_id", "actor_label", "action"]
    # Newest first, as the staff page (/staff/auditoria/) shows it.
    ordering = ["-seq"]

    @admin.display(description=_("N.º"), ordering="seq")
    def number(self, obj: AuditEntry) -> int:
        return obj.seq

    @admin.display(description=_("Cuándo"), ordering="at")
    def when(self, obj: AuditEntry) -> Any:
        return obj.at

    @admin.display(description=_("Acción"), ordering="action")
    def what(self, obj: AuditEntry) -> str:
        return action_label(obj.action)

    @admin.display(description=_("Quién"), ordering="actor_label")
    def who(self, obj: AuditEntry) -> str:
        return obj.actor_label or str(_("sistema"))

    @admin.display(description=_("Tipo de objeto"))
    def object_type_(self, obj: AuditEntry) -> str:
        return obj.object_type

    @admin.display(description=_("Objeto"))
    def object_id_(self, obj: AuditEntry) -> str:
        return obj.object_id

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
