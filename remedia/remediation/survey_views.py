"""HTML pages of worker verification surveys: the worker's (no login) and the staff's.

The worker's pages live under ``/encuesta/`` (``survey_urls.py``): enter the
posted code, answer, thanks. A browser is told apart from another only by a
random token in a signed, HttpOnly cookie whose path is ``/encuesta/``; the
server stores nothing but its keyed hash with the answers (``surveys.py``).

The staff's pages live under ``/staff/remediation/surveys/``
(``survey_staff_urls.py``, in the ``remediation`` namespace): open a survey on
a measure, its page with the code and results, the printable poster, close.
``survey_measure_section`` renders the part of a measure's page about its
surveys.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.errors import (
    ApplicationError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Throttled,
)
from remedia.core.forms import filtered_page
from remedia.core.hooks import Waiting
from remedia.remediation import access, surveys
from remedia.remediation.forms import (
    QUESTION_ROWS,
    CodeForm,
    SurveyFilterForm,
    SurveyOpenForm,
)
from remedia.remediation.models import Answer, Measure, ResponseChannel, Survey

# --- The worker's browser token --------------------------------------------------------

RESPONDENT_COOKIE = "remedia_encuesta"
_COOKIE_SALT = "remedia.remediation.survey-respondent"
# Long enough that a browser keeps refusing a second answer for a survey's
# life; browsers cap cookies at 400 days anyway.
_COOKIE_MAX_AGE = 365 * 24 * 3600


def _cookie_path() -> str:
    return reverse("survey:enter")


def _respondent_token(request: HttpRequest) -> str | None:
    value = request.get_signed_cookie(
        RESPONDENT_COOKIE, default=None, salt=_COOKIE_SALT
    )
    if not value or not (32 <= len(value) <= surveys.TOKEN_MAX):
        return None
    return str(value)


def _browser_token(request: HttpRequest) -> tuple[str, bool]:
    """The browser's token and whether it came with the request (False: new)."""
    token = _respondent_token(request)
    if token:
        return token, True
    return secrets.token_urlsafe(32), False


def _with_token(response: HttpResponse, token: str, *, known: bool) -> HttpResponse:
    if not known:
        response.set_signed_cookie(
            RESPONDENT_COOKIE,
            token,
            salt=_COOKIE_SALT,
            max_age=_COOKIE_MAX_AGE,
            path=_cookie_path(),
            secure=not settings.DEBUG,
            httponly=True,
            samesite="Lax",
        )
    return response


# --- The worker's pages ----------------------------------------------------------------


def _unavailable(
    request: HttpRequest, exc: ApplicationError, token: str, *, known: bool
) -> HttpResponse:
    response = render(
        request,
        "remediation/survey_unavailable.html",
        {"message": exc.reasons[0]},
        status=exc.status_code if exc.status_code in (404, 429) else 404,
    )
    if isinstance(exc, Throttled):
        response["Retry-After"] = str(exc.retry_after)
    return _with_token(response, token, known=known)


@never_cache
@require_http_methods(["GET", "POST"])
def survey_enter_view(request: HttpRequest) -> HttpResponse:
    token, known = _browser_token(request)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            survey = surveys.survey_find_by_code(
                code=form.cleaned_data["code"], throttle_key=token
            )
        except InvalidInput as exc:
            form.add_error("code", exc.reasons[0])
            status = 422
        except ApplicationError as exc:
            form.add_error("code", exc.reasons[0])
            status = exc.status_code
        else:
            return _with_token(
                redirect("survey:answer", code=survey.code), token, known=known
            )
    elif request.method == "POST":
        status = 422
    response = render(
        request, "remediation/survey_enter.html", {"form": form}, status=status
    )
    return _with_token(response, token, known=known)


def _items(
    questions: list[Any], chosen: dict[str, str], errors: dict[str, str]
) -> list[dict[str, Any]]:
    return [
        {
            "question": q,
            "text": surveys.question_text(q),
            "name": f"q-{q.pk}",
            "value": chosen.get(str(q.pk), ""),
            "error": errors.get(str(q.pk), ""),
        }
        for q in questions
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer_view(request: HttpRequest, code: str) -> HttpResponse:
    token, known = _browser_token(request)
    try:
        survey = surveys.survey_find_by_code(code=code, throttle_key=token)
    except ApplicationError as exc:
        return _unavailable(request, exc, token, known=known)
    if survey.code != code:
        # /encuesta/k7m4-qx/ → /encuesta/K7M4QX/
        return _with_token(
            redirect("survey:answer", code=survey.code), token, known=known
        )
    questions = surveys.survey_questions(survey)
    chosen: dict[str, str] = {}
    errors: dict[str, str] = {}
    problem = ""
    status = 200
    if request.method == "GET":
        if known and surveys.survey_has_answered(
            survey=survey, respondent_token=token, channel=ResponseChannel.WEB
        ):
            return render(request, "remediation/survey_already.html", status=200)
    elif not known:
        # Cookies are refused: a second answer could not be told from a first.
        problem = _(
            "Para responder, su navegador debe aceptar cookies de este sitio. "
            "No guardan nada que lo identifique."
        )
        status = 400
    else:
        chosen = {str(q.pk): request.POST.get(f"q-{q.pk}", "") for q in questions}
        try:
            surveys.survey_answer(
                survey=survey,
                respondent_token=token,
                channel=ResponseChannel.WEB,
                answers=chosen,
            )
        except surveys.AlreadyAnswered:
            return render(request, "remediation/survey_already.html", status=409)
        except InvalidInput as exc:
            for error in exc.errors:
                key = str(error["field"]).removeprefix("answers.")
                errors[key] = str(error["reason"])
            problem = _("Falta responder alguna pregunta. Revise las marcadas.")
            status = 422
        except ApplicationError as exc:
            return _unavailable(request, exc, token, known=known)
        else:
            return redirect("survey:thanks")
    response = render(
        request,
        "remediation/survey_answer.html",
        {
            "survey": survey,
            "measure_label": survey.measure.get_type_display(),
            "facility": survey.measure.course.facility,
            "items": _items(questions, chosen, errors),
            "choices": Answer.choices,
            "problem": problem,
        },
        status=status,
    )
    return _with_token(response, token, known=known)


@never_cache
@require_GET
def survey_thanks_view(request: HttpRequest) -> HttpResponse:
    return render(request, "remediation/survey_thanks.html")


# --- The staff's pages ------------------------------------------------------------------

SURVEYS_PER_PAGE = 50
CLOSING_SOON = {"closing": "1"}


def _survey_reader(user: Any) -> bool:
    return user_can(user=user, capability=Capability.REMEDIATION_READ)


@never_cache
@login_required
@require_GET
def survey_list_view(request: HttpRequest) -> HttpResponse:
    """The surveys of the viewer's courses, filtered (status, closing soon)."""
    if not _survey_reader(request.user):
        raise Http404
    form = SurveyFilterForm(request.GET)
    today = timezone.localdate()
    page, status = filtered_page(
        request,
        form,
        lambda _data: surveys.survey_list(
            viewer=request.user, filters=form.filters(), today=today
        ),
        per_page=SURVEYS_PER_PAGE,
    )
    return render(
        request,
        "remediation/survey_list.html",
        {
            "form": form,
            "page": page,
            "rows": [
                {"survey": s, "accepting": surveys.survey_accepting(s, today=today)}
                for s in page.object_list
            ],
        },
        status=status,
    )


def surveys_waiting(request: HttpRequest) -> list[Waiting]:
    """Open surveys of the viewer's courses whose last day is within a week:
    the survey list filtered the same way."""
    if not _survey_reader(request.user):
        return []
    n = surveys.survey_list(
        viewer=request.user, filters=surveys.SurveyFilters(closing_soon=True)
    ).count()
    return [
        Waiting(
            key="remediation.surveys_closing",
            count=n,
            label=ngettext(
                "encuesta a trabajadores que cierra en 7 días",
                "encuestas a trabajadores que cierran en 7 días",
                n,
            ),
            url=f"{reverse('remediation:survey_list')}?{urlencode(CLOSING_SOON)}",
            nav_url=reverse("remediation:list"),
            order=41,
        )
    ]


def _measure_or_404(request: HttpRequest, measure_id: Any) -> Measure:
    try:
        return surveys.measure_get_for_user(user=request.user, measure_id=measure_id)
    except NotFound:
        raise Http404 from None


def _survey_or_404(request: HttpRequest, survey_id: Any) -> Survey:
    try:
        return surveys.survey_get_for_user(user=request.user, survey_id=survey_id)
    except NotFound:
        raise Http404 from None


def measure_page_url(measure: Measure) -> str:
    return reverse(
        "remediation:measure",
        kwargs={"course_id": measure.course_id, "measure_id": measure.pk},
    )


def _worker_url(request: HttpRequest, survey: Survey) -> str:
    return request.build_absolute_uri(reverse("survey:answer", args=[survey.code]))


def _initial(measure: Measure) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for row, draft in enumerate(surveys.catalogue_questions(measure.type), start=1):
        if row > QUESTION_ROWS:
            break
        initial[f"q{row}"] = draft.text
        initial[f"q{row}_en"] = draft.text_en
    return initial


def _form_errors(form: SurveyOpenForm, exc: InvalidInput, rows: list[int]) -> None:
    for error in exc.errors:
        parts = str(error["field"]).split(".")
        field = None
        if parts[0] == "questions" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(rows):
                suffix = "_en" if parts[2] == "text_en" else ""
                field = f"q{rows[index]}{suffix}"
        elif parts[0] in form.fields:
            field = parts[0]
        form.add_error(field, str(error["reason"]))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def survey_open_view(request: HttpRequest, measure_id: Any) -> HttpResponse:
    measure = _measure_or_404(request, measure_id)
    if not surveys.can_open_survey(user=request.user, measure=measure):
        raise DjangoPermissionDenied
    form = SurveyOpenForm(request.POST or None, initial=_initial(measure))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            drafts, rows = form.drafts()
            try:
                survey = surveys.survey_open(
                    user=request.user,
                    measure=measure,
                    questions=drafts,
                    closes_on=form.cleaned_data.get("closes_on"),
                )
            except InvalidInput as exc:
                _form_errors(form, exc, rows)
                status = 422
            except ApplicationError as exc:
                form.add_error(None, exc.reasons[0])
                status = exc.status_code
            else:
                messages.success(
                    request,
                    _("Encuesta abierta. Imprima el cartel con el código %(code)s.")
                    % {"code": survey.code},
                )
                return redirect("remediation:survey_detail", survey_id=survey.pk)
        else:
            status = 422
    return render(
        request,
        "remediation/survey_open.html",
        {
            "measure": measure,
            "form": form,
            "max_questions": QUESTION_ROWS,
            "back_url": measure_page_url(measure),
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def survey_detail_view(request: HttpRequest, survey_id: Any) -> HttpResponse:
    survey = _survey_or_404(request, survey_id)
    course = survey.measure.course
    viewer = surveys.ResultsAccess(user=request.user, course=course)
    return render(
        request,
        "remediation/survey_detail.html",
        {
            "survey": survey,
            "measure": survey.measure,
            "accepting": surveys.survey_accepting(survey),
            "questions": surveys.survey_questions(survey),
            "results": surveys.survey_results(survey) if viewer.sees(survey) else None,
            "results_after_close": viewer.once_closed,
            "can_manage": access.can_manage(user=request.user, course=course),
            "worker_url": _worker_url(request, survey),
            "back_url": measure_page_url(survey.measure),
        },
    )


def qr_svg(url: str) -> SafeString:
    """A QR code of ``url`` as inline SVG (no script, no style: CSP allows it)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=8, dark="#000", light="#fff", svgclass="survey-qr", lineclass="qrline"
    )
    return mark_safe(svg)  # noqa: S308 - segno writes the path; the URL is encoded


@never_cache
@login_required
@require_GET
def survey_poster_view(request: HttpRequest, survey_id: Any) -> HttpResponse:
    survey = _survey_or_404(request, survey_id)
    # Posters are for the facility's workers: Spanish, unless asked for English.
    language = "en" if request.GET.get("idioma") == "en" else settings.LANGUAGE_CODE
    worker_url = _worker_url(request, survey)
    with translation.override(language):
        questions = [
            surveys.question_text(q, language=language)
            for q in surveys.survey_questions(survey)
        ]
        return render(
            request,
            "remediation/survey_poster.html",
            {
                "survey": survey,
                "code": survey.code,
                "site": request.get_host() + reverse("survey:enter").rstrip("/"),
                "worker_url": worker_url,
                "qr": qr_svg(worker_url),
                "questions": questions,
                "accepting": surveys.survey_accepting(survey),
                "poster_language": language,
            },
        )


@login_required
@require_POST
def survey_close_view(request: HttpRequest, survey_id: Any) -> HttpResponse:
    survey = _survey_or_404(request, survey_id)
    try:
        surveys.survey_close(user=request.user, survey=survey)
    except PermissionDenied:
        raise DjangoPermissionDenied from None
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
    else:
        messages.success(request, _("Encuesta cerrada: ya no recibe respuestas."))
    return redirect("remediation:survey_detail", survey_id=survey.pk)


def survey_measure_section(request: HttpRequest, measure: Measure) -> str:
    """The surveys part of a measure's staff page (empty for who may not read it)."""
    course = measure.course
    viewer = surveys.ResultsAccess(user=request.user, course=course)
    can_manage = access.can_manage(user=request.user, course=course)
    if not (viewer.full or viewer.once_closed):
        return ""
    rows = [
        {
            "survey": survey,
            "accepting": surveys.survey_accepting(survey),
            "results": results if viewer.sees(survey) else None,
        }
        for survey, results in surveys.measure_surveys_with_results(measure)
    ]
    return render_to_string(
        "remediation/survey_measure_section.html",
        {
            "measure": measure,
            "rows": rows,
            "can_manage": can_manage,
            "results_after_close": viewer.once_closed,
        },
        request=request,
    )
