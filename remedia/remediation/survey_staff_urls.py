"""Staff pages of worker verification surveys (under /staff/remediation/surveys/).

Included inside the ``remediation`` namespace, so every name starts "survey_".
"""

from django.urls import path

from remedia.remediation import survey_views as views

urlpatterns: list = [
    path("", views.survey_list_view, name="survey_list"),
    path("measures/<uuid:measure_id>/new/", views.survey_open_view, name="survey_open"),
    path("<uuid:survey_id>/", views.survey_detail_view, name="survey_detail"),
    path("<uuid:survey_id>/poster/", views.survey_poster_view, name="survey_poster"),
    path("<uuid:survey_id>/close/", views.survey_close_view, name="survey_close"),
]
