"""Issue 22 items 2 and 3 in Chromium, on the demo data.

A handler acts on a case and sees each result where they acted (an error
beside the status form, focused; a task and a note confirmed in their tabs),
also with JavaScript off; every demo role's home counts what waits and each
count leads to a list with exactly that many rows; on a 390 px phone the menu
is one row with a menu button. Screenshots go to /tmp/shots-workspace/.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from remedia.accounts.models import User
from remedia.cases.models import Case, CaseStatus
from remedia.demo.services import seed_demo
from tests.e2e.pages import PageLog
from tests.support.factories.accounts import totp_code

pytestmark = pytest.mark.e2e

SHOTS = Path(tempfile.gettempdir()) / "shots-workspace"
WIDE = {"viewport": {"width": 1366, "height": 900}}
PHONE_390 = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# The rows of each list a home count leads to (an empty list's one "nothing
# here" row spans every column and is not a row of data).
TABLE_ROWS = "table tbody tr:not(:has(td[colspan]))"
LIST_ROWS = {"/staff/remediation/": "[data-course]"}


@pytest.fixture
def demo(live_server: Any) -> dict[str, str]:
    """The demo, seeded once for the live server; username → password."""
    result = seed_demo()
    return {c.username: c.password for c in result.users}


def log_in(page: Any, username: str, password: str) -> None:
    page.goto("/staff/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    device = TOTPDevice.objects.filter(user__username=username).first()
    if device is not None:
        page.locator("#id_code").fill(totp_code(device))
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(re.compile(r".*/staff/(?!login).*"))


def focused_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def a_case_to_work(username: str) -> Case:
    user = User.objects.get(username=username)
    org = user.memberships.values_list("organisation_id", flat=True)
    return (
        Case.objects.filter(
            organisation_id__in=list(org),
            status__in=[CaseStatus.OPEN, CaseStatus.INVESTIGATING],
        )
        .order_by("created_at")
        .first()
    )


def test_handler_acts_on_a_case_and_sees_each_result_where_they_acted(
    new_page: Callable[..., PageLog], demo: dict[str, str]
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    case = a_case_to_work("handler")
    assert case is not None
    log = new_page(**WIDE)
    page = log.page
    log_in(page, "handler", demo["handler"])
    page.screenshot(path=str(SHOTS / "home-1366.png"), full_page=True)

    page.goto(f"/staff/cases/{case.pk}/")
    # The summary column: status as a badge with words, the assignee by name.
    assert page.locator("#case-status .badge-status").is_visible()
    assert (
        page.locator("nav.tabs a[aria-current=page]")
        .inner_text()
        .startswith("Denuncias")
    )
    # The reports' words are on the page for a handler entitled to read them.
    assert page.locator("#report-reader #narrative").inner_text().strip()
    page.screenshot(path=str(SHOTS / "case-1366.png"), full_page=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2600, height

    # 1. Closing without a reason: the error is beside the status form, focused.
    page.locator("#status > summary").click()
    page.locator("#status select[name=status]").select_option("closed")
    page.locator("#status").get_by_role("button", name="Cambiar estado").click()
    page.wait_for_url(re.compile(r".*#status-result$"))
    error = page.locator("#status #status-result")
    error.wait_for(state="visible")
    assert "Para cerrar un caso" in error.inner_text()
    assert error.get_attribute("role") == "alert"
    assert focused_id(page) == "status-result"
    assert page.locator("ul.messages").count() == 0  # not at the top
    assert page.locator("#status select[name=status]").input_value() == "closed"
    assert Case.objects.get(pk=case.pk).status == case.status

    # 2. A task: created in the tasks tab, confirmed there, focused.
    page.locator("#tab-tareas").click()
    page.wait_for_url(re.compile(r".*tab=tareas.*"))
    form = page.locator("#tasks details.add-form")
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    due = timezone.localdate() + timedelta(days=4)
    page.get_by_label("Tarea", exact=True).fill("Pedir la lista de turnos")
    page.get_by_label("Fecha límite").fill(due.isoformat())
    page.get_by_role("button", name="Crear tarea").click()
    page.wait_for_url(re.compile(r".*tab=tareas#tasks-result$"))
    done = page.locator("#tasks #tasks-result")
    assert done.inner_text().startswith("Tarea creada para Hilda Gestora")
    assert focused_id(page) == "tasks-result"
    assert "Pedir la lista de turnos" in page.locator("#tasks tbody").inner_text()
    # The summary's next task is a sentence, not an ISO date.
    assert "vence" in page.locator("#case-next-task").inner_text()

    # 3. A note: saved in the notes tab, confirmed there, focused.
    page.locator("#tab-notas").click()
    page.wait_for_url(re.compile(r".*tab=notas.*"))
    page.locator("#notes textarea[name=body]").fill("Llamar a la delegada el lunes.")
    page.get_by_role("button", name="Guardar nota").click()
    page.wait_for_url(re.compile(r".*tab=notas#notes-result$"))
    assert page.locator("#notes #notes-result").inner_text() == "Nota interna guardada."
    assert focused_id(page) == "notes-result"
    assert "Llamar a la delegada" in page.locator("#note-list").inner_text()
    assert not log.errors

    # The same page on a phone.
    # (The same session: a TOTP code is accepted once.)
    phone = new_page(storage_state=page.context.storage_state(), **PHONE_390).page
    phone.goto("/staff/")
    phone.screenshot(path=str(SHOTS / "home-390.png"), full_page=True)
    phone.goto(f"/staff/cases/{case.pk}/")
    phone.screenshot(path=str(SHOTS / "case-390.png"), full_page=True)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width


def test_an_action_without_javascript_shows_its_result_beside_its_form(
    new_page: Callable[..., PageLog], demo: dict[str, str]
) -> None:
    case = a_case_to_work("handler")
    assert case is not None
    page = new_page(java_script_enabled=False, **WIDE).page
    log_in(page, "handler", demo["handler"])
    page.goto(f"/staff/cases/{case.pk}/?tab=notas")
    page.locator("#notes textarea[name=body]").fill("Sin JavaScript también.")
    page.get_by_role("button", name="Guardar nota").click()
    page.wait_for_url(re.compile(r".*tab=notas#notes-result$"))
    result = page.locator("#notes #notes-result")
    assert result.inner_text() == "Nota interna guardada."
    assert result.get_attribute("autofocus") is not None
    assert "Sin JavaScript también." in page.locator("#note-list").inner_text()
    # An error lands beside its form too, opening the <details> that holds it.
    page.locator("#status > summary").click()  # <details> opens without script
    page.locator("#status select[name=status]").select_option("closed")
    page.locator("#status").get_by_role("button", name="Cambiar estado").click()
    page.wait_for_url(re.compile(r".*#status-result$"))
    assert page.locator("#status[open] #status-result").count() == 1
    # The refused form comes back as it was sent: "closed" still chosen
    assert page.locator("#status select[name=status]").input_value() == "closed"


def test_every_demo_role_home_counts_lead_to_lists_of_that_many_rows(
    new_page: Callable[..., PageLog], demo: dict[str, str]
) -> None:
    checked = 0
    nonzero: set[tuple[str, str]] = set()
    for username in sorted(demo):
        page = new_page(**WIDE).page
        log_in(page, username, demo[username])
        page.goto("/staff/")
        api = page.locator("#api-docs").count()
        assert api == (1 if username == "admin" else 0), username
        items = page.locator("#waiting li").all()
        found = [
            (
                li.get_attribute("data-waiting"),
                int(li.locator(".n").inner_text()),
                li.locator("a").get_attribute("href"),
            )
            for li in items
        ]
        for key, count, href in found:
            page.goto(href)
            path = href.split("?")[0]
            rows = page.locator(LIST_ROWS.get(path, TABLE_ROWS)).count()
            assert rows == count, (username, key, href, rows, count)
            checked += 1
            if count:
                nonzero.add((username, key))
        page.context.close()
    # The handlers, the monitor and the facility officer have counts at least.
    assert checked >= 6
    # And the demo gives each later app's count a row to lead to.
    assert {
        ("dif", "protection.referrals_to_answer"),
        ("protection", "protection.referrals_sent_overdue"),
        ("coordinator", "coordination.actions_due_soon"),
        ("monitor", "remediation.surveys_closing"),
    } <= nonzero


def test_on_a_phone_the_menu_is_one_row_with_a_menu_button(
    new_page: Callable[..., PageLog], demo: dict[str, str]
) -> None:
    page = new_page(**PHONE_390).page
    log_in(page, "handler", demo["handler"])
    header = page.locator("header.top").bounding_box()
    button = page.locator("#staff-menu > summary")
    assert button.is_visible()
    box = button.bounding_box()
    # One row: the brand, the menu button and the language switch side by side.
    assert header["height"] < box["height"] * 2 + 24, header
    assert page.locator(".nav-wide").is_hidden()
    button.click()
    cases = page.locator("#staff-menu").get_by_role("link", name="Casos", exact=True)
    assert cases.is_visible()
    cases.click()
    page.wait_for_url("**/staff/cases/")
    current = page.locator("#staff-menu a[aria-current=page]")
    assert (current.text_content() or "").strip().startswith("Casos")
    page.screenshot(path=str(SHOTS / "cases-390.png"))
