"""Issue 18's staff dashboard in Chromium, on the demo data.

The demo's handler (Centro de Apoyo Laboral de Aguascalientes) opens
/staff/cifras/ after `seed-demo` (which refreshes the figures at its end),
sees charts with their tables, narrows them with the filter form, and
downloads a table as CSV and every table as XLSX; both carry the figures the
page showed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from remedia.accounts.models import User
from remedia.demo.services import seed_demo
from remedia.intake.models import Report
from tests.e2e.pages import PageLog
from tests.support.factories.accounts import totp_code

pytestmark = pytest.mark.e2e


def test_a_handler_reads_and_downloads_the_dashboard(
    new_page: Callable[..., PageLog], live_server: Any
) -> None:
    result = seed_demo()
    password = {c.username: c.password for c in result.users}["handler"]
    handler = User.objects.get(username="handler")
    org = handler.memberships.get().organisation
    received = Report.objects.filter(recipients__organisation=org).distinct().count()
    assert received > 0

    log = new_page()
    page = log.page
    page.goto("/staff/login/")
    page.locator("#id_username").fill("handler")
    page.locator("#id_password").fill(password)
    page.locator("#id_code").fill(totp_code(TOTPDevice.objects.get(user=handler)))
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/staff/")
    # The home page's block, and the menu entry, lead to the dashboard.
    assert page.locator("[data-panel=analytics]").is_visible()
    page.get_by_role("link", name="Ver todas las cifras").click()
    page.wait_for_url("**/staff/cifras/")
    assert "Cifras al" in page.locator("#as-of").inner_text()

    channel = page.locator("#table-reports_channel")
    assert channel.locator("svg[role=img]").count() == 1
    shown = {
        row.locator("th").inner_text(): int(row.locator("td").inner_text())
        for row in channel.locator("tbody tr").all()
    }
    assert sum(shown.values()) == received
    # By state: the map of Mexico, every state drawn, with its credit.
    states = page.locator("#table-reports_state")
    assert states.locator("svg g[data-state]").count() == 32
    assert "Mapa: MapSVG / Victor Cazanave, CC BY 4.0" in states.inner_text()
    # By month: a line.
    assert page.locator("#table-reports_month svg g.chart-series").count() == 1
    assert page.locator("#table-case_times tbody tr").count() == 5

    # Narrowed to one category, the figures follow and the links keep it.
    page.locator("#id_category").select_option("intimidation")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url("**/staff/cifras/?*category=intimidation*")
    href = page.locator("#table-reports_channel a", has_text="CSV").get_attribute(
        "href"
    )
    assert href
    assert "category=intimidation" in href

    with page.expect_download() as download:
        page.locator("#table-reports_channel a", has_text="CSV").click()
    rows = list(
        csv.reader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig")))
    )
    assert rows[0] == ["Canal", "Denuncias"]
    expected = (
        Report.objects.filter(
            recipients__organisation=org, category_rows__code="intimidation"
        )
        .distinct()
        .count()
    )
    assert sum(int(r[1]) for r in rows[1:]) == expected

    with page.expect_download() as download:
        page.get_by_role("link", name="Todas las tablas (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book["Denuncias por canal"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Canal", "Denuncias")
    assert sum(r[1] for r in values[1:]) == expected
    assert log.csp_violations() == []
    assert log.errors == []
