"""Staff pages of rosters, training sessions, coverage and sanctions
(under /staff/remediation/training/)."""

urlpatterns: list = []
