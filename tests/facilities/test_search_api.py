"""The report form's facility picker: `GET /api/v1/facilities?q=...`, no login."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.facilities.models import FacilityStatus
from tests.support.factories.facilities import FacilityFactory

URL = "/api/v1/facilities"


@pytest.fixture
def registry(db):
    return {
        "inisa": FacilityFactory(
            name="INISA planta de mezclilla",
            legal_name="Industrias del Interior, S.A. de C.V.",
            municipality="Rincón de Romos",
            state="MX-AGU",
        ),
        "valle": FacilityFactory(
            name="Confecciones del Valle de Aguascalientes",
            legal_name="Confecciones del Valle, S. de R.L. de C.V.",
            municipality="Jesús María",
            state="MX-AGU",
        ),
        "tehuacan": FacilityFactory(
            name="Maquiladora Textil de Tehuacán",
            municipality="Tehuacán",
            state="MX-PUE",
        ),
        "rincon": FacilityFactory(
            name="Costuras Rincón", municipality="Rincón de Romos", state="MX-AGU"
        ),
    }


def _names(response) -> list[str]:
    assert response.status_code == 200
    return [item["name"] for item in response.json()["items"]]


def test_abbreviated_legal_name_finds_the_facility(client, registry):
    # When a worker types the company's legal name, abbreviated
    response = client.get(URL, {"q": "ind del interior"})

    # Then the facility comes back, with what the picker shows
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item == {
        "id": str(registry["inisa"].pk),
        "public_id": registry["inisa"].public_id,
        "name": "INISA planta de mezclilla",
        "municipality": "Rincón de Romos",
        "state": "MX-AGU",
    }


@pytest.mark.parametrize(
    "q",
    [
        "Industrias del Interior, S.A. de C.V.",
        "INDUSTRIAS INTERIOR",
        "industrias   interior sa de cv",
    ],
)
def test_legal_name_however_written(client, registry, q):
    assert _names(client.get(URL, {"q": q})) == ["INISA planta de mezclilla"]


def test_accents_are_optional(client, registry):
    assert _names(client.get(URL, {"q": "tehuacan"})) == [
        "Maquiladora Textil de Tehuacán"
    ]
    assert _names(client.get(URL, {"q": "rincón"})) == ["Costuras Rincón"]
    assert _names(client.get(URL, {"q": "rincon"})) == ["Costuras Rincón"]


def test_state_narrows_the_search(client, registry):
    assert _names(client.get(URL, {"q": "confecciones", "state": "MX-PUE"})) == []
    assert _names(
        client.get(URL, {"q": "confecciones", "state": "Aguascalientes"})
    ) == ["Confecciones del Valle de Aguascalientes"]


def test_merged_records_are_not_offered(client, registry):
    registry["rincon"].status = FacilityStatus.MERGED
    registry["rincon"].save()

    assert _names(client.get(URL, {"q": "rincon"})) == []


def test_at_most_twenty_results_best_first(client, db):
    # Given thirty facilities whose names hold the same word
    for n in range(30):
        FacilityFactory(name=f"Taller Bordados {n:02d}", state="MX-AGU")
    FacilityFactory(name="Bordados", state="MX-AGU")

    # When that word is searched
    response = client.get(URL, {"q": "bordados"})

    # Then twenty come back, the closest name first
    body = response.json()
    assert body["count"] == 20
    assert len(body["items"]) == 20
    assert body["items"][0]["name"] == "Bordados"


@pytest.mark.parametrize("q", ["", "   ", "de la", "S.A. de C.V."])
def test_empty_query_gives_an_empty_list(client, registry, q):
    response = client.get(URL, {"q": q})

    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_no_query_at_all_gives_an_empty_list(client, registry):
    assert client.get(URL).json() == {"items": [], "count": 0}


def test_no_login_needed_and_a_token_is_not_required(client, registry):
    response = client.get(
        URL, {"q": "interior"}, headers={"Authorization": "Bearer nonsense"}
    )

    assert response.status_code == 200
    assert _names(response) == ["INISA planta de mezclilla"]


def test_very_long_query_is_answered(client, registry):
    response = client.get(URL, {"q": "interior " * 500})

    assert response.status_code == 200


def test_search_takes_a_bounded_number_of_queries(client, registry):
    # The first search of a process reads the vocabulary; later ones check it
    # (one query), block (one) and, for common words only, look up names (one).
    client.get(URL, {"q": "warm"})
    with CaptureQueriesContext(connection) as queries:
        assert _names(client.get(URL, {"q": "rincon"}))

    assert len(queries) <= 3
