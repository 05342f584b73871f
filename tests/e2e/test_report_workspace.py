"""Issue 22.2 in Chromium, on the demo data: the staff report page as a workspace.

A handler opens a report from the inbox, changes its status and replies to
the worker, and sees each result beside the form they used (focused, not at
the top of the page), at 1366 px and on a 390 px phone, where the page is one
column that does not scroll sideways. axe finds nothing serious with the
results shown. Screenshots go to /tmp/shots-workspace/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from remedia.accounts.models import User
from remedia.intake import selectors
from remedia.intake.models import Report, ReportStatus
from tests.e2e.pages import PageLog
from tests.e2e.test_accessibility import _serious
from tests.e2e.test_workspace import (  # noqa: F401 (the fixture)
    PHONE_390,
    SHOTS,
    WIDE,
    demo,
    focused_id,
    log_in,
)

pytestmark = pytest.mark.e2e


def a_report_to_work(username: str) -> Report:
    """The handler's oldest report still only received, and in no case."""
    user = User.objects.get(username=username)
    report = (
        selectors.report_list(viewer=user, filters=selectors.ReportFilters())
        .filter(status=ReportStatus.RECEIVED, case_links__isnull=True)
        .order_by("created_at")
        .first()
    )
    assert report is not None
    return report


def change_status(page: Any, value: str, label: str) -> None:
    details = page.locator("#status")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    details.locator("select[name=status]").select_option(value)
    with page.expect_navigation(url=re.compile(r".*#status-result$")):
        details.get_by_role("button", name="Cambiar estado").click()
    result = page.locator("#status #status-result")
    assert result.inner_text() == f"Estado: {label}."
    assert result.get_attribute("role") == "status"
    assert focused_id(page) == "status-result"
    assert page.locator(f".ws-head .badge-status.status-{value}").is_visible()


def reply(page: Any, body: str) -> None:
    page.locator("#reply textarea[name=body]").fill(body)
    # (The URL may already end so, after a refused reply: wait for the load.)
    with page.expect_navigation(url=re.compile(r".*#reply-result$")):
        page.locator("#reply").get_by_role("button", name="Responder").click()
    result = page.locator("#reply #reply-result")
    assert result.inner_text() == "Respuesta enviada a quien denunció."
    assert focused_id(page) == "reply-result"
    assert body in page.locator("#messages").inner_text()


def test_handler_changes_a_reports_status_and_replies_where_they_act(
    new_page: Callable[..., PageLog],
    demo: dict[str, str],  # noqa: F811
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    report = a_report_to_work("handler")
    log = new_page(**WIDE)
    page = log.page
    log_in(page, "handler", demo["handler"])

    # The handler opens the report from the inbox.
    page.goto("/staff/reports/")
    page.locator(f"a[href='/staff/reports/{report.pk}/']").first.click()
    page.wait_for_url(f"**/staff/reports/{report.pk}/")
    title = page.locator("h1#report-title")
    assert title.inner_text().startswith("Denuncia del ")
    assert title.locator(".badge-status.status-received").is_visible()
    assert page.locator("#report-status .badge-status").inner_text() == "Recibida"
    # Two columns: the summary beside the words.
    aside = page.locator("aside.ws-summary").bounding_box()
    main = page.locator(".ws-main").bounding_box()
    assert aside["x"] + aside["width"] <= main["x"], (aside, main)
    assert page.locator("#narrative").inner_text().strip()
    # No merge target chosen in advance in the case panel.
    assert page.locator("#report-cases input[name=case_id]:checked").count() == 0

    # 1. The status: changed in the summary, confirmed there.
    change_status(page, ReportStatus.IN_REVIEW, "En revisión")
    assert page.locator("ul.messages").count() == 0

    # 2. A refused reply: the reason beside the reply form, focused.
    with page.expect_navigation(url=re.compile(r".*#reply-result$")):
        page.locator("#reply").get_by_role("button", name="Responder").click()
    refused = page.locator("#reply #reply-result")
    assert refused.get_attribute("role") == "alert"
    assert focused_id(page) == "reply-result"
    assert page.locator("#reply .field-error").first.is_visible()

    # 3. A reply: sent, confirmed beside the form, in the thread.
    reply(page, "Gracias, ya revisamos su denuncia.")
    assert page.locator("ul.messages").count() == 0
    page.screenshot(path=str(SHOTS / "report-1366.png"), full_page=True)
    assert _serious(page) == []
    assert not log.errors
    assert Report.objects.get(pk=report.pk).status == ReportStatus.IN_REVIEW

    # The same on a phone (the same session: a TOTP code is accepted once).
    phone_log = new_page(storage_state=page.context.storage_state(), **PHONE_390)
    phone = phone_log.page
    phone.goto(f"/staff/reports/{report.pk}/")
    # One column: the summary above the words.
    aside = phone.locator("#report-header").bounding_box()
    main = phone.locator(".ws-main").bounding_box()
    assert aside["y"] + aside["height"] <= main["y"], (aside, main)
    change_status(phone, ReportStatus.ACKNOWLEDGED, "Acusada de recibo")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    reply(phone, "Le escribimos de nuevo desde el teléfono.")
    phone.screenshot(path=str(SHOTS / "report-390.png"), full_page=True)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    assert _serious(phone) == []
    assert not phone_log.errors


def test_without_javascript_a_status_change_lands_beside_its_form(
    new_page: Callable[..., PageLog],
    demo: dict[str, str],  # noqa: F811
) -> None:
    report = a_report_to_work("handler")
    page = new_page(java_script_enabled=False, **WIDE).page
    log_in(page, "handler", demo["handler"])
    page.goto(f"/staff/reports/{report.pk}/")
    page.locator("#status > summary").click()  # <details> opens without script
    page.locator("#status select[name=status]").select_option("acknowledged")
    page.locator("#status").get_by_role("button", name="Cambiar estado").click()
    page.wait_for_url(re.compile(r".*#status-result$"))
    result = page.locator("#status[open] #status-result")
    assert result.inner_text() == "Estado: Acusada de recibo."
    assert result.get_attribute("autofocus") is not None
    page.locator("#reply textarea[name=body]").fill("Sin JavaScript también.")
    page.locator("#reply").get_by_role("button", name="Responder").click()
    page.wait_for_url(re.compile(r".*#reply-result$"))
    assert "Sin JavaScript también." in page.locator("#messages").inner_text()
