from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Query, Router, Schema

from remedia.core.geo import state_code
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
def facility_search(
    request: HttpRequest, query: Query[FacilitySearchQuery]
) -> FacilityMatchList:
    state = state_code(query.state) if query.state else None
    found = selectors.facility_search(q=query.q[:200], state=state)
    return FacilityMatchList(
        items=[
            FacilityMatchOut(
                id=f.id,
                public_id=f.public_id,
                name=f.name,
                municipality=f.municipality,
                state=f.state,
            )
            for f in found
        ],
        count=len(found),
    )
