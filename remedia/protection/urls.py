"""Staff pages of protection (mounted at /staff/proteccion/; the "protection" namespace)."""

from __future__ import annotations

from django.urls import URLPattern, path

from remedia.protection.views import export, screenings

app_name = "protection"

urlpatterns: list[URLPattern] = [
    path("exportar/", export.export_view, name="export"),
    path("exportar/descargar/", export.export_download_view, name="export_download"),
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
