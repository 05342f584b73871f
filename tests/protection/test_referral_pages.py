"""The consent and referral pages, and the file page's two sections."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from remedia.protection.hooks import file_sections
from remedia.protection.models import Consent, Referral, VictimFile
from remedia.protection.views.consent import consent_section
from remedia.protection.views.referrals import referral_section
from tests.support.protection import (
    IDENTITY,
    ProtectionWorld,
    consent_given,
    consented_for,
    referral_sent,
)

pytestmark = pytest.mark.django_db


def _consents_url(file: VictimFile) -> str:
    return f"/staff/proteccion/expedientes/{file.pk}/consentimientos/"


def _refer_url(file: VictimFile) -> str:
    return f"/staff/proteccion/expedientes/{file.pk}/canalizar/"


def _page(response: Any) -> str:
    return response.content.decode()


def test_a_worker_records_and_withdraws_consent_on_its_page(
    client: Client,
    enter: Any,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
) -> None:
    enter(protection_world.worker)
    page = client.get(_consents_url(minor_file))
    assert page.status_code == 200
    assert "No hay consentimiento para recibir servicios" in _page(page)
    assert "La persona es menor de 18 años" in _page(page)

    # A minor's own consent is refused on the form, nothing stored
    refused = client.post(
        _consents_url(minor_file),
        {"scope": "services", "given_by": "person", "given_on": "2026-01-05"},
    )
    assert refused.status_code == 422
    assert "su consentimiento no basta" in _page(refused)
    assert not Consent.objects.exists()

    recorded = client.post(
        _consents_url(minor_file),
        {"scope": "services", "given_by": "caregiver", "given_on": "2026-01-05"},
    )
    assert recorded.status_code == 302
    consent = Consent.objects.get()
    assert "Sí consiente recibir servicios." in _page(
        client.get(_consents_url(minor_file))
    )

    withdrawn = client.post(
        f"{_consents_url(minor_file)}{consent.pk}/retirar/",
        {"next": "https://elsewhere.example/"},
    )
    assert withdrawn.status_code == 302
    assert withdrawn["Location"] == _consents_url(minor_file)
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


@pytest.mark.parametrize("who", ["handler", "worker2", "dif_worker"])
def test_the_files_consent_and_refer_pages_are_404_to_everyone_else(
    client: Client,
    enter: Any,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    who: str,
) -> None:
    consent = consent_given(protection_world, minor_file, "services")
    enter(getattr(protection_world, who))
    assert client.get(_consents_url(minor_file)).status_code == 404
    assert client.get(_refer_url(minor_file)).status_code == 404
    assert client.post(_consents_url(minor_file), {}).status_code == 404
    assert (
        client.post(f"{_consents_url(minor_file)}{consent.pk}/retirar/").status_code
        == 404
    )
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_the_picker_shows_consent_per_recipient_and_refers(
    client: Client,
    enter: Any,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
) -> None:
    consented_for(protection_world, minor_file, dif_service)
    enter(protection_world.worker)

    # The picker starts from the person (15, Puebla) and says who may be shared with
    picker = client.get(_refer_url(minor_file))
    assert picker.status_code == 200
    assert picker.context["picker"].data["age"] == 15
    assert f'data-service="{dif_service.pk}" data-shareable="yes"' in _page(picker)

    chosen = client.get(_refer_url(minor_file), {"service": dif_service.pk})
    assert "Consentimiento para compartir con" in _page(chosen)
    sent = client.post(
        _refer_url(minor_file),
        {
            "service_id": dif_service.pk,
            "service_type": "child_protection",
            "reason": "additional_services",
            "share": ["name", "age"],
            "needs": "Un lugar seguro.",
        },
    )
    referral = Referral.objects.get()
    assert sent.status_code == 302
    assert sent["Location"] == f"/staff/proteccion/canalizaciones/{referral.pk}/"

    # The sender's page shows what it shared
    detail = client.get(sent["Location"])
    assert IDENTITY["given_names"] in _page(detail)
    assert "Un lugar seguro." in _page(detail)


def test_refering_without_consent_says_why_and_stores_nothing(
    client: Client,
    enter: Any,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
) -> None:
    enter(protection_world.worker)
    refused = client.post(
        _refer_url(minor_file),
        {
            "service_id": dif_service.pk,
            "service_type": "child_protection",
            "reason": "additional_services",
            "needs": "Un lugar seguro.",
        },
    )
    assert refused.status_code == 422
    assert "Falta el consentimiento de la persona para recibir servicios." in _page(
        refused
    )
    assert "override_reason" not in _page(refused)
    assert not Referral.objects.exists()


def test_the_receiver_answers_from_its_list_and_never_reaches_the_file(
    client: Client,
    enter: Any,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
) -> None:
    referral = referral_sent(
        protection_world,
        minor_file,
        dif_service,
        by=protection_world.lead,
        override_reason="Riesgo inminente.",
    )
    enter(protection_world.dif_worker)

    incoming = client.get("/staff/proteccion/canalizaciones/")
    assert incoming.status_code == 200
    assert f'data-referral="{referral.pk}"' in _page(incoming)
    assert 'data-overridden="yes"' in _page(incoming)
    assert minor_file.number not in _page(incoming)

    detail = client.get(f"/staff/proteccion/canalizaciones/{referral.pk}/")
    assert "Enviada sin el consentimiento debido." in _page(detail)
    assert "Riesgo inminente." not in _page(detail)
    assert IDENTITY["given_names"] in _page(detail)
    assert IDENTITY["family_names"] not in _page(detail)
    assert IDENTITY["story"] not in _page(detail)
    assert 'id="accept-form"' in _page(detail)
    assert 'id="revoke-form"' not in _page(detail)

    accepted = client.post(
        f"/staff/proteccion/canalizaciones/{referral.pk}/aceptar/",
        {"accept-version": "1", "accept-note": "La recibimos hoy."},
    )
    assert accepted.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "accepted"

    # A stale second answer says why, and changes nothing
    stale = client.post(
        f"/staff/proteccion/canalizaciones/{referral.pk}/rechazar/",
        {"reject-version": "1", "reject-reason": "Sin cupo."},
        follow=True,
    )
    assert "Alguien más cambió esta canalización" in _page(stale)
    referral.refresh_from_db()
    assert referral.status == "accepted"

    done = client.post(
        f"/staff/proteccion/canalizaciones/{referral.pk}/atendida/",
        {"done-version": "2"},
    )
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.implemented_at is not None
    assert client.get(_consents_url(minor_file)).status_code == 404


def test_the_sender_revokes_and_the_receiver_sees_it_empty(
    client: Client,
    enter: Any,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
) -> None:
    consented_for(protection_world, minor_file, dif_service)
    referral = referral_sent(protection_world, minor_file, dif_service)
    enter(protection_world.worker)
    revoked = client.post(
        f"/staff/proteccion/canalizaciones/{referral.pk}/revocar/", {"version": "1"}
    )
    assert revoked.status_code == 302

    enter(protection_world.dif_worker)
    detail = client.get(f"/staff/proteccion/canalizaciones/{referral.pk}/")
    assert detail.status_code == 200
    assert "lo compartido se borró" in _page(detail)
    assert IDENTITY["given_names"] not in _page(detail)


@pytest.mark.parametrize("who", ["handler", "worker2", "outsider"])
def test_a_referral_page_is_404_to_everyone_else(
    client: Client,
    enter: Any,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
    who: str,
) -> None:
    consented_for(protection_world, minor_file, dif_service)
    referral = referral_sent(protection_world, minor_file, dif_service)
    enter(getattr(protection_world, who))
    url = f"/staff/proteccion/canalizaciones/{referral.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(f"{url}revocar/", {"version": "1"}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == "in_progress"


def test_the_file_page_sections_say_what_is_and_is_not_consented(
    protection_world: ProtectionWorld, minor_file: VictimFile, dif_service: Any
) -> None:
    consented_for(protection_world, minor_file, dif_service)
    referral_sent(
        protection_world,
        minor_file,
        dif_service,
        by=protection_world.lead,
    )
    request = RequestFactory().get(f"/staff/proteccion/expedientes/{minor_file.pk}/")
    request.user = protection_world.worker.user

    consent = consent_section(request, minor_file, None)
    html = render_to_string(consent.template, {"panel": consent}, request=request)
    assert "Sí consiente recibir servicios." in html
    assert "DIF Puebla" in html or protection_world.dif.name in html
    assert "No entra en las estadísticas ni en las exportaciones." in html
    assert 'id="consent-form"' in html
    assert f'value="/staff/proteccion/expedientes/{minor_file.pk}/"' in html

    referrals = referral_section(request, minor_file, None)
    html = render_to_string(referrals.template, {"panel": referrals}, request=request)
    assert "Canalizar a un servicio" in html
    assert dif_service.institution in html

    # Both are registered for the file page, consent first
    mine = {"protection/consent_section.html", "protection/referral_section.html"}
    assert [
        p.template
        for p in file_sections(request, minor_file, None)
        if p.template in mine
    ] == [
        "protection/consent_section.html",
        "protection/referral_section.html",
    ]
