"""core.sorting: a list's `?orden=` read, turned into ORDER BY, drawn as
headers and as the "Ordenar por" select; an unknown key is said, never a 500."""

from __future__ import annotations

from django.db.models import F
from django.db.models.expressions import OrderBy
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import translation

from remedia.core.sorting import (
    PARAM,
    SortKey,
    Sorts,
    choice_rank,
    label_rank,
    sort_read,
)

SORTS = Sorts(
    keys={
        "nombre": SortKey(label="Nombre", fields=("name", "-created_at")),
        "plazo": SortKey(
            label="Plazo",
            fields=(F("due_at").asc(nulls_last=True),),
            descending_first=True,
        ),
    },
    default_label="Urgentes primero",
)


def _shape(order: tuple[OrderBy, ...] | None) -> list[tuple[str, bool, object]]:
    assert order is not None
    return [(o.expression.name, o.descending, o.nulls_last) for o in order]


def test_no_order_asked_is_the_lists_own_order() -> None:
    sorting = sort_read(QueryDict(""), SORTS)

    assert sorting.key is None
    assert sorting.order is None
    assert sorting.value == ""
    assert sorting.error == ""
    assert all(column.aria_sort == "" for column in sorting.columns.values())


def test_a_key_and_its_reverse_become_order_by_with_a_tie_breaker() -> None:
    ascending = sort_read(QueryDict("orden=nombre"), SORTS)
    descending = sort_read(QueryDict("orden=-nombre"), SORTS)

    assert _shape(ascending.order) == [
        ("name", False, None),
        ("created_at", True, None),
        ("pk", False, None),
    ]
    assert _shape(descending.order) == [
        ("name", True, None),
        ("created_at", False, None),
        ("pk", True, None),
    ]
    assert (ascending.value, descending.value) == ("nombre", "-nombre")


def test_missing_values_stay_last_both_ways() -> None:
    for asked in ("plazo", "-plazo"):
        (first, _pk) = sort_read(QueryDict(f"orden={asked}"), SORTS).order or ()
        assert first.nulls_last is True
        assert first.descending is asked.startswith("-")


def test_an_unknown_key_is_said_and_the_default_order_kept() -> None:
    for asked in ("precio", "-precio", "--nombre", "nombre;drop", " "):
        sorting = sort_read(QueryDict(f"orden={asked}"), SORTS)
        if asked.strip():
            assert sorting.order is None, asked
            assert "no se puede ordenar" in sorting.error
            assert asked.strip() in sorting.error
        else:
            assert sorting.error == ""


def test_a_long_unknown_key_is_not_repeated_whole() -> None:
    sorting = sort_read(QueryDict("orden=" + "x" * 500), SORTS)

    assert "x" * 40 + "…" in sorting.error
    assert "x" * 41 not in sorting.error


def test_a_list_with_a_default_key_falls_back_to_it() -> None:
    sorts = Sorts(keys=SORTS.keys, default="-plazo")

    assert sort_read(QueryDict(""), sorts).value == "-plazo"
    refused = sort_read(QueryDict("orden=nada"), sorts)
    assert refused.value == "-plazo"
    assert refused.error


def test_header_links_turn_the_direction_keep_filters_and_drop_the_page() -> None:
    sorting = sort_read(
        QueryDict("estado=abierto&estado=cerrado&orden=nombre&page=3"), SORTS
    )

    name, due = sorting.columns["nombre"], sorting.columns["plazo"]
    assert name.aria_sort == "ascending"
    assert name.url == "?estado=abierto&estado=cerrado&orden=-nombre"
    assert due.aria_sort == ""
    # A date column's first click shows the newest first.
    assert due.url == "?estado=abierto&estado=cerrado&orden=-plazo"
    again = sort_read(QueryDict("orden=-nombre"), SORTS).columns["nombre"]
    assert (again.aria_sort, again.url) == ("descending", "?orden=nombre")


def test_the_select_offers_the_default_and_every_key_both_ways() -> None:
    sorting = sort_read(QueryDict("orden=-plazo"), SORTS)

    choices = [(c.value, c.label, c.selected) for c in sorting.choices]
    assert choices == [
        ("", "Urgentes primero", False),
        ("nombre", "Nombre, ascendente", False),
        ("-nombre", "Nombre, descendente", False),
        ("plazo", "Plazo, ascendente", False),
        ("-plazo", "Plazo, descendente", True),
    ]
    assert sorting.kept == []
    kept = sort_read(QueryDict("a=1&page=2&orden=x&a=2"), SORTS).kept
    assert kept == [("a", "1"), ("a", "2")]


def test_the_templates_draw_aria_sort_the_select_and_an_escaped_message() -> None:
    sorting = sort_read(QueryDict("orden=nombre&q=%3Cb%3E"), SORTS)

    header = render_to_string(
        "core/sort_header.html", {"column": sorting.columns["nombre"]}
    )
    assert 'aria-sort="ascending"' in header
    assert 'href="?q=%3Cb%3E&amp;orden=-nombre"' in header
    other = render_to_string(
        "core/sort_header.html", {"column": sorting.columns["plazo"]}
    )
    assert "aria-sort" not in other
    select = render_to_string("core/sort_select.html", {"sorting": sorting})
    assert f'<select name="{PARAM}" id="id_orden">' in select
    assert '<option value="nombre" selected>' in select
    refused = sort_read(QueryDict("orden=%3Cscript%3E"), SORTS)
    message = render_to_string("core/sort_message.html", {"sorting": refused})
    assert 'role="alert"' in message
    assert "<script>" not in message
    assert "&lt;script&gt;" in message
    form = render_to_string("core/sort_form.html", {"sorting": sorting})
    assert '<input type="hidden" name="q" value="&lt;b&gt;">' in form


def test_the_words_are_the_readers_language() -> None:
    with translation.override("en"):
        sorting = sort_read(QueryDict("orden=zzz"), SORTS)
        assert sorting.error.startswith("The list cannot be sorted by")
        assert sorting.choices[1].label.endswith("ascending")
        assert sorting.columns["nombre"].action == "sort ascending"


def test_ranks_follow_the_order_given_or_the_labels() -> None:
    rank = choice_rank("status", ["open", "closed"])
    sql = str(rank)
    assert sql.index("open") < sql.index("closed")
    by_label = label_rank("code", [("b", "Zeta"), ("a", "alfa")])
    sql = str(by_label())
    assert sql.index("'a'") < sql.index("'b'")  # "alfa" before "Zeta", any case
