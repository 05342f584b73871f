"""Reactions to other parts of Django: the header's count ready at login."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in

from remedia.notifications import selectors


def _unread_count_prime(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # Every staff page shows the count; reading it here, once, keeps the
    # pages themselves to one cache read for it (never a COUNT of their own).
    selectors.unread_count(viewer=user)


def connect() -> None:
    user_logged_in.connect(
        _unread_count_prime, dispatch_uid="remedia-notifications-unread-prime"
    )
