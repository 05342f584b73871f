"""The surveys API: staff open, read and close; workers read and answer by code."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from remedia.remediation import surveys
from remedia.remediation.models import (
    Course,
    Measure,
    MeasureType,
    Survey,
    SurveyResponse,
)
from tests.support.remediation import World

pytestmark = pytest.mark.django_db

RESPONDENT = "client-kept-token-3f9a1c2b7d"


@pytest.fixture
def statement(course: Course) -> Measure:
    return course.measures.get(type=MeasureType.NEUTRALITY_STATEMENT)


@pytest.fixture
def survey(world: World, statement: Measure) -> Survey:
    return surveys.survey_open(user=world.monitor.user, measure=statement)


def open_url(measure: Measure) -> str:
    return f"/api/v1/remediation/measures/{measure.pk}/surveys"


def survey_url(survey: Survey) -> str:
    return f"/api/v1/remediation/surveys/{survey.pk}"


def responses_url(code: str) -> str:
    return f"/api/v1/remediation/surveys/by-code/{code}/responses"


def answers(survey: Survey, value: str = "yes") -> dict[str, str]:
    return {str(q.pk): value for q in survey.questions.all()}


def respond(client: Client, survey: Survey, respondent: str = RESPONDENT, **body):
    payload = {"respondent": respondent, "answers": answers(survey), **body}
    return client.post(
        responses_url(survey.code), payload, content_type="application/json"
    )


def fill(survey: Survey, count: int, value: str = "yes") -> None:
    for n in range(count):
        surveys.survey_answer(
            survey=survey,
            respondent_token=f"{RESPONDENT}-{value}-{n}",
            channel="web",
            answers=answers(survey, value),
        )


# --- Staff -----------------------------------------------------------------------------


def test_a_monitor_opens_a_survey_with_the_catalogue_questions(
    client: Client, world: World, statement: Measure
) -> None:
    response = client.post(
        open_url(statement), {}, content_type="application/json", **_auth(world.monitor)
    )

    assert response.status_code == 201, response.content
    body = response.json()
    survey = Survey.objects.get()
    assert body["code"] == survey.code
    assert body["status"] == "open"
    assert body["accepting"] is True
    assert body["url"] == f"http://testserver/encuesta/{survey.code}/"
    assert [q["text"] for q in body["questions"]] == [
        "¿Vio publicada la declaración de neutralidad de la empresa?",
        "¿Recibió una copia de la declaración?",
    ]
    assert body["results"]["answered"] == 0
    assert body["results"]["shown"] is False


def test_a_monitor_opens_a_survey_with_their_own_questions(
    client: Client, world: World, statement: Measure
) -> None:
    response = client.post(
        open_url(statement),
        {
            "questions": [{"text": "¿La vio?", "text_en": "Did you see it?"}],
            "closes_on": "2099-01-31",
        },
        content_type="application/json",
        **_auth(world.monitor),
    )

    assert response.status_code == 201
    body = response.json()
    assert body["closes_on"] == "2099-01-31"
    assert [(q["text"], q["text_en"]) for q in body["questions"]] == [
        ("¿La vio?", "Did you see it?")
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"questions": [{"text": f"¿{n}?"} for n in range(6)]}, "questions"),
        ({"questions": [{"text": "  "}]}, "questions.0.text"),
        ({"questions": [{"text": "x" * 301}]}, "questions.0.text"),
        ({"questions": [{"texto": "¿?"}]}, "questions.0.text"),
        ({"closes_on": "mañana"}, "closes_on"),
        ({"closes_on": "2000-01-01"}, "closes_on"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_to_open_is_422_with_the_field(
    client: Client, world: World, statement: Measure, payload, field
) -> None:
    response = client.post(
        open_url(statement),
        payload,
        content_type="application/json",
        **_auth(world.monitor),
    )

    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert all(e["reason"] for e in response.json()["errors"])
    assert not Survey.objects.exists()


def test_a_body_that_is_not_json_is_422(
    client: Client, world: World, statement: Measure
) -> None:
    response = client.post(
        open_url(statement),
        "{not json",
        content_type="application/json",
        **_auth(world.monitor),
    )
    assert response.status_code == 422


def test_the_officer_cannot_open_or_close_and_a_stranger_sees_nothing(
    client: Client, world: World, statement: Measure, survey: Survey
) -> None:
    officer = client.post(
        open_url(statement), {}, content_type="application/json", **_auth(world.officer)
    )
    assert officer.status_code == 403
    closing = client.post(f"{survey_url(survey)}/close", **_auth(world.officer))
    assert closing.status_code == 403

    for response in (
        client.post(
            open_url(statement),
            {},
            content_type="application/json",
            **_auth(world.stranger),
        ),
        client.get(survey_url(survey), **_auth(world.stranger)),
        client.post(f"{survey_url(survey)}/close", **_auth(world.stranger)),
        client.get(
            f"/api/v1/remediation/surveys/{uuid.uuid4()}", **_auth(world.monitor)
        ),
    ):
        assert response.status_code == 404
    assert Survey.objects.count() == 1
    survey.refresh_from_db()
    assert survey.status == "open"
    assert client.get(survey_url(survey)).status_code == 401


def test_results_show_from_five_answers(
    client: Client, world: World, survey: Survey
) -> None:
    fill(survey, 3, "yes")
    fill(survey, 1, "no")

    four = client.get(survey_url(survey), **_auth(world.analyst)).json()["results"]
    assert four["answered"] is None  # "menos de 5"
    assert four["shown"] is False
    assert four["threshold"] == 5
    for question in four["questions"]:
        assert [question[k] for k in ("yes", "no", "unsure")] == [None, None, None]
        assert question["yes_percent"] is None

    fill(survey, 1, "unsure")

    five = client.get(survey_url(survey), **_auth(world.analyst)).json()["results"]
    assert five["answered"] == 5
    assert five["shown"] is True
    first = five["questions"][0]
    assert [first[k] for k in ("yes", "no", "unsure")] == [3, 1, 1]
    assert [first[k] for k in ("yes_percent", "no_percent", "unsure_percent")] == [
        60,
        20,
        20,
    ]


def test_the_officer_sees_results_only_once_closed(
    client: Client, world: World, survey: Survey
) -> None:
    fill(survey, 5)

    assert (
        client.get(survey_url(survey), **_auth(world.officer)).json()["results"] is None
    )

    closed = client.post(f"{survey_url(survey)}/close", **_auth(world.monitor))
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    results = client.get(survey_url(survey), **_auth(world.officer)).json()["results"]
    assert results["answered"] == 5
    assert results["questions"][0]["yes"] == 5

    again = client.post(f"{survey_url(survey)}/close", **_auth(world.monitor))
    assert again.status_code == 400
    assert "ya está cerrada" in again.json()["detail"]


# --- Workers -----------------------------------------------------------------------------


def test_a_worker_reads_the_questions_by_code_without_a_token(
    client: Client, survey: Survey
) -> None:
    response = client.get(f"/api/v1/remediation/surveys/by-code/{survey.code.lower()}")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == survey.code
    assert body["measure_type"] == "neutrality_statement"
    assert body["facility"] == "INISA planta Rincón de Romos"
    assert body["answers"] == ["yes", "no", "unsure"]
    assert [q["position"] for q in body["questions"]] == [1, 2]
    # questions only: nothing about who answered or how
    assert "results" not in body
    assert "answered" not in body


def test_unknown_closed_and_malformed_codes(
    client: Client, world: World, survey: Survey
) -> None:
    unknown = "ZZZZZZ" if survey.code != "ZZZZZZ" else "YYYYYY"
    missing = client.get(f"/api/v1/remediation/surveys/by-code/{unknown}")
    assert missing.status_code == 404
    assert "No hay ninguna encuesta" in missing.json()["detail"]

    malformed = client.get("/api/v1/remediation/surveys/by-code/K7")
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "code"

    surveys.survey_close(user=world.monitor.user, survey=survey)
    closed = client.get(f"/api/v1/remediation/surveys/by-code/{survey.code}")
    assert closed.status_code == 404
    assert "ya cerró" in closed.json()["detail"]
    assert respond(client, survey).status_code == 404
    assert SurveyResponse.objects.count() == 0


def test_a_worker_answers_once_per_token(client: Client, survey: Survey) -> None:
    first = respond(client, survey)
    assert first.status_code == 201, first.content
    assert first.json() == {"detail": "Gracias. Su respuesta quedó registrada."}

    second = respond(client, survey, answers=answers(survey, "no"))
    assert second.status_code == 409
    assert second.json()["detail"] == "Ya respondió esta encuesta. Gracias."
    assert SurveyResponse.objects.count() == 1

    assert respond(client, survey, respondent=RESPONDENT + "-b").status_code == 201
    assert SurveyResponse.objects.count() == 2


def test_a_missing_or_invalid_answer_is_422_and_saves_nothing(
    client: Client, survey: Survey
) -> None:
    first, second = surveys.survey_questions(survey)

    missing = respond(client, survey, answers={str(first.pk): "yes"})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {
            "field": f"answers.{second.pk}",
            "reason": (
                "Falta su respuesta a la pregunta 2: "
                "«¿Recibió una copia de la declaración?»"
            ),
        }
    ]

    wrong = respond(
        client, survey, answers={str(first.pk): "yes", str(second.pk): "perhaps"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == f"answers.{second.pk}"

    not_text = respond(client, survey, answers={str(first.pk): 1, str(second.pk): None})
    assert not_text.status_code == 422
    assert {e["field"] for e in not_text.json()["errors"]} == {
        f"answers.{first.pk}",
        f"answers.{second.pk}",
    }

    short = respond(client, survey, respondent="abc")
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "respondent"

    for body in ({"answers": answers(survey)}, {"respondent": RESPONDENT}, [], "x"):
        response = client.post(
            responses_url(survey.code), body, content_type="application/json"
        )
        assert response.status_code == 422, body
    extra = respond(client, survey, ip="203.0.113.7")
    assert extra.status_code == 422
    assert SurveyResponse.objects.count() == 0


def _auth(staff) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": staff.headers["Authorization"]}
