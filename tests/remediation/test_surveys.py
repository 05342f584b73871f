"""Worker verification surveys, the services and selectors: codes, answers, threshold."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import Model
from django.test import override_settings
from django.utils import timezone, translation

from remedia.core.errors import InvalidInput, PermissionDenied, Throttled
from remedia.core.models import AuditEntry
from remedia.remediation import surveys
from remedia.remediation.catalogue import entry_for
from remedia.remediation.models import (
    Course,
    Measure,
    MeasureType,
    ResponseChannel,
    Survey,
    SurveyAnswer,
    SurveyResponse,
)
from tests.support.remediation import World

pytestmark = pytest.mark.django_db

TOKEN = "browser-token-0123456789abcdef"


def measure_of(course: Course, measure_type: str) -> Measure:
    return course.measures.get(type=measure_type)


@pytest.fixture
def statement(course: Course) -> Measure:
    return measure_of(course, MeasureType.NEUTRALITY_STATEMENT)


@pytest.fixture
def survey(world: World, statement: Measure) -> Survey:
    return surveys.survey_open(user=world.monitor.user, measure=statement)


def all_answered(survey: Survey, value: str = "yes") -> dict[str, str]:
    return {str(q.pk): value for q in survey.questions.all()}


def answer_as(survey: Survey, token: str, *values: str) -> SurveyResponse:
    questions = surveys.survey_questions(survey)
    chosen = values or ("yes",) * len(questions)
    return surveys.survey_answer(
        survey=survey,
        respondent_token=token,
        channel=ResponseChannel.WEB,
        answers={str(q.pk): v for q, v in zip(questions, chosen, strict=True)},
    )


def stored() -> tuple[int, int]:
    return SurveyResponse.objects.count(), SurveyAnswer.objects.count()


# --- Codes -------------------------------------------------------------------------------


def test_codes_are_six_unambiguous_uppercase_characters() -> None:
    codes = [surveys.code_new() for _ in range(3000)]

    assert all(re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", code) for code in codes)
    used = set("".join(codes))
    assert not used & set("0O1IL")
    assert used == set(surveys.CODE_ALPHABET)
    assert len(surveys.CODE_ALPHABET) == 31


def test_a_code_already_taken_is_never_given_again(
    world: World, course: Course, survey: Survey, monkeypatch
) -> None:
    # given the generator hands out the first survey's code once more
    offered = iter([survey.code, "ABCDEF"])
    monkeypatch.setattr(surveys, "code_new", lambda: next(offered))

    # when a second survey opens on another measure
    other = surveys.survey_open(
        user=world.monitor.user,
        measure=measure_of(course, MeasureType.CONDUCT_GUIDELINES),
    )

    # then it gets the next, free code
    assert other.code == "ABCDEF"
    assert Survey.objects.filter(code=survey.code).count() == 1


def test_what_the_worker_types_is_normalised(survey: Survey) -> None:
    Survey.objects.filter(pk=survey.pk).update(code="K7M4QX")

    for typed in ("K7M4QX", "k7m4qx", " k7m-4qx ", "K7 M4 QX", "k7m.4qx"):
        assert surveys.survey_find_by_code(code=typed).pk == survey.pk


def test_a_code_that_cannot_be_one_is_refused_clearly(survey: Survey) -> None:
    for typed in ("", "K7M4Q", "K7M4QXZ", "K7M0QX", "K7M1QX"):
        with pytest.raises(InvalidInput) as caught:
            surveys.survey_find_by_code(code=typed)
        assert caught.value.errors[0]["field"] == "code"
        assert "6 letras y números" in caught.value.reasons[0]


def test_an_unknown_code_is_not_found(survey: Survey) -> None:
    with pytest.raises(surveys.SurveyCodeUnknown) as caught:
        surveys.survey_find_by_code(
            code="ZZZZZZ" if survey.code != "ZZZZZZ" else "YYYYYY"
        )
    assert caught.value.status_code == 404
    assert "No hay ninguna encuesta con ese código" in caught.value.reasons[0]


# --- Guessing ----------------------------------------------------------------------------


def unknown_code(survey: Survey) -> str:
    return "ZZZZZZ" if survey.code != "ZZZZZZ" else "YYYYYY"


def test_one_browser_guessing_is_slowed_and_others_are_not(survey: Survey) -> None:
    # given a browser that tried ten wrong codes, each answered plainly
    for _ in range(10):
        with pytest.raises(surveys.SurveyCodeUnknown):
            surveys.survey_find_by_code(
                code=unknown_code(survey), throttle_key="a" * 43
            )

    # then even the right code waits, in that browser only
    with pytest.raises(Throttled) as caught:
        surveys.survey_find_by_code(code=survey.code, throttle_key="a" * 43)
    assert caught.value.retry_after > 0
    assert surveys.survey_find_by_code(code=survey.code, throttle_key="b" * 43)


@override_settings(REMEDIA_SURVEY_CODE_FAILURES_PER_MINUTE=3)
def test_wrong_codes_from_everywhere_meet_a_ceiling(survey: Survey) -> None:
    # malformed codes cannot hit, so they do not count
    for _ in range(5):
        with pytest.raises(InvalidInput):
            surveys.survey_find_by_code(code="0000")
    assert surveys.survey_find_by_code(code=survey.code)

    # three wrong codes from three "browsers" (or none) reach the ceiling
    for key in ("x" * 43, "y" * 43, None):
        with pytest.raises(surveys.SurveyCodeUnknown):
            surveys.survey_find_by_code(code=unknown_code(survey), throttle_key=key)

    with pytest.raises(Throttled):
        surveys.survey_find_by_code(code=survey.code, throttle_key="fresh" * 9)


# --- Opening and closing -----------------------------------------------------------------


def test_a_survey_opens_with_the_catalogue_questions(
    world: World, statement: Measure, survey: Survey
) -> None:
    questions = surveys.survey_questions(survey)
    catalogue = entry_for(MeasureType.NEUTRALITY_STATEMENT).survey_questions
    with translation.override("es-mx"):
        spanish = [str(m) for m in catalogue]
    with translation.override("en"):
        english = [str(m) for m in catalogue]

    assert [q.text for q in questions] == spanish
    assert questions[0].text == (
        "¿Vio publicada la declaración de neutralidad de la empresa?"
    )
    assert [q.text_en for q in questions] == [
        "" if en == es else en for en, es in zip(english, spanish, strict=True)
    ]
    assert [q.position for q in questions] == [1, 2]
    assert survey.status == "open"
    assert survey.created_by == world.monitor.user
    assert AuditEntry.objects.filter(
        action="survey.opened", object_id=str(survey.pk)
    ).exists()


def test_the_monitor_writes_up_to_five_questions(
    world: World, statement: Measure
) -> None:
    survey = surveys.survey_open(
        user=world.monitor.user,
        measure=statement,
        questions=[
            surveys.QuestionDraft("¿Vio el cartel en el comedor?", "Did you see it?"),
            "  ¿Se lo   explicaron?  ",
        ],
        closes_on=timezone.localdate() + dt.timedelta(days=30),
    )

    assert [(q.text, q.text_en) for q in surveys.survey_questions(survey)] == [
        ("¿Vio el cartel en el comedor?", "Did you see it?"),
        ("¿Se lo explicaron?", ""),
    ]


@pytest.mark.parametrize(
    ("questions", "field", "reason"),
    [
        ([f"¿Pregunta {n}?" for n in range(6)], "questions", "como máximo 5"),
        (["¿Bien?", "   "], "questions.1.text", "Escriba la pregunta 2 en español"),
        (["x" * 301], "questions.0.text", "demasiado larga"),
        ([], "questions", "al menos una pregunta"),
    ],
)
def test_bad_questions_open_nothing(
    world: World, statement: Measure, questions, field, reason
) -> None:
    with pytest.raises(InvalidInput) as caught:
        surveys.survey_open(
            user=world.monitor.user, measure=statement, questions=questions
        )

    assert caught.value.errors[0]["field"] == field
    assert reason in caught.value.reasons[0]
    assert not Survey.objects.exists()


def test_a_measure_without_catalogue_questions_needs_some(
    world: World, course: Course
) -> None:
    policy = measure_of(course, MeasureType.ZERO_TOLERANCE_POLICY)
    with pytest.raises(InvalidInput, match="Hay datos"):
        surveys.survey_open(user=world.monitor.user, measure=policy)
    assert not Survey.objects.exists()


def test_a_last_day_in_the_past_is_refused(world: World, statement: Measure) -> None:
    with pytest.raises(InvalidInput) as caught:
        surveys.survey_open(
            user=world.monitor.user,
            measure=statement,
            closes_on=timezone.localdate() - dt.timedelta(days=1),
        )
    assert caught.value.errors[0]["field"] == "closes_on"


def test_only_managers_open_and_close_surveys(world: World, statement: Measure) -> None:
    for staff in (world.officer, world.analyst, world.stranger):
        with pytest.raises(PermissionDenied):
            surveys.survey_open(user=staff.user, measure=statement)
    assert not Survey.objects.exists()

    survey = surveys.survey_open(user=world.monitor.user, measure=statement)
    for staff in (world.officer, world.analyst):
        with pytest.raises(PermissionDenied):
            surveys.survey_close(user=staff.user, survey=survey)
    survey.refresh_from_db()
    assert survey.status == "open"


def test_one_open_survey_per_measure(world: World, survey: Survey) -> None:
    with pytest.raises(surveys.ApplicationError, match=survey.code):
        surveys.survey_open(user=world.monitor.user, measure=survey.measure)

    surveys.survey_close(user=world.monitor.user, survey=survey)
    again = surveys.survey_open(user=world.monitor.user, measure=survey.measure)
    assert again.code != survey.code


def test_closing_twice_is_refused(world: World, survey: Survey) -> None:
    surveys.survey_close(user=world.monitor.user, survey=survey)
    with pytest.raises(surveys.ApplicationError, match="ya está cerrada"):
        surveys.survey_close(user=world.monitor.user, survey=survey)
    assert AuditEntry.objects.filter(action="survey.closed").count() == 1


# --- Answering ---------------------------------------------------------------------------


def test_a_worker_answers_every_question(survey: Survey) -> None:
    first, second = surveys.survey_questions(survey)

    response = surveys.survey_answer(
        survey=survey,
        respondent_token=TOKEN,
        channel=ResponseChannel.WEB,
        answers={first.pk: "yes", str(second.pk).upper(): " Unsure "},
    )

    assert response.answered_on == timezone.localdate()
    assert response.channel == "web"
    assert dict(response.answers.values_list("question_id", "value")) == {
        first.pk: "yes",
        second.pk: "unsure",
    }


def test_a_missing_answer_saves_nothing_and_names_the_question(
    survey: Survey,
) -> None:
    first, second = surveys.survey_questions(survey)

    with pytest.raises(InvalidInput) as caught:
        surveys.survey_answer(
            survey=survey,
            respondent_token=TOKEN,
            channel=ResponseChannel.WEB,
            answers={str(first.pk): "yes"},
        )

    assert caught.value.errors == [
        {
            "field": f"answers.{second.pk}",
            "reason": caught.value.errors[0]["reason"],
        }
    ]
    assert str(caught.value.errors[0]["reason"]) == (
        "Falta su respuesta a la pregunta 2: «¿Recibió una copia de la declaración?»"
    )
    assert stored() == (0, 0)


@pytest.mark.parametrize("value", ["maybe", "sí", "", 1, None, "yes please"])
def test_an_answer_outside_yes_no_unsure_saves_nothing(survey: Survey, value) -> None:
    first, second = surveys.survey_questions(survey)

    with pytest.raises(InvalidInput) as caught:
        surveys.survey_answer(
            survey=survey,
            respondent_token=TOKEN,
            channel=ResponseChannel.WEB,
            answers={str(first.pk): "no", str(second.pk): value},
        )

    assert [e["field"] for e in caught.value.errors] == [f"answers.{second.pk}"]
    assert "pregunta 2" in caught.value.reasons[0]
    assert stored() == (0, 0)


def test_an_answer_to_another_question_saves_nothing(survey: Survey) -> None:
    answers = all_answered(survey)
    answers["00000000-0000-0000-0000-000000000000"] = "yes"

    with pytest.raises(InvalidInput) as caught:
        surveys.survey_answer(
            survey=survey,
            respondent_token=TOKEN,
            channel=ResponseChannel.WEB,
            answers=answers,
        )

    assert "No es una pregunta de esta encuesta" in caught.value.reasons[0]
    assert stored() == (0, 0)
    # thousands of made-up keys get a few lines back, not thousands
    answers.update({f"made-up-{n}": "yes" for n in range(5000)})
    with pytest.raises(InvalidInput) as caught:
        surveys.survey_answer(
            survey=survey,
            respondent_token=TOKEN,
            channel=ResponseChannel.WEB,
            answers=answers,
        )
    assert len(caught.value.errors) == 10


def test_answers_must_be_a_mapping(survey: Survey) -> None:
    with pytest.raises(InvalidInput):
        surveys.survey_answer(
            survey=survey,
            respondent_token=TOKEN,
            channel=ResponseChannel.WEB,
            answers=["yes", "no"],  # type: ignore[arg-type]
        )
    assert stored() == (0, 0)


def test_a_second_answer_from_the_same_browser_is_refused_kindly(
    survey: Survey,
) -> None:
    answer_as(survey, TOKEN, "yes", "yes")

    with pytest.raises(surveys.AlreadyAnswered) as caught:
        answer_as(survey, TOKEN, "no", "no")

    assert caught.value.reasons == ["Ya respondió esta encuesta. Gracias."]
    assert caught.value.status_code == 409
    assert stored() == (1, 2)
    assert set(SurveyAnswer.objects.values_list("value", flat=True)) == {"yes"}
    # another browser still answers
    answer_as(survey, TOKEN + "-other")
    assert stored() == (2, 4)


def test_a_second_answer_racing_the_first_is_refused_by_the_constraint(
    survey: Survey, monkeypatch
) -> None:
    # given the same browser's other request commits between our check and insert
    clean = surveys._clean_answers

    def other_request_commits_first(questions, answers):
        SurveyResponse.objects.create(
            survey=survey,
            respondent=surveys.respondent_hash(
                survey=survey, channel=ResponseChannel.WEB, token=TOKEN
            ),
            channel=ResponseChannel.WEB,
            answered_on=timezone.localdate(),
        )
        return clean(questions, answers)

    monkeypatch.setattr(surveys, "_clean_answers", other_request_commits_first)

    # when this one inserts, the unique constraint refuses it
    with pytest.raises(surveys.AlreadyAnswered):
        answer_as(survey, TOKEN)

    # then only the other request's row is there, and the transaction is usable
    assert stored() == (1, 0)
    monkeypatch.undo()
    answer_as(survey, "another-browser-token-000000")
    assert stored() == (2, 2)


def test_the_same_phone_answers_once_by_sms_or_whatsapp(survey: Survey) -> None:
    surveys.survey_answer_by_phone(
        survey=survey, phone="+52 1 449 123-4567", answers=all_answered(survey)
    )

    with pytest.raises(surveys.AlreadyAnswered):
        surveys.survey_answer_by_phone(
            survey=survey,
            phone="whatsapp:+5214491234567",
            answers=all_answered(survey, "no"),
        )
    with pytest.raises(surveys.AlreadyAnswered):
        surveys.survey_answer(
            survey=survey,
            respondent_token="+5214491234567",
            channel=ResponseChannel.SMS,
            answers=all_answered(survey, "no"),
        )

    assert stored() == (1, 2)
    assert SurveyResponse.objects.get().channel == "sms"
    surveys.survey_answer_by_phone(
        survey=survey, phone="+5214491234568", answers=all_answered(survey)
    )
    assert stored() == (2, 4)


def test_a_web_token_cannot_use_up_a_phones_sms_answer(survey: Survey) -> None:
    # given someone sends a worker's number as their web token first
    answer_as(survey, "whatsapp:+5214491234567")
    answer_as(survey, "+5214491234567-padding")

    # then the worker's own SMS answer is still taken
    surveys.survey_answer_by_phone(
        survey=survey, phone="+5214491234567", answers=all_answered(survey)
    )
    assert SurveyResponse.objects.filter(channel="sms").count() == 1


def test_a_token_too_short_or_a_phone_without_digits_is_refused(
    survey: Survey,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        answer_as(survey, "short")
    assert caught.value.errors[0]["field"] == "respondent"
    with pytest.raises(InvalidInput):
        surveys.survey_answer_by_phone(
            survey=survey, phone="whatsapp:", answers=all_answered(survey)
        )
    with pytest.raises(InvalidInput) as caught:
        surveys.survey_answer(
            survey=survey,
            respondent_token=TOKEN,
            channel="carrier-pigeon",
            answers=all_answered(survey),
        )
    assert caught.value.errors[0]["field"] == "channel"
    assert stored() == (0, 0)


def test_a_closed_survey_takes_no_answers(world: World, survey: Survey) -> None:
    surveys.survey_close(user=world.monitor.user, survey=survey)

    with pytest.raises(surveys.SurveyClosed) as caught:
        answer_as(survey, TOKEN)
    assert "ya cerró" in caught.value.reasons[0]
    with pytest.raises(surveys.SurveyClosed):
        surveys.survey_find_by_code(code=survey.code)
    assert stored() == (0, 0)


def test_a_survey_past_its_last_day_takes_no_answers(survey: Survey) -> None:
    today = timezone.localdate()
    Survey.objects.filter(pk=survey.pk).update(closes_on=today)
    survey.refresh_from_db()
    answer_as(survey, TOKEN)  # the last day itself still counts

    Survey.objects.filter(pk=survey.pk).update(closes_on=today - dt.timedelta(days=1))
    survey.refresh_from_db()
    with pytest.raises(surveys.SurveyClosed):
        surveys.survey_find_by_code(code=survey.code)
    with pytest.raises(surveys.SurveyClosed):
        answer_as(survey, TOKEN + "-2")
    assert stored() == (1, 2)


def test_a_survey_closed_while_a_worker_answers_takes_nothing(
    world: World, survey: Survey
) -> None:
    # the worker's page loaded the survey while it was open
    Survey.objects.filter(pk=survey.pk).update(status="closed")

    with pytest.raises(surveys.SurveyClosed):
        answer_as(survey, TOKEN)
    assert stored() == (0, 0)


# --- What is kept about a worker ---------------------------------------------------------


def _values(row: Model) -> list[str]:
    return [str(getattr(row, f.attname)) for f in row._meta.concrete_fields]


def test_a_response_keeps_nothing_that_identifies_the_worker(survey: Survey) -> None:
    response = answer_as(survey, TOKEN)

    # only the day, the channel and a keyed hash: no address, agent or time
    assert {f.name for f in SurveyResponse._meta.concrete_fields} == {
        "id",
        "survey",
        "respondent",
        "channel",
        "answered_on",
    }
    assert {f.name for f in SurveyAnswer._meta.concrete_fields} == {
        "id",
        "response",
        "question",
        "value",
    }
    assert isinstance(response.answered_on, dt.date)
    assert not isinstance(response.answered_on, dt.datetime)

    # the token itself is nowhere: only its HMAC
    row = SurveyResponse.objects.get()
    assert re.fullmatch(r"[0-9a-f]{64}", row.respondent)
    assert row.respondent == surveys.respondent_hash(
        survey=survey, channel="web", token=TOKEN
    )
    for stored_row in [row, *SurveyAnswer.objects.all()]:
        assert not any(TOKEN in value for value in _values(stored_row))
    # and the hash is keyed: without the secret key it cannot be recomputed
    with override_settings(SECRET_KEY="another-secret-key-" + "x" * 40):
        assert row.respondent != surveys.respondent_hash(
            survey=survey, channel="web", token=TOKEN
        )


def test_a_phone_number_is_never_stored(survey: Survey) -> None:
    surveys.survey_answer_by_phone(
        survey=survey, phone="+5214491234567", answers=all_answered(survey)
    )
    row = SurveyResponse.objects.get()
    assert not any("4491234567" in value for value in _values(row))


def test_the_same_browser_is_a_different_respondent_in_each_survey(
    world: World, course: Course, survey: Survey
) -> None:
    other = surveys.survey_open(
        user=world.monitor.user,
        measure=measure_of(course, MeasureType.CONDUCT_GUIDELINES),
    )
    answer_as(survey, TOKEN)
    answer_as(other, TOKEN)

    first, second = SurveyResponse.objects.values_list("respondent", flat=True)
    assert first != second


# --- Results and the threshold -----------------------------------------------------------


def test_four_answers_show_nothing_and_five_show_the_counts(survey: Survey) -> None:
    for n, values in enumerate(
        [("yes", "yes"), ("yes", "no"), ("no", "unsure"), ("yes", "yes")]
    ):
        answer_as(survey, f"{TOKEN}-{n}", *values)

    four = surveys.survey_results(survey)
    assert four.answered == 4
    assert four.shown is False
    assert four.answered_shown.small
    for question in four.questions:
        assert (question.yes, question.no, question.unsure) == (None, None, None)
        assert question.yes_percent is None
        assert question.no_percent is None
        assert question.unsure_percent is None

    answer_as(survey, f"{TOKEN}-5", "unsure", "no")

    five = surveys.survey_results(survey)
    assert five.answered == 5
    assert five.shown is True
    assert five.answered_shown.value == 5
    first, second = five.questions
    assert (first.yes, first.no, first.unsure) == (3, 1, 1)
    assert (first.yes_percent, first.no_percent, first.unsure_percent) == (60, 20, 20)
    assert (second.yes, second.no, second.unsure) == (2, 2, 1)
    assert (second.yes_percent, second.no_percent, second.unsure_percent) == (
        40,
        40,
        20,
    )
    assert first.text == "¿Vio publicada la declaración de neutralidad de la empresa?"


def test_no_answers_yet(survey: Survey) -> None:
    results = surveys.survey_results(survey)
    assert (results.answered, results.shown) == (0, False)
    assert results.answered_shown.value == 0
    assert results.questions[0].yes is None


def test_a_measures_results_take_a_fixed_number_of_queries(
    world: World, survey: Survey, django_assert_num_queries
) -> None:
    answer_as(survey, TOKEN)
    surveys.survey_close(user=world.monitor.user, survey=survey)
    second = surveys.survey_open(user=world.monitor.user, measure=survey.measure)
    for n in range(5):
        answer_as(second, f"{TOKEN}-{n}")

    with django_assert_num_queries(4):
        results = surveys.measure_survey_results(survey.measure)

    assert [(r.code, r.answered, r.shown) for r in results] == [
        (second.code, 5, True),
        (survey.code, 1, False),
    ]


def test_who_sees_results(world: World, survey: Survey) -> None:
    def sees(staff) -> bool:
        return surveys.survey_results_visible(user=staff.user, survey=survey)

    assert sees(world.monitor)
    assert sees(world.analyst)
    # the employer's officer: not while workers are still answering
    assert not sees(world.officer)
    surveys.survey_close(user=world.monitor.user, survey=survey)
    survey.refresh_from_db()
    assert sees(world.officer)
    assert not sees(world.stranger)
