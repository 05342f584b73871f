"""Staff pages of protection (mounted at /staff/proteccion/; the "protection" namespace)."""

from __future__ import annotations

from django.urls import URLPattern, path

from remedia.protection.views import consent, directory, export, referrals, screenings

app_name = "protection"

_file = "expedientes/<uuid:file_id>/"
_referral = "canalizaciones/<uuid:referral_id>/"

urlpatterns: list[URLPattern] = [
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
