"""`{% load stack %}`: the cells of a stacked table's row beside their headings.

A `table.stack` (remedia.css) shows each row as a card on a phone, where every
cell says what it is through its `data-label`. Tables built from a list of
columns (the dashboard's, a chart's numbers) name the cells with `labelled`;
the Django admin's changelists (admin/change_list_results.html, admin.css)
with `admin_labelled`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from django import template
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

register = template.Library()


@register.filter
def labelled(values: Iterable[Any], columns: Sequence[str]) -> list[tuple[str, Any]]:
    """The row's values after its head, each with its column's heading.

    The first column heads the row (its `th scope="row"`), so the values pair
    with the columns after it.
    """
    return list(zip(list(columns)[1:], values, strict=False))


_CELL_OPEN = re.compile(r"^\s*<t[dh]\b")


@register.filter
def admin_labelled(
    cells: Iterable[SafeString], headers: Sequence[dict[str, Any]]
) -> list[SafeString]:
    """A changelist row's cells, each opening tag given its column's heading.

    Django renders each cell whole (`<td class="field-x">…</td>`), so the label
    goes into the tag it made. The action checkbox's column has no words for a
    heading and gets none.
    """
    out = []
    for cell, header in zip(cells, headers, strict=False):
        label = capfirst(strip_tags(str(header.get("text", ""))).strip())
        found = _CELL_OPEN.match(cell)
        if label and found:
            opening = found.group(0)
            rest = cell[found.end() :]
            cell = mark_safe(  # noqa: S308 - Django's cell, safe; the label escaped
                f'{opening} data-label="{escape(label)}"{rest}'
            )
        out.append(cell)
    return out
