"""Where an incoming record goes: a remembered decision, an exact match, a scored
candidate (automatic, or for a person), or a new facility; one at a time, or a
whole import's rows at once with the same answers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.facilities.matching import record_key
from remedia.facilities.models import FacilityAlias, FacilityStatus, MatchDecision
from remedia.facilities.services import (
    MatchRecord,
    facility_index,
    facility_suggestions,
    match_decision_remember,
    match_record,
    match_records,
    matcher,
)
from tests.support.factories.facilities import FacilityFactory


@pytest.fixture
def registry(db):
    made = {
        "inisa": FacilityFactory(
            name="INISA planta de mezclilla",
            legal_name="Industrias del Interior, S.A. de C.V.",
            address="Carretera Panamericana km 12",
            municipality="Rincón de Romos",
        ),
        "valle": FacilityFactory(
            name="Confecciones del Valle", municipality="Jesús María"
        ),
        "valle_calvillo": FacilityFactory(
            name="Confecciones del Valle", municipality="Calvillo"
        ),
        "garza": FacilityFactory(
            name="Maquiladora Garza", municipality="Aguascalientes"
        ),
        "tehuacan": FacilityFactory(
            name="Maquiladora Textil de Tehuacán",
            municipality="Tehuacán",
            state="MX-PUE",
        ),
    }
    for n in range(10):
        FacilityFactory(name=f"Confecciones Hernández {n}", municipality="Calvillo")
    return made


def test_the_same_name_written_differently_is_an_exact_match(registry):
    result = match_record(
        name="INDUSTRIAS DEL INTERIOR SA DE CV",
        municipality="Rincon de Romos",
        state="Aguascalientes",
    )

    assert result.kind == "exact"
    assert result.facility == registry["inisa"]
    assert result.score == 1.0


def test_another_name_of_the_facility_is_an_exact_match(registry):
    FacilityAlias.objects.create(
        facility=registry["garza"], name="La Garza", name_key="la garza"
    )
    facility_index(facility=registry["garza"])

    result = match_record(name="La Garza", state="MX-AGU")

    assert (result.kind, result.facility) == ("exact", registry["garza"])


def test_a_remembered_decision_wins_over_an_exact_match(registry):
    # Given a person decided this record is INISA, though its name is another's
    key = record_key(
        name="Confecciones del Valle", municipality="Jesús María", state="MX-AGU"
    )
    match_decision_remember(key=key, facility=registry["inisa"], decided_by=None)

    # When the record comes again, written another way
    result = match_record(
        name="CONFECCIONES DEL VALLE", municipality="Jesus Maria", state="MX-AGU"
    )

    # Then the decision is what counts
    assert (result.kind, result.facility) == ("remembered", registry["inisa"])


def test_a_decision_that_the_record_is_new_is_remembered(registry):
    key = record_key(name="Maquiladora García", municipality="", state="MX-AGU")
    match_decision_remember(key=key, facility=None, decided_by=None)

    result = match_record(name="Maquiladora García", state="MX-AGU")

    assert (result.kind, result.facility, result.candidates) == ("new", None, [])


def test_a_decision_for_a_merged_facility_leads_to_the_one_kept(registry):
    merged, kept = registry["valle_calvillo"], registry["valle"]
    MatchDecision.objects.create(
        key=record_key(name="Valle Calvillo", municipality="", state="MX-AGU"),
        facility=merged,
    )
    merged.status = FacilityStatus.MERGED
    merged.merged_into = kept
    merged.save()

    result = match_record(name="Valle Calvillo", state="MX-AGU")

    assert (result.kind, result.facility) == ("remembered", kept)


def test_remembering_again_replaces_the_decision(registry):
    key = record_key(name="Garza", municipality="", state="MX-AGU")
    match_decision_remember(key=key, facility=None, decided_by=None)

    match_decision_remember(key=key, facility=registry["garza"], decided_by=None)

    assert MatchDecision.objects.get(key=key).facility == registry["garza"]


def test_a_misspelt_record_in_the_same_municipality_matches_automatically(registry):
    result = match_record(
        name="Ind. del Interor, S.A. de C.V.",
        municipality="Rincón de Romos",
        state="MX-AGU",
    )

    assert result.kind == "auto"
    assert result.facility == registry["inisa"]
    assert result.score >= 0.9


def test_the_same_name_in_two_municipalities_is_for_a_person(registry):
    # Given "Confecciones del Valle" in Jesús María and in Calvillo
    # When a record of that name comes without a municipality
    result = match_record(name="Confecciones del Valle", state="MX-AGU")

    # Then a person chooses between the two
    assert result.kind == "review"
    listed = {facility for facility, _score in result.candidates}
    assert {registry["valle"], registry["valle_calvillo"]} <= listed


def test_the_same_name_in_another_municipality_is_for_a_person(registry):
    result = match_record(
        name="Confecciones del Valle", municipality="Asientos", state="MX-AGU"
    )

    assert result.kind == "review"
    assert result.facility in {registry["valle"], registry["valle_calvillo"]}


def test_the_same_name_in_another_state_is_new(registry):
    result = match_record(
        name="Confecciones del Valle", municipality="Jesús María", state="MX-PUE"
    )

    assert (result.kind, result.facility) == ("new", None)


def test_a_name_sharing_only_the_trade_word_is_new(registry):
    result = match_record(
        name="Maquiladora García", municipality="Aguascalientes", state="MX-AGU"
    )

    assert result.kind == "new"


def test_candidates_are_at_most_five_best_first(registry):
    result = match_record(name="Confecciones Hernández", state="MX-AGU")

    scores = [score for _facility, score in result.candidates]
    assert 0 < len(scores) <= 5
    assert scores == sorted(scores, reverse=True)


def test_excluded_facilities_are_not_candidates(registry):
    result = match_record(
        name="INISA planta de mezclilla",
        municipality="Rincón de Romos",
        state="MX-AGU",
        exclude_ids=[registry["inisa"].pk],
    )

    assert registry["inisa"] not in {f for f, _s in result.candidates}
    assert result.facility != registry["inisa"]


def test_a_merged_facility_is_never_a_candidate(registry):
    registry["garza"].status = FacilityStatus.MERGED
    registry["garza"].save()

    result = match_record(name="Maquiladora Garza", state="MX-AGU")

    assert result.kind == "new"


@pytest.mark.parametrize("state", ["", "MX-XXX", "Atlantis"])
def test_a_record_without_a_known_state_is_new(registry, state):
    assert match_record(name="INISA planta de mezclilla", state=state).kind == "new"


@pytest.mark.parametrize("name", ["", "de la", "🧵", "x" * 5000, "'; --"])
def test_any_name_is_answered(registry, name):
    assert match_record(name=name, state="MX-AGU").kind in {"new", "review"}


# --- Many records at once ------------------------------------------------------------


def _records() -> list[MatchRecord]:
    return [
        MatchRecord(
            name="Industrias del Interior SA de CV",
            municipality="Rincón de Romos",
            state="MX-AGU",
        ),
        MatchRecord(
            name="Ind. del Interor", municipality="Rincón de Romos", state="MX-AGU"
        ),
        MatchRecord(name="Confecciones del Valle", state="MX-AGU"),
        MatchRecord(name="Maquiladora García", state="MX-AGU"),
        MatchRecord(name="Maquiladora Textil de Tehuacan", state="Puebla"),
        MatchRecord(name="Confecciones del Valle", state="MX-PUE"),
        MatchRecord(name="Confecciones Hernandez 3", state="MX-AGU"),
        MatchRecord(name="", state="MX-AGU"),
        MatchRecord(name="Industrias del Interior", state="MX-XXX"),
    ]


def _answers(results):
    return [(r.kind, r.facility) for r in results]


def test_many_records_get_the_answers_they_get_one_by_one(registry):
    one_by_one = [
        match_record(
            name=r.name, municipality=r.municipality, address=r.address, state=r.state
        )
        for r in _records()
    ]

    assert _answers(match_records(_records())) == _answers(one_by_one)
    assert [r.kind for r in one_by_one] == [
        "exact",
        "auto",
        "review",
        "new",
        "exact",
        "new",
        "exact",
        "new",
        "new",
    ]


def test_a_state_read_into_memory_gives_the_same_answers(registry, monkeypatch):
    in_sql = match_records(_records())

    monkeypatch.setattr(matcher, "STATE_INDEX_MIN_ROWS", 1)
    in_memory = match_records(_records())

    assert _answers(in_memory) == _answers(in_sql)
    assert [[f for f, _s in r.candidates] for r in in_memory] == [
        [f for f, _s in r.candidates] for r in in_sql
    ]


def test_many_records_of_a_state_take_a_fixed_number_of_queries(registry):
    records = [
        MatchRecord(name=f"Confecciones Hernandez {n}", state="MX-AGU")
        for n in range(40)
    ]
    match_records(records[:1])

    with CaptureQueriesContext(connection) as queries:
        results = match_records(records)

    assert len(results) == 40
    assert len(queries) <= 10


def test_the_state_in_memory_follows_a_change_in_the_registry(registry, monkeypatch):
    monkeypatch.setattr(matcher, "STATE_INDEX_MIN_ROWS", 1)
    record = MatchRecord(name="Bordados Xochitl", state="MX-AGU")
    assert match_records([record])[0].kind == "new"

    created = FacilityFactory(name="Bordados Xochitl")

    assert _answers(match_records([record])) == [("exact", created)]


# --- A report's free-text facility ---------------------------------------------------


def test_suggestions_for_what_a_worker_wrote(registry):
    found = facility_suggestions(text="la maquila de INISA en Rincón", state="MX-AGU")

    (first, score), *_rest = found
    assert first == registry["inisa"]
    assert 0 < score <= 1
    assert len(found) <= 5


def test_a_suggestion_by_exact_name_comes_first_with_full_score(registry):
    found = facility_suggestions(text="Maquiladora Garza", state="MX-AGU")

    assert found[0] == (registry["garza"], 1.0)


def test_suggestions_without_a_state_search_every_state(registry):
    found = facility_suggestions(text="maquiladora textil tehuacan", state=None)

    assert found[0][0] == registry["tehuacan"]


@pytest.mark.parametrize("text", ["", "   ", "🙂", "x" * 10_000])
def test_suggestions_for_nothing_useful_are_empty_or_few(registry, text):
    assert len(facility_suggestions(text=text, state="MX-AGU")) <= 5
