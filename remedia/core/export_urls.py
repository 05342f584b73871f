from django.urls import path

from remedia.core import export_views as views

app_name = "exports"

urlpatterns = [
    path("", views.export_list_view, name="list"),
    path("<uuid:export_id>/", views.export_detail_view, name="detail"),
    path("<uuid:export_id>/estado/", views.export_status_view, name="status"),
    path("<uuid:export_id>/descargar/", views.export_download_view, name="download"),
]
