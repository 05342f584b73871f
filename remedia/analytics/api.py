"""`GET /api/v1/analytics/dashboard`: the staff dashboard's figures as JSON.

The same tables, filters and scoping as /staff/cifras/ (bearer token; the
caller needs ANALYTICS_READ in some organisation, else 403). Filters are the
page's GET parameters; a bad one answers 422 with its reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.analytics import selectors
from remedia.analytics.forms import DashboardFilterForm
from remedia.core.errors import InvalidInput, PermissionDenied
from remedia.core.kit import request_user

router = Router(tags=["analytics"])


class RowOut(Schema):
    key: str
    label: str
    values: list[int | float | str | None]
    url: str


class TableOut(Schema):
    key: str
    title: str
    description: str
    columns: list[str]
    rows: list[RowOut]


class DashboardOut(Schema):
    as_of: dt.datetime | None
    organisations: list[str]
    tables: list[TableOut]


@router.get("/dashboard", response=DashboardOut)
def dashboard(
    request: HttpRequest,
    since: str = "",
    until: str = "",
    organisation: str = "",
    state: str = "",
    facility: str = "",
    category: str = "",
) -> dict[str, Any]:
    user = request_user(request)
    if not user_can(user=user, capability=Capability.ANALYTICS_READ):
        raise PermissionDenied(_("Su cuenta no puede consultar cifras."))
    organisations = selectors.analytics_organisations(viewer=user)
    form = DashboardFilterForm(
        {
            "since": since[:20],
            "until": until[:20],
            "organisation": organisation[:40],
            "state": state[:10],
            "facility": facility[:40],
            "category": category[:40],
        },
        organisations=[(str(o.pk), o.name) for o in organisations],
        facilities=selectors.facility_choices(organisations=organisations),
    )
    if not form.is_valid():
        raise InvalidInput(
            [
                {"field": field if field != "__all__" else "until", "reason": str(m)}
                for field, messages in form.errors.items()
                for m in messages
            ]
        )
    board = selectors.dashboard(viewer=user, filters=form.filters())
    return {
        "as_of": board.as_of,
        "organisations": [str(o.pk) for o in board.organisations],
        "tables": [
            {
                "key": t.key,
                "title": t.title,
                "description": t.description,
                "columns": list(t.columns),
                "rows": [
                    {
                        "key": r.key,
                        "label": r.label,
                        "values": list(r.values),
                        "url": r.url,
                    }
                    for r in t.rows
                ],
            }
            for t in board.tables
        ],
    }
