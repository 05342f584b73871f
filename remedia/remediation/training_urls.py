"""Staff pages of rosters, training sessions, coverage and sanctions
(under /staff/remediation/training/, in the "remediation" namespace)."""

from django.urls import path

from remedia.remediation import training_views as views

urlpatterns = [
    path("", views.training_home_view, name="training_home"),
    path(
        "facilities/<uuid:facility_id>/roster/",
        views.roster_facility_view,
        name="roster_facility",
    ),
    path(
        "facilities/<uuid:facility_id>/roster/import/",
        views.roster_facility_import_view,
        name="roster_facility_import",
    ),
    path(
        "facilities/<uuid:facility_id>/roster/people/",
        views.roster_facility_person_add_view,
        name="roster_facility_person_add",
    ),
    path(
        "facilities/<uuid:facility_id>/coverage/",
        views.training_coverage_view,
        name="training_coverage",
    ),
    path(
        "organisations/<uuid:organisation_id>/roster/",
        views.roster_organisation_view,
        name="roster_organisation",
    ),
    path(
        "organisations/<uuid:organisation_id>/roster/import/",
        views.roster_organisation_import_view,
        name="roster_organisation_import",
    ),
    path(
        "organisations/<uuid:organisation_id>/roster/people/",
        views.roster_organisation_person_add_view,
        name="roster_organisation_person_add",
    ),
    path(
        "organisations/<uuid:organisation_id>/coverage/",
        views.training_coverage_organisation_view,
        name="training_coverage_organisation",
    ),
    path("people/<uuid:person_id>/", views.roster_person_view, name="roster_person"),
    path("sessions/", views.training_session_list_view, name="training_session_list"),
    path(
        "sessions/new/",
        views.training_session_create_view,
        name="training_session_create",
    ),
    path(
        "sessions/<uuid:session_id>/",
        views.training_session_detail_view,
        name="training_session_detail",
    ),
    path(
        "sessions/<uuid:session_id>/attendance/",
        views.training_attendance_set_view,
        name="training_attendance_set",
    ),
    path(
        "sessions/<uuid:session_id>/attendance/import/",
        views.training_attendance_import_view,
        name="training_attendance_import",
    ),
    path("sanctions/", views.sanction_list_view, name="sanction_list"),
    path("sanctions/new/", views.sanction_create_view, name="sanction_create"),
    path(
        "sanctions/<uuid:sanction_id>/",
        views.sanction_detail_view,
        name="sanction_detail",
    ),
    path(
        "sanctions/<uuid:sanction_id>/edit/",
        views.sanction_update_view,
        name="sanction_update",
    ),
]
