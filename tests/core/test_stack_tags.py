"""`{% load stack %}`: cells of a stacked table beside their column headings."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from remedia.core.templatetags.stack import admin_labelled, labelled


def test_a_rows_values_pair_with_the_columns_after_its_head() -> None:
    # Given a table whose first column heads each row
    columns = ("Canal", "Denuncias", "Casos")
    # When a row's values are labelled
    pairs = labelled((3, None), columns)
    # Then each value has its own column's heading
    assert pairs == [("Denuncias", 3), ("Casos", None)]


def test_an_admin_cell_gets_its_heading_escaped_and_the_checkbox_none() -> None:
    # Given a changelist row as Django renders it, and its headings
    cells = [
        mark_safe('<td class="action-checkbox"><input type="checkbox"></td>'),  # noqa: S308
        format_html('<th class="field-username"><a href="/x/">{}</a></th>', "ana"),
        format_html('<td class="field-roles">{}</td>', "Análisis"),
    ]
    headers = [
        {"text": mark_safe('<input type="checkbox" id="action-toggle">')},  # noqa: S308
        {"text": "nombre de usuario"},
        {"text": 'roles "y" <más>'},
    ]
    # When the cells are labelled
    out = admin_labelled(cells, headers)
    # Then the checkbox has no label, the others their heading, escaped
    assert out[0] == cells[0]
    assert out[1].startswith(
        '<th data-label="Nombre de usuario" class="field-username">'
    )
    assert out[2] == (
        '<td data-label="Roles &quot;y&quot;" class="field-roles">Análisis</td>'
    )
