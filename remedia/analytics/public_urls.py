"""The public figures (mounted at /cifras/, no login; "public_figures")."""

from __future__ import annotations

from django.urls import URLPattern, path

from remedia.analytics import public_views

app_name = "public_figures"

urlpatterns: list[URLPattern] = [
    path("", public_views.figures_view, name="page"),
    path("datos.json", public_views.figures_json_view, name="json"),
    path("datos.csv", public_views.figures_csv_view, name="csv"),
]
