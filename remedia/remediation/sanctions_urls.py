"""Staff pages of sanctions proceedings (under /staff/remediation/training/sanctions/,
their path since they were listed beside training; the "remediation" namespace)."""

from django.urls import path

from remedia.remediation import sanctions_views as views

urlpatterns = [
    path("", views.sanction_list_view, name="sanction_list"),
    path("new/", views.sanction_create_view, name="sanction_create"),
    path(
        "<uuid:sanction_id>/",
        views.sanction_detail_view,
        name="sanction_detail",
    ),
    path(
        "<uuid:sanction_id>/edit/",
        views.sanction_update_view,
        name="sanction_update",
    ),
]
