"""Staff pages of worker verification surveys (under /staff/remediation/surveys/)."""

urlpatterns: list = []
