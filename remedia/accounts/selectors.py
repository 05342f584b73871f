"""Reads about who may do what. Every other app scopes its queries through these."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from remedia.accounts.models import (
    ACCOUNTS_VERSION_KEY,
    Membership,
    Organisation,
    PartnerToken,
    User,
)
from remedia.accounts.permissions import (
    SECOND_FACTOR_ROLES,
    Capability,
    capabilities_of,
)
from remedia.accounts.principals import is_partner
from remedia.core import crypto
from remedia.core.cache import kept_until_version_moves
from remedia.core.errors import NotFound

M = TypeVar("M", bound=Model)


T = TypeVar("T")


def cache_key(kind: str, *parts: Any) -> str:
    """A shared-cache key that names nothing readable: keyed hash of the parts."""
    digest = hmac.new(
        crypto.subkey("accounts.cache"), repr(parts).encode(), hashlib.sha256
    ).hexdigest()
    return f"accounts:{kind}:{digest[:40]}"


def cached_while_accounts_unchanged(
    key: str, load: Callable[[], T], *, timeout: int = 300
) -> T:
    """`load()`, kept in the shared cache until any account row changes.

    One round trip to the cache reads both the entry and the accounts version
    (models.accounts_changed); an entry made under another version is reloaded.
    None is never kept, so guessing at random keys (bad tokens) cannot fill
    the cache.
    """
    return kept_until_version_moves(
        version_key=ACCOUNTS_VERSION_KEY,
        key=key,
        load=load,
        timeout=timeout,
        keep_none=False,
    )


def _memberships(user: Any) -> list[Membership]:
    """A user's active memberships, read once per request and kept on the user.

    A partner system (`principals.PartnerPrincipal`) has none.
    """
    if is_partner(user):
        return []
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_remedia_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(
                user=user, organisation__is_active=True
            ).select_related("organisation")
        )
        user._remedia_memberships = cached
    return cached


def organisations_for(*, user: Any, capability: Capability) -> set[uuid.UUID]:
    """Ids of the organisations in which `user` holds `capability`.

    A partner system holds, in its own organisation only, the capabilities its
    token's scopes map to (`principals.SCOPE_CAPABILITIES`).
    """
    if is_partner(user):
        return {user.organisation_id} if capability in user.capabilities else set()
    return {
        m.organisation_id
        for m in _memberships(user)
        if capability in capabilities_of(m.role)
    }


def user_can(
    *, user: Any, capability: Capability, organisation: Organisation | None = None
) -> bool:
    orgs = organisations_for(user=user, capability=capability)
    if organisation is None:
        return bool(orgs)
    return organisation.pk in orgs


def user_roles(*, user: Any) -> set[str]:
    return {m.role for m in _memberships(user)}


def user_organisations(*, user: Any) -> list[Organisation]:
    seen: dict[uuid.UUID, Organisation] = {}
    for m in _memberships(user):
        seen.setdefault(m.organisation_id, m.organisation)
    return sorted(seen.values(), key=lambda o: o.name)


def user_needs_second_factor(*, user: Any) -> bool:
    if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
        return True
    return bool(user_roles(user=user) & SECOND_FACTOR_ROLES)


def scope_by_organisation(
    queryset: QuerySet[M],
    *,
    user: Any,
    capability: Capability,
    field: str = "organisation",
) -> QuerySet[M]:
    """Only the rows whose owning organisation grants `user` the capability."""
    orgs = organisations_for(user=user, capability=capability)
    if not orgs:
        return queryset.none()
    return queryset.filter(**{f"{field}__in": orgs})


def get_scoped(queryset: QuerySet[M], *, pk: Any) -> M:
    """Fetch one row of an already scoped queryset.

    A malformed id, a missing row and a row outside the scope all raise the same
    `NotFound`, so a caller cannot learn that another organisation's object exists.
    """
    try:
        key = uuid.UUID(str(pk))
    except (TypeError, ValueError):
        raise NotFound() from None
    # Not `first()`: that orders by the model's ordering (three columns for a
    # case) to choose among rows a primary key makes one at most.
    obj = next(iter(queryset.filter(pk=key).order_by()[:1]), None)
    if obj is None:
        raise NotFound()
    return obj


def organisation_list_for(*, user: Any) -> QuerySet[Organisation]:
    """Organisations a user can see in the directory: all active ones."""
    return Organisation.objects.filter(is_active=True).order_by("name")


def organisation_get_for_user(*, user: User, organisation_id: Any) -> Organisation:
    return get_scoped(organisation_list_for(user=user), pk=organisation_id)


# --- Partner tokens --------------------------------------------------------------------


def partner_token_list(*, user: Any) -> QuerySet[PartnerToken]:
    """The partner tokens of the organisations `user` administers, newest first."""
    return scope_by_organisation(
        PartnerToken.objects.select_related("organisation"),
        user=user,
        capability=Capability.ORGANISATION_MANAGE,
    ).order_by("organisation__name", "-created_at")


def partner_token_get(*, user: Any, token_id: Any) -> PartnerToken:
    """One of them; another organisation's is NotFound, as a missing one."""
    return get_scoped(partner_token_list(user=user), pk=token_id)


def administered_organisations(*, user: Any) -> list[Organisation]:
    """Active organisations in which `user` is an administrator, by name."""
    ids = organisations_for(user=user, capability=Capability.ORGANISATION_MANAGE)
    return list(
        Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name")
    )
