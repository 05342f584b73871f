"""Issue 16's "Done when": from a report to a completed referral, in Chromium.

A worker reports child labour in Puebla; the protection team it reached gets a
pending screening. Its protection worker interviews a 15-year-old who sews at
night (the engine names the rule), opens the file, records her mother's
consent, refers her to DIF's child-protection procuraduría — another
organisation in Remedia —, which accepts and completes the referral (the
service implemented). A case handler of the protection team's own
organisation gets the 404 a missing page gives on the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from remedia.accounts import keys
from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Sector
from remedia.accounts.services import user_create
from remedia.intake import services as intake
from remedia.intake.models import IntakeConfiguration, RoutePurpose, RoutingRule
from remedia.protection.models import Referral, Screening, Service, VictimFile
from remedia.protection.vocabulary import ReferralStatus
from tests.e2e.pages import PageLog
from tests.support.factories.accounts import PASSWORD, totp_code, totp_device

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Person:
    user: User
    device: Any


@dataclass(frozen=True)
class ProtectionScene:
    team: Organisation
    worker: Person
    lead: Person
    handler: Person
    dif_worker: Person
    dif_service: Service


def _person(organisation: Organisation, username: str, role: str) -> Person:
    user = user_create(
        username=username, password=PASSWORD, organisation=organisation, roles=[role]
    )
    return Person(user=user, device=totp_device(user))


@pytest.fixture
def scene(_flushable_audit_log: None) -> ProtectionScene:
    """Committed rows for the live server: the team, DIF and the directory."""
    team = Organisation.objects.create(
        name="Red de Atención a Víctimas de Puebla",
        short_name="RAV",
        sector=Sector.CIVIL_SOCIETY,
    )
    dif = Organisation.objects.create(
        name="Procuraduría de Protección de Niñas, Niños y Adolescentes de Puebla",
        short_name="PPNNA",
        sector=Sector.PUBLIC,
    )
    for organisation in (team, dif):
        keys.organisation_escrow_issue(organisation=organisation)
    RoutingRule.objects.create(
        organisation=team, purpose=RoutePurpose.PROTECTION, state="MX-PUE"
    )
    config, _ = IntakeConfiguration.objects.get_or_create(
        id=1, defaults={"receipt_salt": os.urandom(16)}
    )
    config.default_organisation = team
    config.save()
    service = Service.objects.create(
        institution=dif.name,
        name="Intervención inmediata y medidas de protección",
        organisation=dif,
        service_types=["child_protection"],
        states=["MX-PUE"],
        max_age=17,
        timeframe="3h",
    )
    return ProtectionScene(
        team=team,
        worker=_person(team, "paula", "protection"),
        lead=_person(team, "lidia", "protection_lead"),
        handler=_person(team, "hector", "handler"),
        dif_worker=_person(dif, "diana", "protection"),
        dif_service=service,
    )


def log_in(page: Any, person: Person) -> None:
    page.goto("/staff/login/")
    page.locator("#id_username").fill(person.user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_code").fill(totp_code(person.device))
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/staff/")


def answer(page: Any, key: str, value: str) -> None:
    page.locator(f"input[name='{key}'][value='{value}']").check()


def test_a_protection_worker_screens_refers_and_dif_completes_the_referral(
    new_page: Callable[..., PageLog], scene: ProtectionScene, live_server: Any
) -> None:
    # 1. A worker reports child labour in Puebla: a screening waits for the team.
    intake.report_submit(
        draft=intake.ReportDraft(
            channel="web",
            categories=["child_labour"],
            narrative="Una muchacha de 15 años cose de noche en el taller.",
            state="MX-PUE",
            facility_name="Taller de la colonia Santa María, Tehuacán",
        )
    )
    assert Screening.objects.filter(organisation=scene.team, status="pending").exists()

    # 2. The protection worker opens it from the list and interviews her.
    log = new_page()
    page = log.page
    log_in(page, scene.worker)
    page.goto("/staff/proteccion/entrevistas/")
    page.locator("#screenings tbody a").first.click()
    page.locator("#id_age").fill("15")
    answer(page, "night_work", "yes")
    answer(page, "hazardous_work", "no")
    answer(page, "overtime", "no")
    answer(page, "guardian_authorisation", "no")
    answer(page, "medical_certificate", "no")
    page.get_by_role(
        "button", name="Registrar la entrevista y ver la orientación"
    ).click()

    # The engine names the rule and its article, as guidance.
    page.get_by_role("heading", name="Orientación, no es una determinación legal")
    findings = page.locator("body").inner_text()
    assert "LFT" in findings
    assert "175" in findings
    assert page.locator("[data-service='child_protection']").count() >= 1

    # 3. She opens the file from the screening.
    page.get_by_role("link", name="Abrir expediente").click()
    page.locator("#id_given_names").fill("Guadalupe")
    page.get_by_role("button", name="Abrir expediente").click()
    page.wait_for_url("**/staff/proteccion/expedientes/*/")
    file = VictimFile.objects.get(organisation=scene.team)
    assert file.age_at_identification == 15

    # 4. Her mother consents to services and to sharing with the procuraduría.
    for scope, recipient in (("services", None), ("sharing", scene.dif_service)):
        page.locator("#consent-record summary").click()
        page.locator(f"#consent-form input[name=scope][value={scope}]").check()
        if recipient is not None:
            page.get_by_label(
                "Institución en Remedia (solo para compartir)"
            ).select_option(str(recipient.organisation_id))
        page.locator("#consent-form input[name=given_by][value=caregiver]").check()
        page.locator("#consent-form button[type=submit]").click()
        page.wait_for_load_state()
    assert (
        "Sí consiente recibir servicios." in page.locator("#consent-state").inner_text()
    )

    # 5. She refers the girl to the procuraduría, sharing her age only.
    page.get_by_role("link", name="Canalizar a un servicio").click()
    page.locator(f"#picker-table tr[data-service='{scene.dif_service.pk}'] a").click()
    page.get_by_label("Qué se pide al servicio").select_option("child_protection")
    page.get_by_label("Su edad").check()
    page.get_by_label("Qué necesita la persona de este servicio").fill(
        "Medidas de protección inmediatas y regreso a la escuela."
    )
    page.get_by_role("button", name="Enviar canalización").click()
    page.wait_for_url("**/staff/proteccion/canalizaciones/*/")
    referral = Referral.objects.get(file=file)
    assert referral.status == ReferralStatus.IN_PROGRESS

    # 6. The procuraduría's worker accepts it, then marks the service given.
    dif_page = new_page().page
    log_in(dif_page, scene.dif_worker)
    dif_page.goto("/staff/proteccion/canalizaciones/")
    dif_page.locator(f"a[href*='{referral.pk}']").first.click()
    assert "Medidas de protección inmediatas" in dif_page.locator("body").inner_text()
    assert "Guadalupe" not in dif_page.locator("body").inner_text()
    dif_page.get_by_role("button", name="Aceptar").click()
    dif_page.get_by_role("button", name="Servicio prestado").click()
    dif_page.wait_for_load_state()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DONE
    assert referral.implemented_at is not None
    # The receiver never reaches the file.
    response = dif_page.goto(f"/staff/proteccion/expedientes/{file.pk}/")
    assert response is not None
    assert response.status == 404

    # 7. A handler of the team's own organisation gets the same 404.
    handler_page = new_page().page
    log_in(handler_page, scene.handler)
    response = handler_page.goto(f"/staff/proteccion/expedientes/{file.pk}/")
    assert response is not None
    assert response.status == 404
    refused = handler_page.locator("main").inner_text()
    missing = handler_page.goto(
        "/staff/proteccion/expedientes/00000000-0000-4000-8000-000000000000/"
    )
    assert missing is not None
    assert missing.status == 404
    assert handler_page.locator("main").inner_text() == refused

    # 8. Their lead, on a phone and in English, reads the file, the referral and
    # the screenings, each fitting the screen.
    User.objects.filter(pk=scene.lead.user.pk).update(language="en")
    phone = new_page(phone=True, locale="en").page
    log_in(phone, scene.lead)
    for path in (
        f"/staff/proteccion/expedientes/{file.pk}/",
        f"/staff/proteccion/canalizaciones/{referral.pk}/",
        "/staff/proteccion/entrevistas/",
    ):
        phone.goto(path)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, (path, overflow)
    phone.goto(f"/staff/proteccion/expedientes/{file.pk}/")
    assert phone.get_by_role("heading", name="Consent", exact=True).is_visible()

    for each in (log,):
        assert each.csp_violations() == []
        assert each.errors == []
