from __future__ import annotations

from typing import Any

from django import template

from remedia.notifications import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    """The signed-in user's unread count for the header (kept in the cache)."""
    user: Any = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return selectors.unread_count(viewer=user)
