"""Issue 22.1 in Chromium, on the demo data: a handler sorts the case list and
the inbox by clicking a column header at 1366 px (the order changes, the
header says `aria-sort`, a second click turns it), and on a 390 px phone,
where a `table.stack` hides its headers, by the filter form's "Ordenar por",
with JavaScript on and off."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from remedia.accounts.models import User
from remedia.cases import selectors, services
from remedia.intake import selectors as intake_selectors
from remedia.intake.models import Report
from tests.e2e.pages import PageLog
from tests.e2e.test_workspace import PHONE_390, WIDE, demo, log_in  # noqa: F401

pytestmark = pytest.mark.e2e


@pytest.fixture
def cases(demo: dict[str, str]) -> None:  # noqa: F811
    """Two more cases for the demo's handler, opened from reports in triage
    (the demo gives the handler one), and the handler's reports received an
    hour apart."""
    handler = User.objects.get(username="handler")
    waiting = list(selectors.triage_list(viewer=handler)[:2])
    assert len(waiting) == 2, waiting
    for report in waiting:
        services.case_open(report_ids=[report.pk], user=handler)
    # The demo receives its reports in the same second: an hour apart here.
    now = timezone.now()
    inbox = intake_selectors.report_list(viewer=handler).values_list("pk", flat=True)
    for hours, pk in enumerate(list(inbox)):
        Report.objects.filter(pk=pk).update(created_at=now - timedelta(hours=hours))
    intake_selectors.inbox_changed()


def _numbers(page: Any) -> list[str]:
    return page.locator("#cases tbody th.stack-head a").all_inner_texts()


def _received(page: Any) -> list[str]:
    """Each inbox row's moment, as its <time datetime> says it (one offset)."""
    return page.locator("#inbox tbody th.stack-head time").evaluate_all(
        "els => els.map(e => e.getAttribute('datetime'))"
    )


def _header(page: Any, table: str, label: str) -> Any:
    return page.locator(f"{table} thead th", has_text=label)


def _click_header(page: Any, table: str, label: str, expect: str) -> None:
    _header(page, table, label).get_by_role("link").click()
    page.wait_for_url(re.compile(rf".*[?&]orden={re.escape(expect)}(&|$)"))


def test_a_handler_sorts_the_case_list_and_the_inbox_by_their_headers(
    new_page: Callable[..., PageLog],
    demo: dict[str, str],  # noqa: F811
    cases: None,
) -> None:
    log = new_page(**WIDE)
    page = log.page
    log_in(page, "handler", demo["handler"])

    # The case list: by number, then the other way
    page.goto("/staff/cases/")
    before = _numbers(page)
    assert len(before) >= 2, before
    assert page.locator("#cases thead th[aria-sort]").count() == 0
    _click_header(page, "#cases", "Número", "numero")
    ascending = _numbers(page)
    assert ascending == sorted(before)
    assert _header(page, "#cases", "Número").get_attribute("aria-sort") == "ascending"
    _click_header(page, "#cases", "Número", "-numero")
    assert _numbers(page) == sorted(before, reverse=True)
    assert _header(page, "#cases", "Número").get_attribute("aria-sort") == "descending"
    assert page.locator("#cases thead th[aria-sort]").count() == 1

    # The inbox: received, newest first on the first click, then oldest first
    page.goto("/staff/reports/")
    shown = _received(page)
    assert len(shown) >= 2, shown
    _click_header(page, "#inbox", "Recibida", "-recibida")
    newest = _received(page)
    assert newest == sorted(newest, reverse=True)
    assert _header(page, "#inbox", "Recibida").get_attribute("aria-sort") == (
        "descending"
    )
    _click_header(page, "#inbox", "Recibida", "recibida")
    oldest = _received(page)
    assert oldest == sorted(oldest)
    assert oldest != newest
    assert _header(page, "#inbox", "Recibida").get_attribute("aria-sort") == (
        "ascending"
    )
    # "hace 0 minutos" never; the total in words
    assert "hace 0 minutos" not in page.content()
    assert re.search(r"\d+ denuncias?", page.locator("#inbox-count").inner_text())
    assert log.csp_violations() == []


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_the_order_is_chosen_in_the_filter_form(
    new_page: Callable[..., PageLog],
    demo: dict[str, str],  # noqa: F811
    cases: None,
    javascript: bool,
) -> None:
    page = new_page(java_script_enabled=javascript, **PHONE_390).page
    log_in(page, "handler", demo["handler"])

    page.goto("/staff/cases/")
    before = _numbers(page)
    assert len(before) >= 2, before
    # The headers are hidden on a phone: the select is the way
    assert (
        page.locator("#cases thead").evaluate("el => el.getBoundingClientRect().width")
        <= 1
    )
    select = page.get_by_label("Ordenar por")
    assert select.is_visible()
    select.select_option(label="Número, descendente")
    page.locator("#case-filters").get_by_role("button", name="Filtrar").click()
    page.wait_for_url(re.compile(r".*[?&]orden=-numero(&|$)"))
    assert _numbers(page) == sorted(before, reverse=True)
    assert page.get_by_label("Ordenar por").input_value() == "-numero"
    over = page.evaluate("document.documentElement.scrollWidth - screen.width")
    assert over <= 0, over

    page.goto("/staff/reports/")
    page.get_by_label("Ordenar por").select_option(label="Recibida, ascendente")
    page.locator("#inbox-filters").get_by_role("button", name="Filtrar").click()
    page.wait_for_url(re.compile(r".*[?&]orden=recibida(&|$)"))
    oldest = _received(page)
    assert len(oldest) >= 2
    assert oldest == sorted(oldest)
