"""Issues 18 and 22: the staff lists on a 390 px phone and on a 1366 px screen.

Every staff list is a `table.stack` (remedia.css): on a phone each row is a
card whose cells say what they are (their `data-label`), the page never
scrolls sideways and a case number or a date is never broken across lines; on
a wide screen it stays a table with its column headings. Each demo role visits
the lists it sees, on the demo data; the Django admin's changelists too.
Screenshots go to /tmp/shots-phone-tables/.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from remedia.demo.coordination import plan_year
from tests.e2e.pages import PageLog
from tests.e2e.test_workspace import PHONE_390, WIDE, demo, log_in  # noqa: F401

pytestmark = pytest.mark.e2e

SHOTS = Path(tempfile.gettempdir()) / "shots-phone-tables"


@dataclass(frozen=True)
class Listing:
    """A staff list: its URL, its table, and a cell that must stay on one line."""

    url: str
    table: str
    # A case number, a file number, a date: one line, never "2026-/00001"
    # ("" where the list has none).
    one_line: str
    # ({year}: the demo plan's.)
    # What some cell's data-label says (the column's heading, in Spanish).
    label: str


ROLES: dict[str, list[Listing]] = {
    "handler": [
        Listing("/staff/cases/", "#cases", "th.stack-head a.nowrap", "Estado"),
        Listing("/staff/reports/", "#inbox", "th.stack-head a.nowrap", "Canal"),
        Listing(
            "/staff/cases/triage/",
            "#triage",
            "th.stack-head a.nowrap",
            "Centro de trabajo",
        ),
        Listing("/staff/facilities/", "#facilities", "td code.nowrap", "Identificador"),
        Listing(
            "/staff/cifras/",
            "#table-reports_channel table",
            "",
            "Denuncias",
        ),
    ],
    "analyst": [
        Listing(
            "/staff/rrm/",
            "#rrm-record-cases",
            "td span.nowrap",
            "Vence (día hábil)",
        ),
    ],
    "protection_lead": [
        Listing("/staff/proteccion/", "#files", "th.stack-head a.nowrap", "Riesgo"),
        Listing(
            "/staff/proteccion/entrevistas/?status=",
            "#screenings",
            "th.stack-head a.nowrap",
            "Origen",
        ),
        Listing(
            "/staff/proteccion/servicios/",
            "#service-table",
            "",
            "Qué ofrece",
        ),
    ],
    "coordinator": [
        Listing(
            "/staff/coordinacion/",
            "#group-table",
            "",
            "Coordina",
        ),
        Listing(
            "/staff/coordinacion/plan/{year}/",
            "#progress-sector",
            "",
            "A tiempo",
        ),
        Listing(
            "/staff/coordinacion/reuniones/",
            "#meeting-table",
            "td span.nowrap",
            "Fecha",
        ),
    ],
    # The Django admin's changelists, through admin/change_list_results.html.
    "admin": [
        Listing("/staff/admin/accounts/user/", "#result_list", "", "Roles"),
        Listing("/staff/admin/accounts/organisation/", "#result_list", "", "Sector"),
        Listing("/staff/admin/accounts/membership/", "#result_list", "", "Rol"),
        Listing("/staff/admin/facilities/facility/", "#result_list", "", "Estado"),
        Listing("/staff/admin/core/auditentry/", "#result_list", "", "Acción"),
    ],
}

# A text's lines: one rectangle per line box it spans.
LINES = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return tops.size;
}"""
# On a phone (is_mobile) Chromium widens the layout viewport to a page that
# overflows and zooms out, so window.innerWidth grows with the page: the
# page's width is compared with the screen's too.
SIDEWAYS = (
    "Math.max(document.documentElement.scrollWidth - window.innerWidth,"
    " document.documentElement.scrollWidth - screen.width)"
)


def _phone_card(page: Any, listing: Listing) -> list[str]:
    """What is wrong with the list at 390 px ([] when nothing)."""
    wrong = []
    over = page.evaluate(SIDEWAYS)
    if over > 0:
        wrong.append(f"{listing.url}: the page is {over} px wider than the screen")
    table = page.locator(listing.table).first
    # The headings stay for a screen reader, in a 1-px box (.visually-hidden).
    heading_width = table.locator("thead").evaluate(
        "el => el.getBoundingClientRect().width"
    )
    if heading_width > 1:
        wrong.append(f"{listing.url}: the column headings still show")
    labels = table.locator("tbody td[data-label]").evaluate_all(
        "cells => cells.map(c => c.dataset.label)"
    )
    if listing.label not in labels:
        wrong.append(f"{listing.url}: no cell labelled {listing.label!r}: {labels}")
    # No card reaches past the screen's edge (cut off, if not scrolled).
    past = table.locator("tbody tr").evaluate_all(
        "rows => rows.filter(r => r.getBoundingClientRect().right"
        " > window.innerWidth + 0.5).length"
    )
    if past:
        wrong.append(f"{listing.url}: {past} rows reach past the screen's edge")
    # A card is as wide as the list, not a column of it.
    widths = table.locator("tbody tr").first.evaluate(
        "tr => [tr.getBoundingClientRect().width, tr.closest('table')"
        ".getBoundingClientRect().width]"
    )
    if widths[0] < widths[1] - 2:
        wrong.append(f"{listing.url}: a row is not a card ({widths})")
    cells = page.locator(listing.one_line).all() if listing.one_line else []
    for cell in cells[:10]:
        if cell.evaluate(LINES) != 1:
            wrong.append(f"{listing.url}: {cell.inner_text()!r} breaks across lines")
    return wrong


def _wide_table(page: Any, listing: Listing) -> list[str]:
    table = page.locator(listing.table).first
    wrong = []
    heading_width = table.locator("thead").evaluate(
        "el => Math.max(...[...el.querySelectorAll('th')]"
        ".map(th => th.getBoundingClientRect().width))"
    )
    if heading_width < 40:
        wrong.append(f"{listing.url}: no column headings at 1366 px")
    if table.evaluate("t => getComputedStyle(t).display") != "table":
        wrong.append(f"{listing.url}: not a table at 1366 px")
    return wrong


@pytest.mark.parametrize("username", sorted(ROLES))
def test_each_roles_lists_are_cards_on_a_phone_and_tables_on_a_screen(
    new_page: Callable[..., PageLog],
    demo: dict[str, str],  # noqa: F811
    username: str,
) -> None:
    SHOTS.mkdir(exist_ok=True)
    page = new_page(**PHONE_390).page
    log_in(page, username, demo[username])
    wrong: list[str] = []
    for listing in ROLES[username]:
        page.set_viewport_size(PHONE_390["viewport"])
        page.goto(listing.url.format(year=plan_year(timezone.localdate())))
        rows = page.locator(f"{listing.table} tbody tr:not(:has(td[colspan]))")
        assert rows.count() > 0, f"{listing.url}: the demo leaves the list empty"
        name = listing.url.strip("/").replace("/", "_").replace("?", "_")
        page.screenshot(path=str(SHOTS / f"{username}-{name}-390.png"), full_page=True)
        wrong += _phone_card(page, listing)
        page.set_viewport_size(WIDE["viewport"])
        wrong += _wide_table(page, listing)
    assert wrong == []
