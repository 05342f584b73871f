"""Staff pages of analytics (mounted at /staff/cifras/; "analytics")."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "analytics"

urlpatterns: list[URLPattern] = []
