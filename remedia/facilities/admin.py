from django.contrib import admin

from remedia.facilities.models import Facility


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["name", "public_id", "municipality", "state", "status"]
    list_filter = ["state", "status"]
    search_fields = ["name", "legal_name", "public_id", "name_key"]
    readonly_fields = ["public_id", "name_key"]
