from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import HttpBearer

from remedia.accounts import keys, scopes, selectors, services
from remedia.accounts.principals import PARTNER_TOKEN_PREFIX
from remedia.core import idempotency
from remedia.core.errors import NotFound

router = Router(tags=["accounts"])


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: a staff token's user (`rmd_`), or a
    partner system (`rmp_`, principals.PartnerPrincipal).

    A partner token passes only where the called operation grants one of its
    scopes (scopes.grants); anywhere else it gets the 404 of a missing object,
    and the refusal is audited. Staff tokens go on to each operation's role
    checks, as before.
    """

    def authenticate(self, request: HttpRequest, token: str) -> object | None:
        if token.startswith(PARTNER_TOKEN_PREFIX):
            return self._partner(request, token)
        found = services.token_authenticate(raw=token)
        if found is None:
            return None
        user, api_token = found
        request.user = user
        request.api_token = api_token  # type: ignore[attr-defined]
        keys.token_key_remember(request=request, raw_token=token)
        # Idempotency keys belong to the credential, not to its user.
        idempotency.identity_set(request, kind="token", secret=token.encode())
        return user

    def _partner(self, request: HttpRequest, token: str) -> object | None:
        principal = services.partner_token_authenticate(raw=token)
        if principal is None:
            return None
        services.partner_rate_limit(principal=principal)
        if not scopes.partner_allowed(request, principal):
            services.partner_denied(
                principal=principal, method=request.method or "", path=request.path
            )
            raise NotFound()
        idempotency.identity_set(request, kind="token", secret=token.encode())
        return principal


class MembershipOut(Schema):
    organisation_id: uuid.UUID
    organisation: str
    sector: str
    role: str


class MeOut(Schema):
    id: uuid.UUID
    username: str
    language: str
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut, summary="The token's user and their roles")
def me(request: HttpRequest) -> MeOut:
    user = request.auth  # type: ignore[attr-defined]
    return MeOut(
        id=user.pk,
        username=user.username,
        language=user.language,
        memberships=[
            MembershipOut(
                organisation_id=m.organisation_id,
                organisation=m.organisation.name,
                sector=m.organisation.sector,
                role=m.role,
            )
            for m in selectors._memberships(user)
        ],
    )


class OrganisationOut(Schema):
    id: uuid.UUID
    name: str
    short_name: str
    sector: str
    country: str


@router.get(
    "/organisations/{organisation_id}",
    response=OrganisationOut,
    summary="One organisation of the directory",
)
def organisation_detail(request: HttpRequest, organisation_id: str) -> object:
    return selectors.organisation_get_for_user(
        user=request.auth,  # type: ignore[attr-defined]
        organisation_id=organisation_id,
    )
