"""The worker's side of a verification survey (mounted at /encuesta/)."""

from django.urls import path

from remedia.remediation import survey_views as views

app_name = "survey"

urlpatterns: list = [
    path("", views.survey_enter_view, name="enter"),
    # Before the code's pattern: "gracias" is never a code (7 letters, with an I).
    path("gracias/", views.survey_thanks_view, name="thanks"),
    path("<str:code>/", views.survey_answer_view, name="answer"),
]
