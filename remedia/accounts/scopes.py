"""Scopes on API operations: what a partner token may call.

Deny by default. Every operation of the API answers a partner token with 404,
exactly as for a missing object, unless the operation names a scope the token
holds. Staff tokens (a person's) ignore scopes and go on to the operation's own
role checks, unchanged.

Use:

    @router.get("/facilities/{facility_id}")
    @scopes.grants(Scope.REGISTRY_READ)
    def facility_detail(request, facility_id): ...

or, inside a view that decides late (one operation, two uses):

    scopes.require(request, Scope.REPORTS_SUBMIT)

`install(api)` (config/api.py) tells the bearer authentication which scopes the
called operation grants, before the body is read: a denied partner never learns
whether its body would have been valid. It also lists them as the operation's
`x-scopes` in the OpenAPI document.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest

from remedia.accounts.principals import PartnerPrincipal, Scope, is_partner
from remedia.core.errors import NotFound

F = TypeVar("F", bound=Callable[..., Any])

_ATTR = "_remedia_scopes"
_REQUEST_ATTR = "_remedia_scopes_granted"

__all__ = [
    "Scope",
    "granted_by_operation",
    "grants",
    "install",
    "partner",
    "partner_allowed",
    "require",
]


def grants(*scopes: str) -> Callable[[F], F]:
    """Open an operation to partner tokens holding any of `scopes`."""
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        raise ValueError(f"unknown scope(s): {unknown}")

    def mark(func: F) -> F:
        setattr(
            func,
            _ATTR,
            frozenset(getattr(func, _ATTR, frozenset())) | {str(s) for s in scopes},
        )
        return func

    return mark


def granted_by_operation(request: HttpRequest) -> frozenset[str]:
    """The scopes the operation being called grants (empty: none)."""
    return frozenset(getattr(request, _REQUEST_ATTR, frozenset()))


def partner_allowed(request: HttpRequest, principal: PartnerPrincipal) -> bool:
    return bool(principal.scopes & granted_by_operation(request))


def partner(request: HttpRequest) -> PartnerPrincipal | None:
    """The partner behind the request's token, or None for a person."""
    auth = getattr(request, "auth", None)
    return auth if is_partner(auth) else None


def require(request: HttpRequest, scope: str) -> None:
    """Inside a view: a partner without `scope` gets NotFound; staff pass on."""
    found = partner(request)
    if found is not None and not found.has_scope(scope):
        raise NotFound()


def install(api: Any) -> None:
    """Tell the authentication which scopes each operation grants.

    A decorator in Ninja's "view" mode runs before authentication; it reads
    the mark `grants` left on the operation's function.
    """

    def mark_request(run: Callable[..., Any]) -> Callable[..., Any]:
        # `run` is the operation's bound method, or another decorator's wrapper
        # of it (functools.wraps keeps the original as __wrapped__).
        inner: Any = run
        while not hasattr(inner, "__self__") and hasattr(inner, "__wrapped__"):
            inner = inner.__wrapped__
        operation = getattr(inner, "__self__", None)
        granted = frozenset(
            getattr(getattr(operation, "view_func", None), _ATTR, frozenset())
        )
        if granted and operation is not None:
            # The API document names the scopes that open the operation.
            extra = dict(getattr(operation, "openapi_extra", None) or {})
            extra["x-scopes"] = sorted(granted)
            operation.openapi_extra = extra

        @functools.wraps(run)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            setattr(request, _REQUEST_ATTR, granted)
            return run(request, *args, **kwargs)

        return wrapped

    api.add_decorator(mark_request, mode="view")
