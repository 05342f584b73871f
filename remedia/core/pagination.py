"""`{"items": [...], "count": N}` with `limit` and `offset`, for every API list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
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


class CountedPaginator(Paginator):
    """Django's paginator with the total from `count` (a cached total, say)
    instead of a COUNT over the whole queryset on every page."""

    def __init__(
        self, object_list: Any, per_page: int, *, count: Callable[[], int]
    ) -> None:
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count()
