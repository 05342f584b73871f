"""Staff pages of protection (mounted at /staff/proteccion/; the "protection" namespace)."""

from __future__ import annotations

from django.urls import URLPattern, path

from remedia.protection.views import export

app_name = "protection"

urlpatterns: list[URLPattern] = [
    path("exportar/", export.export_view, name="export"),
    path("exportar/descargar/", export.export_download_view, name="export_download"),
]
