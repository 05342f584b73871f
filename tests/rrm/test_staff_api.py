"""The staff RRM API: create, advance, list; the public API keeps staff cases out."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.rrm.models import RrmCase
from tests.rrm.world import _clear_cache, petition  # noqa: F401

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "facility_name": "Industrial Textil de Aguascalientes",
    "state_code": "MX-AGU",
    "petitioners": "Frente Auténtico del Trabajo",
    "facts_alleged": "Despidos de quienes apoyaban al sindicato.",
    "petition_received_on": "2023-05-12",
    "confidential": True,
}


def test_an_analyst_creates_and_advances_a_petition(client, analyst):
    response = client.post(
        "/api/v1/rrm/petitions",
        PAYLOAD,
        content_type="application/json",
        headers=analyst.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == "petition_filed"
    assert body["allowed_next"] == ["ilc_determination", "closed"]
    assert body["timeline"]["steps"][0]["step"] == "ilc_determination"

    advanced = client.post(
        f"/api/v1/rrm/cases/{body['id']}/advance",
        {"to_stage": "ilc_determination", "on": "2023-06-09", "affirmative": True},
        content_type="application/json",
        headers=analyst.headers,
    )

    assert advanced.status_code == 200, advanced.content
    assert advanced.json()["stage"] == "ilc_determination"
    assert advanced.json()["ilc_determination_on"] == "2023-06-09"


def test_a_day_out_of_order_is_a_422_naming_the_field(client, analyst):
    case = petition(analyst)
    response = client.post(
        f"/api/v1/rrm/cases/{case.pk}/advance",
        {"to_stage": "ilc_determination", "on": "2023-05-01", "affirmative": True},
        content_type="application/json",
        headers=analyst.headers,
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "ilc_determination_on"
    assert "petición recibida" in error["reason"]
    case.refresh_from_db()
    assert case.stage == "petition_filed"


def test_an_impossible_stage_is_a_422(client, analyst):
    case = petition(analyst)
    response = client.post(
        f"/api/v1/rrm/cases/{case.pk}/advance",
        {"to_stage": "remedies", "on": "2023-06-01"},
        content_type="application/json",
        headers=analyst.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "to_stage"


def test_another_organisation_and_a_handler_get_404(
    client,
    analyst,
    analyst_pue,
    agu_handler,
):
    case = petition(analyst)
    for staff in (analyst_pue, agu_handler):
        response = client.post(
            f"/api/v1/rrm/cases/{case.pk}/advance",
            {"to_stage": "ilc_determination", "on": "2023-06-09", "affirmative": True},
            content_type="application/json",
            headers=staff.headers,
        )
        assert response.status_code == 404
        assert (
            client.get(
                f"/api/v1/rrm/staff/cases/{case.pk}", headers=staff.headers
            ).status_code
            == 404
        )


def _queries(client, staff) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            "/api/v1/rrm/staff/cases", {"limit": 10}, headers=staff.headers
        )
    assert response.status_code == 200
    return len(queries)


def test_the_staff_list_costs_the_same_queries_for_more_cases(client, analyst):
    petition(analyst)
    _queries(client, analyst)  # the token's first use writes to the cache
    one = _queries(client, analyst)
    for n in range(4):
        petition(analyst, facility_name=f"Planta {n}")
    assert _queries(client, analyst) == one
    # and few of them, on either database
    assert one <= 9


def _detail_queries(client, staff, case: RrmCase) -> int:
    url = f"/api/v1/rrm/staff/cases/{case.pk}"
    assert client.get(url, headers=staff.headers).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=staff.headers)
    assert response.status_code == 200
    return len(queries)


def test_the_staff_detail_costs_the_same_queries_as_its_timeline_grows(client, analyst):
    case = petition(analyst)
    before = _detail_queries(client, analyst, case)
    advanced = client.post(
        f"/api/v1/rrm/cases/{case.pk}/advance",
        {"to_stage": "ilc_determination", "on": "2023-06-09", "affirmative": True},
        content_type="application/json",
        headers=analyst.headers,
    )
    assert advanced.status_code == 200, advanced.content
    after = _detail_queries(client, analyst, case)
    assert after == before
    assert before <= 8


def test_the_staff_list_has_the_organisations_cases_and_the_public_api_not(
    client, analyst, analyst_pue
):
    mine = petition(analyst, confidential=True)
    theirs = petition(analyst_pue)
    RrmCase.objects.create(slug="inisa", facility_name="INISA", is_public=True)

    response = client.get(
        "/api/v1/rrm/staff/cases", {"limit": 10}, headers=analyst.headers
    )

    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["items"]}
    assert str(mine.pk) in ids
    assert str(theirs.pk) not in ids
    assert response.json()["count"] == 2
    public = client.get("/api/v1/rrm/cases").json()
    assert {item["slug"] for item in public["items"]} == {"inisa"}
    assert client.get(f"/api/v1/rrm/cases/{mine.pk}").status_code == 404
    assert client.get(f"/api/v1/rrm/cases/{mine.slug}").status_code == 404


def test_the_staff_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/rrm/petitions" in paths
    assert "/api/v1/rrm/cases/{case_id}/advance" in paths
    assert "/api/v1/rrm/staff/cases" in paths
    assert "/api/v1/rrm/cases" in paths


def test_without_a_token_it_is_401(client):
    response = client.post(
        "/api/v1/rrm/petitions", PAYLOAD, content_type="application/json"
    )
    assert response.status_code == 401


def test_publish_through_the_api_and_the_confidential_refusal(client, analyst):
    created = client.post(
        "/api/v1/rrm/petitions",
        {**PAYLOAD, "confidential": False},
        content_type="application/json",
        headers=analyst.headers,
    ).json()
    assert created["allowed_endings"] == ["declined_by_ilc", "facility_closed"]
    url = f"/api/v1/rrm/cases/{created['id']}/publish"
    published = client.post(
        url, {"public": True}, content_type="application/json", headers=analyst.headers
    )
    assert published.status_code == 200
    assert published.json()["is_public"] is True
    assert client.get(f"/api/v1/rrm/cases/{created['slug']}").status_code == 200

    secret = client.post(
        "/api/v1/rrm/petitions",
        {**PAYLOAD, "facility_name": "Secreta"},
        content_type="application/json",
        headers=analyst.headers,
    ).json()
    refused = client.post(
        f"/api/v1/rrm/cases/{secret['id']}/publish",
        {"public": True},
        content_type="application/json",
        headers=analyst.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "is_public"
    assert not RrmCase.objects.get(pk=secret["id"]).is_public
    malformed = client.post(
        url,
        {"public": "maybe"},
        content_type="application/json",
        headers=analyst.headers,
    )
    assert malformed.status_code == 422
