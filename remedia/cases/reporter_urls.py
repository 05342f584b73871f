"""The worker's side of cases, under `seguimiento/represalias/` (no login)."""

from django.urls import path

from remedia.cases import reporter_views

app_name = "cases_reporter"

urlpatterns = [
    # `str`, not `uuid`: a mangled id gets the same Spanish message as any other
    # question that is not pending, not a bare 404.
    path(
        "<str:checkin_id>/",
        reporter_views.checkin_answer_view,
        name="checkin_answer",
    ),
]
