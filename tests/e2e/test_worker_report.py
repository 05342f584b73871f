"""A worker reports from a phone, a handler answers, the worker follows up (issue 3).

Everything runs in Chromium against the live server, as people would use it: the
worker on a 360x740 phone, in Spanish, with and without JavaScript; the handler
on a desktop after logging in with a password and a TOTP code.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image

from remedia.intake.models import Report
from tests.e2e.pages import PageLog
from tests.e2e.worker import (
    FACILITY_LABEL,
    GPS_IFD,
    INTIMIDATION,
    LINES_JS,
    SHOTS,
    STYLED_JS,
    World,
    assert_receipt_advice,
    assert_worker_page_sound,
    contrast_of,
    fill_report,
    follow_up,
    handler_logs_in,
    marker,
    open_report_form_from_start,
    path_of,
    photo_with_gps,
    read_receipt,
    send_report,
    to_step,
)

pytestmark = pytest.mark.e2e


# --- The tests ---------------------------------------------------------------------


def test_worker_reports_with_a_photo_handler_replies_worker_reads_it(
    new_page: Callable[..., PageLog], report_world: World, live_server: Any
) -> None:
    own = urlsplit(live_server.url).netloc
    secret = marker()
    narrative = (
        f"El supervisor de la línea 3 nos dijo que quien vote por el sindicato "
        f"pierde las horas extra. {secret}"
    )

    # 1. The worker, on a phone, with JavaScript.
    worker_log = new_page(phone=True)
    worker = worker_log.page
    open_report_form_from_start(worker)
    fill_report(worker, narrative)
    to_step(worker, "step-where")
    worker.get_by_label("Centro de trabajo", exact=True).fill("industrias interior")
    # htmx asks for the matches and puts them under the search box.
    choice = worker.locator("#facility-matches").get_by_label(FACILITY_LABEL)
    choice.wait_for(state="visible")
    assert path_of(worker) == "/denunciar/"
    assert any(urlsplit(u).path == "/denunciar/centros/" for u in worker_log.requests)
    choice.check()
    to_step(worker, "step-files")
    worker.get_by_label("Fotos, documentos o audios (opcional)").set_input_files(
        {"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}
    )
    send_report(worker)
    receipt = read_receipt(worker)
    assert_receipt_advice(worker)
    worker.reload()
    assert worker.locator("#receipt").inner_text().strip() == receipt

    report = Report.objects.get()
    assert report.facility_id == report_world.facility.pk
    assert report.state == "MX-AGU"

    # 2. The handler, on a desktop, after password and TOTP.
    handler = new_page().page
    handler_logs_in(handler, report_world)
    handler.goto("/staff/reports/")
    rows = handler.locator("#inbox tbody tr")
    assert rows.count() == 1
    assert "Industrias del Interior" in rows.first.inner_text()
    rows.first.get_by_role("link").click()
    handler.wait_for_url(f"**/staff/reports/{report.pk}/")
    assert secret in handler.locator("#narrative").inner_text()
    link = handler.get_by_role("link", name="foto.jpg")
    assert link.is_visible()
    with handler.expect_download() as download_info:
        link.click()
    downloaded = Path(download_info.value.path()).read_bytes()
    cleaned = Image.open(io.BytesIO(downloaded))
    assert cleaned.format == "JPEG"
    assert cleaned.size == (96, 64)
    assert dict(cleaned.getexif()) == {}
    assert cleaned.getexif().get_ifd(GPS_IFD) == {}
    assert "exif" not in cleaned.info
    assert b"TelefonoDePrueba" not in downloaded

    reply = f"Gracias por avisarnos. Vamos a revisar lo que pasó. {marker()}"
    handler.get_by_label("Mensaje", exact=True).fill(reply)
    handler.get_by_role("button", name="Responder").click()
    handler.get_by_text("Respuesta enviada a quien denunció.").wait_for()
    assert reply in handler.locator("#messages").inner_text()
    # The status form sits folded in the summary; its result shows there.
    handler.locator("#status > summary").click()
    handler.get_by_label("Estado de atención").select_option(label="En revisión")
    handler.get_by_role("button", name="Cambiar estado").click()
    handler.locator("#status #status-result").get_by_text(
        "Estado: En revisión."
    ).wait_for()
    assert handler.locator("#report-status").inner_text().strip() == "En revisión"

    # 3. The worker, in a browser that knows nothing but the receipt.
    later_log = new_page(phone=True)
    later = later_log.page
    # Another browser cannot show the receipt again: it was never stored.
    gone = later.goto("/denunciar/recibo/")
    assert gone is not None
    assert gone.status == 404
    assert later.locator("#receipt").count() == 0
    follow_up(later, receipt)
    assert reply in later.locator("#messages").inner_text()
    assert "En revisión" in later.locator("#report-status").inner_text()
    answer = f"Gracias. Pasó otra vez hoy en la mañana. {marker()}"
    later.get_by_label("Mensaje").fill(answer)
    later.get_by_role("button", name="Enviar mensaje").click()
    later.get_by_text("Su mensaje se envió.").wait_for()
    thread = later.locator("#messages").inner_text()
    assert reply in thread
    assert answer in thread
    assert_worker_page_sound(later_log, own)

    # The handler sees the answer too.
    handler.reload()
    assert answer in handler.locator("#messages").inner_text()


def test_report_works_without_javascript(
    new_page: Callable[..., PageLog], report_world: World
) -> None:
    page = new_page(phone=True, java_script_enabled=False).page
    assert page.evaluate("1 + 1") == 2  # Playwright's own channel still works.
    secret = marker()
    open_report_form_from_start(page)
    assert page.locator("script[src*='htmx']").count() == 1
    fill_report(page, f"Nos amenazaron en la junta de la mañana. {secret}")
    to_step(page, "step-where")
    page.get_by_label("Centro de trabajo", exact=True).fill("Industrias del Interior")
    page.get_by_role("button", name="Buscar").click()
    page.wait_for_load_state("load")
    choice = page.locator("#facility-matches").get_by_label(FACILITY_LABEL)
    choice.wait_for(state="visible")
    # The round trip kept what was typed and ticked.
    assert page.get_by_label(INTIMIDATION, exact=True).is_checked()
    assert page.get_by_label("Estado donde pasó").input_value() == "MX-AGU"
    assert secret in page.get_by_label("Cuéntenos qué pasó").input_value()
    assert Report.objects.count() == 0
    choice.check()
    send_report(page)
    read_receipt(page)
    assert_receipt_advice(page)

    report = Report.objects.get()
    assert report.facility_id == report_world.facility.pk
    assert sorted(report.category_rows.values_list("code", flat=True)) == [
        "intimidation",
        "non_neutrality",
    ]


def test_bad_input_shows_spanish_errors_and_keeps_the_text(
    new_page: Callable[..., PageLog], report_world: World, live_server: Any
) -> None:
    log = new_page(phone=True)
    page = log.page
    secret = marker()
    narrative = f"Nos quitaron el gafete por ir a la asamblea. {secret}"
    page.goto("/denunciar/")
    to_step(page, "step-where")
    page.get_by_label("Estado donde pasó").select_option(label="Aguascalientes")
    to_step(page, "step-story")
    page.get_by_label("Cuéntenos qué pasó").fill(narrative)
    to_step(page, "step-files")
    page.get_by_label("Fotos, documentos o audios (opcional)").set_input_files(
        {"name": "notas.txt", "mimeType": "text/plain", "buffer": b"solo texto\n"}
    )
    with page.expect_response(lambda r: urlsplit(r.url).path == "/denunciar/") as sent:
        send_report(page)
    assert sent.value.status == 422
    page.wait_for_load_state("load")

    categories = page.locator("fieldset#categories")
    assert "has-error" in (categories.get_attribute("class") or "")
    assert (
        categories.locator(".field-error").inner_text().strip()
        == "Elija al menos un tipo de problema."
    )
    attachments = page.locator(".field:has(#id_attachments)")
    assert "has-error" in (attachments.get_attribute("class") or "")
    refusal = attachments.locator(".field-error").inner_text()
    assert refusal.startswith("notas.txt: Ese tipo de archivo no se acepta.")
    assert "Su texto se conservó" in attachments.inner_text()

    assert page.get_by_label("Cuéntenos qué pasó").input_value() == narrative
    assert page.get_by_label("Estado donde pasó").input_value() == "MX-AGU"
    assert Report.objects.count() == 0
    assert_worker_page_sound(log, urlsplit(live_server.url).netloc)


def test_worker_pages_fit_a_phone_load_nothing_else_and_are_labelled(
    new_page: Callable[..., PageLog], report_world: World, live_server: Any
) -> None:
    own = urlsplit(live_server.url).netloc
    SHOTS.mkdir(parents=True, exist_ok=True)
    log = new_page(phone=True)
    page = log.page

    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "es-mx"
    assert_worker_page_sound(log, own)
    page.screenshot(path=str(SHOTS / "start-360.png"), full_page=True)

    page.get_by_role("link", name="Hacer una denuncia").click()
    page.wait_for_url("**/denunciar/")
    assert_worker_page_sound(log, own)
    fill_report(
        page, f"El gerente dijo que cerrará la planta si gana el sindicato. {marker()}"
    )
    to_step(page, "step-where")
    page.get_by_label("Centro de trabajo", exact=True).fill("industrias")
    page.locator("#facility-matches").get_by_label(FACILITY_LABEL).check()
    assert_worker_page_sound(log, own)  # With the picker's results in place.
    page.screenshot(path=str(SHOTS / "report-form-360.png"), full_page=True)

    send_report(page)
    receipt = read_receipt(page)
    assert_worker_page_sound(log, own)
    # The 16 digits are not broken over two lines.
    assert page.locator("#receipt").evaluate(LINES_JS) == 1
    page.screenshot(path=str(SHOTS / "receipt-360.png"), full_page=True)

    page.goto("/seguimiento/")
    assert_worker_page_sound(log, own)
    follow_up(page, receipt)
    assert_worker_page_sound(log, own)
    page.screenshot(path=str(SHOTS / "followup-360.png"), full_page=True)


def test_worker_pages_meet_wcag_aa_contrast(
    new_page: Callable[..., PageLog], report_world: World
) -> None:
    page = new_page(phone=True).page
    wanted = {
        "/": {
            "body text": "main .card p",
            "lead": "main p.lead",
            "primary button": "main a.button.primary",
            "secondary button": "main a.button:not(.primary)",
            "link": ".staff-link a",
        },
        "/denunciar/": {
            "label": "label[for=id_narrative]",
            "help text": "#id_narrative-help",
            "primary button": "button.primary",
            "search button": "button[value=search]",
        },
    }
    ratios = {}
    for path, checks in wanted.items():
        page.goto(path)
        assert page.evaluate(STYLED_JS)
        for name, selector in checks.items():
            ratios[f"{path} {name}"] = contrast_of(page, selector)
    low = {name: round(ratio, 2) for name, ratio in ratios.items() if ratio < 4.5}
    assert low == {}
    # Measured on the stylesheet's colours, not on the browser's black on white.
    button = page.locator("button.primary").first
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == (
        "rgb(122, 31, 61)"
    )
    assert contrast_of(page, "button.primary") > 9
