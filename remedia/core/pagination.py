"""`{"items": [...], "count": N}` with `limit` and `offset`, for every API list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from remedia.core.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

M = TypeVar("M", bound=Model)


class PageQuery(Schema):
    """`limit` and `offset` of a list with no filters of its own; a list with
    filters declares the same two fields in its query schema."""

    limit: int = Field(DEFAULT_LIMIT, description=f"1 to {MAX_LIMIT}.")
    offset: int = Field(0, description="Rows to skip.")


def page_rows(
    ordered: QuerySet[M], *, start: int, stop: int, rows: QuerySet[M]
) -> list[M]:
    """Rows `start` to `stop` of `ordered`, with the columns and joins of `rows`.

    To skip `start` rows of a query that joins (a facility, an assignee) the
    database joins every skipped row as well, and may hash a whole table to
    do so. So the page's ids are chosen by `ordered` alone (its filters and
    order, no joins, no columns) in a subquery, and `rows` reads just those:
    one query still. `rows` must be scoped like `ordered` (a second lock on
    the same door, not the only one); `ordered` must order by fields only.
    """
    page = ordered.prefetch_related(None).values("pk")[start:stop]
    order = ordered.query.order_by
    found = rows.filter(pk__in=page)
    return list(found.order_by(*order) if order else found)


def _checked(*, limit: int, offset: int) -> None:
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


def page_of(rows: list[Any], *, limit: int, offset: int) -> dict[str, Any]:
    """The answer of a list already in memory (a decrypted plan, computed
    figures): the same shape and checks as `paginate`'s."""
    _checked(limit=limit, offset=offset)
    return {"items": rows[offset : offset + limit], "count": len(rows)}


def paginate(
    queryset: QuerySet[Any],
    *,
    limit: int,
    offset: int,
    count: Callable[[], int] | None = None,
    rows: QuerySet[Any] | None = None,
) -> tuple[list[Any], int]:
    """One page and the total; with `rows`, the page is read by `page_rows`."""
    _checked(limit=limit, offset=offset)
    if rows is None:
        items = list(queryset[offset : offset + limit])
    else:
        items = page_rows(queryset, start=offset, stop=offset + limit, rows=rows)
    return items, (count or queryset.count)()


class CountedPaginator(Paginator):
    """Django's paginator with the total from `count` (a cached total, say)
    instead of a COUNT over the whole queryset on every page; with `rows`, each
    page is read by `page_rows`."""

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        *,
        count: Callable[[], int],
        rows: QuerySet[Any] | None = None,
    ) -> None:
        super().__init__(object_list, per_page)
        self._count = count
        self._rows = rows

    @cached_property
    def count(self) -> int:
        return self._count()

    def page(self, number: Any) -> Page:
        page = super().page(number)
        if self._rows is not None:
            # The bounds Paginator.page gave its slice.
            bottom = (page.number - 1) * self.per_page
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            page.object_list = page_rows(
                cast(QuerySet[Any], self.object_list),
                start=bottom,
                stop=top,
                rows=self._rows,
            )
        return page
