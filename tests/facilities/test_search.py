"""Facility search: typos, accents and legal forms forgiven, the intended facility
first, bounded work whatever the query, and an index that follows the registry."""

from __future__ import annotations

import time
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.facilities import selectors
from remedia.facilities.models import (
    Facility,
    FacilityAlias,
    FacilitySearchToken,
    FacilityStatus,
)
from remedia.facilities.selectors import facility_search, facility_search_scored
from remedia.facilities.services import facility_index, facility_index_many
from tests.support.factories.facilities import FacilityFactory

URL = "/api/v1/facilities"


@pytest.fixture
def registry(db):
    """Facilities whose names share words, as in a real state's list."""
    made = {
        "interior": FacilityFactory(
            name="Industrias del Interior",
            legal_name="Industrias del Interior, S.A. de C.V.",
            municipality="Rincón de Romos",
        ),
        "norte": FacilityFactory(name="Industrias del Norte", municipality="Asientos"),
        "interiores": FacilityFactory(
            name="Interiores y Acabados del Bajío", municipality="Aguascalientes"
        ),
        "rincon": FacilityFactory(name="Costuras Rincón", municipality="Calvillo"),
        "rinconada": FacilityFactory(
            name="Rinconada Textil de Calvillo", municipality="Calvillo"
        ),
        "valle": FacilityFactory(
            name="Confecciones del Valle", municipality="Jesús María"
        ),
        "valle_pue": FacilityFactory(
            name="Confecciones del Valle de Puebla",
            municipality="Tehuacán",
            state="MX-PUE",
        ),
        "gonzalez": FacilityFactory(
            name="Costuras González Herrera", municipality="Aguascalientes"
        ),
        "herrera": FacilityFactory(
            name="Costuras Herrera Ortega", municipality="Aguascalientes"
        ),
    }
    for n in range(12):
        FacilityFactory(name=f"Confecciones Hernández {n:02d}", municipality="Calvillo")
    return made


def _names(found: list[Facility]) -> list[str]:
    return [f.name for f in found]


# --- Ranking -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "Industrias del Interior",
        "Industias del Interor",
        "industrias interior sa de cv",
        "IND. DEL INTERIOR, S.A. DE C.V.",
        "nIdustrias del Interior",
        "industrias del inetrior",
    ],
)
def test_the_intended_facility_comes_first_however_it_is_typed(registry, q):
    assert _names(facility_search(q=q))[0] == "Industrias del Interior"


def test_an_exact_name_comes_before_names_that_contain_it(db):
    # Given thirty facilities whose names hold the word, and one that is it
    for n in range(30):
        FacilityFactory(name=f"Taller Bordados {n:02d}")
    FacilityFactory(name="Bordados")

    # When the word is searched, the facility called exactly that is first
    assert _names(facility_search(q="bordados"))[0] == "Bordados"


def test_accents_are_optional_and_the_word_itself_beats_longer_words(registry):
    assert _names(facility_search(q="rincon"))[0] == "Costuras Rincón"
    assert _names(facility_search(q="RINCÓN"))[0] == "Costuras Rincón"


def test_a_swapped_first_letter_still_finds_the_surname(registry):
    found = _names(facility_search(q="costuras ognzalez herrwra"))

    assert found[0] == "Costuras González Herrera"


def test_the_last_word_may_be_half_typed(registry):
    assert _names(facility_search(q="confecciones del val"))[0] in {
        "Confecciones del Valle",
        "Confecciones del Valle de Puebla",
    }
    assert "Rinconada Textil de Calvillo" in _names(facility_search(q="rinconad"))


def test_other_names_are_searched_too(registry):
    facility = registry["valle"]
    FacilityAlias.objects.create(
        facility=facility, name="La Vallesana", name_key="la vallesana"
    )
    facility_index(facility=facility)

    assert _names(facility_search(q="vallesana")) == ["Confecciones del Valle"]


def test_state_narrows_and_an_unknown_state_matches_nothing(registry):
    assert _names(facility_search(q="confecciones del valle", state="MX-PUE")) == [
        "Confecciones del Valle de Puebla"
    ]
    assert _names(facility_search(q="confecciones del valle", state="Puebla")) == [
        "Confecciones del Valle de Puebla"
    ]
    assert facility_search(q="confecciones del valle", state="MX-XXX") == []


def test_relevance_is_between_zero_and_one_best_first(registry):
    scored = facility_search_scored(q="industrias del interior")

    values = [value for _f, value in scored]
    assert values == sorted(values, reverse=True)
    assert all(0 <= value <= 1 for value in values)


def test_merged_facilities_are_not_offered(registry):
    registry["rincon"].status = FacilityStatus.MERGED
    registry["rincon"].save()

    assert "Costuras Rincón" not in _names(facility_search(q="costuras rincon"))


def test_results_carry_what_the_picker_and_the_staff_list_show(registry):
    (first, *_rest) = facility_search(q="industrias del interior")

    with CaptureQueriesContext(connection) as queries:
        shown = (
            first.id,
            first.public_id,
            first.name,
            first.municipality,
            first.get_state_display(),
            first.get_status_display(),
        )

    assert shown[2] == "Industrias del Interior"
    assert shown[4] == "Aguascalientes"
    assert len(queries) == 0


# --- Limits --------------------------------------------------------------------------


def test_limit_is_honoured_up_to_two_hundred(registry):
    assert len(facility_search(q="confecciones hernandez", limit=5)) == 5
    assert len(facility_search(q="confecciones hernandez", limit=0)) == 0
    assert len(facility_search(q="confecciones hernandez", limit=10_000)) == 14


def test_the_api_answers_at_most_twenty(client, db):
    for n in range(30):
        FacilityFactory(name=f"Maquiladora Tavex {n:02d}")

    body = client.get(URL, {"q": "tavex"}).json()

    assert body["count"] == 20
    assert len(body["items"]) == 20


# --- Bad input -----------------------------------------------------------------------


HOSTILE = [
    "",
    " ",
    "a",
    "zz",
    "x" * 10_000,
    "industrias " * 2_000,
    "🧵🧵🧵",
    "Confecciones 🙂 del Valle",
    "'; DROP TABLE facilities_facility; --",
    "%",
    "_%\\",
    "' OR 1=1 --",
    "\x00",
    "de la del y",
    "S.A. de C.V.",
    "中文 名字",
    "مصنع",
    "\u202ertl",
    "1" * 300,
]


@pytest.mark.parametrize("q", HOSTILE)
def test_any_query_answers_quickly_and_never_fails(client, registry, q):
    started = time.monotonic()

    response = client.get(URL, {"q": q})

    assert response.status_code == 200
    assert time.monotonic() - started < 2.0
    assert response.json()["count"] == len(response.json()["items"])


@pytest.mark.parametrize("state", ["\x00", "' OR 1=1", "x" * 5000, "MX-AGU\x00"])
def test_any_state_answers_and_matches_nothing_when_unknown(client, registry, state):
    response = client.get(URL, {"q": "industrias", "state": state})

    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_sql_in_a_query_is_only_text(registry):
    facility_search(q="'; DELETE FROM facilities_facility; --")

    assert Facility.objects.count() == 21


# --- Work per search -----------------------------------------------------------------


def _queries(q: str) -> int:
    facility_search(q="warm the vocabulary")
    with CaptureQueriesContext(connection) as queries:
        facility_search(q=q)
    return len(queries)


def test_a_search_takes_a_few_queries_whatever_the_registry_size(db):
    # Given a small registry
    for n in range(5):
        FacilityFactory(name=f"Costuras Pérez {n}")
    small = _queries("costuras perez")

    # When it grows tenfold, the same search takes as many queries
    for n in range(50):
        FacilityFactory(name=f"Costuras Pérez Ramos {n}")
    large = _queries("costuras perez")

    assert small == large
    assert large <= 3


def test_a_query_of_only_common_words_takes_a_few_queries_too(db):
    for n in range(40):
        FacilityFactory(name=f"Confecciones {n}")

    assert _queries("confecciones") <= 3


# --- The index follows the registry --------------------------------------------------


def test_a_facility_is_found_as_soon_as_it_is_indexed(registry):
    assert facility_search(q="zacatlan") == []

    FacilityFactory(name="Bordados Zacatlán", state="MX-PUE")

    assert _names(facility_search(q="zacatlan")) == ["Bordados Zacatlán"]


def test_words_indexed_by_another_process_are_seen(registry):
    # Given a search has read the vocabulary
    facility_search(q="industrias")
    # When another process indexes a facility (this process is not told)
    facility = Facility.objects.create(name="Hilados Xochitl", state="MX-AGU")
    FacilitySearchToken.objects.bulk_create(
        [
            FacilitySearchToken(facility=facility, token="hilados", prefix="hil"),
            FacilitySearchToken(facility=facility, token="xochitl", prefix="xoc"),
        ]
    )

    # Then the next search finds it by its new word
    assert _names(facility_search(q="xochitl")) == ["Hilados Xochitl"]


def test_index_holds_the_significant_words_of_every_name(db):
    facility = FacilityFactory(
        name="Confecciones del Valle",
        legal_name="Textiles Calvillo, S.A. de C.V.",
    )
    FacilityAlias.objects.create(
        facility=facility, name="La Planta 2", name_key="la planta 2"
    )

    facility_index(facility=facility)

    tokens = set(
        FacilitySearchToken.objects.filter(facility=facility).values_list(
            "token", "prefix"
        )
    )
    assert tokens == {
        ("confecciones", "con"),
        ("valle", "val"),
        ("textiles", "tex"),
        ("calvillo", "cal"),
        ("planta", "pla"),
        ("2", "2"),
    }


def test_reindexing_replaces_the_old_words(registry):
    facility = registry["norte"]
    facility.name = "Industrias del Sur"
    facility.save()

    facility_index(facility=facility)

    assert _names(facility_search(q="industrias del sur"))[0] == "Industrias del Sur"
    assert "Industrias del Sur" not in _names(facility_search(q="norte"))


def test_a_merged_facility_keeps_no_words(registry):
    facility = registry["herrera"]
    facility.status = FacilityStatus.MERGED
    facility.save()

    facility_index_many(facilities=[facility])

    assert not FacilitySearchToken.objects.filter(facility=facility).exists()


def test_the_migration_indexes_facilities_saved_before_the_index(db):
    # Given facilities saved without the services (as the demo data was)
    Facility.objects.create(name="Maquiladora Tepeaca", state="MX-PUE")
    assert facility_search(q="tepeaca") == []

    # When migration 0003 fills the index
    migration = import_module("remedia.facilities.migrations.0003_search_index")
    migration.index_existing(apps, SimpleNamespace(connection=connection))
    selectors.vocabulary_invalidate()

    # Then they are found
    assert _names(facility_search(q="tepeaca")) == ["Maquiladora Tepeaca"]


def test_a_word_written_under_a_reused_token_id_is_seen(registry):
    # Given a search has read the vocabulary up to the highest token row
    facility_search(q="industrias")
    last = FacilitySearchToken.objects.order_by("-id").first()
    assert last is not None
    # When that row goes and another takes its id (SQLite reuses the ids of a
    # rolled-back transaction)
    facility = Facility.objects.create(name="Hilados Yautepec", state="MX-AGU")
    last_id = last.id
    last.delete()
    FacilitySearchToken.objects.create(
        id=last_id, facility=facility, token="yautepec", prefix="yau"
    )

    # Then the next search reads the vocabulary again and finds the new word
    assert _names(facility_search(q="yautepec")) == ["Hilados Yautepec"]
