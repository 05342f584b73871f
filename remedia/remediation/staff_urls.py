"""Staff pages of courses of remediation (mounted at /staff/remediation/)."""

from django.urls import include, path

from remedia.remediation import views

app_name = "remediation"

_measure = "<uuid:course_id>/measures/<uuid:measure_id>/"

urlpatterns: list = [
    path("surveys/", include("remedia.remediation.survey_staff_urls")),
    path("training/sanctions/", include("remedia.remediation.sanctions_urls")),
    path("", views.course_list_view, name="list"),
    path("new/", views.course_create_view, name="create"),
    path("facility-search/", views.facility_search_view, name="facility_search"),
    path("<uuid:course_id>/", views.course_detail_view, name="detail"),
    path("<uuid:course_id>/edit/", views.course_edit_view, name="edit"),
    path("<uuid:course_id>/close/", views.course_close_view, name="close"),
    path("<uuid:course_id>/report.pdf", views.course_report_view, name="report"),
    path("<uuid:course_id>/parties/", views.party_add_view, name="party_add"),
    path(
        "<uuid:course_id>/parties/<uuid:party_id>/remove/",
        views.party_remove_view,
        name="party_remove",
    ),
    path("<uuid:course_id>/measures/", views.measure_add_view, name="measure_add"),
    path(_measure, views.measure_detail_view, name="measure"),
    path(f"{_measure}edit/", views.measure_edit_view, name="measure_edit"),
    path(f"{_measure}status/", views.measure_status_view, name="measure_status"),
    path(f"{_measure}notes/", views.measure_note_view, name="measure_note"),
    path(f"{_measure}evidence/", views.evidence_add_view, name="evidence_add"),
    path(
        f"{_measure}evidence/<uuid:evidence_id>/",
        views.evidence_view,
        name="evidence",
    ),
    path(
        f"{_measure}evidence/<uuid:evidence_id>/review/",
        views.evidence_review_view,
        name="evidence_review",
    ),
]
