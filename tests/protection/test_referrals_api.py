"""Consent and referrals over `/api/v1/protection/`."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from remedia.protection.models import Consent, Referral, VictimFile
from tests.support.actors import Staff
from tests.support.protection import (
    IDENTITY,
    ProtectionWorld,
    consented_for,
    directory_service,
    referral_sent,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/protection"


def _post(client: Client, path: str, member: Staff, data: Any) -> Any:
    return client.post(
        f"{API}{path}",
        data=data,
        content_type="application/json",
        headers=member.headers,
    )


def _get(client: Client, path: str, member: Staff, **params: Any) -> Any:
    return client.get(f"{API}{path}", params, headers=member.headers)


def test_consents_are_recorded_listed_and_withdrawn(
    client: Client, protection_world: ProtectionWorld, minor_file: VictimFile
) -> None:
    worker = protection_world.worker
    path = f"/files/{minor_file.pk}/consents"

    refused = _post(
        client,
        path,
        worker,
        {"scope": "services", "given_by": "person", "given_on": "2026-01-05"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "given_by"
    future = _post(
        client,
        path,
        worker,
        {"scope": "services", "given_by": "caregiver", "given_on": "2999-01-01"},
    )
    assert future.json()["errors"] == [
        {"field": "given_on", "reason": "La fecha no puede estar en el futuro."}
    ]
    assert not Consent.objects.exists()

    made = _post(
        client,
        path,
        worker,
        {
            "scope": "sharing",
            "given_by": "caregiver",
            "given_on": "2026-01-05",
            "recipient_id": str(protection_world.dif.pk),
        },
    )
    assert made.status_code == 201
    assert made.json()["recipient"]["name"] == protection_world.dif.name
    listed = _get(client, path, worker)
    assert [c["id"] for c in listed.json()["items"]] == [made.json()["id"]]

    withdrawn = _post(client, f"{path}/{made.json()['id']}/withdraw", worker, {})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["consent"]["active"] is False
    assert withdrawn.json()["revoked_referrals"] == []


@pytest.mark.parametrize("who", ["handler", "worker2", "dif_worker", "outsider"])
def test_a_files_consents_are_404_to_everyone_else(
    client: Client, protection_world: ProtectionWorld, minor_file: VictimFile, who: str
) -> None:
    member = getattr(protection_world, who)
    path = f"/files/{minor_file.pk}/consents"
    assert _get(client, path, member).status_code == 404
    made = _post(
        client,
        path,
        member,
        {"scope": "services", "given_by": "caregiver", "given_on": "2026-01-05"},
    )
    assert made.status_code == 404
    assert not Consent.objects.exists()


def test_a_referral_through_the_api_end_to_end(
    client: Client,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
) -> None:
    worker, dif = protection_world.worker, protection_world.dif_worker
    body = {
        "service_id": str(dif_service.pk),
        "service_type": "child_protection",
        "share": ["name", "age", "gender"],
        "needs": "Restitución de derechos.",
    }

    # Without consent: 422 naming what is missing, nothing stored
    refused = _post(client, f"/files/{minor_file.pk}/referrals", worker, body)
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "Sin el consentimiento debido no se puede canalizar."
    )
    assert {e["field"] for e in refused.json()["errors"]} == {"consent"}
    assert not Referral.objects.exists()

    consented_for(protection_world, minor_file, dif_service)
    sent = _post(client, f"/files/{minor_file.pk}/referrals", worker, body)
    assert sent.status_code == 201, sent.json()
    referral = sent.json()
    assert referral["file"]["number"] == minor_file.number
    assert referral["summary"]["name"] == IDENTITY["given_names"]
    assert referral["can_revoke"] is True

    # The receiver reads the summary, never the file
    seen = _get(client, f"/referrals/{referral['id']}", dif)
    assert seen.status_code == 200
    assert seen.json()["file"] is None
    assert seen.json()["summary"] == {
        "shared": ["age", "gender", "name"],
        "name": IDENTITY["given_names"],
        "age": 15,
        "gender": "feminine",
        "contact": None,
        "needs": "Restitución de derechos.",
        "note": None,
    }
    assert seen.json()["can_answer"] is True
    assert _get(client, f"/files/{minor_file.pk}/consents", dif).status_code == 404
    incoming = _get(client, "/referrals", dif, box="incoming")
    assert [r["id"] for r in incoming.json()["items"]] == [referral["id"]]
    assert incoming.json()["items"][0]["file"] is None

    # The sender cannot accept; the receiver's crossed answer is refused
    assert (
        _post(
            client, f"/referrals/{referral['id']}/accept", worker, {"version": 1}
        ).status_code
        == 403
    )
    accepted = _post(
        client, f"/referrals/{referral['id']}/accept", dif, {"version": 1, "note": ""}
    )
    assert accepted.json()["status"] == "accepted"
    stale = _post(
        client,
        f"/referrals/{referral['id']}/reject",
        dif,
        {"version": 1, "reason": "Sin cupo."},
    )
    assert stale.status_code == 422
    assert stale.json()["errors"][0]["field"] == "version"

    done = _post(client, f"/referrals/{referral['id']}/done", dif, {"version": 2})
    assert done.json()["status"] == "done"
    assert done.json()["implemented_at"] is not None

    counter = _post(
        client,
        f"/referrals/{referral['id']}/counter",
        dif,
        {"version": 3, "note": "Atendida; sugerimos acompañamiento."},
    )
    assert counter.status_code == 201
    assert counter.json()["answers"] == referral["id"]
    back = _get(client, "/referrals", worker, box="incoming")
    assert [r["id"] for r in back.json()["items"]] == [counter.json()["id"]]


def test_a_reject_without_reason_and_an_illegal_step_are_422(
    client: Client,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
) -> None:
    consented_for(protection_world, minor_file, dif_service)
    referral = referral_sent(protection_world, minor_file, dif_service)
    dif = protection_world.dif_worker

    missing = _post(client, f"/referrals/{referral.pk}/reject", dif, {"version": 1})
    assert missing.status_code == 422
    empty = _post(
        client, f"/referrals/{referral.pk}/reject", dif, {"version": 1, "reason": ""}
    )
    assert empty.json()["errors"] == [
        {
            "field": "reason",
            "reason": "Diga por qué se rechaza: quien canalizó lo leerá.",
        }
    ]
    early = _post(client, f"/referrals/{referral.pk}/done", dif, {"version": 1})
    assert early.status_code == 422
    assert "no puede pasar a" in early.json()["errors"][0]["reason"]
    referral.refresh_from_db()
    assert referral.status == "in_progress"


def test_a_lead_overrides_through_the_api_and_the_mark_shows_everywhere(
    client: Client,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
) -> None:
    body = {
        "service_id": str(dif_service.pk),
        "service_type": "child_protection",
        "needs": "Intervención inmediata.",
        "override_reason": "Riesgo inminente para la niña.",
    }
    refused = _post(
        client, f"/files/{minor_file.pk}/referrals", protection_world.worker, body
    )
    assert refused.status_code == 403
    sent = _post(
        client, f"/files/{minor_file.pk}/referrals", protection_world.lead, body
    )
    assert sent.status_code == 201
    assert sent.json()["consent_overridden"] is True
    assert sent.json()["override_reason"] == "Riesgo inminente para la niña."

    seen = _get(client, f"/referrals/{sent.json()['id']}", protection_world.dif_worker)
    assert seen.json()["consent_overridden"] is True
    assert seen.json()["override_reason"] == ""
    listed = _get(client, "/referrals", protection_world.dif_worker)
    assert listed.json()["items"][0]["consent_overridden"] is True


@pytest.mark.parametrize("who", ["handler", "worker2", "outsider"])
def test_a_referral_is_404_to_everyone_else(
    client: Client,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    dif_service: Any,
    who: str,
) -> None:
    consented_for(protection_world, minor_file, dif_service)
    referral = referral_sent(protection_world, minor_file, dif_service)
    member = getattr(protection_world, who)
    assert _get(client, f"/referrals/{referral.pk}", member).status_code == 404
    revoke = _post(client, f"/referrals/{referral.pk}/revoke", member, {"version": 1})
    assert revoke.status_code == 404
    assert _get(client, "/referrals", member).json()["count"] == 0
    referral.refresh_from_db()
    assert referral.status == "in_progress"


def test_the_referral_list_reads_a_fixed_number_of_queries(
    client: Client,
    protection_world: ProtectionWorld,
    minor_file: VictimFile,
    django_assert_max_num_queries: Any,
) -> None:
    services = [
        directory_service(
            institution=f"Servicio {n}", organisation=protection_world.dif
        )
        for n in range(2)
    ]
    consented_for(protection_world, minor_file, services[0])
    for _ in range(6):
        referral_sent(protection_world, minor_file, services[0])
    client.get(f"{API}/referrals", headers=protection_world.worker.headers)

    with django_assert_max_num_queries(12):
        listed = client.get(f"{API}/referrals", headers=protection_world.worker.headers)
    assert listed.json()["count"] == 6
