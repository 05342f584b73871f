"""Worker verification surveys: writes and reads.

A monitor opens a survey on a measure; its short code is posted at the
facility ("Entre a remedia.example/encuesta y escriba el código K7M4QX");
workers answer yes, no or "no sé" to each question, anonymously, on the web
or (issue 8) by SMS. Results show only from ``core.figures.SMALL_COUNT``
answers: below that, who answered what could be worked out by someone who saw
who stood at the poster.

What is kept about a worker: nothing that leads back to them. A response
holds the day it was given (no time), the channel and ``respondent``, an
HMAC-SHA256 under a key derived from ``SECRET_KEY`` of the survey, the channel
and a token: a random value kept in the worker's browser (a signed cookie on
the web, a value the client keeps in the API) or the phone number that
answered by SMS. The hash refuses a second answer from the same token and
cannot be turned back into the number without the key. No IP address, user
agent or time of day is stored or logged.

For the SMS channel (issue 8), the entry point is::

    survey_answer_by_phone(survey=survey, phone="+5214491234567", answers={...})

which is ``survey_answer`` with ``channel=ResponseChannel.SMS`` and the phone
number (``whatsapp:`` prefix, spaces and dashes removed) as the token; find
the survey with ``survey_find_by_code`` and list its questions with
``survey_questions``. Answers map a question's id to ``Answer`` values
(``"yes"``, ``"no"``, ``"unsure"``).

Said plainly: anyone with the code (it is posted) can answer again from a
fresh browser; one answer per phone number holds for SMS only. The results
are a signal for the monitor, not a vote.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError, InvalidInput, NotFound, Throttled
from remedia.core.figures import SMALL_COUNT, ShownCount, shown_count
from remedia.core.throttle import Backoff
from remedia.remediation import access
from remedia.remediation.catalogue import entry_for
from remedia.remediation.models import (
    Answer,
    CourseStatus,
    Measure,
    ResponseChannel,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
)

logger = logging.getLogger(__name__)

# Uppercase letters and digits a worker cannot misread on a poster: no 0/O,
# no 1/I/L. 31 symbols, six of them: about 887 million codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
MAX_QUESTIONS = 5
QUESTION_MAX = 300
# A token is the browser's cookie value or an API client's own value; a phone
# number is shorter than the minimum only as a web token, never by SMS.
TOKEN_MIN = 16
TOKEN_MAX = 128

THANKS = _("Gracias. Su respuesta quedó registrada.")

_RESPONDENT_PURPOSE = b"remedia.remediation.survey-respondent.v1"
_CODE_SEPARATORS = re.compile(r"[\s\-_.·/]+")
_CODE_SHAPE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


# --- Errors ------------------------------------------------------------------------


class SurveyCodeUnknown(NotFound):
    def __init__(self) -> None:
        super().__init__(
            _(
                "No hay ninguna encuesta con ese código. Revise las letras y los "
                "números del cartel e intente de nuevo."
            )
        )


class SurveyClosed(NotFound):
    """A real code whose survey no longer takes answers (closed or past its day)."""

    def __init__(self) -> None:
        super().__init__(
            _("Esta encuesta ya cerró y no recibe respuestas. Gracias por su interés.")
        )


class AlreadyAnswered(ApplicationError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__(_("Ya respondió esta encuesta. Gracias."))


# --- Codes -------------------------------------------------------------------------


def code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def code_normalise(raw: str) -> str:
    """What the worker typed, as stored: uppercase, without spaces or dashes."""
    return _CODE_SEPARATORS.sub("", (raw or "").strip()).upper()


def code_is_wellformed(code: str) -> bool:
    return bool(_CODE_SHAPE.fullmatch(code))


def _code_malformed() -> InvalidInput:
    return InvalidInput(
        [
            {
                "field": "code",
                "reason": _(
                    "El código tiene 6 letras y números, como K7M4QX. Revise el cartel."
                ),
            }
        ]
    )


# --- Guessing codes ----------------------------------------------------------------
#
# No network identifier may be kept, so guessing is slowed two ways: per
# browser (the survey cookie's token, or an API client's token), with the
# back-off of receipts; and site-wide, a ceiling on wrong codes a minute. A
# guesser who drops the cookie still meets the ceiling: at 120 wrong codes a
# minute, finding one of 100 open codes takes about seven weeks on average.
# Residual risk: a flood of wrong codes holds every worker for the rest of
# that minute.


def _browser_backoff() -> Backoff:
    return Backoff(
        scope="survey-code",
        free_failures=10,
        first_delay=5,
        max_delay=300,
        window=3600,
    )


def _failures_per_minute() -> int:
    return int(getattr(settings, "REMEDIA_SURVEY_CODE_FAILURES_PER_MINUTE", 120))


def _minute_key() -> tuple[str, int]:
    now = timezone.now().timestamp()
    minute = int(now // 60)
    return f"survey:code-failures:{minute}", 60 - int(now % 60)


def _site_wait() -> int:
    key, left = _minute_key()
    return left if (cache.get(key) or 0) >= _failures_per_minute() else 0


def _site_fail() -> None:
    key, _left = _minute_key()
    try:
        cache.incr(key)
    except ValueError:
        # First failure of the minute; a race here only miscounts by a few.
        cache.add(key, 0, timeout=120)
        cache.incr(key)


def survey_find_by_code(*, code: str, throttle_key: str | None = None) -> Survey:
    """The open survey a worker's code names, or a clear error.

    ``throttle_key``: the browser's survey token (or the API client's), so that
    one browser's wrong guesses slow that browser. ``InvalidInput`` for a code
    that cannot be one (not counted: it cannot hit), ``Throttled``,
    ``SurveyCodeUnknown``, ``SurveyClosed``.
    """
    normal = code_normalise(code)
    if not code_is_wellformed(normal):
        raise _code_malformed()
    backoff = _browser_backoff()
    wait = max(_site_wait(), backoff.wait_seconds(throttle_key) if throttle_key else 0)
    if wait:
        raise Throttled(
            ngettext(
                "Demasiados intentos. Espere %(s)s segundo y vuelva a intentar.",
                "Demasiados intentos. Espere %(s)s segundos y vuelva a intentar.",
                wait,
            )
            % {"s": wait},
            retry_after=wait,
        )
    survey = (
        Survey.objects.select_related("measure__course__facility")
        .filter(code=normal)
        .first()
    )
    if survey is None:
        _site_fail()
        if throttle_key:
            backoff.fail(throttle_key)
        raise SurveyCodeUnknown()
    if not survey_accepting(survey):
        raise SurveyClosed()
    return survey


def survey_accepting(survey: Survey, *, today: Any = None) -> bool:
    """Open, and its last day (if any) not past."""
    today = today or timezone.localdate()
    return survey.status == SurveyStatus.OPEN and (
        survey.closes_on is None or survey.closes_on >= today
    )


# --- Opening and closing -------------------------------------------------------------


@dataclass(frozen=True)
class QuestionDraft:
    text: str
    text_en: str = ""


def catalogue_questions(measure_type: str) -> list[QuestionDraft]:
    """The catalogue's questions for a type: Spanish, and English from the same msgid.

    English is left empty while the English catalogue lacks the message, so a
    worker reading English sees the Spanish text rather than a copy of it
    labelled English.
    """
    drafts = []
    for message in entry_for(measure_type).survey_questions:
        with translation.override("es-mx"):
            spanish = str(message)
        with translation.override("en"):
            english = str(message)
        drafts.append(
            QuestionDraft(text=spanish, text_en="" if english == spanish else english)
        )
    return drafts


def _clean_questions(
    questions: Iterable[QuestionDraft | str | tuple[str, str]],
) -> list[QuestionDraft]:
    drafts: list[QuestionDraft] = []
    for item in questions:
        if isinstance(item, QuestionDraft):
            draft = item
        elif isinstance(item, str):
            draft = QuestionDraft(text=item)
        else:
            draft = QuestionDraft(text=item[0], text_en=item[1])
        drafts.append(
            QuestionDraft(
                text=" ".join((draft.text or "").split()),
                text_en=" ".join((draft.text_en or "").split()),
            )
        )
    errors: list[dict[str, Any]] = []
    for index, draft in enumerate(drafts):
        if not draft.text:
            errors.append(
                {
                    "field": f"questions.{index}.text",
                    "reason": _("Escriba la pregunta %(n)s en español.")
                    % {"n": index + 1},
                }
            )
        for name, value in (("text", draft.text), ("text_en", draft.text_en)):
            if len(value) > QUESTION_MAX:
                errors.append(
                    {
                        "field": f"questions.{index}.{name}",
                        "reason": _(
                            "La pregunta %(n)s es demasiado larga (máximo %(max)s "
                            "caracteres)."
                        )
                        % {"n": index + 1, "max": QUESTION_MAX},
                    }
                )
    if not drafts:
        errors.append(
            {
                "field": "questions",
                "reason": _("Escriba al menos una pregunta."),
            }
        )
    elif len(drafts) > MAX_QUESTIONS:
        errors.append(
            {
                "field": "questions",
                "reason": _("Una encuesta tiene como máximo %(n)s preguntas.")
                % {"n": MAX_QUESTIONS},
            }
        )
    if errors:
        raise InvalidInput(errors)
    return drafts


def survey_open(
    *,
    user: Any,
    measure: Measure,
    questions: Sequence[QuestionDraft | str | tuple[str, str]] | None = None,
    closes_on: Any = None,
) -> Survey:
    """Open a survey on a measure with a fresh code. Managers of the course only.

    ``questions``: up to five, each a ``QuestionDraft`` (Spanish, optional
    English), a Spanish string or a ``(text, text_en)`` pair; by default the
    catalogue's questions for the measure's type. One open survey per measure
    at a time, so that a double click does not post two codes.
    """
    course = measure.course
    access.require_manage(user=user, course=course)
    drafts = _clean_questions(
        catalogue_questions(measure.type) if questions is None else questions
    )
    today = timezone.localdate()
    if closes_on is not None and closes_on < today:
        raise InvalidInput(
            [
                {
                    "field": "closes_on",
                    "reason": _("El último día para responder no puede haber pasado."),
                }
            ]
        )
    if course.status != CourseStatus.ACTIVE:
        raise ApplicationError(
            _("El plan de remediación está cerrado: ya no se abren encuestas.")
        )
    with transaction.atomic():
        # The measure's row lock serialises two monitors opening at once.
        Measure.objects.select_for_update().filter(pk=measure.pk).first()
        for existing in measure.surveys.filter(status=SurveyStatus.OPEN):
            if survey_accepting(existing, today=today):
                raise ApplicationError(
                    _(
                        "Esta medida ya tiene una encuesta abierta (código "
                        "%(code)s). Ciérrela antes de abrir otra."
                    )
                    % {"code": existing.code}
                )
        survey = _survey_create(measure=measure, user=user, closes_on=closes_on)
        SurveyQuestion.objects.bulk_create(
            [
                SurveyQuestion(
                    survey=survey,
                    position=position,
                    text=draft.text,
                    text_en=draft.text_en,
                )
                for position, draft in enumerate(drafts, start=1)
            ]
        )
        audit_record(
            action="survey.opened",
            actor=user,
            organisation=course.organisation,
            obj=survey,
            data={"measure": str(measure.pk), "questions": len(drafts)},
        )
    logger.info(
        "survey.opened",
        extra={"survey": str(survey.pk), "measure": str(measure.pk)},
    )
    return survey


def _survey_create(*, measure: Measure, user: Any, closes_on: Any) -> Survey:
    for _attempt in range(10):
        code = code_new()
        if Survey.objects.filter(code=code).exists():
            continue
        survey = Survey(
            measure=measure,
            code=code,
            status=SurveyStatus.OPEN,
            closes_on=closes_on,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        survey.full_clean(exclude=["code"])
        try:
            # A savepoint: another survey may take the same code in between.
            with transaction.atomic():
                survey.save(force_insert=True)
        except IntegrityError:
            if Survey.objects.filter(code=code).exists():
                continue
            raise
        return survey
    # Ten collisions in a row would mean hundreds of millions of open codes.
    raise RuntimeError("survey codes exhausted")


def survey_close(*, user: Any, survey: Survey) -> Survey:
    """Stop taking answers. Managers of the course only; results stay."""
    course = survey.measure.course
    access.require_manage(user=user, course=course)
    with transaction.atomic():
        updated = Survey.objects.filter(pk=survey.pk, status=SurveyStatus.OPEN).update(
            status=SurveyStatus.CLOSED, updated_at=timezone.now()
        )
        if not updated:
            raise ApplicationError(_("Esta encuesta ya está cerrada."))
        audit_record(
            action="survey.closed",
            actor=user,
            organisation=course.organisation,
            obj=survey,
            data={"measure": str(survey.measure_id)},
        )
    survey.status = SurveyStatus.CLOSED
    logger.info("survey.closed", extra={"survey": str(survey.pk)})
    return survey


# --- Answering ------------------------------------------------------------------------


def _respondent_key() -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), _RESPONDENT_PURPOSE, hashlib.sha256
    ).digest()


def respondent_hash(*, survey: Survey, channel: str, token: str) -> str:
    """The stored stand-in for a respondent: HMAC-SHA256, hex.

    The channel is part of the message so that a token chosen through the
    API can never equal a phone number's: nobody can use up a worker's SMS
    answer by sending their number as a web token.
    """
    message = f"{survey.pk}:{channel}:{token}".encode()
    return hmac.new(_respondent_key(), message, hashlib.sha256).hexdigest()


def phone_token(phone: str) -> str:
    """A phone number as the SMS respondent token: ``+`` and digits only.

    WhatsApp arrives as ``whatsapp:+52...``: the same phone is one respondent.
    """
    raw = (phone or "").strip()
    if raw.lower().startswith("whatsapp:"):
        raw = raw[len("whatsapp:") :]
    digits = re.sub(r"\D", "", raw)
    return f"+{digits}" if digits else ""


def _clean_token(token: str, channel: str) -> str:
    if channel == ResponseChannel.SMS:
        token = phone_token(token)
        valid = len(token) >= 8
    else:
        token = (token or "").strip()
        valid = TOKEN_MIN <= len(token) <= TOKEN_MAX and token.isprintable()
    if not valid:
        raise InvalidInput(
            [
                {
                    "field": "respondent",
                    "reason": _(
                        "Falta el identificador de quien responde o no es válido."
                    ),
                }
            ]
        )
    return token


def survey_has_answered(*, survey: Survey, respondent_token: str, channel: str) -> bool:
    try:
        token = _clean_token(respondent_token, channel)
    except InvalidInput:
        return False
    return SurveyResponse.objects.filter(
        survey=survey,
        respondent=respondent_hash(survey=survey, channel=channel, token=token),
    ).exists()


def survey_questions(survey: Survey) -> list[SurveyQuestion]:
    return list(survey.questions.order_by("position"))


def question_text(question: SurveyQuestion, *, language: str | None = None) -> str:
    """The question in the worker's language: English when asked for and written."""
    language = language or translation.get_language() or ""
    if language.startswith("en") and question.text_en:
        return question.text_en
    return question.text


def _question_key(key: Any) -> str:
    """A question id as a client may write it (any case, braces), as stored."""
    text = str(key).strip()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return text


def _clean_answers(
    questions: list[SurveyQuestion], answers: Any
) -> list[tuple[SurveyQuestion, str]]:
    if not isinstance(answers, Mapping):
        raise InvalidInput(
            [{"field": "answers", "reason": _("Las respuestas deben ser un objeto.")}]
        )
    given = {_question_key(key): value for key, value in answers.items()}
    known = {str(q.pk) for q in questions}
    errors: list[dict[str, Any]] = []
    chosen: list[tuple[SurveyQuestion, str]] = []
    for question in questions:
        value = given.get(str(question.pk))
        field = f"answers.{question.pk}"
        label = {"n": question.position, "text": question_text(question)}
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append(
                {
                    "field": field,
                    "reason": _("Falta su respuesta a la pregunta %(n)s: «%(text)s»")
                    % label,
                }
            )
            continue
        normal = value.strip().lower() if isinstance(value, str) else ""
        if normal not in Answer.values:
            errors.append(
                {
                    "field": field,
                    "reason": _(
                        "La respuesta a la pregunta %(n)s («%(text)s») debe ser sí, "
                        "no o no sé."
                    )
                    % label,
                }
            )
            continue
        chosen.append((question, normal))
    # A few are enough to tell the client what is wrong; a body of thousands
    # of made-up keys does not get thousands of lines back.
    for key in sorted(set(given) - known)[:10]:
        errors.append(
            {
                "field": f"answers.{key[:40]}",
                "reason": _("No es una pregunta de esta encuesta."),
            }
        )
    if errors:
        raise InvalidInput(errors)
    return chosen


def survey_answer(
    *,
    survey: Survey,
    respondent_token: str,
    channel: str,
    answers: Mapping[Any, Any],
) -> SurveyResponse:
    """Store one worker's answers to every question, or nothing.

    ``respondent_token``: the browser's random token (web, API) or the phone
    number (``channel=ResponseChannel.SMS``; see ``survey_answer_by_phone``).
    Only its keyed hash is stored. ``answers``: question id (``UUID`` or its
    string) to ``"yes"``, ``"no"`` or ``"unsure"``, one for every question.

    Raises ``SurveyClosed``, ``AlreadyAnswered`` (a second answer from the same
    token, however close together the two arrive) or ``InvalidInput`` naming
    each question missing or answered with something else.
    """
    if channel not in ResponseChannel.values:
        raise InvalidInput(
            [{"field": "channel", "reason": _("No es un canal admitido.")}]
        )
    token = _clean_token(respondent_token, channel)
    respondent = respondent_hash(survey=survey, channel=channel, token=token)
    if not survey_accepting(survey):
        raise SurveyClosed()
    if SurveyResponse.objects.filter(survey=survey, respondent=respondent).exists():
        raise AlreadyAnswered()
    chosen = _clean_answers(survey_questions(survey), answers)
    try:
        with transaction.atomic():
            current = Survey.objects.filter(pk=survey.pk).first()
            if current is None or not survey_accepting(current):
                raise SurveyClosed()
            response = SurveyResponse.objects.create(
                survey=survey,
                respondent=respondent,
                channel=channel,
                # The day only: a time could be matched with who was seen at
                # the poster.
                answered_on=timezone.localdate(),
            )
            SurveyAnswer.objects.bulk_create(
                [
                    SurveyAnswer(response=response, question=question, value=value)
                    for question, value in chosen
                ]
            )
    except IntegrityError:
        # Two answers from one token racing: the unique constraint let one in.
        if SurveyResponse.objects.filter(survey=survey, respondent=respondent).exists():
            raise AlreadyAnswered() from None
        raise
    # No log line names the survey: with the log's time it would date the answer.
    return response


def survey_answer_by_phone(
    *, survey: Survey, phone: str, answers: Mapping[Any, Any]
) -> SurveyResponse:
    """The SMS/WhatsApp channel's call: one answer per phone number and survey."""
    return survey_answer(
        survey=survey,
        respondent_token=phone,
        channel=ResponseChannel.SMS,
        answers=answers,
    )


# --- Reading: staff -------------------------------------------------------------------


def measure_get_for_user(*, user: Any, measure_id: Any) -> Measure:
    """A measure of a course the user reads; ``NotFound`` alike for missing or not theirs."""
    return get_scoped(
        Measure.objects.filter(
            course__in=access.courses_visible(user=user)
        ).select_related("course", "course__facility", "course__organisation"),
        pk=measure_id,
    )


def survey_get_for_user(*, user: Any, survey_id: Any) -> Survey:
    return get_scoped(
        Survey.objects.filter(
            measure__course__in=access.courses_visible(user=user)
        ).select_related("measure", "measure__course", "measure__course__facility"),
        pk=survey_id,
    )


# "Closing soon": its last day within a week from today.
CLOSING_SOON_DAYS = 7


@dataclass(frozen=True)
class SurveyFilters:
    status: str = ""
    closing_soon: bool = False


def survey_list(
    *, viewer: Any, filters: SurveyFilters, today: Any = None
) -> QuerySet[Survey]:
    """The surveys of the courses whose monitor notes the viewer reads
    (``remediation.read``, not a facility officer), soonest closing first."""
    readers = organisations_for(user=viewer, capability=Capability.REMEDIATION_READ)
    if not readers:
        return Survey.objects.none()
    rows = Survey.objects.filter(
        measure__course__in=access.courses_visible(user=viewer).values("pk")
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.closing_soon:
        today = today or timezone.localdate()
        rows = rows.filter(
            status=SurveyStatus.OPEN,
            closes_on__gte=today,
            closes_on__lte=today + dt.timedelta(days=CLOSING_SOON_DAYS),
        )
    return rows.select_related(
        "measure", "measure__course", "measure__course__facility"
    ).order_by(F("closes_on").asc(nulls_last=True), "-created_at", "id")


def surveys_of_measure(measure: Measure) -> QuerySet[Survey]:
    return measure.surveys.order_by("-created_at").prefetch_related("questions")


def can_open_survey(*, user: Any, measure: Measure) -> bool:
    return access.can_manage(user=user, course=measure.course)


class ResultsAccess:
    """Who sees a course's survey results (which still need the threshold).

    The course's readers and managers do, as soon as there are enough answers.
    A facility officer (the employer's side) does only once a survey has
    stopped taking answers: watching live counts, someone who saw a worker at
    the poster could tell that worker's answers by what changed. Everyone
    else sees none.
    """

    def __init__(self, *, user: Any, course: Any) -> None:
        self.full = access.can_read_all(user=user, course=course) or access.can_manage(
            user=user, course=course
        )
        self.once_closed = not self.full and access.can_submit_evidence(
            user=user, course=course
        )

    def sees(self, survey: Survey) -> bool:
        return self.full or (self.once_closed and not survey_accepting(survey))


def survey_results_visible(*, user: Any, survey: Survey) -> bool:
    return ResultsAccess(user=user, course=survey.measure.course).sees(survey)


@dataclass(frozen=True)
class QuestionResult:
    id: uuid.UUID
    position: int
    text: str
    text_en: str
    # None until the survey's results are shown.
    yes: int | None
    no: int | None
    unsure: int | None
    yes_percent: int | None
    no_percent: int | None
    unsure_percent: int | None

    def text_for(self, language: str | None = None) -> str:
        language = language or translation.get_language() or ""
        if language.startswith("en") and self.text_en:
            return self.text_en
        return self.text


@dataclass(frozen=True)
class SurveyResults:
    survey_id: uuid.UUID
    code: str
    answered: int
    shown: bool  # answered >= threshold
    threshold: int
    questions: tuple[QuestionResult, ...]

    @property
    def answered_shown(self) -> ShownCount:
        """The number of answers as people see it: 1 to 4 read "menos de 5"."""
        return shown_count(self.answered, key="answered")


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _results(surveys: list[Survey]) -> list[SurveyResults]:
    ids = [s.pk for s in surveys]
    answered = dict(
        SurveyResponse.objects.filter(survey_id__in=ids)
        .values("survey_id")
        .annotate(n=Count("id"))
        .values_list("survey_id", "n")
    )
    shown_ids = [pk for pk in ids if answered.get(pk, 0) >= SMALL_COUNT]
    counts: dict[tuple[uuid.UUID, str], int] = {}
    if shown_ids:
        # Counts below the threshold are never even computed.
        for question_id, value, n in (
            SurveyAnswer.objects.filter(question__survey_id__in=shown_ids)
            .values("question_id", "value")
            .annotate(n=Count("id"))
            .values_list("question_id", "value", "n")
        ):
            counts[(question_id, value)] = n
    results = []
    for survey in surveys:
        total = answered.get(survey.pk, 0)
        shown = total >= SMALL_COUNT
        questions = []
        for q in sorted(survey.questions.all(), key=lambda q: q.position):
            values = {
                v: (counts.get((q.pk, v), 0) if shown else None) for v in Answer.values
            }
            questions.append(
                QuestionResult(
                    id=q.pk,
                    position=q.position,
                    text=q.text,
                    text_en=q.text_en,
                    yes=values[Answer.YES],
                    no=values[Answer.NO],
                    unsure=values[Answer.UNSURE],
                    yes_percent=_percent(values[Answer.YES] or 0, total)
                    if shown
                    else None,
                    no_percent=_percent(values[Answer.NO] or 0, total)
                    if shown
                    else None,
                    unsure_percent=_percent(values[Answer.UNSURE] or 0, total)
                    if shown
                    else None,
                )
            )
        results.append(
            SurveyResults(
                survey_id=survey.pk,
                code=survey.code,
                answered=total,
                shown=shown,
                threshold=SMALL_COUNT,
                questions=tuple(questions),
            )
        )
    return results


def survey_results(survey: Survey) -> SurveyResults:
    """Counts and percents per question, all ``None`` below ``SMALL_COUNT`` answers."""
    return _results([survey])[0]


def measure_surveys_with_results(
    measure: Measure,
) -> list[tuple[Survey, SurveyResults]]:
    """Every survey of a measure, newest first, with its results (three queries)."""
    surveys = list(surveys_of_measure(measure))
    return list(zip(surveys, _results(surveys), strict=True))


def measure_survey_results(measure: Measure) -> list[SurveyResults]:
    """The results of every survey of a measure, newest first (three queries)."""
    return [results for _survey, results in measure_surveys_with_results(measure)]
