"""Staff pages of protection (mounted at /staff/proteccion/; the "protection" namespace)."""

from __future__ import annotations

from django.urls import URLPattern, path

from remedia.protection.views import (
    consent,
    directory,
    export,
    files,
    referrals,
    screenings,
    support,
)

app_name = "protection"

_file = "expedientes/<uuid:file_id>/"
_referral = "canalizaciones/<uuid:referral_id>/"

_action = _file + "plan/<uuid:action_id>/"

urlpatterns: list[URLPattern] = [
    # The victim file (views/files.py).
    path("", files.home_view, name="home"),
    path("expedientes/nuevo/", files.file_new_view, name="file_new"),
    path(_file, files.file_detail_view, name="file"),
    path(_file + "identidad/", files.file_identity_view, name="file_identity"),
    path(_file + "datos/", files.file_fields_view, name="file_fields"),
    path(_file + "trata/", files.file_trafficking_view, name="file_trafficking"),
    path(_file + "riesgo/", files.file_risk_view, name="file_risk"),
    path(_file + "estado/", files.file_status_view, name="file_status"),
    path(_file + "centro/", files.file_facility_view, name="file_facility"),
    path(_file + "asignaciones/", files.file_assign_view, name="file_assign"),
    path(
        _file + "asignaciones/quitar/",
        files.file_unassign_view,
        name="file_unassign",
    ),
    path(_file + "notas/", files.file_note_view, name="file_note"),
    path(_file + "denuncias/", files.file_report_link_view, name="file_report_link"),
    path(
        _file + "denuncias/quitar/",
        files.file_report_unlink_view,
        name="file_report_unlink",
    ),
    path(_file + "casos/", files.file_case_link_view, name="file_case_link"),
    path(_file + "casos/quitar/", files.file_case_unlink_view, name="file_case_unlink"),
    # The support plan (views/support.py).
    path(_file + "plan/", support.support_add_view, name="support_add"),
    path(_action, support.support_edit_view, name="support_edit"),
    path(_action + "estado/", support.support_status_view, name="support_status"),
    # The services directory.
    path("servicios/", directory.service_list_view, name="services"),
    path("servicios/nuevo/", directory.service_create_view, name="service_create"),
    path(
        "servicios/<uuid:service_id>/",
        directory.service_detail_view,
        name="service",
    ),
    path(
        "servicios/<uuid:service_id>/editar/",
        directory.service_edit_view,
        name="service_edit",
    ),
    path(
        "servicios/<uuid:service_id>/baja/",
        directory.service_deactivate_view,
        name="service_deactivate",
    ),
    # A file's consents and referring (the file page shows both as sections).
    path(f"{_file}consentimientos/", consent.file_consents_view, name="file_consents"),
    path(
        f"{_file}consentimientos/<uuid:consent_id>/retirar/",
        consent.consent_withdraw_view,
        name="consent_withdraw",
    ),
    path(f"{_file}canalizar/", referrals.file_refer_view, name="file_refer"),
    # Referrals received and sent.
    path("canalizaciones/", referrals.referral_list_view, name="referrals"),
    path(_referral, referrals.referral_detail_view, name="referral"),
    path(
        f"{_referral}aceptar/", referrals.referral_accept_view, name="referral_accept"
    ),
    path(
        f"{_referral}rechazar/", referrals.referral_reject_view, name="referral_reject"
    ),
    path(f"{_referral}atendida/", referrals.referral_done_view, name="referral_done"),
    path(
        f"{_referral}revocar/", referrals.referral_revoke_view, name="referral_revoke"
    ),
    path(
        f"{_referral}contrarreferir/",
        referrals.referral_counter_view,
        name="referral_counter",
    ),
    # The de-identified export.
    path("exportar/", export.export_view, name="export"),
    path("exportar/descargar/", export.export_download_view, name="export_download"),
    # Screening interviews.
    path("entrevistas/", screenings.screening_list_view, name="screenings"),
    path(
        "entrevistas/nueva/",
        screenings.screening_start_view,
        name="screening_start",
    ),
    path(
        "entrevistas/<uuid:screening_id>/",
        screenings.screening_view,
        name="screening",
    ),
    path(
        "entrevistas/<uuid:screening_id>/descartar/",
        screenings.screening_dismiss_view,
        name="screening_dismiss",
    ),
    path(
        "entrevistas/<uuid:screening_id>/expediente/",
        screenings.screening_file_view,
        name="screening_file",
    ),
]
