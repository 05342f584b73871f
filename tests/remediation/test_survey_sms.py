"""Answering a verification survey on the SMS and WhatsApp line (signed requests).

The worker texts the poster's code; the line asks each question, 1 sí / 2 no /
3 no sé; the last answer stores them all. One answer per phone; the number is
kept nowhere but in a keyed hash.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import connection

from remedia.intake.channels import sms as line
from remedia.intake.models import Report
from remedia.remediation import surveys
from remedia.remediation.models import (
    Answer,
    Course,
    MeasureType,
    ResponseChannel,
    Survey,
    SurveyAnswer,
    SurveyResponse,
)
from tests.channels.support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    WORKER,
    WORKER_DIGITS,
    database_text,
    sms,
)
from tests.support.remediation import World

pytestmark = pytest.mark.django_db

QUESTIONS = [
    (
        "¿Leyeron la carta de neutralidad en su turno?",
        "Was the letter read on your shift?",
    ),
    ("¿La carta está en el tablero?", "Is the letter on the notice board?"),
    ("¿Alguien le pidió no afiliarse?", "Did anyone ask you not to join?"),
]
THANKS = "Gracias. Su respuesta quedó registrada."
ALREADY = "Ya respondió esta encuesta. Gracias."


@pytest.fixture(autouse=True)
def telephony(settings) -> None:
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.REMEDIA_BASE_URL = "https://remedia.example.org"


@pytest.fixture
def survey(world: World, course: Course) -> Survey:
    measure = course.measures.get(type=MeasureType.NEUTRALITY_STATEMENT)
    return surveys.survey_open(
        user=world.monitor.user, measure=measure, questions=QUESTIONS
    )


def _stored() -> tuple[int, int]:
    return SurveyResponse.objects.count(), SurveyAnswer.objects.count()


def _answer_all(client, sender: str, survey: Survey, replies: list[str]) -> list[str]:
    return [sms(client, sender, f"ENCUESTA {survey.code}")] + [
        sms(client, sender, reply) for reply in replies
    ]


# --- A whole survey ------------------------------------------------------------------


def test_a_worker_answers_every_question_by_sms(client, survey):
    # when the worker texts the poster's code and answers each question
    answers = _answer_all(client, WORKER, survey, ["1", "no", "3"])

    # then each answer asks the next question, in Spanish, one per message
    assert (
        f"Encuesta {survey.code} sobre INISA planta Rincón de Romos: 3 preguntas"
        in answers[0]
    )
    assert (
        "Pregunta 1 de 3: ¿Leyeron la carta de neutralidad en su turno?" in answers[0]
    )
    assert "Responda 1 sí, 2 no o 3 no sé." in answers[0]
    assert "Pregunta 2 de 3: ¿La carta está en el tablero?" in answers[1]
    assert "Pregunta 3 de 3: ¿Alguien le pidió no afiliarse?" in answers[2]
    # and the last stores the three answers at once, as an SMS response
    assert answers[3] == THANKS
    response = SurveyResponse.objects.get()
    assert response.channel == ResponseChannel.SMS
    assert [a.value for a in response.answers.order_by("question__position")] == [
        Answer.YES,
        Answer.NO,
        Answer.UNSURE,
    ]
    # and the conversation is over
    assert line.handler_state_load("survey", WORKER) is None


def test_nothing_is_stored_until_the_last_answer(client, survey):
    sms(client, WORKER, f"encuesta {survey.code.lower()}")
    sms(client, WORKER, "sí")

    assert _stored() == (0, 0)
    assert line.handler_state_load("survey", WORKER) is not None


def test_a_second_attempt_from_the_same_phone_is_refused_kindly(client, survey):
    _answer_all(client, WORKER, survey, ["1", "1", "1"])

    again = sms(client, WORKER, f"ENCUESTA {survey.code}")
    # WhatsApp from the same phone is the same respondent
    by_whatsapp = sms(client, "whatsapp:" + WORKER, f"ENCUESTA {survey.code}")

    assert again == ALREADY
    assert by_whatsapp == ALREADY
    assert _stored() == (1, 3)
    assert line.handler_state_load("survey", WORKER) is None


def test_an_answer_that_arrived_meanwhile_from_whatsapp_refuses_the_last_kindly(
    client, survey
):
    # given a worker half-way through by SMS
    sms(client, WORKER, f"ENCUESTA {survey.code}")
    sms(client, WORKER, "1")
    sms(client, WORKER, "1")
    # who answered the whole survey meanwhile by WhatsApp
    _answer_all(client, "whatsapp:" + WORKER, survey, ["2", "2", "2"])

    last = sms(client, WORKER, "1")

    assert last == ALREADY
    assert _stored() == (1, 3)
    assert set(SurveyAnswer.objects.values_list("value", flat=True)) == {Answer.NO}


def test_other_phones_answer_too(client, survey):
    _answer_all(client, WORKER, survey, ["1", "1", "1"])
    _answer_all(client, "+5214491112233", survey, ["2", "2", "2"])

    assert _stored() == (2, 6)


def test_survey_in_english_asks_the_english_questions(client, survey):
    answers = [sms(client, WORKER, f"SURVEY {survey.code}")] + [
        sms(client, WORKER, reply) for reply in ["yes", "no", "3"]
    ]

    assert "Was the letter read on your shift?" in answers[0]
    assert "Is the letter on the notice board?" in answers[1]
    assert "Did anyone ask you not to join?" in answers[2]
    assert "¿" not in answers[0] + answers[1] + answers[2]
    assert SurveyResponse.objects.count() == 1


# --- Finding the survey --------------------------------------------------------------


def test_the_bare_code_starts_the_survey(client, survey):
    answer = sms(client, WORKER, survey.code)

    assert "Pregunta 1 de 3" in answer


@pytest.mark.parametrize("code", ["K7M4QX", "ENCUESTA K7M4QX", "encuesta k7m-4qx"])
def test_an_unknown_code_gets_a_kind_answer(client, survey, code):
    assert survey.code != "K7M4QX"

    answer = sms(client, WORKER, code)

    assert "No hay ninguna encuesta con ese código" in answer
    assert line.handler_state_load("survey", WORKER) is None


def test_a_malformed_code_after_the_keyword_is_explained(client, survey):
    answer = sms(client, WORKER, "ENCUESTA K7M")

    assert "El código tiene 6 letras y números" in answer


def test_a_closed_survey_gets_a_kind_answer(client, world, survey):
    surveys.survey_close(user=world.monitor.user, survey=survey)

    answer = sms(client, WORKER, f"ENCUESTA {survey.code}")

    assert "Esta encuesta ya cerró" in answer
    assert _stored() == (0, 0)


def test_a_survey_closed_mid_way_ends_the_conversation_kindly(client, world, survey):
    sms(client, WORKER, f"ENCUESTA {survey.code}")
    surveys.survey_close(user=world.monitor.user, survey=survey)

    answer = sms(client, WORKER, "1")

    assert "Esta encuesta ya cerró" in answer
    assert line.handler_state_load("survey", WORKER) is None
    assert _stored() == (0, 0)


def test_a_word_shaped_like_a_code_is_not_taken_for_one(client, survey):
    # Six letters of the codes' alphabet, no digit: a word, not a survey
    answer = sms(client, WORKER, "QUEJAS")

    assert "Hola. Aquí puede denunciar abusos" in answer
    assert line.handler_state_load("survey", WORKER) is None


@pytest.mark.usefixtures("orgs")
def test_menu_digits_and_receipts_are_not_codes(client, survey):
    menu = sms(client, WORKER, "3")
    assert "fábrica o centro de trabajo" in menu
    sms(client, WORKER, "BORRAR")

    receipt = sms(client, WORKER, "2345 6789 2345 6789")
    assert "Ese recibo no corresponde a ninguna denuncia" in receipt
    assert line.handler_state_load("survey", WORKER) is None


# --- Beside the report conversation ------------------------------------------------------


def test_answers_during_the_survey_are_not_taken_for_the_report_menu(client, survey):
    sms(client, WORKER, f"ENCUESTA {survey.code}")

    answer = sms(client, WORKER, "3")

    assert "Pregunta 2 de 3" in answer
    assert line.conversation_load(WORKER) is None


def test_nonsense_repeats_the_question(client, survey):
    sms(client, WORKER, f"ENCUESTA {survey.code}")

    answer = sms(client, WORKER, "quizás")

    assert "No entendimos su respuesta." in answer
    assert "Pregunta 1 de 3" in answer


def test_borrar_ends_the_survey_without_answering(client, survey):
    sms(client, WORKER, f"ENCUESTA {survey.code}")
    sms(client, WORKER, "1")
    sms(client, WORKER, "1")

    answer = sms(client, WORKER, "BORRAR")
    after = sms(client, WORKER, "1")

    assert "borramos lo que nos escribió" in answer
    assert line.handler_state_load("survey", WORKER) is None
    assert _stored() == (0, 0)
    # "1" now is the report menu's first category
    assert "fábrica o centro de trabajo" in after


def test_hola_leaves_the_survey_for_the_report(client, survey):
    sms(client, WORKER, f"ENCUESTA {survey.code}")

    answer = sms(client, WORKER, "Hola")

    assert "Hola. Aquí puede denunciar abusos" in answer
    assert line.handler_state_load("survey", WORKER) is None


def test_help_during_the_survey_repeats_the_question_and_keeps_it(client, survey):
    sms(client, WORKER, f"ENCUESTA {survey.code}")
    sms(client, WORKER, "1")

    answer = sms(client, WORKER, "AYUDA")
    then = sms(client, WORKER, "2")

    assert "no guardamos su número" in answer
    assert "Pregunta 2 de 3" in answer
    assert "Pregunta 3 de 3" in then


def test_help_tells_how_to_answer_a_survey(client, survey):
    answer = sms(client, WORKER, "AYUDA")

    assert "escriba ENCUESTA y el código del cartel" in answer


def test_a_bare_code_while_writing_a_report_is_the_reports_answer(client, survey):
    sms(client, WORKER, "Hola")
    sms(client, WORKER, "3")

    # the workplace's name, which happens to look like a code
    answer = sms(client, WORKER, survey.code)

    assert "¿En qué estado está?" in answer
    assert line.conversation_load(WORKER).facility == survey.code
    assert line.handler_state_load("survey", WORKER) is None


def test_a_survey_started_mid_report_comes_back_to_the_report(client, survey):
    # given a worker writing a report, at the workplace question
    sms(client, WORKER, "Hola")
    sms(client, WORKER, "3")
    before = line.conversation_load(WORKER)

    # when they answer a poster's survey in between
    answers = _answer_all(client, WORKER, survey, ["1", "2", "1"])

    # then the survey is stored and the report's question comes back
    assert "Pregunta 1 de 3" in answers[0]
    assert answers[-1].startswith(THANKS)
    assert "Para seguir con su denuncia:" in answers[-1]
    assert "fábrica o centro de trabajo" in answers[-1]
    assert line.conversation_load(WORKER) == before
    assert SurveyResponse.objects.count() == 1
    assert not Report.objects.exists()


# --- Nothing that leads back to the worker ---------------------------------------------


def test_no_phone_number_is_stored_anywhere(client, survey, caplog):
    sms(client, WORKER, f"ENCUESTA {survey.code}")
    sms(client, WORKER, "1")
    sms(client, WORKER, "2")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM remedia_cache")
        mid_way = repr(cursor.fetchall())
    sms(client, WORKER, "3")

    # the response rows hold a keyed hash, the day and the channel
    rows = list(SurveyResponse.objects.values_list())
    assert rows
    for row in rows:
        for value in row:
            assert WORKER_DIGITS not in str(value)
    response = SurveyResponse.objects.get()
    assert response.respondent == surveys.respondent_hash(
        survey=survey, channel=ResponseChannel.SMS, token=WORKER
    )
    # and no table, no cache entry, no log line has the number
    assert WORKER_DIGITS.encode() not in database_text()
    assert WORKER_DIGITS not in mid_way
    assert survey.code not in mid_way
    for record in caplog.records:
        assert WORKER_DIGITS not in repr(vars(record)), record.getMessage()


def test_the_intake_never_imports_remediation():
    # The direction is core <- intake <- ... <- remediation: the line reaches
    # the survey only through the handler remediation registers.
    intake = Path(__file__).resolve().parents[2] / "remedia" / "intake"
    offenders = []
    for path in intake.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {name}"
                for name in names
                if name.startswith("remedia.remediation")
            ]
    assert offenders == []
