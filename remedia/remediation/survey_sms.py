"""Answering a verification survey by SMS or WhatsApp, on the intake's line.

The poster shows the survey's code. A worker texts "ENCUESTA K7M4QX" ("SURVEY
K7M4QX" for the survey's English text), or just the code; the line then asks
each question in turn, to be answered 1 sí, 2 no or 3 no sé, and the last answer
stores them all at once through ``surveys.survey_answer_by_phone``: one answer
per phone and survey, the number kept only as a keyed hash, nothing stored for
an unfinished survey.

The intake must not import this app, so this is a handler registered with
``intake.hooks.sms_handler_register`` at start-up. Between two messages the
line keeps what this handler returns as its state, sealed under a key derived
from the number: the survey's id, the language and the answers so far, never
the number or the code. Nothing here logs: with the log's time, a line naming
the survey would date a worker's answer.

A bare code is taken only when no report is being written on the line, and is
told apart from the line's other words: the category menu is one digit, a
receipt sixteen, and codes use no 0, 1, I, L or O. A bare code without a digit
could be a word ("QUEJAS"), so it starts a survey only when that survey exists;
otherwise the worker gets the line's greeting, as for any other word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from remedia.core.errors import ApplicationError, InvalidInput, Throttled
from remedia.intake.hooks import SmsReply, SmsTurn
from remedia.remediation import surveys
from remedia.remediation.models import (
    Answer,
    ResponseChannel,
    Survey,
    SurveyQuestion,
)

# The keyword names the language the questions are asked in.
START_WORDS = {"ENCUESTA": "es", "SURVEY": "en"}
_START = re.compile(r"^(ENCUESTA|SURVEY)\b[\s:#\-]*(.*)$")

ANSWER_WORDS: dict[str, str] = {
    **dict.fromkeys(("1", "SI", "SÍ", "S", "YES", "Y"), Answer.YES),
    **dict.fromkeys(("2", "NO", "N"), Answer.NO),
    **dict.fromkeys(
        (
            "3",
            "NO SE",
            "NO SÉ",
            "NOSE",
            "NO LO SE",
            "NO LO SÉ",
            "NO SABE",
            "DON'T KNOW",
            "DONT KNOW",
            "NOT SURE",
            "UNSURE",
        ),
        Answer.UNSURE,
    ),
}


def sms_turn(turn: SmsTurn) -> SmsReply | None:
    """The handler the line calls for each message (see ``intake.hooks``)."""
    if turn.state is not None:
        return _continue(turn)
    if turn.help_asked:
        return SmsReply(
            _(
                "Para responder una encuesta de un cartel, escriba ENCUESTA y el "
                "código del cartel."
            )
        )
    return _start(turn)


# --- Starting -----------------------------------------------------------------------


def _start(turn: SmsTurn) -> SmsReply | None:
    keyword = _START.match(turn.word)
    if keyword is not None:
        language = START_WORDS[keyword.group(1)]
        code = surveys.code_normalise(keyword.group(2))
        if turn.busy and not surveys.code_is_wellformed(code):
            # "Encuesta ..." inside an answer about the report being written.
            return None
        if not code:
            with translation.override(language):
                return SmsReply(
                    _(
                        "Escriba ENCUESTA y el código de 6 letras y números del "
                        "cartel, por ejemplo: ENCUESTA K7M4QX"
                    )
                )
        return _begin(turn, code=code, language=language, quiet=False)
    if turn.busy:
        return None
    code = surveys.code_normalise(turn.text)
    if len(turn.text) > 12 or not surveys.code_is_wellformed(code):
        return None
    # Letters only may be a word: speak up only for a survey that exists.
    return _begin(
        turn, code=code, language="es", quiet=not any(c.isdigit() for c in code)
    )


def _begin(turn: SmsTurn, *, code: str, language: str, quiet: bool) -> SmsReply | None:
    with translation.override(language):
        try:
            survey = surveys.survey_find_by_code(
                code=code, throttle_key=turn.sender_key
            )
        except surveys.SurveyClosed as exc:
            return SmsReply(str(exc.message))
        except (InvalidInput, Throttled, surveys.SurveyCodeUnknown) as exc:
            if quiet:
                return None
            return SmsReply(" ".join(exc.reasons))
        if surveys.survey_has_answered(
            survey=survey, respondent_token=turn.sender, channel=ResponseChannel.SMS
        ):
            return SmsReply(str(surveys.AlreadyAnswered().message))
        questions = surveys.survey_questions(survey)
        intro = _(
            "Encuesta %(code)s sobre %(facility)s: %(n)s preguntas. Es anónima: no "
            "guardamos su número. Para salir sin responder, escriba BORRAR."
        ) % {
            "code": survey.code,
            "facility": survey.measure.course.facility.name,
            "n": len(questions),
        }
        state = {"survey": str(survey.pk), "language": language, "answers": []}
        return SmsReply(intro + "\n" + _question(questions, 0, language), state=state)


# --- Answering ----------------------------------------------------------------------


def _continue(turn: SmsTurn) -> SmsReply | None:
    state: dict[str, Any] = turn.state or {}
    language = "en" if state.get("language") == "en" else "es"
    answers = state.get("answers")
    if not isinstance(answers, list) or not all(a in Answer.values for a in answers):
        # Not what this handler keeps: the line forgets it and starts over.
        return None
    restart = _START.match(turn.word)
    if restart is not None and surveys.code_is_wellformed(
        surveys.code_normalise(restart.group(2))
    ):
        # Another code mid-way: the worker moved on to another poster.
        return _start(turn)
    with translation.override(language):
        survey = _survey(state.get("survey"))
        if survey is None or not surveys.survey_accepting(survey):
            return SmsReply(str(surveys.SurveyClosed().message))
        questions = surveys.survey_questions(survey)
        if len(answers) >= len(questions):
            return None
        if turn.help_asked:
            return SmsReply(_question(questions, len(answers), language), state=state)
        value = ANSWER_WORDS.get(turn.word)
        if value is None:
            return SmsReply(
                _("No entendimos su respuesta.")
                + "\n"
                + _question(questions, len(answers), language),
                state=state,
            )
        answers = [*answers, value]
        if len(answers) < len(questions):
            return SmsReply(
                _question(questions, len(answers), language),
                state={**state, "answers": answers},
            )
        try:
            surveys.survey_answer_by_phone(
                survey=survey,
                phone=turn.sender,
                answers={str(q.pk): a for q, a in zip(questions, answers, strict=True)},
            )
        except ApplicationError as exc:
            # Answered meanwhile from WhatsApp, closed meanwhile: nothing stored.
            return SmsReply(" ".join(exc.reasons))
        return SmsReply(str(surveys.THANKS))


def _survey(survey_id: Any) -> Survey | None:
    try:
        return Survey.objects.filter(pk=survey_id).first()
    except (ValidationError, ValueError, TypeError):
        return None


def _question(questions: Sequence[SurveyQuestion], index: int, language: str) -> str:
    question = questions[index]
    return (
        _("Pregunta %(n)s de %(total)s: %(text)s")
        % {
            "n": index + 1,
            "total": len(questions),
            "text": surveys.question_text(question, language=language),
        }
        + "\n"
        + _("Responda 1 sí, 2 no o 3 no sé.")
    )
