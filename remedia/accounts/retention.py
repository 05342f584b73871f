"""The accounts' kind of personal data under retention: sessions.

A session holds who signed in and, wrapped, their unlocked private key
(`keys.session_key_store`); an expired one is of no use to anyone.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.hooks import NavItem, staff_nav_register
from remedia.core.retention import (
    Destroyed,
    RetentionKind,
    expired_delete,
    retention_kind_register,
)


def _destroy(rows: Any) -> Destroyed:
    return Destroyed(rows=expired_delete(rows=rows))


def retention_nav(request: HttpRequest) -> NavItem | None:
    """Administrators reach the retention page from the staff menu."""
    if not user_can(user=request.user, capability=Capability.ORGANISATION_MANAGE):
        return None
    return NavItem(label=_("Conservación"), url=reverse("accounts:retention"), order=90)


def register() -> None:
    staff_nav_register(retention_nav)
    retention_kind_register(
        RetentionKind(
            name="sessions",
            label=_("Sesiones del personal"),
            clock_label=_("el vencimiento de la sesión"),
            rows=lambda: Session.objects.all(),
            clock="expire_date",
            destroy=_destroy,
            order=80,
        )
    )
