from django.contrib import admin
from django.http import HttpRequest

from remedia.facilities.models import Facility


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    """Read-only here: edits go through the staff pages and the import, which keep
    the history, the source of each field, the search index and the audit log."""

    list_display = ["name", "public_id", "municipality", "state", "status"]
    list_filter = ["state", "status"]
    search_fields = ["name", "legal_name", "public_id", "name_key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
