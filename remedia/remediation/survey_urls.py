"""The worker's side of a verification survey (mounted at /encuesta/)."""

app_name = "survey"

urlpatterns: list = []
