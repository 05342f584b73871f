"""Issue 22.5 and 22.6 in Chromium: the public RRM record, its deadlines and
the public figures read on a 360-px phone in Spanish and English, and the
audit log page used by an administrator.

On a phone: nothing wider than the screen, no word broken inside, no chart
text under 11 px as drawn, and a concluded case shown with how and when it
ended, never as overdue.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from remedia.analytics import public_figures
from remedia.core.audit import audit_record
from remedia.core.models import AuditEntry
from remedia.rrm import services
from tests.e2e.pages import PageLog
from tests.e2e.test_public_figures import _reports
from tests.e2e.test_staff_login import fill_login
from tests.rrm.public_record import RECORD
from tests.support.factories.accounts import (
    PASSWORD,
    OrganisationFactory,
    member,
    totp_code,
    totp_device,
)

pytestmark = pytest.mark.e2e

PUBLIC_PAGES = (
    "/rrm/",
    "/rrm/vu-1/",
    "/rrm/inisa/",
    "/rrm/san-martin-mine/",
    "/rrm/plazos/",
    "/rrm/cifras/",
    "/cifras/",
)
# Screenshots for a person to look at, when asked for (REMEDIA_SHOTS=dir).
SHOTS = os.environ.get("REMEDIA_SHOTS", "")

# Words of two letters or more whose letters the browser put on two lines.
_BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(
    document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    // A web address is no word: it must wrap somewhere (ul.sources).
    if (!parent || parent.closest("svg, thead, .visually-hidden, code, .sources")) {
      continue;
    }
    const words = /\\p{L}{2,}/gu;
    for (let m = words.exec(node.data); m; m = words.exec(node.data)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()]
        .filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (lines.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""

# Each visible SVG text's size on screen: its font size times the drawing's scale.
_CHART_TEXT_SIZES = """() => [...document.querySelectorAll("main svg text")]
  .filter((t) => t.getClientRects().length > 0)
  .map((t) => {
    const m = t.getScreenCTM();
    return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
  })"""


@pytest.fixture
def record(_flushable_audit_log: None) -> None:
    services.rrm_record_import(data=RECORD.read_bytes())
    services.rrm_record_translations_apply()
    _reports(30, state="MX-AGU", category="wages")
    _reports(12, state="MX-JAL", category="hours")
    _reports(3, state="MX-PUE", category="child_labour")
    public_figures.publication_create(before=dt.date(2026, 12, 1))


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("locale", ["es-MX", "en-US"])
def test_the_public_pages_read_on_a_360_px_phone(
    new_page: Callable[..., PageLog], record: None, locale: str
) -> None:
    log = new_page(phone=True, locale=locale)
    page = log.page
    for url in PUBLIC_PAGES:
        page.goto(url)
        # The browser's language decides (Accept-Language)
        assert page.locator("html").get_attribute("lang") == locale[:2].lower() + (
            "-mx" if locale == "es-MX" else ""
        )
        width = page.evaluate("document.scrollingElement.scrollWidth")
        inner = page.evaluate("innerWidth")
        assert width <= inner, f"{url}: {width} px wide on a {inner}-px screen"
        assert page.evaluate(_BROKEN_WORDS) == [], f"{url}: words broken"
        sizes = page.evaluate(_CHART_TEXT_SIZES)
        if url in ("/rrm/vu-1/", "/rrm/cifras/", "/cifras/"):
            assert sizes, f"{url}: a chart was expected"
        assert all(size >= 11 for size in sizes), f"{url}: {min(sizes)} px text"
        _shot(page, f"phone-{locale}-{url.strip('/').replace('/', '-') or 'home'}")
    page.goto("/rrm/inisa/")
    heading = page.locator("h1").inner_text()
    if locale == "es-MX":
        assert heading.startswith("INISA, planta de confección de mezclilla")
    else:
        assert heading == "INISA denim garment plant (near Rincon de Romos)"
        assert (
            "concluded on December 11, 2023" in page.locator("#rrm-ending").inner_text()
        )
    assert log.errors == []
    assert log.csp_violations() == []


def test_a_concluded_case_is_never_shown_overdue(
    new_page: Callable[..., PageLog], record: None
) -> None:
    page = new_page(phone=True).page
    page.goto("/rrm/")
    card = page.locator("#rrm-case-vu-1")
    text = card.inner_text()
    assert "Resuelto durante la revisión" in text
    assert "concluyó el 14 de septiembre de 2022" in text
    assert "vencido" not in text
    # Its card is not marked in red
    colour = card.locator(".rrm-ending").evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(30, 86, 49)"
    page.goto("/rrm/vu-1/")
    assert (
        "concluyó el 14 de septiembre de 2022"
        in page.locator("#rrm-ending").inner_text()
    )
    assert page.locator(".step-overdue").count() == 0
    # Spanish name first, the sources' English beside it
    assert (
        page.locator("h1").inner_text() == "Planta de Manufacturas VU, Piedras Negras"
    )
    assert (
        "Manufacturas VU plant, Piedras Negras"
        in page.locator("#rrm-name-en").inner_text()
    )
    page.goto("/rrm/plazos/")
    assert page.locator('a[href="/rrm/vu-1/"]').count() == 0


def test_the_figures_page_shows_the_states_once(
    new_page: Callable[..., PageLog], record: None
) -> None:
    page = new_page(phone=True).page
    page.goto("/cifras/")
    # The map's numbers are the table under it, not a second table of states
    assert page.locator("#state-view table").count() == 0
    assert page.locator("#figures-reports_by_state").count() == 1
    assert "tabla siguiente" in page.locator("#state-view").inner_text()


@pytest.fixture
def audit_world(_flushable_audit_log: None) -> dict[str, Any]:
    admin = member("admin", username="adela")
    org = admin.memberships.get().organisation
    other = OrganisationFactory()
    audit_record(action="case.read", organisation=org, actor_label="carla")
    audit_record(action="report.read", organisation=org, actor_label="diego")
    audit_record(action="case.read", organisation=other, actor_label="forastero")
    return {"admin": admin, "device": totp_device(admin), "org": org}


@pytest.mark.parametrize("phone", [False, True])
def test_an_administrator_reads_and_filters_the_audit_log(
    new_page: Callable[..., PageLog], audit_world: dict[str, Any], phone: bool
) -> None:
    log = new_page(phone=phone)
    page = log.page
    page.goto("/staff/login/")
    fill_login(page, "adela", PASSWORD, totp_code(audit_world["device"]))
    page.wait_for_url("**/staff/")
    before = AuditEntry.objects.order_by("-seq").first().seq

    if phone:  # the staff menu folds behind its button on a phone
        page.locator("#staff-menu > summary").click()
        page.locator("#staff-menu").get_by_role("link", name="Auditoría").click()
    else:
        page.locator(".nav-wide").get_by_role("link", name="Auditoría").click()
    page.wait_for_url("**/staff/auditoria/")
    rows = page.locator("tr.audit-entry")
    seqs = [int(s) for s in rows.evaluate_all("rs => rs.map(r => r.dataset.seq)")]
    assert seqs == sorted(seqs, reverse=True)
    text = page.locator("#audit-entries").inner_text()
    assert "forastero" not in text  # another organisation's entry
    assert "Denuncia: consulta" in text
    assert AuditEntry.objects.filter(seq__gt=before, action="audit.read").exists()
    _shot(page, f"audit-{'phone' if phone else 'desktop'}")

    page.get_by_text("Filtrar la bitácora").click()
    page.get_by_label("Acción").select_option("report.read")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_load_state()
    actions = rows.evaluate_all("rs => rs.map(r => r.dataset.action)")
    assert actions == ["report.read"]

    page.goto("/staff/auditoria/?since=2026-02-30")
    summary = page.locator("#audit-filter-errors")
    assert "Escriba la fecha como AAAA-MM-DD." in summary.inner_text()
    if phone:
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= page.evaluate("innerWidth")
    assert log.errors == []
    assert log.csp_violations() == []
