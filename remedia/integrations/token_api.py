"""Partner tokens of an organisation, mounted at /api/v1/partner-tokens.

Bearer-token endpoints for organisation administrators (staff tokens only: a
partner token is refused here like anywhere its scopes do not reach). Another
organisation's token answers 404 exactly like a missing one. The token itself
appears once, in the answer that creates it; Remedia keeps only its digest.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.accounts import selectors, services
from remedia.accounts.models import PartnerToken
from remedia.accounts.principals import Scope
from remedia.core.kit import invalid_missing
from remedia.core.pagination import PageQuery, paginate
from remedia.integrations.api import administrator

router = Router(tags=["partner tokens"])


class PartnerTokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organisation_id: uuid.UUID | None = Field(
        None, description="Needed only when the user administers several."
    )
    name: str = Field(description="Which system uses it (at most 100 characters).")
    scopes: list[str] = Field(
        max_length=len(Scope.values),
        description="From the fixed list: " + ", ".join(Scope.values),
    )
    expires_in_days: int = Field(
        365, description=f"1 to {services.PARTNER_TOKEN_MAX_DAYS}."
    )
    rate_limit_per_minute: int = Field(
        60, description=f"1 to {services.PARTNER_RATE_LIMIT_MAX}; beyond it, 429."
    )


class PartnerTokenOut(Schema):
    id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    prefix: str = Field(description="The token's visible start, to recognise it.")
    scopes: list[str]
    expires_at: dt.datetime
    rate_limit_per_minute: int
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool
    created_at: dt.datetime


class PartnerTokenWithSecret(PartnerTokenOut):
    token: str = Field(description="Shown this once; Remedia keeps only a digest.")


class PartnerTokenList(Schema):
    items: list[PartnerTokenOut]
    count: int


def _out(token: PartnerToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "organisation_id": token.organisation_id,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": list(token.scopes),
        "expires_at": token.expires_at,
        "rate_limit_per_minute": token.rate_limit_per_minute,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "active": token.active,
        "created_at": token.created_at,
    }


@router.get(
    "/partner-tokens",
    response=PartnerTokenList,
    summary="The partner tokens of the organisations the user administers",
)
def partner_token_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    user = administrator(request)
    page, count = paginate(
        selectors.partner_token_list(user=user),
        limit=query.limit,
        offset=query.offset,
    )
    return {"items": [_out(t) for t in page], "count": count}


@router.post(
    "/partner-tokens",
    response={201: PartnerTokenWithSecret},
    summary="Create a partner token (the token is in this answer only)",
)
def partner_token_create(
    request: HttpRequest, payload: PartnerTokenIn
) -> Status[dict[str, Any]]:
    user = administrator(request)
    organisations = selectors.administered_organisations(user=user)
    if payload.organisation_id is None:
        if len(organisations) > 1:
            raise invalid_missing("organisation_id")
        organisation = organisations[0]
    else:
        found = [o for o in organisations if o.pk == payload.organisation_id]
        if not found:
            raise invalid_missing("organisation_id")
        organisation = found[0]
    issued = services.partner_token_issue(
        organisation=organisation,
        name=payload.name,
        scopes=payload.scopes,
        expires_in_days=payload.expires_in_days,
        rate_limit_per_minute=payload.rate_limit_per_minute,
        issued_by=user,
    )
    return Status(201, {**_out(issued.token), "token": issued.raw})


@router.get(
    "/partner-tokens/{token_id}",
    response=PartnerTokenOut,
    summary="One partner token (never the token itself)",
)
def partner_token_detail(request: HttpRequest, token_id: uuid.UUID) -> dict[str, Any]:
    user = administrator(request)
    return _out(selectors.partner_token_get(user=user, token_id=token_id))


@router.post(
    "/partner-tokens/{token_id}/revoke",
    response=PartnerTokenOut,
    summary="Revoke a partner token at once (refused with 401 from then on)",
)
def partner_token_revoke(request: HttpRequest, token_id: uuid.UUID) -> dict[str, Any]:
    user = administrator(request)
    token = selectors.partner_token_get(user=user, token_id=token_id)
    return _out(services.partner_token_revoke(token=token, revoked_by=user))
