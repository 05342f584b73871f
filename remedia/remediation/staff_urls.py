"""Staff pages of courses of remediation (mounted at /staff/remediation/)."""

from django.urls import include, path

app_name = "remediation"

urlpatterns: list = [
    path("surveys/", include("remedia.remediation.survey_staff_urls")),
    path("training/", include("remedia.remediation.training_urls")),
]
