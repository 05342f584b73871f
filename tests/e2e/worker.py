"""The worker's report in a browser: the world the browser tests share, and the
steps a worker and a handler take (fill the form, read the receipt, log in,
follow up). Used by test_worker_report.py and test_case_triage.py."""

from __future__ import annotations

import io
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from remedia.accounts import keys
from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Sector
from remedia.accounts.services import user_create
from remedia.facilities.models import Facility
from remedia.facilities.services import facility_index
from remedia.intake.models import IntakeConfiguration, RoutingRule
from tests.e2e.pages import PageLog
from tests.support.factories.accounts import PASSWORD, totp_code, totp_device

PHONE_WIDTH = 360
# Screenshots for a person to look at; not part of the repository.
SHOTS = Path(tempfile.gettempdir()) / "remedia-shots"
FACILITY_LABEL = "Industrias del Interior — Rincón de Romos, Aguascalientes"
GPS_IFD = 0x8825
MAKE = 0x010F


@dataclass
class World:
    organisation: Organisation
    handler: User
    device: Any
    facility: Facility


def world_make() -> World:
    """Aguascalientes: one organisation reads its reports; one facility is listed.

    The `world` fixture of tests/e2e/conftest.py (committed rows: live server).
    """
    organisation = Organisation.objects.create(
        name="Centro de Apoyo Laboral de Aguascalientes",
        short_name="CALA",
        sector=Sector.CIVIL_SOCIETY,
    )
    keys.organisation_escrow_issue(organisation=organisation)
    handler = user_create(
        username="hilda",
        password=PASSWORD,
        organisation=organisation,
        roles=["handler"],
    )
    device = totp_device(handler)
    RoutingRule.objects.create(organisation=organisation, state="MX-AGU")
    # The migration's row; a live-server test's flush removes it, so ask for it.
    config, _ = IntakeConfiguration.objects.get_or_create(
        id=1, defaults={"receipt_salt": os.urandom(16)}
    )
    config.default_organisation = organisation
    config.save()
    facility = Facility(
        name="Industrias del Interior",
        legal_name="Industrias del Interior, S.A. de C.V.",
        municipality="Rincón de Romos",
        state="MX-AGU",
    )
    facility.full_clean()
    facility.save()
    # As the services do for every facility they create: findable by search.
    facility_index(facility=facility)
    return World(organisation, handler, device, facility)


def photo_with_gps() -> bytes:
    """A phone photo as it leaves the camera: where it was taken, and with what."""
    image = Image.new("RGB", (96, 64), (180, 90, 40))
    exif = Image.Exif()
    exif[MAKE] = "TelefonoDePrueba"
    exif[GPS_IFD] = {
        1: "N",
        2: (21.0, 52.0, 30.0),
        3: "W",
        4: (102.0, 18.0, 0.0),
    }
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    # The test means something only if the original really carries the position.
    original = Image.open(io.BytesIO(data)).getexif()
    assert original.get_ifd(GPS_IFD)[2] == (21.0, 52.0, 30.0)
    assert original[MAKE] == "TelefonoDePrueba"
    return data


def marker() -> str:
    return "marcador-" + uuid.uuid4().hex[:12]


def path_of(page: Any) -> str:
    return urlsplit(page.url).path


# --- What every worker page must be ----------------------------------------------

UNLABELLED_JS = """
() => Array.from(document.querySelectorAll(
  "input:not([type=hidden]), select, textarea"
)).filter((el) => {
  const label = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
  if (!label || !label.textContent.trim()) return true;
  if (el.type === "radio" || el.type === "checkbox") {
    const group = el.closest("fieldset");
    const legend = group && group.querySelector(":scope > legend");
    return !(legend && legend.textContent.trim());
  }
  return false;
}).map((el) => el.outerHTML)
"""

# The element's text colour and the first opaque background behind it.
COLOURS_JS = """
(el) => {
  let node = el, background = null;
  while (node && node.nodeType === 1) {
    const bg = getComputedStyle(node).backgroundColor;
    if (bg && bg !== "transparent" && !/rgba\\(.*,\\s*0\\)$/.test(bg)) {
      background = bg;
      break;
    }
    node = node.parentElement;
  }
  return [getComputedStyle(el).color, background || "rgb(255, 255, 255)"];
}
"""


# Every stylesheet the page links to was loaded and has rules.
STYLED_JS = """
() => {
  const linked = Array.from(document.styleSheets).filter((s) => s.href);
  return linked.length > 0 && linked.every((s) => s.cssRules.length > 0);
}
"""

# How many lines an element's text takes.
LINES_JS = """
(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size;
}
"""


def assert_worker_page_sound(log: PageLog, own: str) -> None:
    """Styled, no sideways scrolling at 360 px, every field labelled, nothing else."""
    page = log.page
    page.wait_for_load_state("networkidle")
    where = path_of(page)
    assert page.evaluate(STYLED_JS), f"{where} has no stylesheet"
    assert page.viewport_size["width"] == PHONE_WIDTH
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{where} is {width} px wide"
    assert page.evaluate(UNLABELLED_JS) == [], where
    elsewhere = [
        url
        for url in log.requests
        if urlsplit(url).scheme != "data" and urlsplit(url).netloc != own
    ]
    assert elsewhere == [], where
    assert log.csp_violations() == [], where
    assert log.errors == [], where


def luminance(css: str) -> float:
    channels = [float(v) for v in re.findall(r"[\d.]+", css)[:3]]

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)))[::-1]
    return (lighter + 0.05) / (darker + 0.05)


def contrast_of(page: Any, selector: str) -> float:
    colour, background = page.locator(selector).first.evaluate(COLOURS_JS)
    return contrast(colour, background)


# --- Steps of the flow -------------------------------------------------------------


def open_report_form_from_start(page: Any) -> None:
    page.goto("/")
    page.get_by_role("link", name="Hacer una denuncia").click()
    page.wait_for_url("**/denunciar/")


# The categories as the form words them (the legal term is their description).
INTIMIDATION = "Me vigilan o me meten miedo"
NON_NEUTRALITY = "La empresa dice por quién votar o habla contra el sindicato"


def to_step(page: Any, anchor: str) -> None:
    """With JavaScript the form shows one step at a time: open `anchor`'s.
    Without it every step is on the page and there is nothing to do."""
    if page.locator("#report-form.js-steps").count():
        page.locator(f"#step-progress [data-goto={anchor}]").click()
        page.locator(f"#{anchor}").wait_for(state="visible")


def fill_report(page: Any, narrative: str) -> None:
    to_step(page, "step-what")
    page.get_by_label(INTIMIDATION, exact=True).check()
    page.get_by_label(NON_NEUTRALITY, exact=True).check()
    to_step(page, "step-where")
    page.get_by_label("Estado donde pasó").select_option(label="Aguascalientes")
    to_step(page, "step-story")
    page.get_by_label("Cuéntenos qué pasó").fill(narrative)


def send_report(page: Any) -> None:
    to_step(page, "step-review")
    page.get_by_role("button", name="Enviar denuncia").click()


def read_receipt(page: Any) -> str:
    page.wait_for_url("**/denunciar/recibo/")
    text = page.locator("#receipt").inner_text().strip()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", text), text
    return text


def assert_receipt_advice(page: Any) -> None:
    card = page.locator(".receipt-card")
    assert card.get_by_role("heading", name="Cómo guardarlo").is_visible()
    assert "Anótelo en un papel" in card.inner_text()
    assert "No lo comparta" in card.inner_text()


def handler_logs_in(page: Any, world: World) -> None:
    page.goto("/staff/login/")
    page.get_by_label("Usuario").fill(world.handler.username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_label("Código de verificación").fill(totp_code(world.device))
    page.get_by_role("button", name="Entrar", exact=True).click()
    page.wait_for_url("**/staff/")


def follow_up(page: Any, receipt: str) -> None:
    page.goto("/seguimiento/")
    page.get_by_label("Número de recibo (16 dígitos)").fill(receipt)
    page.get_by_role("button", name="Ver mi denuncia").click()
    page.wait_for_url("**/seguimiento/denuncia/")
