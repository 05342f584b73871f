"""The services directory: data coordinators keep, everyone in protection reads."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.core.models import AuditEntry
from remedia.protection.models import Service
from remedia.protection.selectors.directory import (
    ServiceFilters,
    service_get_for_user,
    service_list,
)
from remedia.protection.services.directory import (
    service_create,
    service_deactivate,
    service_update,
)
from tests.support.actors import Staff, staff_member
from tests.support.protection import ProtectionWorld, directory_service

pytestmark = pytest.mark.django_db

VALID = {
    "institution": "Fiscalía General del Estado de Puebla",
    "name": "Fiscalía Especializada en Investigación de Trata de Personas",
    "service_types": ["prosecution", "legal"],
    "states": ["MX-PUE"],
    "min_age": 0,
    "max_age": 110,
    "phone": "222 211 7900 ext. 1234",
    "email": "trata@fiscalia.example.mx",
    "website": "https://fiscalia.puebla.gob.mx",
    "timeframe": "3h",
}


@pytest.fixture
def coordinator(protection_world: ProtectionWorld) -> Staff:
    return staff_member(protection_world.team, "coral", role="coordinator")


def _reasons(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e["field"]: str(e["reason"]) for e in exc.value.errors}


def test_a_coordinator_adds_a_service(coordinator: Staff) -> None:
    service = service_create(user=coordinator.user, data=VALID)

    assert service.service_types == ["prosecution", "legal"]
    assert service.timeframe == "3h"
    assert service.updated_by == coordinator.user
    assert AuditEntry.objects.filter(
        action="protection.service_created", object_id=str(service.pk)
    ).exists()


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"service_types": []}, "service_types", "al menos un tipo"),
        ({"service_types": ["massage"]}, "service_types", "massage"),
        ({"states": ["MX-XXX"]}, "states", "MX-XXX"),
        ({"states": []}, "states", "o marque cobertura nacional"),
        ({"min_age": -1}, "min_age", "entre 0 y 110"),
        ({"max_age": 111}, "max_age", "entre 0 y 110"),
        ({"min_age": "quince"}, "min_age", "con número"),
        ({"min_age": 18, "max_age": 12}, "max_age", "no puede ser menor"),
        ({"email": "fiscalia@"}, "email", "correo válido"),
        ({"website": "javascript:alert(1)"}, "website", "https://"),
        ({"phone": "llame al 222"}, "phone", "lada"),
        ({"phone": "12"}, "phone", "lada"),
        ({"name": ""}, "name", "obligatorio"),
        ({"institution": "x" * 201}, "institution", "200"),
        ({"notes": "x" * 2001}, "notes", "2000"),
        ({"sexes": "others"}, "sexes", "admitido"),
        ({"timeframe": "2y"}, "timeframe", "admitido"),
        ({"organisation_id": "not-an-id"}, "organisation_id", "no está en Remedia"),
    ],
)
def test_bad_service_data_is_refused_and_nothing_stored(
    coordinator: Staff, change: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        service_create(user=coordinator.user, data={**VALID, **change})
    assert reason in _reasons(refused)[field]
    assert not Service.objects.exists()


def test_a_national_service_serves_every_state(coordinator: Staff) -> None:
    service = service_create(
        user=coordinator.user,
        data={**VALID, "national": True, "states": ["MX-PUE"]},
    )
    assert service.states == []
    found = service_list(
        viewer=coordinator.user, filters=ServiceFilters(state="MX-OAX")
    )
    assert list(found) == [service]


@pytest.mark.parametrize("who", ["worker", "lead", "handler", "dif_worker"])
def test_only_coordinators_keep_the_directory(
    protection_world: ProtectionWorld, who: str
) -> None:
    member = getattr(protection_world, who)
    with pytest.raises(PermissionDenied) as refused:
        service_create(user=member.user, data=VALID)
    assert "coordinación" in str(refused.value.message)
    service = directory_service()
    with pytest.raises(PermissionDenied):
        service_update(user=member.user, service=service, data={"name": "Otro"})
    service.refresh_from_db()
    assert service.name == "Restitución de derechos"


def test_an_edit_over_someone_elses_is_refused(coordinator: Staff) -> None:
    # Given two coordinators who opened the same service
    service = service_create(user=coordinator.user, data=VALID)
    seen = service.updated_at.isoformat()
    service_update(
        user=coordinator.user, service=service, data={"hours": "24 horas"}, seen=seen
    )

    # When the second saves with what they saw before the first saved
    with pytest.raises(InvalidInput) as refused:
        service_update(
            user=coordinator.user, service=service, data={"hours": "9 a 17"}, seen=seen
        )

    # Then it is refused, and the first one's change stands
    assert "Alguien más guardó este servicio" in _reasons(refused)["updated_at"]
    service.refresh_from_db()
    assert service.hours == "24 horas"


def test_a_withdrawn_service_leaves_the_list_but_stays_readable(
    coordinator: Staff, protection_world: ProtectionWorld
) -> None:
    service = service_create(user=coordinator.user, data=VALID)
    service_deactivate(user=coordinator.user, service=service)

    worker = protection_world.worker.user
    assert not service_list(viewer=worker, filters=ServiceFilters()).exists()
    assert service_get_for_user(user=worker, service_id=service.pk) == service
    assert list(
        service_list(viewer=coordinator.user, filters=ServiceFilters(active=False))
    ) == [service]


def test_search_folds_accents_and_case_over_institution_name_and_area(
    protection_world: ProtectionWorld,
) -> None:
    dif = directory_service(
        institution="Procuraduría de Protección de Niñas, Niños y Adolescentes",
        name="Restitución de derechos",
        area_detail="Tehuacán y la Sierra Negra",
        min_age=0,
        max_age=17,
    )
    fiscalia = directory_service(
        institution="Fiscalía General del Estado",
        name="Unidad de trata de personas",
        service_types=["prosecution"],
    )
    viewer = protection_world.worker.user

    def search(**filters: Any) -> list[Service]:
        return list(service_list(viewer=viewer, filters=ServiceFilters(**filters)))

    assert search(q="procuraduria NINAS") == [dif]
    assert search(q="tehuacan") == [dif]
    assert search(q="FISCALÍA trata") == [fiscalia]
    assert search(q="fiscalia tehuacan") == []
    assert search(service_type="prosecution") == [fiscalia]
    assert search(age=15) == [fiscalia, dif]
    assert search(age=30) == [fiscalia]
    assert search(state="MX-OAX") == []


def test_filters_by_who_is_served_and_by_being_in_remedia(
    protection_world: ProtectionWorld,
) -> None:
    women = directory_service(institution="Refugio para mujeres", sexes="women")
    anyone = directory_service(institution="Centro de salud", sexes="all")
    in_remedia = directory_service(
        institution="DIF Puebla", organisation=protection_world.dif
    )
    viewer = protection_world.worker.user

    men = list(service_list(viewer=viewer, filters=ServiceFilters(sex="men")))
    assert women not in men
    assert anyone in men
    assert list(
        service_list(viewer=viewer, filters=ServiceFilters(in_remedia=True))
    ) == [in_remedia]


def test_a_facility_officer_does_not_read_the_directory(
    protection_world: ProtectionWorld,
) -> None:
    officer = staff_member(protection_world.team, "fabi", role="facility_officer")
    service = directory_service()
    with pytest.raises(NotFound):
        service_get_for_user(user=officer.user, service_id=service.pk)
    assert not service_list(viewer=officer.user, filters=ServiceFilters()).exists()


# --- Pages and API -----------------------------------------------------------------------


def test_the_directory_pages_search_and_let_only_coordinators_edit(
    client: Client, enter: Any, coordinator: Staff, protection_world: ProtectionWorld
) -> None:
    service = directory_service(institution="Procuraduría de Protección")

    enter(protection_world.worker)
    listed = client.get("/staff/proteccion/servicios/", {"q": "procuraduria"})
    assert listed.status_code == 200
    assert "Procuraduría de Protección" in listed.content.decode()
    assert client.get(f"/staff/proteccion/servicios/{service.pk}/").status_code == 200
    assert client.get("/staff/proteccion/servicios/nuevo/").status_code == 404
    assert (
        client.get(f"/staff/proteccion/servicios/{service.pk}/editar/").status_code
        == 404
    )

    enter(coordinator)
    refused = client.post(
        "/staff/proteccion/servicios/nuevo/",
        {"institution": "CEAV", "name": "Atención inmediata", "sexes": "all"},
    )
    assert refused.status_code == 422
    assert "Elija al menos un tipo de servicio." in refused.content.decode()
    assert Service.objects.count() == 1

    made = client.post(
        "/staff/proteccion/servicios/nuevo/",
        {
            "institution": "CEAV",
            "name": "Atención inmediata",
            "service_types": ["legal", "psychological"],
            "national": "on",
            "sexes": "all",
            "timeframe": "1d",
        },
    )
    assert made.status_code == 302
    ceav = Service.objects.get(institution="CEAV")
    edit = client.get(f"/staff/proteccion/servicios/{ceav.pk}/editar/")
    assert edit.status_code == 200
    saved = client.post(
        f"/staff/proteccion/servicios/{ceav.pk}/editar/",
        {
            **{k: v for k, v in edit.context["form"].initial.items() if v is not None},
            "service_types": ["legal"],
            "national": "on",
            "is_active": "on",
            "hours": "24 horas",
        },
    )
    assert saved.status_code == 302, saved.content.decode()
    ceav.refresh_from_db()
    assert ceav.service_types == ["legal"]
    assert ceav.hours == "24 horas"


def test_the_directory_api(
    client: Client, coordinator: Staff, protection_world: ProtectionWorld
) -> None:
    # A coordinator adds a service
    made = client.post(
        "/api/v1/protection/services",
        data={**VALID},
        content_type="application/json",
        headers=coordinator.headers,
    )
    assert made.status_code == 201, made.json()
    service_id = made.json()["id"]

    # A worker finds it without accents, and may not change it
    worker = protection_world.worker.headers
    found = client.get(
        "/api/v1/protection/services",
        {"q": "fiscalia", "state": "MX-PUE", "age": 15},
        headers=worker,
    )
    assert [s["id"] for s in found.json()["items"]] == [service_id]
    refused = client.patch(
        f"/api/v1/protection/services/{service_id}",
        data={"name": "Otro"},
        content_type="application/json",
        headers=worker,
    )
    assert refused.status_code == 403

    # A coordinator's stale change is refused, a fresh one applied
    seen = made.json()["updated_at"]
    changed = client.patch(
        f"/api/v1/protection/services/{service_id}",
        data={"hours": "24 horas", "updated_at": seen},
        content_type="application/json",
        headers=coordinator.headers,
    )
    assert changed.status_code == 200
    stale = client.patch(
        f"/api/v1/protection/services/{service_id}",
        data={"hours": "9 a 17", "updated_at": seen},
        content_type="application/json",
        headers=coordinator.headers,
    )
    assert stale.status_code == 422
    assert stale.json()["errors"][0]["field"] == "updated_at"
    bad = client.patch(
        f"/api/v1/protection/services/{service_id}",
        data={"min_age": 20, "max_age": 10},
        content_type="application/json",
        headers=coordinator.headers,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {
            "field": "max_age",
            "reason": "La edad máxima no puede ser menor que la mínima.",
        }
    ]
