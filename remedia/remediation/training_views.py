"""Staff pages of rosters, training sessions, coverage and sanctions proceedings
(under /staff/remediation/training/; thin: parse, call a service, render).

Every roster, session and proceeding comes through the scoped selectors of
``training.py`` and ``sanctions.py``: one the user may not read answers 404
exactly like a missing one. ``training_course_section`` and
``sanctions_course_section`` (and their measure counterparts) render the
summaries the course and measure pages show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.errors import ApplicationError, InvalidInput, NotFound
from remedia.core.hooks import NavItem
from remedia.remediation import access, sanctions, training
from remedia.remediation.catalogue import entry_for
from remedia.remediation.models import (
    Course,
    Measure,
    MeasureType,
    Person,
    PersonnelRole,
    RespondentKind,
    SanctionOutcome,
    SanctionProceeding,
    SanctionStatus,
    TrainingSession,
    TrainingTopic,
)

ERRORS_SHOWN = 100
PEOPLE_PER_PAGE = 100
SESSIONS_PER_PAGE = 50


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _or_404(fetch: Callable[[], Any]) -> Any:
    try:
        return fetch()
    except NotFound:
        raise Http404 from None


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


def _role_choices(roster: training.Roster) -> list[tuple[str, Any]]:
    allowed = roster.roles if roster.is_facility else PersonnelRole.values
    return [(v, label) for v, label in PersonnelRole.choices if v in allowed]


def _errors_onto(form: forms.Form, exc: ApplicationError) -> None:
    if isinstance(exc, InvalidInput):
        for error in exc.errors:
            name = str(error.get("field", ""))
            target = name.removesuffix("_id")
            field = name if name in form.fields else target
            form.add_error(
                field if field in form.fields else None, str(error["reason"])
            )
    else:
        form.add_error(None, exc.reasons[0])


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


# --- Forms -----------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Archivo CSV o XLSX"),
        help_text=gettext_lazy(
            "Primera fila con los nombres de las columnas: numero (o identifier), "
            "nombre (o name) y papel (o role). El papel se escribe como en la lista "
            "de abajo; los acentos no importan."
        ),
        error_messages={
            "required": gettext_lazy(
                "Elija el archivo CSV o XLSX que quiere importar."
            ),
            "empty": gettext_lazy("El archivo está vacío."),
        },
    )
    replace = forms.BooleanField(
        label=gettext_lazy(
            "La lista está completa: dar de baja a quien no aparezca en el archivo"
        ),
        help_text=gettext_lazy(
            "Nadie se borra: su asistencia queda en el historial, pero deja de "
            "contar en la cobertura."
        ),
        required=False,
    )


class PersonForm(forms.Form):
    identifier = forms.CharField(label=gettext_lazy("Número de persona"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Nombre"), max_length=200)
    role = forms.ChoiceField(label=gettext_lazy("Papel"))
    active = forms.BooleanField(
        label=gettext_lazy("Activo en la lista"), required=False, initial=True
    )

    def __init__(self, *args: Any, roster: training.Roster, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = _role_choices(roster)


class AttendanceImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Lista de asistencia (CSV o XLSX)"),
        help_text=gettext_lazy(
            "Columna numero (o identifier); si trae nombre, se compara con la lista "
            "del personal."
        ),
        error_messages={
            "required": gettext_lazy(
                "Elija el archivo CSV o XLSX que quiere importar."
            ),
            "empty": gettext_lazy("El archivo está vacío."),
        },
    )


class SessionForm(forms.Form):
    topic = forms.ChoiceField(label=gettext_lazy("Tema"), choices=TrainingTopic.choices)
    title = forms.CharField(
        label=gettext_lazy("Título"), max_length=200, required=False
    )
    held_on = forms.DateField(label=gettext_lazy("Fecha"), widget=DateInput())
    starts_at = forms.TimeField(
        label=gettext_lazy("Hora de inicio"), widget=TimeInput()
    )
    ends_at = forms.TimeField(label=gettext_lazy("Hora de término"), widget=TimeInput())
    during_working_hours = forms.BooleanField(
        label=gettext_lazy("En horario de trabajo (dentro de la jornada, pagada)"),
        required=False,
    )
    trainer = forms.CharField(label=gettext_lazy("Quién capacitó"), max_length=200)
    audience_roles = forms.MultipleChoiceField(
        label=gettext_lazy("Público"),
        help_text=gettext_lazy("Sin marcar ninguno: todo el personal de la lista."),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    location = forms.CharField(
        label=gettext_lazy("Lugar"), max_length=200, required=False
    )
    measure = forms.ChoiceField(
        label=gettext_lazy("Medida del plan de remediación"), required=False
    )

    def __init__(
        self,
        *args: Any,
        roster: training.Roster,
        measures: list[Measure],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.MultipleChoiceField, self.fields["audience_roles"]
        ).choices = _role_choices(roster)
        if measures:
            cast(forms.ChoiceField, self.fields["measure"]).choices = _blank(
                [(str(m.pk), f"{m.course.title} · {m}") for m in measures]
            )
        else:
            del self.fields["measure"]


class CoverageForm(forms.Form):
    topic = forms.ChoiceField(label=gettext_lazy("Tema"), choices=TrainingTopic.choices)
    working_hours = forms.BooleanField(
        label=gettext_lazy("Solo sesiones en horario de trabajo"), required=False
    )


class SanctionForm(forms.Form):
    respondent_kind = forms.ChoiceField(
        label=gettext_lazy("Contra"), choices=RespondentKind.choices
    )
    respondent_name = forms.CharField(
        label=gettext_lazy("Nombre de quien responde"), max_length=200
    )
    authority = forms.CharField(
        label=gettext_lazy("Autoridad"),
        max_length=200,
        help_text=gettext_lazy(
            "P. ej. Centro Federal de Conciliación y Registro Laboral."
        ),
    )
    number = forms.CharField(label=gettext_lazy("Número de expediente"), max_length=80)
    opened_on = forms.DateField(
        label=gettext_lazy("Fecha de inicio"), widget=DateInput()
    )
    status = forms.ChoiceField(label=gettext_lazy("Estado"))
    outcome = forms.ChoiceField(
        label=gettext_lazy("Resultado"),
        choices=_blank(SanctionOutcome.choices),
        required=False,
    )
    outcome_detail = forms.CharField(
        label=gettext_lazy("Detalle del resultado"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20_000,
    )
    closed_on = forms.DateField(
        label=gettext_lazy("Fecha de conclusión"), widget=DateInput(), required=False
    )
    measure = forms.ChoiceField(
        label=gettext_lazy("Medida del plan de remediación"), required=False
    )

    def __init__(
        self,
        *args: Any,
        statuses: list[str],
        measures: list[Measure] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (s, SanctionStatus(s).label) for s in statuses
        ]
        if measures:
            cast(forms.ChoiceField, self.fields["measure"]).choices = _blank(
                [(str(m.pk), f"{m.course.title} · {m}") for m in measures]
            )
        else:
            del self.fields["measure"]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("measure", None)
        data["outcome"] = data.get("outcome") or ""
        return data


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
        url=reverse("remediation:training_home"),
        order=45,
    )


@login_required
@require_GET
@never_cache
def training_home_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    facilities = list(training.training_facilities(user=user))
    organisations = list(training.training_organisations(user=user))
    if not facilities and not organisations:
        raise Http404
    return render(
        request,
        "remediation/training_home.html",
        {
            "facilities": facilities,
            "organisations": organisations,
            "can_create_sanction": sanctions.sanction_can_create(user=user),
        },
    )


# --- Rosters --------------------------------------------------------------------------


def _facility_roster(request: HttpRequest, facility_id: Any) -> training.Roster:
    return cast(
        training.Roster,
        _or_404(
            lambda: training.roster_facility_get(
                user=request.user, facility_id=facility_id
            )
        ),
    )


def _organisation_roster(request: HttpRequest, organisation_id: Any) -> training.Roster:
    return cast(
        training.Roster,
        _or_404(
            lambda: training.roster_organisation_get(
                user=request.user, organisation_id=organisation_id
            )
        ),
    )


def _roster_urls(roster: training.Roster) -> dict[str, str]:
    if roster.facility is not None:
        kwargs = {"facility_id": roster.facility.pk}
        return {
            "page": reverse("remediation:roster_facility", kwargs=kwargs),
            "import": reverse("remediation:roster_facility_import", kwargs=kwargs),
            "add": reverse("remediation:roster_facility_person_add", kwargs=kwargs),
            "coverage": reverse("remediation:training_coverage", kwargs=kwargs),
            "sessions": reverse("remediation:training_session_list")
            + f"?facility={roster.facility.pk}",
            "new_session": reverse("remediation:training_session_create")
            + f"?facility={roster.facility.pk}",
        }
    assert roster.organisation is not None  # noqa: S101 - one of the two
    kwargs = {"organisation_id": roster.organisation.pk}
    return {
        "page": reverse("remediation:roster_organisation", kwargs=kwargs),
        "import": reverse("remediation:roster_organisation_import", kwargs=kwargs),
        "add": reverse("remediation:roster_organisation_person_add", kwargs=kwargs),
        "coverage": reverse(
            "remediation:training_coverage_organisation", kwargs=kwargs
        ),
        "sessions": reverse("remediation:training_session_list")
        + f"?organisation={roster.organisation.pk}",
        "new_session": reverse("remediation:training_session_create")
        + f"?organisation={roster.organisation.pk}",
    }


def _roster_page(
    request: HttpRequest,
    roster: training.Roster,
    *,
    import_form: RosterImportForm | None = None,
    person_form: PersonForm | None = None,
    import_errors: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    people = training.roster_people(roster=roster)
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
        for r in (roster.roles if roster.is_facility else training.ORGANISATION_ROLES)
    }
    for row in (
        roster.people().filter(active=True).values("role").annotate(n=Count("pk"))
    ):
        counts[row["role"]] = row["n"]
    return render(
        request,
        "remediation/roster_detail.html",
        {
            "roster": roster,
            "urls": _roster_urls(roster),
            "page": page,
            "role": role,
            "q": query,
            "role_choices": _role_choices(roster),
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
def roster_facility_view(request: HttpRequest, facility_id: Any) -> HttpResponse:
    return _roster_page(request, _facility_roster(request, facility_id))


@login_required
@require_GET
@never_cache
def roster_organisation_view(
    request: HttpRequest, organisation_id: Any
) -> HttpResponse:
    return _roster_page(request, _organisation_roster(request, organisation_id))


def _roster_import(request: HttpRequest, roster: training.Roster) -> HttpResponse:
    if not roster.can_manage:
        raise Http404
    form = RosterImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = training.roster_import(
                user=_user(request),
                facility=roster.facility,
                organisation=roster.organisation,
                file=form.cleaned_data["file"],
                replace=form.cleaned_data["replace"],
            )
        except InvalidInput as exc:
            return _roster_page(
                request,
                roster,
                import_form=form,
                import_errors=_row_errors(exc),
                status=422,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.reasons[0])
        else:
            messages.success(
                request,
                _(
                    "Lista importada: %(created)d nuevas, %(updated)d actualizadas, "
                    "%(unchanged)d sin cambios, %(deactivated)d dadas de baja."
                )
                % result.counts(),
            )
            return redirect(_roster_urls(roster)["page"])
    return _roster_page(request, roster, import_form=form, status=422)


@login_required
@require_POST
def roster_facility_import_view(request: HttpRequest, facility_id: Any) -> HttpResponse:
    return _roster_import(request, _facility_roster(request, facility_id))


@login_required
@require_POST
def roster_organisation_import_view(
    request: HttpRequest, organisation_id: Any
) -> HttpResponse:
    return _roster_import(request, _organisation_roster(request, organisation_id))


def _person_add(request: HttpRequest, roster: training.Roster) -> HttpResponse:
    if not roster.can_manage:
        raise Http404
    form = PersonForm(request.POST, roster=roster)
    if form.is_valid():
        try:
            person = training.person_create(
                user=_user(request),
                facility=roster.facility,
                organisation=roster.organisation,
                identifier=form.cleaned_data["identifier"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
            )
        except ApplicationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(
                request, _("%(name)s está en la lista.") % {"name": person.name}
            )
            return redirect(_roster_urls(roster)["page"])
    return _roster_page(request, roster, person_form=form, status=422)


@login_required
@require_POST
def roster_facility_person_add_view(
    request: HttpRequest, facility_id: Any
) -> HttpResponse:
    return _person_add(request, _facility_roster(request, facility_id))


@login_required
@require_POST
def roster_organisation_person_add_view(
    request: HttpRequest, organisation_id: Any
) -> HttpResponse:
    return _person_add(request, _organisation_roster(request, organisation_id))


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def roster_person_view(request: HttpRequest, person_id: Any) -> HttpResponse:
    person, roster = cast(
        tuple[Person, training.Roster],
        _or_404(lambda: training.person_get(user=request.user, person_id=person_id)),
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
                training.person_update(
                    user=_user(request), person=person, **form.cleaned_data
                )
            except ApplicationError as exc:
                _errors_onto(form, exc)
            else:
                messages.success(request, _("Cambios guardados."))
                return redirect(_roster_urls(roster)["page"])
        status = 422
    sessions = TrainingSession.objects.filter(attendance__person=person).order_by(
        "-held_on"
    )
    return render(
        request,
        "remediation/roster_person.html",
        {
            "person": person,
            "roster": roster,
            "urls": _roster_urls(roster),
            "form": form if roster.can_manage else None,
            "sessions": sessions,
        },
        status=status,
    )


# --- Sessions -------------------------------------------------------------------------


def _roster_from_query(request: HttpRequest) -> training.Roster | None:
    if request.GET.get("facility"):
        return _facility_roster(request, request.GET["facility"])
    if request.GET.get("organisation"):
        return _organisation_roster(request, request.GET["organisation"])
    return None


@login_required
@require_GET
@never_cache
def training_session_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    roster = _roster_from_query(request)
    topic = request.GET.get("topic", "")
    sessions = training.training_session_list(
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
            training.training_facilities(user=user).exists()
            or training.training_organisations(user=user).exists()
        )
    ):
        raise Http404
    return render(
        request,
        "remediation/training_session_list.html",
        {
            "roster": roster,
            "urls": _roster_urls(roster) if roster else None,
            "page": page,
            "topic": topic,
            "topics": TrainingTopic.choices,
        },
    )


def _course_measures(user: User, roster: training.Roster) -> list[Measure]:
    """The training measures of the courses at the roster's facility: what a
    session may be recorded for."""
    if roster.facility is None:
        return []
    measures = (
        Measure.objects.filter(
            course__in=access.courses_visible(user=user)
            .filter(facility=roster.facility)
            .values("pk")
        )
        .select_related("course")
        .order_by("course__deadline", "course__title", "position")
    )
    return [m for m in measures if entry_for(m.type).training_topic]


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def training_session_create_view(request: HttpRequest) -> HttpResponse:
    roster = _roster_from_query(request)
    if roster is None or not roster.can_manage:
        raise Http404
    user = _user(request)
    measures = _course_measures(user, roster)
    initial: dict[str, Any] = {"during_working_hours": True}
    wanted = request.GET.get("measure", "")
    chosen = next((m for m in measures if str(m.pk) == wanted), None)
    if chosen is not None:
        initial["measure"] = str(chosen.pk)
        topic = entry_for(chosen.type).training_topic
        if topic:
            initial["topic"] = topic
    form = SessionForm(
        request.POST or None, roster=roster, measures=measures, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            measure = next(
                (m for m in measures if str(m.pk) == data.get("measure")), None
            )
            try:
                session = training.training_session_create(
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
                    measure=measure,
                )
            except ApplicationError as exc:
                _errors_onto(form, exc)
            else:
                messages.success(request, _("Sesión registrada."))
                return redirect(
                    "remediation:training_session_detail", session_id=session.pk
                )
        status = 422
    return render(
        request,
        "remediation/training_session_form.html",
        {"form": form, "roster": roster, "urls": _roster_urls(roster)},
        status=status,
    )


def _session_or_404(request: HttpRequest, session_id: Any) -> TrainingSession:
    return cast(
        TrainingSession,
        _or_404(
            lambda: training.training_session_get(
                user=request.user, session_id=session_id
            )
        ),
    )


def _session_page(
    request: HttpRequest,
    session: TrainingSession,
    *,
    import_form: AttendanceImportForm | None = None,
    import_errors: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    roster = training.session_roster(user=user, session=session)
    attended = list(training.session_attendance(session=session))
    is_future = session.held_on > timezone.localdate()
    can_record = roster.can_manage and not is_future
    checklist = None
    role = request.GET.get("role", "")
    query = " ".join(request.GET.get("q", "").split())[:100]
    if can_record:
        people = training.roster_people(roster=roster)
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
    return render(
        request,
        "remediation/training_session_detail.html",
        {
            "session": session,
            "roster": roster,
            "urls": _roster_urls(roster),
            "attended": attended,
            "is_future": is_future,
            "can_record": can_record,
            "checklist": checklist,
            "ticked": present,
            "shown": ",".join(str(p.pk) for p in checklist) if checklist else "",
            "role": role,
            "q": query,
            "role_choices": _role_choices(roster),
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
        result = training.attendance_set(
            user=_user(request),
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
    url = reverse(
        "remediation:training_session_detail", kwargs={"session_id": session.pk}
    )
    back = {k: v for k in ("role", "q", "page") if (v := request.POST.get(k, ""))}
    return redirect(url + (f"?{urlencode(back)}" if back else "") + "#attendance")


@login_required
@require_POST
def training_attendance_import_view(
    request: HttpRequest, session_id: Any
) -> HttpResponse:
    session = _session_or_404(request, session_id)
    form = AttendanceImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = training.attendance_import(
                user=_user(request), session=session, file=form.cleaned_data["file"]
            )
        except InvalidInput as exc:
            return _session_page(
                request,
                session,
                import_form=form,
                import_errors=_row_errors(exc),
                status=422,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.reasons[0])
        else:
            messages.success(
                request,
                _(
                    "Asistencia importada: %(added)d agregadas, %(already)d ya "
                    "estaban registradas."
                )
                % result.counts(),
            )
            return redirect(
                "remediation:training_session_detail", session_id=session.pk
            )
    return _session_page(request, session, import_form=form, status=422)


# --- Coverage -------------------------------------------------------------------------


def _coverage_page(request: HttpRequest, roster: training.Roster) -> HttpResponse:
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
    coverage = training.coverage_for(
        roster=roster, topics=[topic], working_hours_only=working_hours
    )
    return render(
        request,
        "remediation/training_coverage.html",
        {
            "roster": roster,
            "urls": _roster_urls(roster),
            "form": form,
            "coverage": coverage,
            "topic_label": TrainingTopic(topic).label,
            "working_hours": working_hours,
        },
    )


@login_required
@require_GET
@never_cache
def training_coverage_view(request: HttpRequest, facility_id: Any) -> HttpResponse:
    return _coverage_page(request, _facility_roster(request, facility_id))


@login_required
@require_GET
@never_cache
def training_coverage_organisation_view(
    request: HttpRequest, organisation_id: Any
) -> HttpResponse:
    return _coverage_page(request, _organisation_roster(request, organisation_id))


# --- Sanctions ------------------------------------------------------------------------


def _sanction_or_404(request: HttpRequest, sanction_id: Any) -> SanctionProceeding:
    return cast(
        SanctionProceeding,
        _or_404(
            lambda: sanctions.sanction_get(user=request.user, sanction_id=sanction_id)
        ),
    )


@login_required
@require_GET
@never_cache
def sanction_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    course = None
    if request.GET.get("course"):
        course = _or_404(
            lambda: access.course_get(user=user, course_id=request.GET["course"])
        )
    status = request.GET.get("status", "")
    items = sanctions.sanction_list(
        user=user,
        course=course,
        status=status if status in SanctionStatus.values else None,
    )
    page = Paginator(items, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
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
    user = _user(request)
    if not sanctions.sanction_can_create(user=user):
        raise Http404
    course: Course | None = None
    if request.GET.get("course"):
        course = _or_404(
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
                _errors_onto(form, exc)
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
                user=_user(request), sanction=sanction, **form.values()
            )
        except ApplicationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, _("Cambios guardados."))
            return redirect("remediation:sanction_detail", sanction_id=sanction.pk)
    return _sanction_page(request, sanction, form, status=422)


# --- Sections of the course and measure pages -----------------------------------------


def training_course_section(request: HttpRequest, course: Course) -> str:
    """The course page's training section: coverage of each training measure
    against the facility's roster, with links to the roster and sessions."""
    user = _user(request)
    items = training.course_coverage(course)
    roster = training.roster_for_facility(user=user, facility=course.facility)
    return render_to_string(
        "remediation/training_course_section.html",
        {
            "course": course,
            "items": items,
            "roster": roster,
            "urls": _roster_urls(roster),
            "people": roster.people().filter(active=True).count(),
            "sessions": course.facility.training_sessions.count(),
        },
        request=request,
    )


def sanctions_course_section(request: HttpRequest, course: Course) -> str:
    """The course page's sanctions section: its proceedings, newest first."""
    user = _user(request)
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


def training_measure_section(request: HttpRequest, measure: Measure) -> str:
    """A training measure's page: its coverage and the sessions linked to it."""
    if not entry_for(measure.type).training_topic:
        return ""
    course = measure.course
    item = next(
        (i for i in training.course_coverage(course) if i.measure.pk == measure.pk),
        None,
    )
    roster = training.roster_for_facility(user=_user(request), facility=course.facility)
    return render_to_string(
        "remediation/training_measure_section.html",
        {
            "measure": measure,
            "item": item,
            "roster": roster,
            "urls": _roster_urls(roster),
            "sessions": list(
                measure.training_sessions.annotate(
                    attendance_count=Count("attendance")
                ).order_by("-held_on", "-starts_at")
            ),
        },
        request=request,
    )


def sanctions_measure_section(request: HttpRequest, measure: Measure) -> str:
    """The sanctions measure's page: the course's proceedings."""
    if measure.type != MeasureType.SANCTIONS_PROCEEDINGS:
        return ""
    return sanctions_course_section(request, measure.course)
