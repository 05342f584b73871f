from django.urls import path

from remedia.facilities import views

app_name = "facilities"

urlpatterns = [
    # Registry pages: list and search, the facility page and its forms.
    path("", views.facility_list_view, name="list"),
    path("export.csv", views.facility_export_view, name="export"),
    path("<uuid:facility_id>/", views.facility_detail_view, name="detail"),
    path(
        "<uuid:facility_id>/aliases/",
        views.facility_alias_add_view,
        name="alias_add",
    ),
    path("<uuid:facility_id>/status/", views.facility_status_view, name="status"),
    path("<uuid:facility_id>/merge/", views.facility_merge_view, name="merge"),
    # Import of facility lists and the review queue.
    path("import/", views.facility_import_view, name="import"),
    path(
        "import/<uuid:import_id>/",
        views.facility_import_detail_view,
        name="import_detail",
    ),
    path(
        "import/<uuid:import_id>/status/",
        views.facility_import_progress_view,
        name="import_status",
    ),
    path(
        "import/<uuid:import_id>/retry/",
        views.facility_import_retry_view,
        name="import_retry",
    ),
    path("review/", views.review_queue_view, name="review"),
    path(
        "review/<uuid:candidate_id>/confirm/",
        views.candidate_confirm_view,
        name="candidate_confirm",
    ),
    path(
        "review/<uuid:candidate_id>/reject/",
        views.candidate_reject_view,
        name="candidate_reject",
    ),
]
