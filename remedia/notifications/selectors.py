"""Reads of notifications: always one user's own, and who may be told."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from remedia.accounts.models import Membership, User
from remedia.accounts.permissions import Capability, roles_with
from remedia.core.cache import kept_until_version_moves
from remedia.notifications.models import Notification, NotificationPreference

# Seconds. Every write through the services moves the version, so the count is
# never stale from them; the timeout only bounds a write that went around them.
UNREAD_KEPT = 3600


def members_with(
    *, organisation_ids: Iterable[Any], capability: Capability
) -> list[User]:
    """Active users holding `capability` in one of the organisations (with or
    without an address: a notice for one without is listed in the app only)."""
    return list(
        User.objects.filter(
            Exists(
                Membership.objects.filter(
                    user=OuterRef("pk"),
                    organisation_id__in=list(organisation_ids),
                    organisation__is_active=True,
                    role__in=roles_with(capability),
                )
            ),
            is_active=True,
        ).order_by("username")
    )


def notification_list(
    *, viewer: User, unread: bool | None = None
) -> QuerySet[Notification]:
    """The viewer's own notifications, newest first."""
    rows = Notification.objects.filter(user=viewer).only(
        "id", "kind", "url", "created_at", "read_at", "sent_at", "user_id"
    )
    if unread is True:
        rows = rows.filter(read_at__isnull=True)
    elif unread is False:
        rows = rows.filter(read_at__isnull=False)
    return rows.order_by("-created_at", "-id")


def notification_get(*, viewer: User, notification_id: Any) -> Notification | None:
    """One of the viewer's notifications; another user's is None, as a missing one."""
    try:
        pk = uuid.UUID(str(notification_id))
    except ValueError:
        return None
    return Notification.objects.filter(pk=pk, user=viewer).first()


def unread_version_key(user_id: Any) -> str:
    return f"notifications:unread:v:{user_id}"


def unread_count(*, viewer: User) -> int:
    """How many of the viewer's notifications are unread: one indexed COUNT, kept."""
    return kept_until_version_moves(
        version_key=unread_version_key(viewer.pk),
        key=f"notifications:unread:{viewer.pk}",
        load=lambda: Notification.objects.filter(
            user=viewer, read_at__isnull=True
        ).count(),
        timeout=UNREAD_KEPT,
    )


def preference_for(*, user: User) -> NotificationPreference:
    """The user's preferences, or the defaults (everything by email, their language)."""
    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user, email_off=[], language="")
