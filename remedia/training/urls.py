"""Staff pages of rosters, training sessions and coverage (mounted at
/staff/remediation/training/, where they were when training was part of
remediation; the "training" namespace)."""

from django.urls import path

from remedia.training import views

app_name = "training"

urlpatterns = [
    path("", views.training_home_view, name="training_home"),
    path(
        "facilities/<uuid:facility_id>/roster/",
        views.roster_view,
        name="roster_facility",
    ),
    path(
        "facilities/<uuid:facility_id>/roster/import/",
        views.roster_import_view,
        name="roster_facility_import",
    ),
    path(
        "facilities/<uuid:facility_id>/roster/people/",
        views.roster_person_add_view,
        name="roster_facility_person_add",
    ),
    path(
        "facilities/<uuid:facility_id>/coverage/",
        views.training_coverage_view,
        name="training_coverage",
    ),
    path(
        "organisations/<uuid:organisation_id>/roster/",
        views.roster_view,
        name="roster_organisation",
    ),
    path(
        "organisations/<uuid:organisation_id>/roster/import/",
        views.roster_import_view,
        name="roster_organisation_import",
    ),
    path(
        "organisations/<uuid:organisation_id>/roster/people/",
        views.roster_person_add_view,
        name="roster_organisation_person_add",
    ),
    path(
        "organisations/<uuid:organisation_id>/coverage/",
        views.training_coverage_view,
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
]
