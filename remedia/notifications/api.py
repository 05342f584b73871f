"""The caller's own notifications and preferences over HTTP.

A user only ever reaches their own rows: another user's id answers 404, as a
missing one. An item says its kind and links to a staff page; never what it
is about.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from remedia.accounts.models import User
from remedia.core.pagination import DEFAULT_LIMIT, paginate
from remedia.core.schemas import AnswerSchema
from remedia.notifications import registry, selectors, services

router = Router(tags=["notifications"])


class NotificationOut(AnswerSchema):
    id: uuid.UUID
    kind: str
    title: str
    url: str
    created_at: datetime
    read_at: datetime | None
    emailed: bool


class NotificationListOut(AnswerSchema):
    items: list[NotificationOut]
    count: int


class NotificationListQuery(Schema):
    unread: bool | None = Field(
        None, description="true: only unread; false: only read; absent: all."
    )
    limit: int = DEFAULT_LIMIT
    offset: int = 0


class ReadAllOut(AnswerSchema):
    marked: int


class PreferencesOut(AnswerSchema):
    email_kinds: list[str] = Field(description="Kinds that also come by email.")
    kinds: list[str] = Field(description="Every kind there is.")
    language: str = Field(description="Emails' language; empty: the account's.")


class PreferencesIn(Schema):
    email_kinds: list[str] = Field(max_length=100)
    language: str = Field("", max_length=8)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _out(n: Any) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": str(registry.kind_label(n.kind)),
        "url": n.url,
        "created_at": n.created_at,
        "read_at": n.read_at,
        "emailed": n.sent_at is not None,
    }


def _preferences(user: User) -> dict[str, Any]:
    current = selectors.preference_for(user=user)
    every = [k.value for k in registry.kinds()]
    return {
        "email_kinds": [k for k in every if k not in (current.email_off or [])],
        "kinds": every,
        "language": current.language,
    }


@router.get(
    "/notifications",
    response=NotificationListOut,
    summary="The caller's notifications, newest first",
)
def notification_list(
    request: HttpRequest, query: Query[NotificationListQuery]
) -> dict[str, Any]:
    rows = selectors.notification_list(viewer=_user(request), unread=query.unread)
    items, count = paginate(rows, limit=query.limit, offset=query.offset)
    return {"items": [_out(n) for n in items], "count": count}


@router.post("/notifications/read-all", response=ReadAllOut, summary="Mark all read")
def notification_read_all(request: HttpRequest) -> dict[str, Any]:
    return {"marked": services.notifications_mark_all_read(user=_user(request))}


@router.get(
    "/notifications/preferences",
    response=PreferencesOut,
    summary="Which kinds come by email, and in what language",
)
def preferences_get(request: HttpRequest) -> dict[str, Any]:
    return _preferences(_user(request))


@router.put(
    "/notifications/preferences",
    response=PreferencesOut,
    summary="Set which kinds come by email (the rest are listed only), and the language",
)
def preferences_put(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    user = _user(request)
    services.preferences_set(
        user=user, email_kinds=payload.email_kinds, language=payload.language
    )
    return _preferences(user)


@router.post(
    "/notifications/{notification_id}/read",
    response=NotificationOut,
    summary="Mark one of the caller's notifications read",
)
def notification_read(
    request: HttpRequest, notification_id: uuid.UUID
) -> dict[str, Any]:
    notification = services.notification_mark_read(
        user=_user(request), notification_id=notification_id
    )
    return _out(notification)
