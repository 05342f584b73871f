"""Staff pages of protection (mounted at /staff/proteccion/; the "protection" namespace)."""

from __future__ import annotations

from django.urls import URLPattern, path

from remedia.protection.views import files, support

app_name = "protection"

_FILE = "expedientes/<uuid:file_id>/"
_ACTION = _FILE + "plan/<uuid:action_id>/"

urlpatterns: list[URLPattern] = [
    # The victim file (views/files.py).
    path("", files.home_view, name="home"),
    path("expedientes/nuevo/", files.file_new_view, name="file_new"),
    path(_FILE, files.file_detail_view, name="file"),
    path(_FILE + "identidad/", files.file_identity_view, name="file_identity"),
    path(_FILE + "datos/", files.file_fields_view, name="file_fields"),
    path(_FILE + "trata/", files.file_trafficking_view, name="file_trafficking"),
    path(_FILE + "riesgo/", files.file_risk_view, name="file_risk"),
    path(_FILE + "estado/", files.file_status_view, name="file_status"),
    path(_FILE + "centro/", files.file_facility_view, name="file_facility"),
    path(_FILE + "asignaciones/", files.file_assign_view, name="file_assign"),
    path(
        _FILE + "asignaciones/quitar/",
        files.file_unassign_view,
        name="file_unassign",
    ),
    path(_FILE + "notas/", files.file_note_view, name="file_note"),
    path(_FILE + "denuncias/", files.file_report_link_view, name="file_report_link"),
    path(
        _FILE + "denuncias/quitar/",
        files.file_report_unlink_view,
        name="file_report_unlink",
    ),
    path(_FILE + "casos/", files.file_case_link_view, name="file_case_link"),
    path(_FILE + "casos/quitar/", files.file_case_unlink_view, name="file_case_unlink"),
    # The support plan (views/support.py).
    path(_FILE + "plan/", support.support_add_view, name="support_add"),
    path(_ACTION, support.support_edit_view, name="support_edit"),
    path(_ACTION + "estado/", support.support_status_view, name="support_status"),
]
