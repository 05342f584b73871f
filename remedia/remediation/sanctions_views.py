"""Staff pages of sanctions proceedings (under /staff/remediation/training/sanctions/;
thin: parse, call ``sanctions.py``, render), and the sanctions section of the
course and measure pages and of the training home page.

Every proceeding comes through the scoped selectors of ``sanctions.py``: one
the user may not read answers 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts.models import User
from remedia.core.errors import ApplicationError
from remedia.core.forms import errors_onto
from remedia.core.kit import or_404, request_user
from remedia.remediation import access, sanctions
from remedia.remediation.forms import SanctionForm
from remedia.remediation.models import (
    Course,
    Measure,
    MeasureType,
    SanctionProceeding,
    SanctionStatus,
)

SANCTIONS_PER_PAGE = 50


def _sanction_or_404(request: HttpRequest, sanction_id: Any) -> SanctionProceeding:
    return or_404(
        lambda: sanctions.sanction_get(user=request.user, sanction_id=sanction_id)
    )


@login_required
@require_GET
@never_cache
def sanction_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    course = None
    if request.GET.get("course"):
        course = or_404(
            lambda: access.course_get(user=user, course_id=request.GET["course"])
        )
    status = request.GET.get("status", "")
    items = sanctions.sanction_list(
        user=user,
        course=course,
        status=status if status in SanctionStatus.values else None,
    )
    page = Paginator(items, SANCTIONS_PER_PAGE).get_page(request.GET.get("page"))
    can_create = sanctions.sanction_can_create(user=user)
    if (
        not page.object_list
        and not can_create
        and not (access.courses_visible(user=user).exists())
    ):
        raise Http404
    return render(
        request,
        "remediation/sanction_list.html",
        {
            "page": page,
            "course": course,
            "status": status,
            "statuses": SanctionStatus.choices,
            "can_create": can_create
            and (course is None or access.can_manage(user=user, course=course)),
        },
    )


def _manageable_measures(user: User, course: Course | None) -> list[Measure]:
    courses = access.courses_visible(user=user)
    if course is not None:
        courses = courses.filter(pk=course.pk)
    return [
        m
        for m in Measure.objects.filter(
            course__in=courses.values("pk"), type=MeasureType.SANCTIONS_PROCEEDINGS
        )
        .select_related("course", "course__organisation")
        .order_by("course__deadline", "position")
        if access.can_manage(user=user, course=m.course)
    ]


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def sanction_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not sanctions.sanction_can_create(user=user):
        raise Http404
    course: Course | None = None
    if request.GET.get("course"):
        course = or_404(
            lambda: access.course_get(user=user, course_id=request.GET["course"])
        )
        if not access.can_manage(user=user, course=course):
            raise Http404
    measures = _manageable_measures(user, course)
    form = SanctionForm(
        request.POST or None,
        statuses=list(SanctionStatus.values),
        measures=measures,
        initial={
            "status": SanctionStatus.INITIATED,
            "opened_on": timezone.localdate(),
            # A course's proceeding usually answers its sanctions measure.
            "measure": str(measures[0].pk) if course and len(measures) == 1 else "",
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            measure = next(
                (m for m in measures if str(m.pk) == form.cleaned_data.get("measure")),
                None,
            )
            try:
                sanction = sanctions.sanction_create(
                    user=user,
                    course=course or (measure.course if measure else None),
                    measure=measure,
                    **form.values(),
                )
            except ApplicationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("Procedimiento registrado."))
                return redirect("remediation:sanction_detail", sanction_id=sanction.pk)
        status = 422
    return render(
        request,
        "remediation/sanction_form.html",
        {"form": form, "course": course, "sanction": None},
        status=status,
    )


def _sanction_form(sanction: SanctionProceeding, data: Any = None) -> SanctionForm:
    return SanctionForm(
        data,
        statuses=sanctions.allowed_statuses(sanction),
        initial={
            "respondent_kind": sanction.respondent_kind,
            "respondent_name": sanction.respondent_name,
            "authority": sanction.authority,
            "number": sanction.number,
            "opened_on": sanction.opened_on,
            "status": sanction.status,
            "outcome": sanction.outcome,
            "outcome_detail": sanction.outcome_detail,
            "closed_on": sanction.closed_on,
        },
    )


def _sanction_page(
    request: HttpRequest,
    sanction: SanctionProceeding,
    form: SanctionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    manages = sanctions.sanction_can_manage(user=request.user, sanction=sanction)
    return render(
        request,
        "remediation/sanction_detail.html",
        {
            "sanction": sanction,
            "reads_cases": sanctions.sanction_reads_cases(
                user=request.user, sanction=sanction
            ),
            "form": (form or _sanction_form(sanction)) if manages else None,
        },
        status=status,
    )


@login_required
@require_GET
@never_cache
def sanction_detail_view(request: HttpRequest, sanction_id: Any) -> HttpResponse:
    return _sanction_page(request, _sanction_or_404(request, sanction_id))


@login_required
@require_POST
def sanction_update_view(request: HttpRequest, sanction_id: Any) -> HttpResponse:
    sanction = _sanction_or_404(request, sanction_id)
    if not sanctions.sanction_can_manage(user=request.user, sanction=sanction):
        raise Http404
    form = _sanction_form(sanction, request.POST)
    if form.is_valid():
        try:
            sanctions.sanction_update(
                user=request_user(request), sanction=sanction, **form.values()
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Cambios guardados."))
            return redirect("remediation:sanction_detail", sanction_id=sanction.pk)
    return _sanction_page(request, sanction, form, status=422)


# --- Sections of the course and measure pages -----------------------------------------


def sanctions_course_section(request: HttpRequest, course: Course) -> str:
    """The course page's sanctions section: its proceedings, newest first."""
    user = request_user(request)
    return render_to_string(
        "remediation/sanction_course_section.html",
        {
            "course": course,
            "items": list(sanctions.sanctions_for_course(user=user, course=course)),
            "can_create": access.can_manage(user=user, course=course)
            and sanctions.sanction_can_create(user=user),
        },
        request=request,
    )


def sanctions_measure_section(request: HttpRequest, measure: Measure) -> str:
    """The sanctions measure's page: the course's proceedings."""
    if measure.type != MeasureType.SANCTIONS_PROCEEDINGS:
        return ""
    return sanctions_course_section(request, measure.course)


def sanctions_home_section(request: HttpRequest) -> str:
    """The training home page's card of sanctions proceedings."""
    return render_to_string(
        "remediation/sanction_home_section.html",
        {"can_create_sanction": sanctions.sanction_can_create(user=request.user)},
        request=request,
    )
