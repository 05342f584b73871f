"""The public figures (mounted at /cifras/, no login; "public_figures")."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "public_figures"

urlpatterns: list[URLPattern] = []
