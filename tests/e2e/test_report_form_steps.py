"""The report form a worker finishes on a cheap phone (issue 22.4), in Chromium.

At 390 px: with JavaScript (one step at a time), without it (one page of
sections), and with the keyboard alone. A worker who sends with a missing
field sees the summary first, focused, and keeps the photo; fixes it; gets a
receipt; and the follow-up page shows what they sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from remedia.intake.models import Attachment, Report
from tests.e2e.pages import PageLog
from tests.e2e.worker import (
    FACILITY_LABEL,
    INTIMIDATION,
    World,
    follow_up,
    marker,
    path_of,
    photo_with_gps,
    read_receipt,
    to_step,
)

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots-form")  # noqa: S108 (screenshots for a person to look at)
PHONE_390 = {"viewport": {"width": 390, "height": 844}}
DESKTOP_1366 = {"viewport": {"width": 1366, "height": 900}}
OUR_VOICE = "+52 55 5000 1111"
OUR_SMS = "+525550002222"
OUR_WHATSAPP = "whatsapp:+525550003333"
OUR_EMAIL = "denuncias@remedia.example"
PHOTO = {"name": "foto-gafete.jpg", "mimeType": "image/jpeg"}
OCCURRED = "2026-11-20"
NARRATIVE_MISSING = "Escriba lo que pasó, aunque sea con pocas palabras."

FOCUSED_ID = "document.activeElement && document.activeElement.id"
# The element is on the first screen: its top inside the viewport.
ON_FIRST_SCREEN = "(el) => el.getBoundingClientRect().top < window.innerHeight"


@pytest.fixture
def channels(settings: Any) -> None:
    settings.REMEDIA_VOICE_NUMBER = OUR_VOICE
    settings.TWILIO_SMS_FROM = OUR_SMS
    settings.TWILIO_WHATSAPP_FROM = OUR_WHATSAPP
    settings.REMEDIA_REPORT_EMAIL = OUR_EMAIL


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _visible_steps(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "section.step", "(els) => els.filter((e) => !e.hidden).map((e) => e.id)"
    )


def _assert_channels(page: Any) -> None:
    box = page.locator("#other-channels")
    text = box.inner_text()
    for shown in (OUR_VOICE, OUR_SMS, "+525550003333", OUR_EMAIL):
        assert shown in text
    assert box.get_by_role("link", name=OUR_EMAIL).get_attribute("href") == (
        f"mailto:{OUR_EMAIL}"
    )
    assert box.get_by_role("link", name=OUR_SMS).get_attribute("href") == (
        f"sms:{OUR_SMS}"
    )


def _assert_followup_shows_what_was_sent(page: Any) -> None:
    assert "Industrias del Interior" in page.locator("#sent-facility").inner_text()
    assert re.search(
        r"20 de noviembre de 2026", page.locator("#sent-date").inner_text(), re.I
    )
    assert "foto-gafete.jpg" in page.locator("#sent-files").inner_text()
    assert INTIMIDATION in page.locator("#sent-categories").inner_text()


def test_with_javascript_a_missing_field_keeps_the_photo_and_the_summary_comes_first(
    new_page: Callable[..., PageLog],
    report_world: World,
    live_server: Any,
    channels: None,
) -> None:
    log = new_page(phone=True, **PHONE_390)
    page = log.page
    page.goto("/")
    _assert_channels(page)
    _shot(page, "start-390.png")
    page.get_by_role("link", name="Hacer una denuncia").click()
    page.wait_for_url("**/denunciar/")
    _assert_channels(page)
    assert page.get_by_role("link", name="Salir rápido").is_visible()

    # One step at a time
    assert _visible_steps(page) == ["step-what"]
    _shot(page, "form-step1-390.png")
    page.get_by_label(INTIMIDATION, exact=True).check()
    # The legal term is the box's description, not its name
    assert (
        page.get_by_label(INTIMIDATION, exact=True).get_attribute("aria-describedby")
        == "id_categories_0-term"
    )
    assert (
        "En la ley: Intimidación" in page.locator("#id_categories_0-term").inner_text()
    )
    page.locator("#step-what").get_by_role("button", name="Siguiente").click()
    assert _visible_steps(page) == ["step-where"]
    assert page.evaluate(FOCUSED_ID) == "step-where-title"
    # One workplace field: it searches, and what it says is kept if not listed
    assert page.locator("input[name=facility_q]").count() == 0
    page.get_by_label("Centro de trabajo", exact=True).fill("industrias interior")
    choice = page.locator("#facility-matches").get_by_label(FACILITY_LABEL)
    choice.wait_for(state="visible")
    choice.check()
    # The listed workplace says where it is
    assert page.get_by_label("Estado donde pasó").input_value() == "MX-AGU"
    _shot(page, "form-step2-390.png")
    page.locator("#step-where").get_by_role("button", name="Siguiente").click()
    page.get_by_label("Día en que pasó (opcional)").fill(OCCURRED)
    page.locator("#step-when").get_by_role("button", name="Siguiente").click()
    # The story is left empty: the missing field
    page.locator("#step-story").get_by_role("button", name="Siguiente").click()
    page.get_by_label("Fotos, documentos o audios (opcional)").set_input_files(
        {**PHOTO, "buffer": photo_with_gps()}
    )
    page.locator("#step-files").get_by_role("button", name="Siguiente").click()
    review = page.locator("#review")
    assert "Falta" in review.locator("[data-review=story]").inner_text()
    assert "foto-gafete.jpg" in review.locator("[data-review=files]").inner_text()
    assert (
        "Industrias del Interior" in review.locator("[data-review=place]").inner_text()
    )
    _shot(page, "form-review-390.png")

    with page.expect_response(lambda r: urlsplit(r.url).path == "/denunciar/") as sent:
        page.get_by_role("button", name="Enviar denuncia").click()
    assert sent.value.status == 422
    page.wait_for_load_state("networkidle")

    # The summary is the first thing seen, focused, and links to the field
    summary = page.locator("#error-summary")
    assert page.evaluate(FOCUSED_ID) == "error-summary"
    assert summary.evaluate(ON_FIRST_SCREEN)
    assert NARRATIVE_MISSING in summary.inner_text()
    # The photo was kept, and the page says so
    assert "foto-gafete.jpg" in page.locator("#kept-note").inner_text()
    assert page.title().startswith("Falta algo")
    # The step shown is the one with the problem
    assert _visible_steps(page) == ["step-story"]
    _shot(page, "form-error-390.png")
    assert Report.objects.count() == 0

    summary.get_by_role("link", name=NARRATIVE_MISSING).click()
    assert page.evaluate(FOCUSED_ID) == "id_narrative"
    secret = marker()
    page.get_by_label("Cuéntenos qué pasó").fill(
        f"Nos dijeron que si votamos por el sindicato nos corren. {secret}"
    )
    to_step(page, "step-files")
    assert page.get_by_label(re.compile("foto-gafete.jpg")).is_checked()
    to_step(page, "step-review")
    assert "foto-gafete.jpg" in page.locator("[data-review=files]").inner_text()
    page.get_by_role("button", name="Enviar denuncia").click()
    receipt = read_receipt(page)

    report = Report.objects.get()
    assert report.facility_id == report_world.facility.pk
    assert str(report.occurred_on) == OCCURRED
    assert Attachment.objects.filter(report=report).count() == 1

    follow_up(page, receipt)
    _assert_followup_shows_what_was_sent(page)
    _shot(page, "followup-390.png")
    assert log.errors == []
    assert log.csp_violations() == []


def test_without_javascript_the_same_worker_finishes(
    new_page: Callable[..., PageLog], report_world: World, channels: None
) -> None:
    log = new_page(phone=True, java_script_enabled=False, **PHONE_390)
    page = log.page
    page.goto("/denunciar/")
    # Every step on one page
    assert len(_visible_steps(page)) == 6
    assert page.locator("#step-progress").is_hidden()
    page.get_by_label(INTIMIDATION, exact=True).check()
    page.get_by_label("Fotos, documentos o audios (opcional)").set_input_files(
        {**PHOTO, "buffer": photo_with_gps()}
    )
    page.get_by_label("Centro de trabajo", exact=True).fill("Industrias del Interior")
    # "Buscar" is a round trip: the photo survives it too
    page.get_by_role("button", name="Buscar").click()
    page.wait_for_load_state("load")
    assert "foto-gafete.jpg" in page.locator("#kept-note").inner_text()
    assert page.get_by_label(INTIMIDATION, exact=True).is_checked()
    page.locator("#facility-matches").get_by_label(FACILITY_LABEL).check()
    page.get_by_label("Día en que pasó (opcional)").fill(OCCURRED)
    _shot(page, "form-nojs-390.png")
    # The story is missing
    page.get_by_role("button", name="Enviar denuncia").click()
    page.wait_for_load_state("load")

    summary = page.locator("#error-summary")
    assert summary.evaluate(ON_FIRST_SCREEN)
    # Focused by the page itself (autofocus), no script needed
    assert page.evaluate(FOCUSED_ID) == "error-summary"
    assert NARRATIVE_MISSING in summary.inner_text()
    assert "foto-gafete.jpg" in page.locator("#kept-note").inner_text()
    assert (
        summary.get_by_role("link", name=NARRATIVE_MISSING).get_attribute("href")
        == "#id_narrative"
    )
    _shot(page, "form-nojs-error-390.png")
    assert Report.objects.count() == 0

    page.get_by_label("Cuéntenos qué pasó").fill(
        f"El supervisor nos quitó el gafete por ir a la asamblea. {marker()}"
    )
    page.get_by_role("button", name="Enviar denuncia").click()
    receipt = read_receipt(page)
    report = Report.objects.get()
    assert report.facility_id == report_world.facility.pk
    assert report.state == "MX-AGU"  # from the chosen facility
    assert Attachment.objects.filter(report=report).count() == 1

    follow_up(page, receipt)
    _assert_followup_shows_what_was_sent(page)
    assert log.csp_violations() == []


def _tab_to(page: Any, selector: str, most: int = 60) -> None:
    """Press Tab until the focus is on `selector` (keyboard only)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)",
            selector,
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_form_can_be_finished_with_tab_and_enter_alone(
    new_page: Callable[..., PageLog], report_world: World
) -> None:
    page = new_page(phone=True, **PHONE_390).page
    page.goto("/denunciar/")

    _tab_to(page, "#id_categories_0")
    page.keyboard.press("Enter")
    assert page.locator("#id_categories_0").is_checked()
    assert Report.objects.count() == 0  # Enter ticked the box, it sent nothing
    _tab_to(page, "#step-what [data-next]")
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED_ID) == "step-where-title"

    _tab_to(page, "#id_facility_name")
    page.keyboard.type("industrias interior")
    page.keyboard.press("Enter")  # searches; does not send
    page.locator("#facility-matches input[type=radio]").first.wait_for()
    _tab_to(page, "#facility-matches input[type=radio]")
    page.keyboard.press("Enter")
    assert page.locator("#facility-matches").get_by_label(FACILITY_LABEL).is_checked()
    _tab_to(page, "#step-where [data-next]")
    page.keyboard.press("Enter")

    _tab_to(page, "#step-when [data-next]")
    page.keyboard.press("Enter")
    _tab_to(page, "#id_narrative")
    page.keyboard.type("Nos amenazaron en la junta de la mañana por el sindicato.")
    _tab_to(page, "#step-story [data-next]")
    page.keyboard.press("Enter")
    _tab_to(page, "#step-files [data-next]")
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED_ID) == "step-review-title"
    # Every focused control is drawn with a visible outline
    _tab_to(page, "button[value=submit]")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    read_receipt(page)
    report = Report.objects.get()
    assert report.facility_id == report_world.facility.pk
    assert [c.code for c in report.category_rows.all()] == ["intimidation"]


def test_quick_exit_leaves_and_the_form_is_not_in_back(
    new_page: Callable[..., PageLog], report_world: World, settings: Any
) -> None:
    settings.REMEDIA_QUICK_EXIT_URL = "https://neutral.example/clima"
    page = new_page(phone=True, **PHONE_390).page
    page.route(
        "https://neutral.example/**",
        lambda route: route.fulfill(
            body="<title>Clima</title>", content_type="text/html"
        ),
    )
    page.goto("/")
    page.get_by_role("link", name="Hacer una denuncia").click()
    page.wait_for_url("**/denunciar/")
    page.get_by_role("link", name="Salir rápido").click()
    page.wait_for_url("https://neutral.example/clima")
    page.go_back()
    # The form was replaced in the history: Back shows the start page
    assert path_of(page) == "/"


def test_the_form_at_desktop_width(
    new_page: Callable[..., PageLog], report_world: World, channels: None
) -> None:
    page = new_page(**DESKTOP_1366).page
    page.goto("/")
    _shot(page, "start-1366.png")
    page.goto("/denunciar/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366
    _shot(page, "form-step1-1366.png")
    page.get_by_role("button", name="Enviar denuncia").count()
    to_step(page, "step-review")
    page.get_by_role("button", name="Enviar denuncia").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate(FOCUSED_ID) == "error-summary"
    _shot(page, "form-error-1366.png")


def test_the_form_in_english_on_a_phone(
    new_page: Callable[..., PageLog], report_world: World, channels: None
) -> None:
    page = new_page(phone=True, locale="en-US", **PHONE_390).page
    page.goto("/denunciar/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Quick exit").is_visible()
    assert page.get_by_label("They watch me or frighten me", exact=True).is_visible()
    _shot(page, "form-step1-en-390.png")
    to_step(page, "step-review")
    page.get_by_role("button", name="Send report").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate(FOCUSED_ID) == "error-summary"
    assert "Something is missing" in page.locator("#error-summary").inner_text()
    _shot(page, "form-error-en-390.png")
