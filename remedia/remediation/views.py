"""Staff pages of courses of remediation (thin: parse, call one service, render).

Every page needs a login and either the remediation reading capability or
the evidence one (facility compliance officers); every course comes through
``selectors.course_get``, so a course the user is no party to answers 404
exactly like a missing one. Form actions go through one helper, ``_action``.

Other parts of the app add to the course and measure pages without this
module importing them: ``course_section_register`` and
``measure_section_register`` take a function ``(request, course_or_measure)``
that returns rendered HTML (``render_to_string``'s safe string) or "" — a
plain ``str`` is escaped, never trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.errors import ApplicationError, InvalidInput, NotFound
from remedia.core.forms import errors_onto, form_data
from remedia.core.hooks import NavItem, Waiting
from remedia.core.kit import or_404
from remedia.core.kit import request_user as _user
from remedia.core.placed import (
    keep_values,
    kept_values,
    messages_by_section,
    page_url,
    place,
    tab_open,
)
from remedia.core.sorting import sort_read
from remedia.facilities.selectors import facility_search
from remedia.remediation import access, report, selectors, services
from remedia.remediation.catalogue import RRM_COURSE_MEASURES
from remedia.remediation.forms import (
    CloseForm,
    CourseCreateForm,
    CourseFilterForm,
    CourseForm,
    EvidenceForm,
    MeasureAddForm,
    MeasureEditForm,
    NoteForm,
    PartyForm,
    ReviewForm,
    StatusForm,
)
from remedia.remediation.models import (
    Course,
    CourseStatus,
    Measure,
    MeasureStatus,
    PartyRole,
)

LIST_PAGE_SIZE = 50
FACILITY_RESULTS = 10
# The measures of the published INISA course (domain/remediation.md): offered
# ticked on a new course, since most courses start from them.

# --- Sections other parts of the app add to the pages ------------------------------------

CourseSection = Callable[[HttpRequest, Course], str]
MeasureSection = Callable[[HttpRequest, Measure], str]


@dataclass(frozen=True)
class CourseTab:
    """A section of the course page shown as its own tab (`?tab=key`)."""

    key: str
    label: Any
    provider: CourseSection


_course_sections: list[CourseSection] = []
_course_tabs: list[CourseTab] = []
_measure_sections: list[MeasureSection] = []


def course_section_register(
    provider: CourseSection, *, tab: str = "", label: Any = None
) -> CourseSection:
    """Add a section to every course page (in registration order); idempotent.

    With `tab` and `label` the section is a tab of its own, drawn only when
    open; without, it shows below whichever tab is open."""
    if tab and label is not None:
        if all(t.provider is not provider for t in _course_tabs):
            _course_tabs.append(CourseTab(key=tab, label=label, provider=provider))
    elif provider not in _course_sections:
        _course_sections.append(provider)
    return provider


def measure_section_register(provider: MeasureSection) -> MeasureSection:
    """Add a section to every measure page (in registration order); idempotent."""
    if provider not in _measure_sections:
        _measure_sections.append(provider)
    return provider


def _sections(providers: list[Any], request: HttpRequest, obj: Any) -> list[SafeString]:
    return [conditional_escape(html) for p in providers if (html := p(request, obj))]


# --- Access --------------------------------------------------------------------------------


def _may_enter(user: Any) -> bool:
    return user_can(user=user, capability=Capability.REMEDIATION_READ) or user_can(
        user=user, capability=Capability.EVIDENCE_SUBMIT
    )


def courses_nav(request: HttpRequest) -> NavItem | None:
    if not _may_enter(request.user):
        return None
    return NavItem(
        label=gettext_lazy("Remediación"), url=reverse("remediation:list"), order=40
    )


def courses_waiting(request: HttpRequest) -> list[Waiting]:
    """Courses with a measure past its due date: the list filtered the same way."""
    if not _may_enter(request.user):
        return []
    n = selectors.course_list(
        viewer=request.user, filters=selectors.CourseFilters(overdue=True)
    ).count()
    courses = reverse("remediation:list")
    return [
        Waiting(
            key="remediation.overdue",
            count=n,
            label=ngettext(
                "plan de remediación con medidas vencidas",
                "planes de remediación con medidas vencidas",
                n,
            ),
            url=f"{courses}?overdue=1",
            nav_url=courses,
            urgent=n > 0,
            order=40,
        )
    ]


def _require(request: HttpRequest) -> None:
    if not _may_enter(request.user):
        raise Http404


def _course_or_404(request: HttpRequest, course_id: Any) -> Course:
    _require(request)
    return or_404(
        lambda: selectors.course_get(viewer=request.user, course_id=course_id)
    )


def _measure_or_404(request: HttpRequest, course_id: Any, measure_id: Any) -> Measure:
    course = _course_or_404(request, course_id)
    return or_404(lambda: selectors.measure_get(course=course, measure_id=measure_id))


# --- Forms -----------------------------------------------------------------------------


# --- Pages -----------------------------------------------------------------------------


@login_required
@require_GET
@never_cache
def course_list_view(request: HttpRequest) -> HttpResponse:
    _require(request)
    viewer = request.user
    facilities = list(selectors.course_facilities(viewer=viewer))
    filter_form = CourseFilterForm(request.GET or None, facilities=facilities)
    sorting = sort_read(request.GET, selectors.COURSE_SORTS)
    courses = selectors.course_list(
        viewer=viewer, filters=filter_form.filters(), order=sorting.order
    )
    page = Paginator(courses, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.progress_attach(list(page.object_list))
    return render(
        request,
        "remediation/course_list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "rows": [
                {"course": c, "progress": selectors.course_progress(c)}
                for c in page.object_list
            ],
            "sorting": sorting,
            "can_create": user_can(
                user=viewer, capability=Capability.REMEDIATION_WRITE
            ),
            "can_read_surveys": user_can(
                user=viewer, capability=Capability.REMEDIATION_READ
            ),
            "today": timezone.localdate(),
        },
    )


def _facility_context(request: HttpRequest, query: str) -> dict[str, Any]:
    query = " ".join(query.split())[:200]
    return {
        "facility_query": query,
        "facility_results": facility_search(q=query, limit=FACILITY_RESULTS)
        if query
        else [],
    }


@login_required
@require_GET
def facility_search_view(request: HttpRequest) -> HttpResponse:
    """The registry's matches for the new course form (htmx swaps them in)."""
    if not user_can(user=request.user, capability=Capability.REMEDIATION_WRITE):
        raise Http404
    return render(
        request,
        "remediation/facility_results.html",
        _facility_context(request, request.GET.get("fq") or ""),
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def course_create_view(request: HttpRequest) -> HttpResponse:
    if not user_can(user=request.user, capability=Capability.REMEDIATION_WRITE):
        raise Http404
    organisations = list(selectors.organisations_choosable(viewer=request.user))
    form = CourseCreateForm(
        request.POST or None,
        organisations=organisations,
        initial={"measure_types": list(RRM_COURSE_MEASURES)},
    )
    chosen = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            links = selectors.course_links(
                viewer=request.user,
                facility_id=data["facility_id"],
                rrm_case_id=data["rrm_case_id"],
                case_id=data["case_id"],
                organisation_id=data["company_organisation"] or None,
            )
            chosen = links.facility
            parties = []
            if links.organisation is not None or data["company_name"]:
                parties.append(
                    services.PartySpec(
                        role=PartyRole.COMPANY,
                        name=data["company_name"],
                        organisation=links.organisation,
                    )
                )
            course = services.course_create(
                user=_user(request),
                title=data["title"],
                facility=links.facility,
                origin=data["origin"],
                deadline=data["deadline"],
                rrm_case=links.rrm_case,
                case=links.case,
                reference=data["reference"],
                summary=data["summary"],
                agreed_on=data["agreed_on"],
                parties=parties,
                measures=[services.MeasureSpec(type=t) for t in data["measure_types"]],
            )
        except ApplicationError as exc:
            errors_onto(
                form,
                exc,
                **{"parties.0.organisation_id": "company_organisation"},
                **{"parties.0.name": "company_name"},
            )
        else:
            messages.success(request, _("Plan de remediación creado."))
            return redirect("remediation:detail", course_id=course.pk)
    context = _facility_context(request, request.GET.get("fq") or "")
    if chosen is None and form.data.get("facility_id"):
        # A form sent back with errors keeps the facility that was chosen.
        try:
            chosen = selectors.course_links(
                viewer=request.user, facility_id=form.data["facility_id"]
            ).facility
        except InvalidInput:
            chosen = None
    if chosen is not None and chosen not in context["facility_results"]:
        context["facility_results"] = [chosen, *context["facility_results"]]
    context.update(
        form=form,
        chosen_facility=str(form.data.get("facility_id") or ""),
    )
    return render(request, "remediation/course_create.html", context)


# --- The course page: a workspace --------------------------------------------------------
#
# A summary column (status, facility, origin, links, responsible organisation,
# dates in words, progress, reports, and the close form) beside tabs for the
# measures (with the add form under the list), the parties and the sections
# other parts of the app register as tabs (training, sanctions). A tab is a
# link (`?tab=partes`), so the page works without JavaScript and only the
# open tab is read. Every action's message shows beside the form that was
# sent (`core.placed`).

TAB_MEASURES = "medidas"
TAB_PARTIES = "partes"
# The tab each action's place is in; the summary's close form (None) keeps
# the tab the user had open.
SECTION_TABS: dict[str, str | None] = {
    "close": None,
    "measures": TAB_MEASURES,
    "parties": TAB_PARTIES,
}


def course_page_url(course: Course, *, tab: str, section: str = "") -> str:
    return page_url(
        reverse("remediation:detail", kwargs={"course_id": course.pk}),
        tab=tab,
        default_tab=TAB_MEASURES,
        section=section,
    )


@login_required
@require_GET
@never_cache
def course_detail_view(request: HttpRequest, course_id: Any) -> HttpResponse:
    course = _course_or_404(request, course_id)
    viewer = request.user
    placed, general = messages_by_section(request)
    can_manage = access.can_manage(user=viewer, course=course)
    is_open = course.status == CourseStatus.ACTIVE
    tabs = [
        (TAB_MEASURES, gettext_lazy("Medidas")),
        (TAB_PARTIES, gettext_lazy("Partes")),
        *((t.key, t.label) for t in _course_tabs),
    ]
    tab = tab_open(request, tabs, TAB_MEASURES)
    # A form refused a moment ago comes back as it was sent.
    kept = kept_values(request)
    context: dict[str, Any] = {
        "course": course,
        "tab": tab,
        "tabs": tabs,
        "placed": placed,
        "general_messages": general,
        "progress": selectors.course_progress(course),
        "reads_all": access.can_read_all(user=viewer, course=course),
        "reads_petitions": course.rrm_case_id is not None
        and user_can(user=viewer, capability=Capability.PETITION_READ),
        "reads_cases": course.case_id is not None
        and user_can(user=viewer, capability=Capability.CASE_READ),
        "can_manage": can_manage,
        "is_open": is_open,
        "close_form": CloseForm(
            kept.get("close"),
            auto_id="close_%s",
            initial={"closed_on": timezone.localdate()},
        )
        if can_manage and is_open
        else None,
        "sections": _sections(_course_sections, request, course),
        "today": timezone.localdate(),
    }
    if tab == TAB_MEASURES:
        context["measures"] = list(selectors.measure_list(course=course))
        if can_manage and is_open:
            context["measure_form"] = MeasureAddForm(
                kept.get("measures"), auto_id="measure_%s"
            )
    elif tab == TAB_PARTIES:
        context["parties"] = selectors.course_parties(course=course)
        if can_manage and is_open:
            organisations = list(selectors.organisations_choosable(viewer=viewer))
            context["party_form"] = PartyForm(
                kept.get("parties"), auto_id="party_%s", organisations=organisations
            )
    else:
        provider = next(t.provider for t in _course_tabs if t.key == tab)
        context["tab_section"] = conditional_escape(provider(request, course))
    return render(request, "remediation/course_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def course_edit_view(request: HttpRequest, course_id: Any) -> HttpResponse:
    course = _course_or_404(request, course_id)
    if not access.can_manage(user=request.user, course=course):
        raise Http404
    fields = ("title", "origin", "reference", "agreed_on", "deadline", "summary")
    form = CourseForm(
        request.POST or None,
        initial={name: getattr(course, name) for name in fields},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(
                course=course, user=_user(request), **form.cleaned_data
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Plan actualizado."))
            return redirect("remediation:detail", course_id=course.pk)
    return render(
        request, "remediation/course_edit.html", {"course": course, "form": form}
    )


def _action(
    request: HttpRequest,
    url: str,
    act: Callable[[], str],
) -> HttpResponse:
    """A form action: one message, back to the page it came from."""
    place(request, act)
    return redirect(url)


def _course_action(
    request: HttpRequest,
    course: Course,
    act: Callable[[], str],
    *,
    section: str,
    sent: Callable[[], forms.BaseForm] | None = None,
) -> HttpResponse:
    """A form action on the course page: its message shows beside the form
    that was sent (`section`), and the page lands on it, in its tab. A
    refused form (`sent`, bound to the post) comes back as it was sent."""
    if not place(request, act, section=section) and sent is not None:
        keep_values(request, section, sent())
    tab = SECTION_TABS.get(section) or request.POST.get("tab") or TAB_MEASURES
    return redirect(course_page_url(course, tab=tab, section=section))


def _measure_url(measure: Measure, anchor: str = "") -> str:
    url = reverse(
        "remediation:measure",
        kwargs={"course_id": measure.course_id, "measure_id": measure.pk},
    )
    return url + (f"#{anchor}" if anchor else "")


@login_required
@require_POST
def course_close_view(request: HttpRequest, course_id: Any) -> HttpResponse:
    course = _course_or_404(request, course_id)

    def close() -> str:
        data = form_data(CloseForm(request.POST))
        closed = services.course_close(course=course, user=_user(request), **data)
        return _("Plan cerrado: %(status)s.") % {"status": closed.get_status_display()}

    return _course_action(
        request, course, close, section="close", sent=lambda: CloseForm(request.POST)
    )


@login_required
@require_POST
def party_add_view(request: HttpRequest, course_id: Any) -> HttpResponse:
    course = _course_or_404(request, course_id)

    def add() -> str:
        organisations = list(selectors.organisations_choosable(viewer=request.user))
        data = form_data(PartyForm(request.POST, organisations=organisations))
        organisation = (
            selectors.organisation_get(
                viewer=request.user, organisation_id=data["organisation"]
            )
            if data["organisation"]
            else None
        )
        services.party_add(
            course=course,
            user=_user(request),
            role=data["role"],
            name=data["name"],
            organisation=organisation,
        )
        return _("Parte agregada.")

    return _course_action(
        request,
        course,
        add,
        section="parties",
        sent=lambda: PartyForm(request.POST, organisations=[]),
    )


@login_required
@require_POST
def party_remove_view(
    request: HttpRequest, course_id: Any, party_id: Any
) -> HttpResponse:
    course = _course_or_404(request, course_id)

    def remove() -> str:
        party = selectors.party_get(course=course, party_id=party_id)
        services.party_remove(course=course, user=_user(request), party=party)
        return _("Parte retirada del plan.")

    return _course_action(request, course, remove, section="parties")


@login_required
@require_POST
def measure_add_view(request: HttpRequest, course_id: Any) -> HttpResponse:
    course = _course_or_404(request, course_id)

    def add() -> str:
        data = form_data(MeasureAddForm(request.POST))
        measure = services.measure_create(
            course=course,
            user=_user(request),
            type=data["type"],
            description=data["description"] or None,
            required_evidence=data["required_evidence"] or None,
            responsible_party=data["responsible_party"] or None,
            due_date=data["due_date"],
        )
        return _("Medida %(n)s agregada.") % {"n": measure.position}

    return _course_action(
        request,
        course,
        add,
        section="measures",
        sent=lambda: MeasureAddForm(request.POST),
    )


@login_required
@require_GET
@never_cache
def measure_detail_view(
    request: HttpRequest, course_id: Any, measure_id: Any
) -> HttpResponse:
    measure = _measure_or_404(request, course_id, measure_id)
    course = measure.course
    viewer = _user(request)
    can_manage = access.can_manage(user=viewer, course=course)
    is_open = course.status == CourseStatus.ACTIVE
    can_submit = is_open and (
        can_manage or access.can_submit_evidence(user=viewer, course=course)
    )
    moves = services.measure_moves(user=viewer, measure=measure) if is_open else []
    evidence = selectors.evidence_list(measure=measure)
    return render(
        request,
        "remediation/measure_detail.html",
        {
            "course": course,
            "measure": measure,
            "evidence": evidence,
            "notes": selectors.measure_notes(viewer=viewer, measure=measure),
            "reads_all": access.can_read_all(user=viewer, course=course),
            "can_manage": can_manage,
            "is_open": is_open,
            "status_form": StatusForm(auto_id="status_%s", moves=moves)
            if moves
            else None,
            "evidence_form": EvidenceForm(auto_id="evidence_%s")
            if can_submit
            else None,
            "review": can_manage and is_open,
            "note_form": NoteForm(auto_id="note_%s")
            if can_manage and is_open
            else None,
            "edit_form": MeasureEditForm(
                auto_id="edit_%s",
                initial={
                    "description": measure.description,
                    "required_evidence": measure.required_evidence,
                    "responsible_party": measure.responsible_party,
                    "due_date": measure.due_date,
                },
            )
            if can_manage and is_open
            else None,
            "sections": _sections(_measure_sections, request, measure),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def measure_edit_view(
    request: HttpRequest, course_id: Any, measure_id: Any
) -> HttpResponse:
    measure = _measure_or_404(request, course_id, measure_id)

    def edit() -> str:
        data = form_data(MeasureEditForm(request.POST))
        services.measure_update(measure=measure, user=_user(request), **data)
        return _("Medida actualizada.")

    return _action(request, _measure_url(measure), edit)


@login_required
@require_POST
def measure_status_view(
    request: HttpRequest, course_id: Any, measure_id: Any
) -> HttpResponse:
    measure = _measure_or_404(request, course_id, measure_id)

    def change() -> str:
        # Every status is offered to the form: the service decides who may.
        data = form_data(StatusForm(request.POST, moves=list(MeasureStatus.values)))
        changed = services.measure_status_change(
            measure=measure,
            user=_user(request),
            to_status=data["status"],
            reason=data["reason"],
        )
        return _("Estado de la medida: %(status)s.") % {
            "status": changed.get_status_display()
        }

    return _action(request, _measure_url(measure, "status"), change)


@login_required
@require_POST
def measure_note_view(
    request: HttpRequest, course_id: Any, measure_id: Any
) -> HttpResponse:
    measure = _measure_or_404(request, course_id, measure_id)

    def add() -> str:
        data = form_data(NoteForm(request.POST))
        services.measure_note_add(
            measure=measure, user=_user(request), body=data["body"]
        )
        return _("Nota guardada.")

    return _action(request, _measure_url(measure, "notes"), add)


@login_required
@require_POST
def evidence_add_view(
    request: HttpRequest, course_id: Any, measure_id: Any
) -> HttpResponse:
    measure = _measure_or_404(request, course_id, measure_id)

    def add() -> str:
        data = form_data(EvidenceForm(request.POST))
        upload = request.FILES.get("file")
        if upload is None or not upload.name:
            raise ApplicationError(_("Elija un archivo o tome una foto."))
        too_large = bool(getattr(upload, "too_large", False))
        services.evidence_submit(
            measure=measure,
            user=_user(request),
            name=upload.name,
            data=b"" if too_large else upload.read(),
            description=data["description"],
            too_large=too_large,
        )
        return _("Evidencia recibida, sin metadatos. El monitoreo la revisará.")

    return _action(request, _measure_url(measure, "evidence"), add)


@login_required
@require_POST
def evidence_review_view(
    request: HttpRequest, course_id: Any, measure_id: Any, evidence_id: Any
) -> HttpResponse:
    measure = _measure_or_404(request, course_id, measure_id)

    def review() -> str:
        try:
            evidence = selectors.evidence_get(measure=measure, evidence_id=evidence_id)
        except NotFound:
            raise Http404 from None
        data = form_data(ReviewForm(request.POST))
        reviewed = services.evidence_review(
            evidence=evidence,
            user=_user(request),
            decision=data["decision"],
            reason=data["reason"],
        )
        return _("Evidencia: %(status)s.") % {"status": reviewed.get_status_display()}

    return _action(request, _measure_url(measure, "evidence"), review)


@login_required
@require_GET
def evidence_view(
    request: HttpRequest, course_id: Any, measure_id: Any, evidence_id: Any
) -> FileResponse:
    measure = _measure_or_404(request, course_id, measure_id)
    try:
        evidence = selectors.evidence_get(measure=measure, evidence_id=evidence_id)
        handle = services.evidence_open(evidence=evidence, user=_user(request))
    except NotFound:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
@never_cache
def course_report_view(request: HttpRequest, course_id: Any) -> HttpResponse:
    """The course's status report as a PDF: ``?lang=es`` (default) or ``en``."""
    course = _course_or_404(request, course_id)
    try:
        language = report.report_language(request.GET.get("lang"))
        pdf = report.course_report_pdf(
            user=_user(request), course=course, language=language
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
        return redirect(course_page_url(course, tab=TAB_MEASURES))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{report.report_filename(course, language)}"'
    )
    response["Cache-Control"] = "no-store"
    return response
