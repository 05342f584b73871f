"""Screening pages: the team's list, the questionnaire, the outcome, and opening
a file from it (thin: parse, call one service or selector, render).

Every screening is fetched through `screening_get_for_user`, so one the viewer
may not open answers 404 exactly like a missing one. The questionnaire is a
plain form (radio buttons, no script) that works on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from remedia.accounts import keys
from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.core.errors import ApplicationError, InvalidInput
from remedia.core.kit import capability_require, or_404, request_user
from remedia.protection.identity import IDENTITY_FIELDS
from remedia.protection.models import Screening
from remedia.protection.screening import (
    AGE_MAX,
    AGE_MIN,
    ANSWER_KEYS,
    DISCLAIMER,
    INDICATOR_CODES,
    QUESTIONS,
    AgeBand,
    Answer,
    ChildLabourVerdict,
    ForcedLabourLevel,
    Interview,
    QuestionKind,
)
from remedia.protection.selectors.files import files_visible_to
from remedia.protection.selectors.screenings import (
    screening_can_conduct,
    screening_get_for_user,
    screening_list,
)
from remedia.protection.services import screenings as services
from remedia.protection.vocabulary import ScreeningStatus

LIST_PAGE_SIZE = 50

# The questionnaire in the order an interviewer asks, grouped.
GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (gettext_lazy("Edad"), ("age", "age_band")),
    (
        gettext_lazy("Jornada y condiciones de trabajo"),
        (
            "hours_per_day",
            "longest_block_hours",
            "night_work",
            "hazardous_work",
            "overtime",
            "rest_day_work",
        ),
    ),
    (
        gettext_lazy("Escuela, autorizaciones y certificado médico"),
        (
            "finished_basic_education",
            "labour_authority_approval",
            "guardian_authorisation",
            "medical_certificate",
        ),
    ),
    (
        gettext_lazy("Indicadores de trabajo forzoso (OIT)"),
        (*INDICATOR_CODES, "free_to_leave"),
    ),
    (gettext_lazy("Reclutamiento y traslado"), ("recruited_or_moved",)),
)
_QUESTION = {q.key: q for q in QUESTIONS}


def _screening_or_404(request: HttpRequest, screening_id: Any) -> Screening:
    return or_404(
        lambda: screening_get_for_user(user=request.user, screening_id=screening_id)
    )


# --- The questionnaire as a page shows it ---------------------------------------------


@dataclass(frozen=True)
class QuestionView:
    key: str
    kind: str
    label: Any
    prompts: tuple[Any, ...]
    value: str
    errors: list[str]
    choices: list[tuple[str, Any]]


def _value(answers: dict[str, Any], key: str) -> str:
    value = answers.get(key)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _questionnaire(
    answers: dict[str, Any], errors: dict[str, list[str]]
) -> list[tuple[Any, list[QuestionView]]]:
    yes_no = [(str(a.value), a.label) for a in Answer]
    bands = [(str(b.value), b.label) for b in AgeBand]
    groups = []
    for title, keys_ in GROUPS:
        rows = []
        for key in keys_:
            question = _QUESTION[key]
            value = _value(answers, key)
            if question.kind == QuestionKind.YES_NO and not value:
                value = Answer.UNKNOWN.value
            rows.append(
                QuestionView(
                    key=key,
                    kind=str(question.kind),
                    label=question.label,
                    prompts=question.prompts,
                    value=value,
                    errors=errors.get(key, []),
                    choices=yes_no
                    if question.kind == QuestionKind.YES_NO
                    else bands
                    if question.kind == QuestionKind.AGE_BAND
                    else [],
                )
            )
        groups.append((title, rows))
    return groups


def _errors_by_field(exc: InvalidInput) -> tuple[dict[str, list[str]], list[str]]:
    """Each reason under its question; the rest above the form."""
    fields: dict[str, list[str]] = {}
    general: list[str] = []
    for error in exc.errors:
        name = str(error.get("field", ""))
        if name in ANSWER_KEYS or name == "conducted_on":
            fields.setdefault(name, []).append(str(error["reason"]))
        else:
            general.append(str(error["reason"]))
    return fields, general


def _origin(request: HttpRequest, screening: Screening) -> dict[str, bool]:
    """Whether the viewer may follow the links to the report and the case."""
    org = screening.organisation_id
    return {
        "report_link": org
        in organisations_for(user=request.user, capability=Capability.REPORT_READ),
        "case_link": org
        in organisations_for(user=request.user, capability=Capability.CASE_READ),
    }


# --- The outcome as a page shows it ---------------------------------------------------


def _services_url(service: str) -> str:
    """The services directory, filtered by the service a step calls for."""
    return f"{reverse('protection:services')}?service_type={service}"


def _file_url(file_id: Any) -> str | None:
    # The file page is the files part's; until it is mounted, no link.
    try:
        return reverse("protection:file", kwargs={"file_id": file_id})
    except NoReverseMatch:
        return None


def _label(choices: Any, value: str) -> Any:
    try:
        return choices(value).label
    except ValueError:
        return value


def _answer_rows(interview: Interview) -> list[tuple[Any, list[tuple[Any, str]]]]:
    """The answers given, by group, in words (unknown ones left out)."""
    answers = interview.as_answers()
    shown = []
    for title, keys_ in GROUPS:
        rows = []
        for key in keys_:
            value = answers.get(key)
            question = _QUESTION[key]
            if value in (None, "", Answer.UNKNOWN) or (
                question.kind == QuestionKind.AGE_BAND and value == AgeBand.UNKNOWN
            ):
                continue
            if question.kind == QuestionKind.YES_NO:
                text = str(Answer(value).label)
            elif question.kind == QuestionKind.AGE_BAND:
                text = str(AgeBand(value).label)
            else:
                text = _value(answers, key)
            rows.append((question.label, text))
        if rows:
            shown.append((title, rows))
    return shown


def _outcome_context(request: HttpRequest, screening: Screening) -> dict[str, Any]:
    user = request_user(request)
    opened = services.screening_read(
        screening=screening,
        user=user,
        user_private_key=keys.request_private_key(request),
    )
    assessment = opened.assessment
    file_url = None
    if screening.file_id is not None and (
        files_visible_to(user=user).filter(pk=screening.file_id).exists()
    ):
        file_url = _file_url(screening.file_id)
    return {
        "opened": opened,
        "assessment": assessment,
        "child_labour_label": _label(ChildLabourVerdict, screening.child_labour),
        "forced_labour_label": _label(ForcedLabourLevel, screening.forced_labour),
        "answers": _answer_rows(opened.interview) if opened.interview else [],
        "open_questions": [_QUESTION[k].label for k in assessment.open_questions]
        if assessment
        else [],
        "steps": [
            (step, _services_url(str(step.service)))
            for step in (assessment.next_steps if assessment else ())
        ],
        "findings": assessment.findings if assessment else (),
        "stored_findings": screening.findings if not assessment else [],
        "disclaimer": DISCLAIMER,
        "can_open_file": screening.file_id is None
        and screening.organisation_id
        in organisations_for(user=user, capability=Capability.PROTECTION_WRITE),
        "file_url": file_url,
    }


# --- Pages ------------------------------------------------------------------------------

STATUS_TABS = (
    (ScreeningStatus.PENDING, gettext_lazy("Por entrevistar")),
    (ScreeningStatus.DONE, gettext_lazy("Hechas")),
    (ScreeningStatus.DISMISSED, gettext_lazy("Descartadas")),
)


@never_cache
@login_required
def screening_list_view(request: HttpRequest) -> HttpResponse:
    capability_require(request, Capability.PROTECTION_READ)
    status = request.GET.get("status") or ScreeningStatus.PENDING
    if status not in ScreeningStatus.values:
        status = ScreeningStatus.PENDING
    rows = screening_list(viewer=request.user, status=status)
    page = Paginator(rows, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    writable = organisations_for(
        user=request.user, capability=Capability.PROTECTION_WRITE
    )
    return render(
        request,
        "protection/screening_list.html",
        {
            "page": page,
            "status": status,
            "tabs": STATUS_TABS,
            "can_start": bool(writable),
            "start_organisations": list(
                Organisation.objects.filter(pk__in=writable).order_by("name")
            )
            if len(writable) > 1
            else [],
        },
    )


@login_required
@require_POST
def screening_start_view(request: HttpRequest) -> HttpResponse:
    capability_require(request, Capability.PROTECTION_WRITE)
    try:
        screening = services.screening_start(
            user=request_user(request),
            organisation_id=request.POST.get("organisation_id") or None,
        )
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
        return redirect("protection:screenings")
    return redirect(screening.get_absolute_url())


def _questionnaire_page(
    request: HttpRequest,
    screening: Screening,
    *,
    answers: dict[str, Any] | None = None,
    conducted_on: str = "",
    errors: InvalidInput | None = None,
    status: int = 200,
) -> HttpResponse:
    fields, general = _errors_by_field(errors) if errors else ({}, [])
    return render(
        request,
        "protection/screening_form.html",
        {
            "screening": screening,
            "groups": _questionnaire(answers or {}, fields),
            "conducted_on": conducted_on,
            "date_errors": fields.get("conducted_on", []),
            "general_errors": general,
            "origin": _origin(request, screening),
            "age_min": AGE_MIN,
            "age_max": AGE_MAX,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def screening_view(request: HttpRequest, screening_id: Any) -> HttpResponse:
    """A pending screening's questionnaire (posting it holds the interview),
    a held one's outcome, or a dismissed one's reason."""
    screening = _screening_or_404(request, screening_id)
    user = request_user(request)
    can_conduct = screening_can_conduct(user=user, screening=screening)
    if request.method == "POST":
        if screening.status != ScreeningStatus.PENDING or not can_conduct:
            messages.error(request, _("Esta entrevista ya no se puede hacer."))
            return redirect(screening.get_absolute_url())
        answers = {k: request.POST[k] for k in ANSWER_KEYS if k in request.POST}
        conducted_on = request.POST.get("conducted_on", "")
        try:
            services.screening_conduct(
                screening=screening,
                user=user,
                answers=answers,
                conducted_on=conducted_on,
            )
        except InvalidInput as exc:
            return _questionnaire_page(
                request,
                screening,
                answers=answers,
                conducted_on=conducted_on,
                errors=exc,
                status=422,
            )
        messages.success(request, _("Entrevista registrada."))
        return redirect(screening.get_absolute_url())
    if screening.status == ScreeningStatus.PENDING and can_conduct:
        return _questionnaire_page(request, screening)
    context: dict[str, Any] = {
        "screening": screening,
        "can_conduct": can_conduct,
        "origin": _origin(request, screening),
    }
    if screening.status == ScreeningStatus.DONE:
        context.update(_outcome_context(request, screening))
    return render(request, "protection/screening_result.html", context)


@login_required
@require_POST
def screening_dismiss_view(request: HttpRequest, screening_id: Any) -> HttpResponse:
    screening = _screening_or_404(request, screening_id)
    try:
        services.screening_dismiss(
            screening=screening,
            user=request_user(request),
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
        return redirect(screening.get_absolute_url())
    messages.success(request, _("Entrevista descartada."))
    return redirect("protection:screenings")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def screening_file_view(request: HttpRequest, screening_id: Any) -> HttpResponse:
    """Open a victim file from a held screening: the person's identity (sealed
    to the new file) and the date they were identified."""
    screening = _screening_or_404(request, screening_id)
    user = request_user(request)
    if screening.organisation_id not in organisations_for(
        user=user, capability=Capability.PROTECTION_WRITE
    ):
        raise Http404
    values = {name: "" for name in IDENTITY_FIELDS}
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in IDENTITY_FIELDS}
        try:
            file = services.screening_file_open(
                screening=screening,
                user=user,
                user_private_key=keys.request_private_key(request),
                identity=values,
                identified_on=request.POST.get("identified_on") or None,
            )
        except InvalidInput as exc:
            for error in exc.errors:
                name = str(error.get("field", ""))
                if name in IDENTITY_FIELDS or name == "identified_on":
                    errors.setdefault(name, []).append(str(error["reason"]))
                else:
                    general.append(str(error["reason"]))
            status = 422
        except ApplicationError as exc:
            general = exc.reasons
            status = 422
        else:
            messages.success(
                request,
                _("Expediente %(number)s abierto.") % {"number": file.number},
            )
            return redirect(_file_url(file.pk) or screening.get_absolute_url())
    return render(
        request,
        "protection/screening_file.html",
        {
            "screening": screening,
            "fields": [
                (name, label, limit, values.get(name, ""), errors.get(name, []))
                for name, (label, limit) in IDENTITY_FIELDS.items()
            ],
            "identified_on": request.POST.get("identified_on", "")
            if request.method == "POST"
            else "",
            "date_errors": errors.get("identified_on", []),
            "general_errors": general,
        },
        status=status,
    )
