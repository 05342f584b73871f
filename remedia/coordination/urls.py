"""Staff pages of coordination (mounted at /staff/coordinacion/; "coordination")."""

from __future__ import annotations

from django.urls import URLPattern, path

from remedia.coordination.views import pages, progress

app_name = "coordination"

urlpatterns: list[URLPattern] = [
    path("", pages.home_view, name="home"),
    path("grupos/<uuid:group_id>/", pages.group_detail_view, name="group"),
    path("plan/<int:year>/", pages.plan_view, name="plan"),
    path("acciones/<uuid:action_id>/", pages.action_detail_view, name="action"),
    path(
        "acciones/<uuid:action_id>/situacion/",
        pages.action_status_view,
        name="action_status",
    ),
    path(
        "acciones/<uuid:action_id>/avances/",
        pages.update_submit_view,
        name="update_submit",
    ),
    path(
        "avances/<uuid:update_id>/revision/",
        pages.update_review_view,
        name="update_review",
    ),
]

# A plan's progress, its 4W view and its documents (issue 17, item 5).
urlpatterns += [
    path("plan/<int:year>/avance/", progress.progress_view, name="plan_progress"),
    path("plan/<int:year>/4w/", progress.fourw_view, name="plan_fourw"),
    path("plan/<int:year>/plan.pdf", progress.plan_pdf_view, name="plan_pdf"),
    path("plan/<int:year>/plan.xlsx", progress.plan_xlsx_view, name="plan_xlsx"),
]
