"""The matcher's rules, without a database: record keys, scores on realistic
pairs of Mexican garment facilities, and what each score means."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from remedia.facilities import matching
from remedia.facilities.matching import (
    AUTO_MATCH,
    REVIEW,
    classify,
    name_similarity,
    record_key,
    score,
)
from remedia.facilities.normalise import name_tokens, normalise_name


@dataclass
class Known:
    """An existing facility as the matcher sees it."""

    name: str
    legal_name: str = ""
    address: str = ""
    municipality: str = ""
    state: str = "MX-AGU"
    alias_keys: list[str] = field(default_factory=list)


def _score(name: str, candidate: Known, **record: str) -> float:
    return score(
        name=name,
        address=record.get("address", ""),
        municipality=record.get("municipality", ""),
        state=record.get("state", "MX-AGU"),
        candidate=candidate,
    )


# --- Record keys ---------------------------------------------------------------------


def test_record_key_is_the_same_however_the_record_is_written():
    a = record_key(
        name="Ind. del Interior SA de CV",
        municipality="Rincón de Romos",
        state="MX-AGU",
    )
    b = record_key(
        name="INDUSTRIAS DEL INTERIOR, S.A. DE C.V.",
        municipality="rincon de romos",
        state="Aguascalientes",
    )

    assert a == b == "industrias del interior|rincon de romos|MX-AGU"


def test_record_key_tells_apart_municipality_and_state():
    base = {"name": "Confecciones del Valle", "municipality": "Calvillo"}

    assert record_key(**base, state="MX-AGU") != record_key(**base, state="MX-PUE")
    assert record_key(**base, state="MX-AGU") != record_key(
        name="Confecciones del Valle", municipality="Jesús María", state="MX-AGU"
    )


def test_record_key_fits_the_decision_column():
    assert (
        len(record_key(name="x" * 1000, municipality="y" * 500, state="MX-AGU")) <= 400
    )


# --- Normalisation edge cases the matcher relies on ----------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Textiles Mexicanos, S.A.", "textiles mexico"),
        ("🙂 Confecciones ☺ del Valle 🧵", "confecciones del valle"),
        ("'; DROP TABLE facilities_facility; --", "drop table facilities facility"),
        ("100% Algodón_S.A.", "100 algodon"),
        ("\x00\t\n", ""),
        ("ＩＮＩＳＡ", "inisa"),  # full-width letters, as some keyboards type
    ],
)
def test_odd_names_normalise_to_plain_words(written, expected):
    assert normalise_name(written) == expected


def test_a_name_of_only_legal_forms_and_articles_has_no_words():
    assert name_tokens("S.A. de C.V. de la") == []


# --- Scores on realistic pairs -------------------------------------------------------


def test_abbreviated_and_legal_form_variants_match_automatically():
    known = Known("Industrias del Interior, S.A. de C.V.")

    value = _score("Ind. del Interior SA de CV", known)

    assert value == 1.0
    assert classify(value) == "auto"


def test_the_legal_name_counts_as_much_as_the_name():
    known = Known(
        "INISA planta de mezclilla",
        legal_name="Industrias del Interior, S.A. de C.V.",
        municipality="Rincón de Romos",
    )

    value = _score("Ind. del Interior SA de CV", known, municipality="Rincon de Romos")

    assert classify(value) == "auto"


def test_another_name_the_facility_is_known_by_counts():
    known = Known("Grupo Tavex", alias_keys=["tavex mexico"], state="MX-PUE")

    assert classify(_score("Tavex México", known, state="MX-PUE")) == "auto"


def test_a_longer_form_of_the_name_in_the_same_municipality_is_put_to_a_person():
    # "review or auto" would both be defensible; a person deciding is the
    # safer of the two, and the score must at least reach the review band.
    known = Known(
        "Confecciones del Valle de Aguascalientes", municipality="Jesús María"
    )

    value = _score("Confecciones del Valle", known, municipality="Jesus Maria")

    assert REVIEW <= value < AUTO_MATCH
    assert classify(value) == "review"


def test_the_same_name_in_another_state_is_a_new_facility():
    known = Known("Confecciones del Valle", municipality="Puebla", state="MX-PUE")

    value = _score("Confecciones del Valle", known, municipality="Puebla")

    assert value == 0.0
    assert classify(value) == "new"


def test_the_same_name_in_another_municipality_of_the_state_is_put_to_a_person():
    known = Known("Confecciones del Valle", municipality="Calvillo")

    value = _score("Confecciones del Valle", known, municipality="Jesús María")

    assert classify(value) == "review"


def test_the_same_name_at_another_street_number_is_put_to_a_person():
    known = Known(
        "Textiles Calvillo", address="Av. Juárez 455", municipality="Calvillo"
    )

    value = _score(
        "Textiles Calvillo", known, address="Av. Juarez 120", municipality="Calvillo"
    )

    assert classify(value) == "review"


def test_the_same_address_written_differently_matches():
    known = Known(
        "Textiles Calvillo",
        address="Carretera a Calvillo Km. 3",
        municipality="Calvillo",
    )

    value = _score(
        "Textiles Calvillo SA de CV",
        known,
        address="Carr. a Calvillo km 3",
        municipality="Calvillo",
    )

    assert value == 1.0


@pytest.mark.parametrize(
    ("incoming", "existing"),
    [
        ("Maquiladora García", "Maquiladora Garza"),
        ("Confecciones del Valle", "Confecciones del Norte"),
        ("Textiles Calvillo", "Textiles Rincón"),
        ("Confecciones", "Confecciones del Valle"),
    ],
)
def test_names_that_share_only_the_trade_word_are_new_facilities(incoming, existing):
    known = Known(existing, municipality="Aguascalientes")

    value = _score(incoming, known, municipality="Aguascalientes")

    assert classify(value) == "new"


def test_typos_in_trade_words_and_names_still_match_automatically():
    known = Known("Industrias del Interior", municipality="Rincón de Romos")

    value = _score("Industias del Interor", known, municipality="Rincon de Romos")

    assert classify(value) == "auto"


def test_one_letter_in_a_short_surname_is_for_a_person_to_tell():
    # "Rojas" and "Rosas" are both surnames: a typo, or another family's shop.
    known = Known("Textiles Rojas Esquivel", municipality="Aguascalientes")

    value = _score("Textiles Rosas Esquivel", known, municipality="Aguascalientes")

    assert classify(value) == "review"


def test_an_extra_surname_is_for_a_person_to_tell():
    known = Known("Creaciones Martínez López", municipality="Puebla", state="MX-PUE")

    value = _score("Creaciones Martinez", known, municipality="Puebla", state="MX-PUE")

    assert classify(value) == "review"


def test_missing_fields_are_not_held_against_a_match():
    known = Known(
        "Bordados Lupita", address="Calle Hidalgo 12", municipality="Asientos"
    )

    assert _score("Bordados Lupita", known) == 1.0


def test_a_record_without_state_is_compared_on_the_rest():
    known = Known("Bordados Lupita", state="MX-AGU")

    assert _score("Bordados Lupita", known, state="") == 1.0


@pytest.mark.parametrize(
    "name",
    ["", "   ", "de la", "x" * 5000, "🙂🙂", "'; --", "S.A. de C.V."],
)
def test_any_record_scores_between_zero_and_one(name):
    known = Known("Confecciones del Valle", municipality="Calvillo")

    value = _score(name, known, municipality="Calvillo", address="%_\\")

    assert 0.0 <= value <= 1.0


def test_name_similarity_orders_closer_names_first():
    query = normalise_name("Uniformes Soto Ortiz")

    exact = name_similarity(query, normalise_name("Uniformes Soto Ortiz"))
    longer = name_similarity(query, normalise_name("Uniformes Soto Ortiz Hermanos"))
    other = name_similarity(query, normalise_name("Uniformes Ruiz Soto"))

    assert exact == 1.0
    assert exact > longer > other


# --- Thresholds ----------------------------------------------------------------------


def test_thresholds_leave_a_band_for_people_between_new_and_automatic():
    assert 0 < REVIEW < AUTO_MATCH <= 1
    assert (matching.AUTO_MATCH, matching.REVIEW) == (0.90, 0.65)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (1.0, "auto"),
        (AUTO_MATCH, "auto"),
        (AUTO_MATCH - 0.0001, "review"),
        (REVIEW, "review"),
        (REVIEW - 0.0001, "new"),
        (0.0, "new"),
    ],
)
def test_classify_at_the_boundaries(value, kind):
    assert classify(value) == kind
