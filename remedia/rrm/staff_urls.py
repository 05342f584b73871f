from django.urls import path

from remedia.rrm import staff_views as views

app_name = "rrm_staff"

urlpatterns = [
    path("", views.petition_list_view, name="list"),
    path("new/", views.petition_create_view, name="create"),
    path("escalations/", views.escalations_take_over_view, name="take_over"),
    path("<uuid:case_id>/", views.petition_detail_view, name="detail"),
    path("<uuid:case_id>/advance/", views.petition_advance_view, name="advance"),
    path("<uuid:case_id>/claim/", views.petition_claim_view, name="claim"),
    path("<uuid:case_id>/publish/", views.petition_publish_view, name="publish"),
    path("<uuid:case_id>/notes/", views.petition_note_view, name="note_add"),
    path(
        "<uuid:case_id>/documents/",
        views.petition_document_add_view,
        name="document_add",
    ),
    path(
        "<uuid:case_id>/documents/<uuid:document_id>/",
        views.petition_document_view,
        name="document",
    ),
]
