"""Sorting a staff list by a column: `?orden=<key>` or `?orden=-<key>`.

A list declares its keys once (`Sorts`): a public key, the column's label and
the ORDER BY it means, ending in a stable tie-breaker. `sort_read` turns the
request's `orden` into that ORDER BY for the list's selector (the database
sorts, never Python), or into the list's own default order; a key the list
does not know is said on the page and the default order kept, never a 500.
The page then draws its column headers (`core/sort_header.html`: a link that
turns the direction, keeps the filters and drops the page number, `aria-sort`
on the sorted column) and, since a phone hides the headers of a `table.stack`,
the same keys as an "Ordenar por" select in its filter form
(`core/sort_select.html`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.expressions import BaseExpression, Expression, OrderBy
from django.http import QueryDict
from django.utils.translation import gettext

# The one name every list sorts by.
PARAM = "orden"
# A key longer than this is nobody's: it is not repeated on the page whole.
SHOWN_MAX = 40

# An ORDER BY item: "field", "-field", an expression (`F(...).asc(nulls_last=True)`,
# `choice_rank(...)`), or a callable giving one when the order is read (a rank by
# the labels of the reader's language).
OrderItem = str | BaseExpression | Callable[[], BaseExpression]


def choice_rank(field_name: str, values: Iterable[Any]) -> BaseExpression:
    """A column of choices ranked in the order given (a workflow's, a scale's),
    not by its stored codes' spelling; a value not listed goes last."""
    listed = [str(v) for v in values]
    return Case(
        *(When(**{field_name: v}, then=Value(i)) for i, v in enumerate(listed)),
        default=Value(len(listed)),
        output_field=IntegerField(),
    )


def label_rank(
    field_name: str, choices: Iterable[tuple[Any, Any]]
) -> Callable[[], Any]:
    """A column of choices ranked by their labels in the reader's language, as
    the page shows them (read when the order is, so the language is the
    request's)."""
    pairs = list(choices)

    def rank() -> BaseExpression:
        ordered = sorted(pairs, key=lambda pair: str(pair[1]).casefold())
        return choice_rank(field_name, [value for value, _label in ordered])

    return rank


def _order_by(item: OrderItem, *, reverse: bool) -> OrderBy:
    if callable(item) and not isinstance(item, BaseExpression):
        item = item()
    if isinstance(item, str):
        descending = item.startswith("-")
        return OrderBy(F(item.lstrip("-")), descending=descending != reverse)
    if isinstance(item, OrderBy):
        # A column's missing values stay last (or first) both ways: "no
        # deadline" is at the bottom whichever way the deadlines run.
        return OrderBy(
            item.expression,
            descending=item.descending != reverse,
            nulls_first=item.nulls_first,
            nulls_last=item.nulls_last,
        )
    return OrderBy(cast(Expression, item), descending=reverse)


@dataclass(frozen=True)
class SortKey:
    """One column a list sorts by: its label and its ORDER BY, ascending."""

    label: Any
    fields: tuple[OrderItem, ...]
    # A column read newest or largest first (a date received): its header's
    # first click sorts it descending.
    descending_first: bool = False


@dataclass(frozen=True)
class Sorts:
    """What a list sorts by. `default` is a `orden` value ("-recibida"), or
    None: the selector's own order, described by `default_label`."""

    keys: Mapping[str, SortKey]
    default: str | None = None
    default_label: Any = ""
    # The last word of every order, so equal values never swap between pages.
    tie_breaker: tuple[str, ...] = ("pk",)

    def order(self, key: str, *, descending: bool) -> tuple[OrderBy, ...]:
        items = (*self.keys[key].fields, *self.tie_breaker)
        return tuple(_order_by(item, reverse=descending) for item in items)


@dataclass(frozen=True)
class Column:
    """A sortable column header as the page draws it."""

    key: str
    label: Any
    url: str
    # "ascending", "descending" or "" (not the sorted column).
    aria_sort: str
    # What following the link does, in words for a screen reader.
    action: str


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class Sorting:
    """The order a request asked for, read against a list's `Sorts`."""

    sorts: Sorts
    # The key in effect and its direction; key None: the list's own order.
    key: str | None
    descending: bool
    # Why the request's order was not taken, in the reader's language.
    error: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> str:
        """`orden` as a link or an export carries it ("" for the default)."""
        if self.key is None:
            return ""
        return f"-{self.key}" if self.descending else self.key

    @property
    def order(self) -> tuple[OrderBy, ...] | None:
        """The selector's ORDER BY; None: its own default order."""
        if self.key is None:
            return None
        return self.sorts.order(self.key, descending=self.descending)

    @cached_property
    def columns(self) -> dict[str, Column]:
        """Each key's header, by key: `sorting.columns.recibida` in a template."""
        return {
            key: self._column(key, sort_key)
            for key, sort_key in self.sorts.keys.items()
        }

    def _column(self, key: str, sort_key: SortKey) -> Column:
        current = key == self.key
        descending = not self.descending if current else sort_key.descending_first
        if current:
            aria = "descending" if self.descending else "ascending"
        else:
            aria = ""
        action = (
            gettext("ordenar de forma descendente")
            if descending
            else gettext("ordenar de forma ascendente")
        )
        return Column(
            key=key,
            label=sort_key.label,
            url=self.url(f"-{key}" if descending else key),
            aria_sort=aria,
            action=action,
        )

    def url(self, value: str) -> str:
        """This page's query with `orden=value`, its filters kept, no page number."""
        query = QueryDict(mutable=True)
        for name, values in _query_lists(self.params).items():
            if name not in ("page", PARAM):
                query.setlist(name, values)
        if value:
            query[PARAM] = value
        return "?" + query.urlencode()

    @property
    def kept(self) -> list[tuple[str, str]]:
        """The request's other parameters (its filters), for a form that
        changes only the order; never the page number."""
        return [
            (name, value)
            for name, values in _query_lists(self.params).items()
            if name not in ("page", PARAM)
            for value in values
        ]

    @property
    def choices(self) -> list[Choice]:
        """The "Ordenar por" select's options: the default, then each key both ways."""
        shown = self.value or (self.sorts.default or "")
        options: list[Choice] = []
        if self.sorts.default is None:
            options.append(Choice("", str(self.sorts.default_label), shown == ""))
        for key, sort_key in self.sorts.keys.items():
            for descending in (False, True):
                value = f"-{key}" if descending else key
                words = (
                    gettext("%(column)s, descendente")
                    if descending
                    else gettext("%(column)s, ascendente")
                ) % {"column": sort_key.label}
                options.append(Choice(value, words, value == shown))
        return options


def _query_lists(params: Mapping[str, Any]) -> dict[str, list[str]]:
    getlist = getattr(params, "getlist", None)
    if getlist is not None:
        return {name: list(getlist(name)) for name in params}
    return {name: [str(value)] for name, value in params.items()}


def sort_parse(value: str, sorts: Sorts) -> tuple[str | None, bool] | None:
    """(key, descending) for an `orden` value, (None, False) for none given,
    None for a key the list does not know."""
    value = (value or "").strip()
    if not value:
        value = sorts.default or ""
        if not value:
            return None, False
    descending = value.startswith("-")
    key = value[1:] if descending else value
    if key not in sorts.keys:
        return None
    return key, descending


def sort_read(params: Mapping[str, Any], sorts: Sorts) -> Sorting:
    """The order `params` (a request's GET, an export's parameters) asks of a
    list; an unknown key gives the default order and a message saying so."""
    asked = str(params.get(PARAM) or "")
    parsed = sort_parse(asked, sorts)
    if parsed is not None:
        key, descending = parsed
        return Sorting(sorts=sorts, key=key, descending=descending, params=params)
    key, descending = sort_parse("", sorts) or (None, False)
    shown = asked.strip()
    if len(shown) > SHOWN_MAX:
        shown = shown[:SHOWN_MAX] + "…"
    return Sorting(
        sorts=sorts,
        key=key,
        descending=descending,
        error=sort_refusal(shown),
        params=params,
    )


def sort_refusal(asked: str) -> str:
    return gettext(
        "La lista no se puede ordenar por «%(key)s»: se muestra en su orden habitual."
    ) % {"key": asked}
