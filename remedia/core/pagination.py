"""`{"items": [...], "count": N}` with `limit` and `offset`, for every API list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from remedia.core.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def paginate(
    queryset: QuerySet[Any],
    *,
    limit: int,
    offset: int,
    count: Callable[[], int] | None = None,
) -> tuple[list[Any], int]:
    errors: list[dict[str, Any]] = []
    if not 1 <= limit <= MAX_LIMIT:
        errors.append(
            {
                "field": "limit",
                "reason": _("Debe estar entre 1 y %(n)s.") % {"n": MAX_LIMIT},
            }
        )
    if offset < 0:
        errors.append({"field": "offset", "reason": _("No puede ser negativo.")})
    if errors:
        raise InvalidInput(errors)
    return list(queryset[offset : offset + limit]), (count or queryset.count)()
