"""What a page tells the user about a refused action: every reason, in order."""

from __future__ import annotations

from remedia.core.errors import ApplicationError, InvalidInput, NotFound


def test_an_application_error_gives_its_message():
    assert ApplicationError("Esa tarea ya estaba completada.").reasons == [
        "Esa tarea ya estaba completada."
    ]
    assert NotFound().reasons == ["No encontrado."]


def test_invalid_input_gives_each_fields_reason_in_order():
    exc = InvalidInput(
        [
            {
                "field": "due_on",
                "reason": "La fecha límite no puede estar en el pasado.",
            },
            {"field": "title", "reason": "Escriba qué hay que hacer."},
        ]
    )
    assert exc.reasons == [
        "La fecha límite no puede estar en el pasado.",
        "Escriba qué hay que hacer.",
    ]


def test_invalid_input_without_fields_falls_back_to_its_message():
    assert InvalidInput([]).reasons == ["Hay datos que no son válidos."]
