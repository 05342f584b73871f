"""Staff pages of analytics (mounted at /staff/cifras/; "analytics")."""

from __future__ import annotations

from django.urls import path

from remedia.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("tablero.pdf", views.pdf_view, name="pdf"),
    path("tablero.xlsx", views.workbook_view, name="workbook"),
    path(
        "tablas/<slug:table>.csv",
        views.table_export_view,
        {"fmt": "csv"},
        name="table_csv",
    ),
    path(
        "tablas/<slug:table>.xlsx",
        views.table_export_view,
        {"fmt": "xlsx"},
        name="table_xlsx",
    ),
]
