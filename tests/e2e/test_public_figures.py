"""Issue 18, the public page: /cifras/ in Chromium, in Spanish and in English.

Aguascalientes has 30 reports and Puebla 3: Puebla's row says its count is
suppressed (and so does the next smallest, Jalisco's 12, hidden beside it), the
page explains the rule, and the language switch turns it into English.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from remedia.analytics import public_figures
from remedia.intake.models import Report, ReportCategory
from tests.e2e.pages import PageLog

pytestmark = pytest.mark.e2e


def _reports(n: int, *, state: str, category: str) -> None:
    when = dt.datetime(2025, 6, 15, 18, tzinfo=dt.UTC)
    for _ in range(n):
        report = Report.objects.create(
            channel="web",
            state=state,
            public_key=b"k",
            content=b"sealed",
            receipt_lookup=secrets.token_bytes(16),
            reporter_wrapped_key=b"w",
        )
        Report.objects.filter(pk=report.pk).update(created_at=when)
        ReportCategory.objects.create(report=report, code=category)


@pytest.fixture
def published(_flushable_audit_log: None) -> None:
    _reports(30, state="MX-AGU", category="wages")
    _reports(12, state="MX-JAL", category="hours")
    _reports(3, state="MX-PUE", category="child_labour")
    public_figures.publication_create(before=dt.date(2026, 12, 1))


def _no_outside_requests(log: PageLog, live_server: Any) -> None:
    own = urlsplit(live_server.url).netloc
    assert [u for u in log.requests if urlsplit(u).netloc not in ("", own)] == []
    assert log.csp_violations() == []
    assert log.errors == []


def test_the_public_page_says_which_cells_are_suppressed_in_both_languages(
    new_page: Callable[..., PageLog], published: None, live_server: Any
) -> None:
    log = new_page()
    page = log.page
    page.goto("/cifras/")
    assert page.get_by_role("heading", level=1).inner_text() == "Cifras públicas"
    assert (
        "Cifras hasta el 30 de noviembre de 2026"
        in page.locator("#publication-date").inner_text()
    )
    assert "de 1 a 10 nunca se publican" in page.locator("#rule").inner_text()
    puebla = page.locator("#reports_by_state-MX-PUE")
    assert "Puebla" in puebla.inner_text()
    assert puebla.locator("td.suppressed").inner_text() == "Suprimido"
    assert page.locator("#reports_by_state-MX-AGU td").first.inner_text() == "30"
    # Nothing on the page is a count from 1 to 10.
    cells = page.locator("table.public-figures td").all_inner_texts()
    assert not [c for c in cells if c.strip().isdigit() and 0 < int(c) < 11]
    # The map: every state drawn, Puebla grey as suppressed, the credit shown.
    state_view = page.locator("#state-view")
    assert state_view.locator("svg g[data-state]").count() == 32
    assert (
        state_view.locator('g[data-state="MX-PUE"] use').get_attribute("fill")
        == "#a6a6a6"
    )
    assert "Mapa: MapSVG / Victor Cazanave, CC BY 4.0" in state_view.inner_text()
    _no_outside_requests(log, live_server)

    # The site's language switch turns the page into English.
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Public figures"
    assert (
        "counts from 1 to 10 are never published" in page.locator("#rule").inner_text()
    )
    puebla = page.locator("#reports_by_state-MX-PUE")
    assert puebla.locator("td.suppressed").inner_text() == "Suppressed"

    # A browser that asks for English gets it first.
    english = new_page(locale="en-US")
    english.page.goto("/cifras/")
    assert (
        "Suppressed" in english.page.locator("#figures-reports_by_state").inner_text()
    )
    _no_outside_requests(english, live_server)
