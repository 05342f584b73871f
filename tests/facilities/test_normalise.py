"""Facility names compared as people write them: case, accents, punctuation, legal
forms and abbreviations do not matter."""

from __future__ import annotations

import pytest

from remedia.facilities.normalise import name_tokens, normalise_name


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Industrias del Interior, S.A. de C.V.", "industrias del interior"),
        ("INDUSTRIAS DEL INTERIOR SA DE CV", "industrias del interior"),
        ("Ind. del Interior, S.A. de C.V.", "industrias del interior"),
        ("Confecciones del Valle, S. de R.L. de C.V.", "confecciones del valle"),
        ("Confecciones del Valle S DE RL DE CV", "confecciones del valle"),
        ("Maquila Norte, SAPI de CV", "maquila norte"),
        ("Maquila Norte, S.A.P.I. de C.V.", "maquila norte"),
        ("Textiles Calvillo, S.A.B. de C.V.", "textiles calvillo"),
        ("Cía. Manufacturera Hnos. Pérez", "compania manufacturera hermanos perez"),
        ("Manuf. Atlixco", "manufacturas atlixco"),
        ("Confección Rincón de Romos", "confecciones rincon de romos"),
        ("  Jesús   María  ", "jesus maria"),
        ("Grupo Ñandú (planta 2)", "grupo nandu planta 2"),
        ("", ""),
    ],
)
def test_names_are_folded_stripped_of_legal_forms_and_expanded(written, expected):
    assert normalise_name(written) == expected


def test_same_company_written_two_ways_compares_equal():
    assert normalise_name("Ind. del Interior SA de CV") == normalise_name(
        "INDUSTRIAS DEL INTERIOR, S.A. DE C.V."
    )


def test_legal_form_is_removed_only_as_whole_words():
    # "sa" inside a word, or "sc" as a word's start, is part of the name
    assert normalise_name("Casa Sanborns") == "casa sanborns"
    assert normalise_name("Scala Textil") == "scala textiles"


def test_significant_words_leave_out_articles_and_prepositions():
    assert name_tokens("Industrias del Interior, S.A. de C.V.") == [
        "industrias",
        "interior",
    ]
    assert name_tokens("de la y del") == []
