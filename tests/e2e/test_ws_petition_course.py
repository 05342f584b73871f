"""Issue 22.2 on the petition and course pages, in Chromium, on the demo data.

The demo's analyst advances a petition (a refusal first, beside the stage's
form, focused; then the change, beside the advance forms) and saves a note in
its tab; the demo's monitor tries to close the INISA course with unverified
measures (refused beside the close form) and adds a measure (confirmed under
the list). Both pages at 1366 px and 390 px: one column on the phone and no
horizontal scroll. Screenshots go to /tmp/shots-workspace/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from remedia.accounts.models import User
from remedia.remediation.models import Course, CourseStatus
from remedia.rrm import services as rrm
from remedia.rrm.models import RrmCase
from tests.e2e.pages import PageLog
from tests.e2e.test_workspace import (  # noqa: F401  (the demo fixture)
    PHONE_390,
    SHOTS,
    WIDE,
    demo,
    focused_id,
    log_in,
)

pytestmark = pytest.mark.e2e


def fits(page: Any, width: int = 390) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        + str(width)
        + ").slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert scroll <= width, f"{page.url} is {scroll} px wide: {wide}"


def one_column(page: Any) -> None:
    """On a phone the summary and the tabs are stacked, not side by side."""
    summary = page.locator(".ws-lead").bounding_box()
    tabs = page.locator(".ws-main").bounding_box()
    assert abs(summary["x"] - tabs["x"]) < 2, (summary, tabs)
    assert tabs["y"] > summary["y"]


def test_analyst_acts_on_a_petition_and_sees_each_result_where_they_acted(
    new_page: Callable[..., PageLog],
    demo: dict[str, str],  # noqa: F811
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    analyst = User.objects.get(username="analyst")
    received = timezone.localdate() - timedelta(days=5)
    case = rrm.petition_create(
        user=analyst,
        facility_name="Confecciones del Bajío",
        petitioners="Sindicato Independiente del Bajío",
        facts_alleged="Despidos de quienes votaron.",
        petition_received_on=received,
    )
    log = new_page(**WIDE)
    page = log.page
    log_in(page, "analyst", demo["analyst"])
    page.goto(f"/staff/rrm/{case.pk}/")
    assert page.locator("#rrm-stage .badge-status").is_visible()
    assert "quedan" in page.locator("#rrm-next").inner_text()
    assert (
        page.locator("nav.tabs a[aria-current=page]").inner_text().startswith("Plazos")
    )

    # 1. A determination dated before the petition: refused in its own form.
    stage = page.locator("#advance-ilc_determination")
    stage.locator("summary").click()
    stage.locator("#id_ilc_determination-on").fill(
        (received - timedelta(days=3)).isoformat()
    )
    stage.locator("#id_ilc_determination-affirmative").select_option("yes")
    stage.get_by_role("button").click()
    page.wait_for_url(re.compile(r".*#advance-ilc_determination-result$"))
    error = page.locator(
        "#advance-ilc_determination[open] #advance-ilc_determination-result"
    )
    error.wait_for(state="visible")
    assert error.get_attribute("role") == "alert"
    assert focused_id(page) == "advance-ilc_determination-result"
    assert page.locator("ul.messages").count() == 0
    assert RrmCase.objects.get(pk=case.pk).stage == "petition_filed"

    # 2. The same form with a good day: the change, beside the advance forms.
    stage = page.locator("#advance-ilc_determination")
    stage.locator("#id_ilc_determination-on").fill(timezone.localdate().isoformat())
    stage.locator("#id_ilc_determination-affirmative").select_option("yes")
    stage.get_by_role("button").click()
    page.wait_for_url(re.compile(r".*#advance-result$"))
    done = page.locator("#advance #advance-result")
    assert done.inner_text() == "Etapa: Determinación del ILC."
    assert focused_id(page) == "advance-result"
    assert "Determinación del ILC" in page.locator("#rrm-stage").inner_text()
    # The stage's badge stays inside the summary card (a long stage wraps).
    badge = page.locator("#rrm-stage .badge-status").bounding_box()
    card = page.locator("#petition-header").bounding_box()
    assert badge["x"] + badge["width"] <= card["x"] + card["width"], (badge, card)

    # 3. A note, in its tab.
    page.locator("#tab-notas").click()
    page.wait_for_url(re.compile(r".*tab=notas.*"))
    page.locator("#notes textarea[name=body]").fill("Pedir las actas de la votación.")
    page.get_by_role("button", name="Guardar nota").click()
    page.wait_for_url(re.compile(r".*tab=notas#notes-result$"))
    assert page.locator("#notes #notes-result").inner_text() == "Nota guardada."
    assert "Pedir las actas" in page.locator("#note-list").inner_text()
    page.screenshot(path=str(SHOTS / "petition-1366.png"), full_page=True)
    assert not log.errors
    assert log.csp_violations() == []

    # The record's INISA case lists the course that follows it.
    record = RrmCase.objects.get(slug="inisa")
    page.goto(f"/staff/rrm/{record.pk}/?tab=curso")
    assert "INISA" in page.locator("#petition-courses").inner_text()

    # The same pages on a phone (the same session: a TOTP code counts once).
    phone = new_page(storage_state=page.context.storage_state(), **PHONE_390).page
    for tab in ("", "?tab=notas", "?tab=historial"):
        phone.goto(f"/staff/rrm/{case.pk}/{tab}")
        fits(phone)
    phone.goto(f"/staff/rrm/{case.pk}/")
    one_column(phone)
    phone.screenshot(path=str(SHOTS / "petition-390.png"), full_page=True)


def test_monitor_acts_on_a_course_and_sees_each_result_where_they_acted(
    new_page: Callable[..., PageLog],
    demo: dict[str, str],  # noqa: F811
) -> None:
    course = Course.objects.get(reference__isnull=False, title__contains="INISA")
    measures = course.measures.count()
    log = new_page(**WIDE)
    page = log.page
    log_in(page, "monitor", demo["monitor"])
    page.goto(f"/staff/remediation/{course.pk}/")
    assert page.locator("#course-status .badge-status").is_visible()
    assert " de " in page.locator("#course-deadline").inner_text()

    # 1. Closing as met with measures unverified: refused beside the form.
    close = page.locator("#close")
    close.locator("summary").click()
    close.get_by_label("Resultado").select_option("completed")
    close.get_by_label("Fecha de cierre").fill(timezone.localdate().isoformat())
    close.get_by_role("button", name="Cerrar el plan").click()
    page.wait_for_url(re.compile(r".*#close-result$"))
    error = page.locator("#close[open] #close-result")
    error.wait_for(state="visible")
    assert error.get_attribute("role") == "alert"
    assert focused_id(page) == "close-result"
    assert page.locator("ul.messages").count() == 0
    assert Course.objects.get(pk=course.pk).status == CourseStatus.ACTIVE

    # 2. A measure added under the list, confirmed there.
    adding = page.locator("#add-measure")
    if adding.get_attribute("open") is None:
        adding.locator("summary").click()
    adding.get_by_label("Tipo").select_option("reinstatement")
    adding.get_by_label("Fecha límite").fill(
        (timezone.localdate() + timedelta(days=30)).isoformat()
    )
    adding.get_by_role("button", name="Agregar medida").click()
    page.wait_for_url(re.compile(r".*#measures-result$"))
    result = page.locator("#add-measure #measures-result")
    assert result.inner_text() == f"Medida {measures + 1} agregada."
    assert focused_id(page) == "measures-result"
    assert page.locator("#measure-list > li").count() == measures + 1
    page.screenshot(path=str(SHOTS / "course-1366.png"), full_page=True)

    # 3. A party, in its tab.
    page.locator("#tab-partes").click()
    page.wait_for_url(re.compile(r".*tab=partes.*"))
    adding = page.locator("#add-party")
    adding.locator("summary").click()
    adding.get_by_label("Papel").select_option("union")
    adding.get_by_label("Nombre").fill("Sindicato de la planta")
    adding.get_by_role("button", name="Agregar parte").click()
    page.wait_for_url(re.compile(r".*tab=partes#parties-result$"))
    assert page.locator("#parties #parties-result").inner_text() == "Parte agregada."
    assert "Sindicato de la planta" in page.locator("#party-list").inner_text()
    assert not log.errors
    assert log.csp_violations() == []

    phone = new_page(storage_state=page.context.storage_state(), **PHONE_390).page
    for tab in ("", "?tab=partes", "?tab=capacitacion", "?tab=sanciones"):
        phone.goto(f"/staff/remediation/{course.pk}/{tab}")
        fits(phone)
    phone.goto(f"/staff/remediation/{course.pk}/")
    one_column(phone)
    phone.screenshot(path=str(SHOTS / "course-390.png"), full_page=True)
