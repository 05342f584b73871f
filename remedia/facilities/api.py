from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from remedia.accounts import scopes
from remedia.accounts.scopes import Scope
from remedia.facilities import selectors

router = Router(tags=["facilities"])


class FacilityMatchOut(Schema):
    id: uuid.UUID
    public_id: str
    name: str
    municipality: str
    state: str


class FacilityMatchList(Schema):
    items: list[FacilityMatchOut]
    count: int


class FacilitySearchQuery(Schema):
    q: str = ""
    state: str | None = None


@router.get(
    "/facilities",
    auth=None,
    response=FacilityMatchList,
    summary="Up to 20 best matches for the report form's facility picker",
)
@scopes.grants(Scope.REGISTRY_READ)
def facility_search(
    request: HttpRequest, query: Query[FacilitySearchQuery]
) -> dict[str, Any]:
    # An unknown state matches nothing (the selector reads names and codes).
    found = selectors.facility_search(q=query.q[:200], state=query.state or None)
    # Plain dicts: the schema checks them once, on the way out (building
    # FacilityMatchOut objects first validated every item twice).
    items = [
        {
            "id": f.id,
            "public_id": f.public_id,
            "name": f.name,
            "municipality": f.municipality,
            "state": f.state,
        }
        for f in found
    ]
    return {"items": items, "count": len(items)}
