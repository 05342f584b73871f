"""API of worker verification surveys, mounted at /api/v1/remediation.

Staff (bearer token): open a survey on a measure, read it with its results,
close it. Every measure and survey comes through the scoped selectors of
``surveys.py``: another organisation's is 404 exactly like a missing one;
opening and closing need the course's manage right (403 otherwise). Results
follow the threshold rule (``surveys.ResultsAccess``): nothing below
``SMALL_COUNT`` answers, and ``results`` is ``null`` for a facility officer
until the survey closes.

Workers (no auth): read a survey's questions by its posted code and answer.
The body's ``respondent`` is a random value the client makes once (at least
128 bits, e.g. 22+ URL-safe characters) and keeps; it plays the part of the
web page's cookie. A client that chooses a new one can answer again, exactly
like a browser that clears its cookies: that is no weaker than the web page,
and it is why the results are a signal, not a vote. Only the token's keyed
hash is stored, under a different namespace from SMS phone numbers, so a
client cannot use up a worker's SMS answer by sending their number.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.core.kit import request_user as _user
from remedia.remediation import surveys
from remedia.remediation.models import ResponseChannel, Survey

router = Router(tags=["remediation (surveys)"])


# --- Schemas -----------------------------------------------------------------------------


class QuestionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=surveys.QUESTION_MAX, description="In Spanish.")
    text_en: str = Field("", max_length=surveys.QUESTION_MAX)


class SurveyOpenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    questions: list[QuestionIn] | None = Field(
        None,
        description=(
            f"Up to {surveys.MAX_QUESTIONS}; without it, the catalogue's questions "
            "for the measure's type."
        ),
    )
    closes_on: dt.date | None = Field(None, description="Last day to answer.")


class QuestionOut(Schema):
    id: uuid.UUID
    position: int
    text: str
    text_en: str


class QuestionResultOut(Schema):
    id: uuid.UUID
    position: int
    text: str
    text_en: str
    yes: int | None
    no: int | None
    unsure: int | None
    yes_percent: int | None
    no_percent: int | None
    unsure_percent: int | None


class ResultsOut(Schema):
    answered: int | None = Field(
        description='Answers so far; null from 1 to threshold - 1 ("menos de 5").'
    )
    shown: bool = Field(description="Whether counts are shown (answered >= threshold).")
    threshold: int
    questions: list[QuestionResultOut]


class SurveyOut(Schema):
    id: uuid.UUID
    code: str
    status: str
    accepting: bool = Field(description="Open and not past its last day.")
    closes_on: dt.date | None
    measure_id: uuid.UUID
    course_id: uuid.UUID
    url: str = Field(description="Where workers answer (the poster's QR code).")
    created_at: dt.datetime
    questions: list[QuestionOut]
    results: ResultsOut | None = Field(
        description="Null when the caller may not see results yet (facility officer)."
    )


class PublicQuestionOut(Schema):
    id: uuid.UUID
    position: int
    text: str
    text_en: str


class PublicSurveyOut(Schema):
    code: str
    measure_type: str
    measure: str
    facility: str
    answers: list[str] = Field(description="The values each answer may take.")
    questions: list[PublicQuestionOut]


class ResponseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    respondent: str = Field(
        min_length=surveys.TOKEN_MIN,
        max_length=surveys.TOKEN_MAX,
        description="A random value the client makes once and keeps (128+ bits).",
    )
    answers: dict[str, str] = Field(
        description='Question id to "yes", "no" or "unsure", for every question.'
    )


class ThanksOut(Schema):
    detail: str


# --- Helpers ----------------------------------------------------------------------------


def _results_out(results: surveys.SurveyResults) -> dict[str, Any]:
    return {
        "answered": results.answered_shown.value,
        "shown": results.shown,
        "threshold": results.threshold,
        "questions": [
            {
                "id": q.id,
                "position": q.position,
                "text": q.text,
                "text_en": q.text_en,
                "yes": q.yes,
                "no": q.no,
                "unsure": q.unsure,
                "yes_percent": q.yes_percent,
                "no_percent": q.no_percent,
                "unsure_percent": q.unsure_percent,
            }
            for q in results.questions
        ],
    }


def _survey_out(request: HttpRequest, survey: Survey, *, user: Any) -> dict[str, Any]:
    viewer = surveys.ResultsAccess(user=user, course=survey.measure.course)
    return {
        "id": survey.pk,
        "code": survey.code,
        "status": survey.status,
        "accepting": surveys.survey_accepting(survey),
        "closes_on": survey.closes_on,
        "measure_id": survey.measure_id,
        "course_id": survey.measure.course_id,
        "url": request.build_absolute_uri(reverse("survey:answer", args=[survey.code])),
        "created_at": survey.created_at,
        "questions": [
            {"id": q.pk, "position": q.position, "text": q.text, "text_en": q.text_en}
            for q in surveys.survey_questions(survey)
        ],
        "results": _results_out(surveys.survey_results(survey))
        if viewer.sees(survey)
        else None,
    }


# --- Workers (no auth). Registered first: "by-code" is never a survey id. ----------------


@router.get(
    "/surveys/by-code/{code}",
    auth=None,
    response=PublicSurveyOut,
    summary="A survey's questions, by the code posted at the facility (no auth)",
)
def survey_by_code(request: HttpRequest, code: str) -> dict[str, Any]:
    survey = surveys.survey_find_by_code(code=code)
    measure = survey.measure
    return {
        "code": survey.code,
        "measure_type": measure.type,
        "measure": str(measure.get_type_display()),
        "facility": measure.course.facility.name,
        "answers": ["yes", "no", "unsure"],
        "questions": [
            {"id": q.pk, "position": q.position, "text": q.text, "text_en": q.text_en}
            for q in surveys.survey_questions(survey)
        ],
    }


@router.post(
    "/surveys/by-code/{code}/responses",
    auth=None,
    response={201: ThanksOut},
    summary="Answer a survey anonymously; once per respondent token (no auth)",
)
def survey_respond(
    request: HttpRequest, code: str, payload: ResponseIn
) -> Status[ThanksOut]:
    survey = surveys.survey_find_by_code(code=code, throttle_key=payload.respondent)
    surveys.survey_answer(
        survey=survey,
        respondent_token=payload.respondent,
        channel=ResponseChannel.WEB,
        answers=payload.answers,
    )
    return Status(201, ThanksOut(detail=str(surveys.THANKS)))


# --- Staff --------------------------------------------------------------------------------


@router.post(
    "/measures/{measure_id}/surveys",
    response={201: SurveyOut},
    summary="Open a worker verification survey on a measure (course managers)",
)
def survey_create(
    request: HttpRequest, measure_id: uuid.UUID, payload: SurveyOpenIn
) -> Status[SurveyOut]:
    user = _user(request)
    measure = surveys.measure_get_for_user(user=user, measure_id=measure_id)
    questions = (
        None
        if payload.questions is None
        else [
            surveys.QuestionDraft(text=q.text, text_en=q.text_en)
            for q in payload.questions
        ]
    )
    survey = surveys.survey_open(
        user=user, measure=measure, questions=questions, closes_on=payload.closes_on
    )
    survey = surveys.survey_get_for_user(user=user, survey_id=survey.pk)
    return Status(201, SurveyOut(**_survey_out(request, survey, user=user)))


@router.get(
    "/surveys/{survey_id}",
    response=SurveyOut,
    summary="A survey with its results (shown from 5 answers)",
)
def survey_read(request: HttpRequest, survey_id: uuid.UUID) -> dict[str, Any]:
    user = _user(request)
    survey = surveys.survey_get_for_user(user=user, survey_id=survey_id)
    return _survey_out(request, survey, user=user)


@router.post(
    "/surveys/{survey_id}/close",
    response=SurveyOut,
    summary="Close a survey: no more answers (course managers)",
)
def survey_close(request: HttpRequest, survey_id: uuid.UUID) -> dict[str, Any]:
    user = _user(request)
    survey = surveys.survey_get_for_user(user=user, survey_id=survey_id)
    surveys.survey_close(user=user, survey=survey)
    return _survey_out(request, survey, user=user)
