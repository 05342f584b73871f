"""Staff pages of rosters, training sessions and coverage (under
/staff/remediation/training/, the "training" namespace; thin: parse, call a
service or selector, render).

Every roster, person and session comes through the scoped reads of
``access.py`` and ``selectors.py``: one the user may not read answers 404
exactly like a missing one. ``facility_training_section`` is the facility
page's training section (``facilities.hooks``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.errors import ApplicationError, InvalidInput, NotFound
from remedia.core.forms import errors_onto
from remedia.core.hooks import NavItem
from remedia.core.kit import or_404, request_user
from remedia.facilities.hooks import SECTION_TRAINING, FacilitySection
from remedia.facilities.models import Facility
from remedia.training import access, coverage, hooks, selectors, services
from remedia.training.access import Roster
from remedia.training.forms import (
    AttendanceImportForm,
    CoverageForm,
    PersonForm,
    RosterImportForm,
    SessionForm,
    role_choices,
)
from remedia.training.models import (
    PersonnelRole,
    TrainingSession,
    TrainingTopic,
)

ERRORS_SHOWN = 100
PEOPLE_PER_PAGE = 100
SESSIONS_PER_PAGE = 50


def _row_errors(exc: InvalidInput) -> dict[str, Any]:
    """What a page shows of a refused file: the summary, then each row's error."""
    rows = [e for e in exc.errors if "row" in e]
    return {
        "summary": str(exc.message),
        "file_errors": [str(e["reason"]) for e in exc.errors if "row" not in e],
        "rows": [
            {"row": e["row"], "column": e["column"], "reason": str(e["reason"])}
            for e in rows[:ERRORS_SHOWN]
        ],
        "more": max(0, len(rows) - ERRORS_SHOWN),
    }


# --- Home -----------------------------------------------------------------------------


def training_nav(request: HttpRequest) -> NavItem | None:
    """The staff menu entry, for whoever keeps or reads rosters and sessions."""
    user = request.user
    if not any(
        user_can(user=user, capability=c)
        for c in (
            Capability.REMEDIATION_READ,
            Capability.EVIDENCE_SUBMIT,
            Capability.COORDINATION_WRITE,
        )
    ):
        return None
    return NavItem(
        label=gettext_lazy("Capacitación"),
        url=reverse("training:training_home"),
        order=45,
    )


@login_required
@require_GET
@never_cache
def training_home_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    facilities = list(access.training_facilities(user=user))
    organisations = list(access.training_organisations(user=user))
    if not facilities and not organisations:
        raise Http404
    return render(
        request,
        "training/training_home.html",
        {
            "facilities": facilities,
            "organisations": organisations,
            # Sections the apps above add (remediation: sanctions proceedings).
            "sections": [
                html for show in hooks.home_sections() if (html := show(request))
            ],
        },
    )


# --- Rosters --------------------------------------------------------------------------


def _roster(
    request: HttpRequest, *, facility_id: Any = None, organisation_id: Any = None
) -> Roster:
    """The roster a URL names: a facility's, or an organisation's (its own
    people); each page below serves both kinds of URL."""
    if facility_id is not None:
        return or_404(
            lambda: access.roster_facility_get(
                user=request.user, facility_id=facility_id
            )
        )
    return or_404(
        lambda: access.roster_organisation_get(
            user=request.user, organisation_id=organisation_id
        )
    )


def roster_urls(roster: Roster) -> dict[str, str]:
    if roster.facility is not None:
        kind, pk, coverage = "facility", roster.facility.pk, "training_coverage"
    else:
        assert roster.organisation is not None  # noqa: S101 - one of the two
        kind, pk = "organisation", roster.organisation.pk
        coverage = "training_coverage_organisation"
    kwargs = {f"{kind}_id": pk}
    query = f"?{kind}={pk}"
    return {
        "page": reverse(f"training:roster_{kind}", kwargs=kwargs),
        "import": reverse(f"training:roster_{kind}_import", kwargs=kwargs),
        "add": reverse(f"training:roster_{kind}_person_add", kwargs=kwargs),
        "coverage": reverse(f"training:{coverage}", kwargs=kwargs),
        "sessions": reverse("training:training_session_list") + query,
        "new_session": reverse("training:training_session_create") + query,
    }


def _roster_page(
    request: HttpRequest,
    roster: Roster,
    *,
    import_form: RosterImportForm | None = None,
    person_form: PersonForm | None = None,
    import_errors: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    people = selectors.roster_people(roster=roster)
    role = request.GET.get("role", "")
    if role in PersonnelRole.values:
        people = people.filter(role=role)
    query = " ".join(request.GET.get("q", "").split())[:100]
    if query:
        people = people.filter(
            Q(name__icontains=query) | Q(identifier__icontains=query)
        )
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    counts = {
        r: 0
        for r in (roster.roles if roster.is_facility else coverage.ORGANISATION_ROLES)
    }
    for row in (
        roster.people().filter(active=True).values("role").annotate(n=Count("pk"))
    ):
        counts[row["role"]] = row["n"]
    return render(
        request,
        "training/roster_detail.html",
        {
            "roster": roster,
            "urls": roster_urls(roster),
            "page": page,
            "role": role,
            "q": query,
            "role_choices": role_choices(roster),
            "counts": [(PersonnelRole(r).label, n) for r, n in counts.items()],
            "active_total": sum(counts.values()),
            "import_form": import_form
            or (RosterImportForm() if roster.can_manage else None),
            "person_form": person_form
            or (PersonForm(roster=roster) if roster.can_manage else None),
            "import_errors": import_errors,
        },
        status=status,
    )


@login_required
@require_GET
@never_cache
def roster_view(request: HttpRequest, **ids: Any) -> HttpResponse:
    return _roster_page(request, _roster(request, **ids))


def _file_import(
    request: HttpRequest,
    form: forms.Form,
    *,
    run: Callable[[dict[str, Any]], Any],
    page: Callable[..., HttpResponse],
    done: Callable[[Any], str],
    url: str,
) -> HttpResponse:
    """A list sent to a page: `run` imports it; a refused file is shown on the
    `page` with every row's error (422); a done one is `done`'s message on `url`."""
    if form.is_valid():
        try:
            result = run(form.cleaned_data)
        except InvalidInput as exc:
            return page(import_form=form, import_errors=_row_errors(exc), status=422)
        except ApplicationError as exc:
            form.add_error(None, exc.reasons[0])
        else:
            messages.success(request, done(result))
            return redirect(url)
    return page(import_form=form, status=422)


def _roster_import(request: HttpRequest, roster: Roster) -> HttpResponse:
    if not roster.can_manage:
        raise Http404
    return _file_import(
        request,
        RosterImportForm(request.POST, request.FILES),
        run=lambda data: services.roster_import(
            user=request_user(request),
            facility=roster.facility,
            organisation=roster.organisation,
            file=data["file"],
            replace=data["replace"],
        ),
        page=lambda **context: _roster_page(request, roster, **context),
        done=lambda result: (
            _(
                "Lista importada: %(created)d nuevas, %(updated)d actualizadas, "
                "%(unchanged)d sin cambios, %(deactivated)d dadas de baja."
            )
            % result.counts()
        ),
        url=roster_urls(roster)["page"],
    )


@login_required
@require_POST
def roster_import_view(request: HttpRequest, **ids: Any) -> HttpResponse:
    return _roster_import(request, _roster(request, **ids))


def _person_add(request: HttpRequest, roster: Roster) -> HttpResponse:
    if not roster.can_manage:
        raise Http404
    form = PersonForm(request.POST, roster=roster)
    if form.is_valid():
        try:
            person = services.person_create(
                user=request_user(request),
                facility=roster.facility,
                organisation=roster.organisation,
                identifier=form.cleaned_data["identifier"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request, _("%(name)s está en la lista.") % {"name": person.name}
            )
            return redirect(roster_urls(roster)["page"])
    return _roster_page(request, roster, person_form=form, status=422)


@login_required
@require_POST
def roster_person_add_view(request: HttpRequest, **ids: Any) -> HttpResponse:
    return _person_add(request, _roster(request, **ids))


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def roster_person_view(request: HttpRequest, person_id: Any) -> HttpResponse:
    person, roster = or_404(
        lambda: selectors.person_get(user=request.user, person_id=person_id)
    )
    form = PersonForm(
        request.POST or None,
        roster=roster,
        initial={
            "identifier": person.identifier,
            "name": person.name,
            "role": person.role,
            "active": person.active,
        },
    )
    status = 200
    if request.method == "POST":
        if not roster.can_manage:
            raise Http404
        if form.is_valid():
            try:
                services.person_update(
                    user=request_user(request), person=person, **form.cleaned_data
                )
            except ApplicationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("Cambios guardados."))
                return redirect(roster_urls(roster)["page"])
        status = 422
    sessions = TrainingSession.objects.filter(attendance__person=person).order_by(
        "-held_on"
    )
    return render(
        request,
        "training/roster_person.html",
        {
            "person": person,
            "roster": roster,
            "urls": roster_urls(roster),
            "form": form if roster.can_manage else None,
            "sessions": sessions,
        },
        status=status,
    )


# --- Sessions -------------------------------------------------------------------------


def _roster_from_query(request: HttpRequest) -> Roster | None:
    if request.GET.get("facility"):
        return _roster(request, facility_id=request.GET["facility"])
    if request.GET.get("organisation"):
        return _roster(request, organisation_id=request.GET["organisation"])
    return None


@login_required
@require_GET
@never_cache
def training_session_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    roster = _roster_from_query(request)
    topic = request.GET.get("topic", "")
    sessions = selectors.training_session_list(
        user=user,
        facility=roster.facility if roster else None,
        organisation=roster.organisation if roster else None,
        topic=topic if topic in TrainingTopic.values else None,
    )
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    if (
        roster is None
        and not page.object_list
        and not (
            access.training_facilities(user=user).exists()
            or access.training_organisations(user=user).exists()
        )
    ):
        raise Http404
    return render(
        request,
        "training/training_session_list.html",
        {
            "roster": roster,
            "urls": roster_urls(roster) if roster else None,
            "page": page,
            "topic": topic,
            "topics": TrainingTopic.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def training_session_create_view(request: HttpRequest) -> HttpResponse:
    roster = _roster_from_query(request)
    if roster is None or not roster.can_manage:
        raise Http404
    user = request_user(request)
    # Each choice remembers its link: its value goes back under the name the
    # link reads it from (``choice_field``; ``measure_id`` by default).
    offered = [
        (choice, getattr(link, "choice_field", "measure_id"))
        for link in hooks.session_links()
        for choice in link.choices(user=user, roster=roster)
    ]
    counts_for = [choice for choice, _field in offered]
    initial: dict[str, Any] = {"during_working_hours": True}
    wanted = request.GET.get("measure", "")
    chosen = next((c for c in counts_for if c[0] == wanted), None)
    if chosen is not None:
        initial["measure"] = chosen[0]
        if chosen[2]:
            initial["topic"] = chosen[2]
    form = SessionForm(
        request.POST or None,
        roster=roster,
        counts_for=[(value, label) for value, label, _topic in counts_for],
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            link_value = next(
                (
                    {field: c[0]}
                    for c, field in offered
                    if data.get("measure") and c[0] == data.get("measure")
                ),
                None,
            )
            try:
                session = services.training_session_create(
                    user=user,
                    facility=roster.facility,
                    audience_organisation=roster.organisation,
                    topic=data["topic"],
                    title=data["title"],
                    held_on=data["held_on"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    during_working_hours=data["during_working_hours"],
                    trainer=data["trainer"],
                    audience_roles=data["audience_roles"],
                    location=data["location"],
                    **(link_value or {}),
                )
            except ApplicationError as exc:
                errors_onto(form, exc, **{field: "measure" for _c, field in offered})
            else:
                messages.success(request, _("Sesión registrada."))
                return redirect(
                    "training:training_session_detail", session_id=session.pk
                )
        status = 422
    return render(
        request,
        "training/training_session_form.html",
        {"form": form, "roster": roster, "urls": roster_urls(roster)},
        status=status,
    )


def _session_or_404(request: HttpRequest, session_id: Any) -> TrainingSession:
    return or_404(
        lambda: selectors.training_session_get(user=request.user, session_id=session_id)
    )


def _session_page(
    request: HttpRequest,
    session: TrainingSession,
    *,
    import_form: AttendanceImportForm | None = None,
    import_errors: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    roster = selectors.session_roster(user=user, session=session)
    attended = list(selectors.session_attendance(session=session))
    is_future = session.held_on > timezone.localdate()
    can_record = roster.can_manage and not is_future
    checklist = None
    role = request.GET.get("role", "")
    query = " ".join(request.GET.get("q", "").split())[:100]
    if can_record:
        people = selectors.roster_people(roster=roster)
        if role in PersonnelRole.values:
            people = people.filter(role=role)
        elif session.audience_roles and role != "all":
            people = people.filter(role__in=session.audience_roles)
        if query:
            people = people.filter(
                Q(name__icontains=query) | Q(identifier__icontains=query)
            )
        checklist = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    present = {p.pk for p in attended}
    link = selectors.session_links([session]).get(session.pk)
    return render(
        request,
        "training/training_session_detail.html",
        {
            "session": session,
            "link": link,
            "roster": roster,
            "urls": roster_urls(roster),
            "attended": attended,
            "is_future": is_future,
            "can_record": can_record,
            "checklist": checklist,
            "ticked": present,
            "shown": ",".join(str(p.pk) for p in checklist) if checklist else "",
            "role": role,
            "q": query,
            "role_choices": role_choices(roster),
            "audience_labels": [
                PersonnelRole(r).label
                for r in session.audience_roles or []
                if r in PersonnelRole.values
            ],
            "import_form": import_form
            or (AttendanceImportForm() if can_record else None),
            "import_errors": import_errors,
        },
        status=status,
    )


@login_required
@require_GET
@never_cache
def training_session_detail_view(request: HttpRequest, session_id: Any) -> HttpResponse:
    return _session_page(request, _session_or_404(request, session_id))


@login_required
@require_POST
def training_attendance_set_view(request: HttpRequest, session_id: Any) -> HttpResponse:
    session = _session_or_404(request, session_id)
    shown = [s for s in request.POST.get("shown", "").split(",") if s]
    try:
        result = services.attendance_set(
            user=request_user(request),
            session=session,
            person_ids=request.POST.getlist("people"),
            within=shown,
        )
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
    else:
        messages.success(
            request,
            _("Asistencia guardada: %(added)d agregadas, %(removed)d quitadas.")
            % result.counts(),
        )
    url = reverse("training:training_session_detail", kwargs={"session_id": session.pk})
    back = {k: v for k in ("role", "q", "page") if (v := request.POST.get(k, ""))}
    return redirect(url + (f"?{urlencode(back)}" if back else "") + "#attendance")


@login_required
@require_POST
def training_attendance_import_view(
    request: HttpRequest, session_id: Any
) -> HttpResponse:
    session = _session_or_404(request, session_id)
    return _file_import(
        request,
        AttendanceImportForm(request.POST, request.FILES),
        run=lambda data: services.attendance_import(
            user=request_user(request), session=session, file=data["file"]
        ),
        page=lambda **context: _session_page(request, session, **context),
        done=lambda result: (
            _(
                "Asistencia importada: %(added)d agregadas, %(already)d ya "
                "estaban registradas."
            )
            % result.counts()
        ),
        url=reverse(
            "training:training_session_detail", kwargs={"session_id": session.pk}
        ),
    )


# --- Coverage -------------------------------------------------------------------------


def _coverage_page(request: HttpRequest, roster: Roster) -> HttpResponse:
    default_topic = (
        TrainingTopic.NEUTRALITY_GUIDELINES
        if roster.is_facility
        else TrainingTopic.PROTOCOLS
    )
    form = CoverageForm(request.GET or None, initial={"topic": default_topic})
    topic, working_hours = str(default_topic), False
    if request.GET and form.is_valid():
        topic = form.cleaned_data["topic"]
        working_hours = form.cleaned_data["working_hours"]
    coverage = selectors.coverage_for(
        roster=roster, topics=[topic], working_hours_only=working_hours
    )
    return render(
        request,
        "training/training_coverage.html",
        {
            "roster": roster,
            "urls": roster_urls(roster),
            "form": form,
            "coverage": coverage,
            "topic_label": TrainingTopic(topic).label,
            "working_hours": working_hours,
        },
    )


@login_required
@require_GET
@never_cache
def training_coverage_view(request: HttpRequest, **ids: Any) -> HttpResponse:
    return _coverage_page(request, _roster(request, **ids))


# --- The facility page's section ------------------------------------------------------


def facility_training_section(
    request: HttpRequest, facility: Facility
) -> FacilitySection | None:
    """Coverage per role of each topic trained at this facility, for a reader of
    its roster (as the course pages show it); nothing for anyone else."""
    try:
        roster = access.roster_for_facility(user=request.user, facility=facility)
    except NotFound:
        return None
    return FacilitySection(
        key=SECTION_TRAINING,
        template="training/facility_section.html",
        context={
            "roster": roster,
            "urls": roster_urls(roster),
            "items": [
                (TrainingTopic(c.topics[0]).label, c)
                for c in selectors.facility_coverage(roster=roster)
            ],
            "people": roster.people().filter(active=True).count(),
        },
    )
