"""The public figures at /cifras/: a page, its JSON and its CSV, no login.

All three read the latest `Publication` (one query) and show exactly what it
holds: the counts were suppressed before they were stored, so nothing here
can show a small one. Query parameters are ignored. A suppressed cell reads
the same whether it hid a small count or was hidden beside one: telling them
apart would say which cells are small.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from remedia.analytics import public_figures
from remedia.analytics.models import Publication
from remedia.core import charts, maps
from remedia.core.geo import MX_STATES
from remedia.core.tables import csv_bytes
from remedia.intake.categories import Category

__all__ = ["figures_csv_view", "figures_json_view", "figures_view"]

MAX_AGE = 300  # seconds: the figures change once a month

TITLES = {
    "reports_by_category": gettext_lazy("Denuncias por categoría y año"),
    "reports_by_state": gettext_lazy("Denuncias por estado"),
    "cases_resolved": gettext_lazy("Casos resueltos por año"),
    "rrm_cases": gettext_lazy(
        "Casos del Mecanismo Laboral de Respuesta Rápida por año"
    ),
    "courses_completed": gettext_lazy("Cursos de reparación cumplidos por año"),
}
NOTES = {
    "reports_by_category": gettext_lazy(
        "Por año de recepción. Una denuncia puede tener varias categorías: cada celda y cada total cuenta menciones, no denuncias."
    ),
    "reports_by_state": gettext_lazy(
        "Estado donde ocurrieron los hechos, según quien denuncia."
    ),
    "cases_resolved": gettext_lazy("Por año en que el caso se resolvió."),
    "rrm_cases": gettext_lazy("Casos públicos del registro, por año de la petición."),
    "courses_completed": gettext_lazy("Por año en que el curso se cerró cumplido."),
}
KEY_HEADINGS = {
    "reports_by_state": gettext_lazy("Entidad federativa"),
    "cases_resolved": gettext_lazy("Año"),
    "rrm_cases": gettext_lazy("Año"),
    "courses_completed": gettext_lazy("Año"),
}


def _label(table_key: str, code: str) -> str:
    if table_key == "reports_by_category":
        try:
            return str(Category(code).label)
        except ValueError:
            return code
    if table_key == "reports_by_state":
        return MX_STATES.get(code, code)
    return code


def _shown(cell: dict[str, Any]) -> str:
    if cell.get("suppressed"):
        return _("Suprimido")
    return charts.number(cell.get("value") or 0)


@dataclass(frozen=True)
class ShownCell:
    text: str
    suppressed: bool


def _cells(cells: list[dict[str, Any]]) -> list[ShownCell]:
    return [
        ShownCell(text=_shown(c), suppressed=bool(c.get("suppressed"))) for c in cells
    ]


def _page_tables(figures: dict[str, Any]) -> list[dict[str, Any]]:
    tables = []
    for table in figures.get("tables", []):
        key = table["key"]
        shown: dict[str, Any] = {
            "key": key,
            "kind": table["kind"],
            "title": TITLES.get(key, key),
            "note": NOTES.get(key, ""),
            "total": ShownCell(
                text=_shown(table["total"]),
                suppressed=bool(table["total"].get("suppressed")),
            ),
        }
        if table["kind"] == "two_way":
            shown["columns"] = table["columns"]
            shown["rows"] = [
                {
                    "label": _label(key, code),
                    "cells": _cells(cells),
                    "total": _cells([total])[0],
                }
                for code, cells, total in zip(
                    table["rows"], table["cells"], table["row_totals"], strict=True
                )
            ]
            shown["column_totals"] = _cells(table["column_totals"])
        else:
            shown["key_heading"] = KEY_HEADINGS.get(key, "")
            shown["rows"] = [
                {
                    "code": code,
                    "label": _label(key, code),
                    "cell": _cells([cell])[0],
                    "percent": percent,
                }
                for code, cell, percent in zip(
                    table["keys"], table["cells"], table["percent"], strict=True
                )
            ]
        tables.append(shown)
    return tables


def _state_chart(figures: dict[str, Any]) -> charts.Chart | None:
    """The published reports by state as a map: suppressed states grey and
    said "suprimido", never drawn as 0 (every report names its state, so the
    unknown-state count is 0)."""
    table = next(
        (t for t in figures.get("tables", []) if t["key"] == "reports_by_state"), None
    )
    if table is None:
        return None
    cells = dict(zip(table["keys"], table["cells"], strict=True))
    return maps.state_map(
        {
            code: cell["value"]
            for code, cell in cells.items()
            if not cell.get("suppressed")
        },
        withheld=[code for code, cell in cells.items() if cell.get("suppressed")],
        key="public-states",
        title=_("Denuncias por estado"),
        description=_(
            "Mapa de México: cada estado coloreado según su número de denuncias; los estados con conteos suprimidos van en gris."
        ),
        state_heading=_("Entidad federativa"),
        value_heading=_("Denuncias"),
    )


def _headers(
    response: HttpResponse, publication: Publication | None, **cache: Any
) -> HttpResponse:
    patch_cache_control(response, max_age=MAX_AGE, **cache)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    if publication is not None:
        response["Last-Modified"] = http_date(publication.created_at.timestamp())
    return response


def _through_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@require_safe
def figures_view(request: HttpRequest) -> HttpResponse:
    publication = public_figures.publication_latest()
    figures = publication.figures if publication else {}
    context = {
        "publication": publication,
        "threshold": publication.threshold if publication else None,
        "below": (publication.threshold - 1) if publication else None,
        # Stored as ISO; the page says it in words, in a <time>.
        "through": _through_date(figures.get("through")),
        "tables": _page_tables(figures) if publication else [],
        "state_chart": _state_chart(figures) if publication else None,
    }
    response = render(request, "analytics/public_figures.html", context)
    # The page carries the language switch's CSRF token: private caches only.
    return _headers(response, publication, private=True)


def _json_document(publication: Publication | None) -> dict[str, Any]:
    if publication is None:
        return {"published_at": None, "through": None, "threshold": None, "tables": []}
    figures = publication.figures
    tables = []
    for table in figures.get("tables", []):
        key = table["key"]
        doc = dict(table)
        doc["title"] = str(TITLES.get(key, key))
        if table["kind"] == "two_way":
            doc["row_labels"] = [_label(key, code) for code in table["rows"]]
        else:
            doc["key_labels"] = [_label(key, code) for code in table["keys"]]
        tables.append(doc)
    return {
        "published_at": publication.created_at.isoformat(),
        "through": figures.get("through"),
        "threshold": publication.threshold,
        "language": get_language(),
        "rule": _rule(publication.threshold),
        "tables": tables,
    }


def _rule(threshold: int) -> str:
    return _(
        "Los conteos de 1 a %(below)s no se publican (un cero sí); otras celdas se suprimen también para que ninguna suprimida pueda deducirse de los totales. Una celda suprimida tiene valor nulo."
    ) % {"below": threshold - 1}


@require_safe
def figures_json_view(request: HttpRequest) -> HttpResponse:
    publication = public_figures.publication_latest()
    body = json.dumps(_json_document(publication), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    return _headers(response, publication, public=True)


def _csv_rows(publication: Publication) -> list[list[Any]]:
    mark = _("suprimida")
    rows: list[list[Any]] = []

    def add(
        key: str, row: str, row_label: str, column: str, cell: dict[str, Any]
    ) -> None:
        suppressed = bool(cell.get("suppressed"))
        rows.append(
            [
                key,
                str(TITLES.get(key, key)),
                row,
                row_label,
                column,
                None if suppressed else cell.get("value"),
                mark if suppressed else "",
            ]
        )

    total = _("Total")
    for table in publication.figures.get("tables", []):
        key = table["key"]
        if table["kind"] == "two_way":
            for code, cells, row_total in zip(
                table["rows"], table["cells"], table["row_totals"], strict=True
            ):
                for column, cell in zip(table["columns"], cells, strict=True):
                    add(key, code, _label(key, code), column, cell)
                add(key, code, _label(key, code), "total", row_total)
            for column, cell in zip(
                table["columns"], table["column_totals"], strict=True
            ):
                add(key, "total", total, column, cell)
        else:
            for code, cell in zip(table["keys"], table["cells"], strict=True):
                add(key, code, _label(key, code), "", cell)
        add(
            key,
            "total",
            total,
            "total" if table["kind"] == "two_way" else "",
            table["total"],
        )
    return rows


@require_safe
def figures_csv_view(request: HttpRequest) -> HttpResponse:
    publication = public_figures.publication_latest()
    header = [
        _("tabla"),
        _("título"),
        _("fila"),
        _("nombre de la fila"),
        _("columna"),
        _("valor"),
        _("nota"),
    ]
    body = csv_bytes(header=header, rows=_csv_rows(publication) if publication else [])
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="remedia-cifras.csv"'
    return _headers(response, publication, public=True)
