from django.urls import path

from remedia.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list_view, name="list"),
    path("triage/", views.triage_view, name="triage"),
    path("triage/action/", views.triage_action_view, name="triage_action"),
    path("figures/", views.figures_view, name="figures"),
    path("export/", views.case_export_view, name="export"),
    path("<uuid:case_id>/", views.case_detail_view, name="detail"),
    path("<uuid:case_id>/status/", views.case_status_view, name="status"),
    path("<uuid:case_id>/assign/", views.case_assign_view, name="assign"),
    path("<uuid:case_id>/severity/", views.case_severity_view, name="severity"),
    path("<uuid:case_id>/categories/", views.case_categories_view, name="categories"),
    path("<uuid:case_id>/facility/", views.case_facility_view, name="facility"),
    path(
        "<uuid:case_id>/facility/search/",
        views.facility_search_view,
        name="facility_search",
    ),
    path("<uuid:case_id>/notes/", views.case_note_view, name="note_add"),
    path("<uuid:case_id>/tasks/", views.case_task_add_view, name="task_add"),
    path(
        "<uuid:case_id>/tasks/<uuid:task_id>/done/",
        views.case_task_done_view,
        name="task_done",
    ),
    path(
        "<uuid:case_id>/documents/", views.case_document_add_view, name="document_add"
    ),
    path(
        "<uuid:case_id>/documents/<uuid:document_id>/",
        views.case_document_view,
        name="document",
    ),
    path("<uuid:case_id>/message/", views.case_message_view, name="message"),
    path("<uuid:case_id>/escalate/", views.case_escalate_view, name="escalate"),
]
