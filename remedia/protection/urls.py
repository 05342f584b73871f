"""Staff pages of protection (mounted at /staff/proteccion/; the "protection" namespace)."""

from __future__ import annotations

from django.urls import URLPattern, path  # noqa: F401

app_name = "protection"

urlpatterns: list[URLPattern] = []
