"""The notifications' kind of personal data under retention: notifications.

A notification says who was told of what and when (a case, a deadline); it
holds no content, but the list of them is a record about a person.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from remedia.core.retention import (
    Destroyed,
    RetentionKind,
    expired_delete,
    retention_kind_register,
)
from remedia.notifications.models import Notification


def _destroy(rows: Any) -> Destroyed:
    return Destroyed(rows=expired_delete(rows=rows))


def register() -> None:
    retention_kind_register(
        RetentionKind(
            name="notifications",
            label=_("Avisos al personal"),
            clock_label=_("la creación del aviso"),
            rows=lambda: Notification.objects.all(),
            clock="created_at",
            destroy=_destroy,
            order=70,
        )
    )
