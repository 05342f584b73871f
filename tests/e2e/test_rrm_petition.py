"""Issue 6's "Done when": an analyst creates a petition, advances it to a course
of remediation and sees an overdue step flagged. Chromium against the live server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Sector
from remedia.accounts.services import user_create
from remedia.rrm.models import RrmCase, RrmStage
from tests.e2e.pages import PageLog
from tests.support.factories.accounts import PASSWORD, totp_code, totp_device

pytestmark = pytest.mark.e2e


def advance(page: Any, stage: str, on: str, **fields: str) -> None:
    """Open the chosen stage's own form (only its fields) and submit it."""
    section = page.locator(
        "#advance details", has=page.locator("summary", has_text=stage)
    )
    if section.get_attribute("open") is None:
        section.locator("summary").click()
    prefix = section.get_attribute("id").removeprefix("advance-")
    form = section.locator("form")
    form.locator(f"#id_{prefix}-on").fill(on)
    for name, value in fields.items():
        field = form.locator(f"#id_{prefix}-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    # Another stage's fields are not in this form.
    assert form.locator("[name$=ending]").count() == (1 if prefix == "closed" else 0)
    form.get_by_role("button").click()
    # The result is shown beside the advance forms, not at the top of the page.
    page.locator("#advance #advance-result", has_text="Etapa:").wait_for(
        state="visible"
    )


@pytest.mark.usefixtures("_flushable_audit_log")
def test_analyst_creates_a_petition_and_sees_an_overdue_step(
    new_page: Callable[..., PageLog], live_server: Any
) -> None:
    organisation = Organisation.objects.create(
        name="Equipo de Peticiones", short_name="EP", sector=Sector.UNION
    )
    analyst = user_create(
        username="ana", password=PASSWORD, organisation=organisation, roles=["analyst"]
    )
    device = totp_device(analyst)
    log = new_page()
    page = log.page

    page.goto("/staff/login/")
    page.get_by_label("Usuario").fill("ana")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_label("Código de verificación").fill(totp_code(device))
    page.get_by_role("button", name="Entrar", exact=True).click()
    page.wait_for_url("**/staff/")

    page.get_by_role("link", name="Peticiones MLRR", exact=True).click()
    page.get_by_role("link", name="Nueva petición").click()
    page.locator("#id_facility_name").fill("Confecciones del Bajío")
    page.locator("#id_petitioners").fill("Sindicato Independiente del Bajío")
    page.locator("#id_facts_alleged").fill("Despidos de quienes votaron.")
    page.locator("#id_petition_received_on").fill("2024-01-10")
    page.get_by_role("button", name="Crear petición").click()
    page.wait_for_url("**/staff/rrm/*/")
    case = RrmCase.objects.get()
    assert case.stage == RrmStage.PETITION_FILED

    advance(
        page,
        "Determinación del ILC",
        "2024-02-01",
        affirmative="Sí",
    )
    advance(page, "Revisión solicitada a México", "2024-02-05")
    # Accepted on 1 March: ten days from the request ran out on 15 February.
    advance(page, "Revisión aceptada por México", "2024-03-01")
    advance(
        page,
        "Determinación de México",
        "2024-03-20",
        denial_found="Sí",
    )
    advance(
        page,
        "Curso de reparación acordado",
        "2024-03-25",
        remediation_deadline="2024-06-30",
    )

    assert "Curso de reparación acordado" in page.locator("#rrm-stage").inner_text()
    late = page.locator("#rrm-timeline tr[data-step=review_acceptance]")
    assert "tardío" in late.inner_text()
    overdue = page.locator("#rrm-timeline tr[data-step=remediation_verification]")
    assert "vencido" in overdue.inner_text()
    assert overdue.locator("strong").count() == 1
    case.refresh_from_db()
    assert case.stage == RrmStage.REMEDIATION_AGREED
    assert case.remediation_deadline.isoformat() == "2024-06-30"

    page.get_by_role("link", name="Peticiones MLRR", exact=True).first.click()
    row = page.locator("#rrm-staff-cases tr", has_text="Confecciones del Bajío")
    assert "vencido hace" in row.inner_text()
    assert log.csp_violations() == []
    assert log.errors == []


@pytest.mark.usefixtures("_flushable_audit_log")
def test_the_public_record_reads_on_a_phone(
    new_page: Callable[..., PageLog], live_server: Any
) -> None:
    """Long source addresses and the step tables never widen the page."""
    from remedia.rrm.services import rrm_record_seed

    rrm_record_seed()
    log = new_page(phone=True)
    page = log.page
    for path in ("/rrm/", "/rrm/inisa/", "/rrm/plazos/", "/rrm/cifras/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{path} is {width} px wide"
    assert "27 de julio de 2023" in page.goto("/rrm/inisa/").text()
    assert log.csp_violations() == []
    assert log.errors == []
