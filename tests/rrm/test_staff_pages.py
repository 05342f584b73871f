"""The staff petition pages: list, create, case page, advance; access by 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from remedia.rrm.models import RrmCase
from tests.rrm.world import _clear_cache, petition  # noqa: F401
from tests.support.factories.accounts import totp_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def enter(log_in_verified):
    def log(staff):
        totp_device(staff.user)
        assert log_in_verified(staff.user).status_code == 302
        return staff.user

    return log


def test_an_analyst_creates_a_petition_and_advances_it(client, enter, analyst):
    enter(analyst)
    assert "Peticiones MLRR" in client.get("/staff/").content.decode()

    response = client.post(
        "/staff/rrm/new/",
        {
            "facility_name": "Maquila del Norte",
            "petitioners": "Sindicato Independiente",
            "facts_alleged": "Amenazas a quienes votaron.",
            "petition_received_on": "2024-01-10",
        },
    )
    case = RrmCase.objects.get(facility_name="Maquila del Norte")
    assert response.status_code == 302
    page = client.get(f"/staff/rrm/{case.pk}/").content.decode()
    assert "Determinación del ILC" in page
    # One form per stage the procedure allows next, each with its own fields.
    assert 'id="advance-ilc_determination"' in page
    assert 'name="ilc_determination-affirmative"' in page
    assert 'id="advance-remedies"' not in page
    assert 'name="ilc_determination-remediation_deadline"' not in page

    def advance(stage: str, **fields: str):
        data = {f"{stage}-{name}": value for name, value in fields.items()}
        return client.post(
            f"/staff/rrm/{case.pk}/advance/", {f"{stage}-to_stage": stage, **data}
        )

    advance("ilc_determination", on="2024-01-05", affirmative="yes")
    case.refresh_from_db()
    assert case.stage == "petition_filed"  # before the petition: refused

    advance("remedies", on="2024-02-01")  # not a stage that can follow
    case.refresh_from_db()
    assert case.stage == "petition_filed"

    advance("ilc_determination", on="2024-02-01", affirmative="yes")
    case.refresh_from_db()
    assert case.stage == "ilc_determination"
    assert case.ilc_determination_on == dt.date(2024, 2, 1)


def test_the_list_flags_an_overdue_step_first(client, enter, analyst):
    enter(analyst)
    old = petition(
        analyst, facility_name="Vieja", petition_received_on=dt.date(2020, 1, 2)
    )
    petition(
        analyst,
        facility_name="Reciente",
        petition_received_on=timezone.localdate() - dt.timedelta(days=1),
    )
    page = client.get("/staff/rrm/").content.decode()
    assert page.index("Vieja") < page.index("Reciente")
    assert "vencido hace" in page
    assert str(old.pk) in page


def test_another_organisation_and_a_handler_get_404(
    client,
    enter,
    analyst,
    analyst_pue,
    agu_handler,
):
    case = petition(analyst)
    enter(analyst_pue)
    assert client.get(f"/staff/rrm/{case.pk}/").status_code == 404
    client.logout()
    enter(agu_handler)
    assert client.get("/staff/rrm/").status_code == 404
    assert client.get(f"/staff/rrm/{case.pk}/").status_code == 404


def test_the_list_keeps_the_public_record_apart_from_our_petitions(
    client, enter, analyst
):
    enter(analyst)
    ours = petition(analyst, facility_name="Nuestra")
    RrmCase.objects.create(
        slug="registro", facility_name="Del registro", outcome="Case concluded"
    )
    page = client.get("/staff/rrm/").content.decode()
    ours_table = page[
        page.index('id="rrm-staff-cases"') : page.index('id="rrm-record-cases"')
    ]
    record_table = page[page.index('id="rrm-record-cases"') :]
    assert str(ours.pk) in ours_table
    assert "Del registro" not in ours_table
    assert "Del registro" in record_table
    assert "Nuestra" not in record_table


def test_publishing_from_the_case_page(client, enter, analyst):
    enter(analyst)
    case = petition(analyst)
    page = client.get(f"/staff/rrm/{case.pk}/").content.decode()
    assert "Publicar en el registro público" in page
    # Closing from here offers only the endings this path allows.
    assert 'name="closed-ending"' in page
    assert 'value="remediated"' not in page
    response = client.post(f"/staff/rrm/{case.pk}/publish/", {"public": "1"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.is_public
    assert client.get(f"/rrm/{case.slug}/").status_code == 200
    assert client.get(f"/api/v1/rrm/cases/{case.slug}").status_code == 200
    client.post(f"/staff/rrm/{case.pk}/publish/", {"public": "0"})
    case.refresh_from_db()
    assert not case.is_public
    assert client.get(f"/rrm/{case.slug}/").status_code == 404
