from django.urls import path

from remedia.intake import views

app_name = "intake"

urlpatterns = [
    path("denunciar/", views.report_view, name="report"),
    path("denunciar/centros/", views.facility_picker_view, name="facility_picker"),
    path("denunciar/recibo/", views.receipt_view, name="receipt"),
    path("seguimiento/", views.followup_enter_view, name="followup_enter"),
    path("seguimiento/denuncia/", views.followup_view, name="followup"),
    path("seguimiento/salir/", views.followup_exit_view, name="followup_exit"),
    path(
        "seguimiento/respuestas/baja/",
        views.followup_replies_stop_view,
        name="followup_replies_stop",
    ),
    path("staff/reports/", views.inbox_view, name="inbox"),
    path("staff/reports/export/", views.inbox_export_view, name="inbox_export"),
    path(
        "staff/reports/<uuid:report_id>/", views.staff_report_view, name="staff_report"
    ),
    path(
        "staff/reports/<uuid:report_id>/facility/",
        views.staff_report_facility_view,
        name="staff_report_facility",
    ),
    path(
        "staff/reports/<uuid:report_id>/status/",
        views.staff_report_status_view,
        name="staff_report_status",
    ),
    path(
        "staff/reports/<uuid:report_id>/attachments/<uuid:attachment_id>/",
        views.staff_attachment_view,
        name="staff_attachment",
    ),
]
