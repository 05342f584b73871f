"""HTML pages of case management for staff (thin: parse, call, render).

Sections:

- Triage: reports not yet in a case, and the bulk actions that make or grow one.
- The case list and the SLA figures.
- The case page and its form actions (one helper, `_case_action`).

Every page needs a login and the case capabilities; every case is fetched
through `selectors.case_get_for_user`, so another organisation's case answers
404 exactly like a missing one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for, user_can
from remedia.cases import selectors, services, sla
from remedia.cases.exports import NAME as CASES_EXPORT
from remedia.cases.forms import (
    AssignForm,
    CaseFilterForm,
    CategoriesForm,
    DocumentForm,
    EscalateForm,
    JoinCaseForm,
    NoteForm,
    ReportersMessageForm,
    SeverityForm,
    StatusForm,
    TaskForm,
    TriageAction,
    TriageForm,
    first_error,
)
from remedia.cases.hooks import case_sections
from remedia.cases.models import (
    TRANSITIONS,
    Case,
    CaseEvent,
    CaseStatus,
    CheckinAnswer,
    ClosureReason,
    EventKind,
    Severity,
)
from remedia.core import exports
from remedia.core.choices import choice_label
from remedia.core.errors import ApplicationError, InvalidInput, NotFound
from remedia.core.forms import form_data
from remedia.core.kit import capability_require as _require
from remedia.core.kit import or_404
from remedia.core.kit import request_user as _user
from remedia.core.pagination import CountedPaginator
from remedia.core.placed import (
    keep_values,
    kept_values,
    messages_by_section,
    page_url,
    place,
    section_anchor,
    section_tag,
)
from remedia.core.sorting import PARAM as SORT_PARAM
from remedia.core.sorting import sort_read
from remedia.core.words import date_words, person_name, span_words
from remedia.facilities.models import Facility
from remedia.facilities.selectors import facility_search
from remedia.intake import selectors as intake_selectors
from remedia.intake import services as intake_services
from remedia.intake.categories import RRM_CATEGORIES, Category
from remedia.intake.models import Channel, Report
from remedia.intake.selectors import report_categories_attach, report_rows

logger = logging.getLogger(__name__)

LIST_PAGE_SIZE = 50
TRIAGE_PAGE_SIZE = 50
# "Unir al caso…" offers the active cases nearest their due time.
JOIN_CASES_SHOWN = 200
FACILITY_RESULTS = 10
# The report page's case section (cases/report_section.html), where its form's
# refusals are shown.
REPORT_CASES_SECTION = "cases"
FIGURE_GROUPS = ("organisation", "facility", "category")


def _case_or_404(request: HttpRequest, case_id: Any) -> Case:
    return or_404(
        lambda: selectors.case_get_for_user(viewer=request.user, case_id=case_id)
    )


# --- Clocks in words ------------------------------------------------------------------

CLOCK_STATE_LABELS = {
    sla.ClockState.RUNNING: gettext_lazy("En plazo"),
    sla.ClockState.DUE_SOON: gettext_lazy("Vence pronto"),
    sla.ClockState.OVERDUE: gettext_lazy("Vencido"),
    sla.ClockState.PAUSED: gettext_lazy("En pausa"),
    sla.ClockState.MET: gettext_lazy("Cumplido a tiempo"),
    sla.ClockState.LATE: gettext_lazy("Cumplido fuera de plazo"),
    sla.ClockState.STOPPED: gettext_lazy("Sin cumplir al cerrar"),
}


@dataclass(frozen=True)
class ClockView:
    """One SLA clock as a page shows it."""

    name: Any
    state: str
    label: Any
    due_at: datetime | None
    done_at: datetime | None
    remaining: timedelta | None

    @property
    def overdue(self) -> bool:
        return self.state == sla.ClockState.OVERDUE

    @property
    def paused(self) -> bool:
        return self.state == sla.ClockState.PAUSED

    @property
    def remaining_text(self) -> str:
        """Time left in words (a paused clock keeps what it had): '3 días'."""
        if self.remaining is None or self.remaining < timedelta(0):
            return ""
        return span_words(self.remaining)

    @property
    def due_text(self) -> str:
        """'vence en 3 días' or 'venció hace 5 horas', from now."""
        if self.due_at is None:
            return ""
        left = self.due_at - timezone.now()
        if left < timedelta(0):
            return _("venció hace %(span)s") % {"span": span_words(-left)}
        return _("vence en %(span)s") % {"span": span_words(left)}


def _view(name: Any, shown: sla.Clock) -> ClockView:
    return ClockView(
        name=name,
        state=str(shown.state),
        label=CLOCK_STATE_LABELS[shown.state],
        due_at=shown.due_at,
        done_at=shown.done_at,
        remaining=shown.remaining,
    )


def _clock(
    name: Any,
    *,
    due_at: datetime | None,
    done_at: datetime | None,
    paused_since: datetime | None,
    now: datetime,
) -> ClockView:
    return _view(
        name,
        sla.clock(due_at=due_at, done_at=done_at, paused_since=paused_since, now=now),
    )


CLOCK_LABELS = {
    "acknowledge": gettext_lazy("Acuse de recibo"),
    "first_response": gettext_lazy("Primera respuesta"),
    "resolution": gettext_lazy("Resolución"),
}


def case_clocks(case: Case, *, now: datetime) -> list[ClockView]:
    """Acknowledge, first response and resolution, each with its state."""
    return [
        _view(CLOCK_LABELS[name], shown)
        for name, shown in selectors.case_clocks(case=case, now=now).items()
    ]


def next_due_clock(case: Case, *, now: datetime) -> ClockView | None:
    """The nearest pending clock of a case (the list's column); None if none."""
    if case.paused_since is not None:
        return ClockView(
            name=gettext_lazy("Próximo plazo"),
            state=str(sla.ClockState.PAUSED),
            label=CLOCK_STATE_LABELS[sla.ClockState.PAUSED],
            due_at=None,
            done_at=None,
            remaining=None,
        )
    if case.next_due_at is None:
        return None
    return _clock(
        gettext_lazy("Próximo plazo"),
        due_at=case.next_due_at,
        done_at=None,
        paused_since=None,
        now=now,
    )


# --- Triage --------------------------------------------------------------------------


def _acknowledge_targets(request: HttpRequest) -> dict[bool, timedelta]:
    """The acknowledge target per urgency for the viewer's organisations.

    A report may reach several of them; the page shows the strictest target,
    so no report looks less late than it is.
    """
    orgs = organisations_for(user=request.user, capability=Capability.CASE_WRITE)
    targets: dict[bool, timedelta] = {}
    for urgent in (True, False):
        found = [
            selectors.sla_targets(organisation_id=org, urgent=urgent).acknowledge
            for org in sorted(orgs, key=str)
        ]
        targets[urgent] = (
            min(found) if found else sla.DEFAULT_TARGETS[urgent].acknowledge
        )
    return targets


@dataclass(frozen=True)
class TriageRow:
    report: Report
    clock: ClockView


def _triage_rows(
    request: HttpRequest, reports: Iterable[Report], *, now: datetime
) -> list[TriageRow]:
    targets = _acknowledge_targets(request)
    return [
        TriageRow(
            report=r,
            clock=_clock(
                gettext_lazy("Acuse de recibo"),
                due_at=r.created_at + targets[r.urgent],
                done_at=r.acknowledged_at,
                paused_since=None,
                now=now,
            ),
        )
        for r in reports
    ]


@login_required
@require_GET
def triage_view(request: HttpRequest) -> HttpResponse:
    _require(request, Capability.CASE_WRITE)
    reports = selectors.triage_list(viewer=request.user)
    page = CountedPaginator(
        reports,
        TRIAGE_PAGE_SIZE,
        count=lambda: selectors.triage_count(viewer=request.user, reports=reports),
        rows=report_rows(viewer=request.user),
    ).get_page(request.GET.get("page"))
    report_categories_attach(list(page.object_list))
    active = selectors.case_join_choices(viewer=request.user, limit=JOIN_CASES_SHOWN)
    return render(
        request,
        "cases/triage.html",
        {
            "page": page,
            "rows": _triage_rows(request, page.object_list, now=timezone.now()),
            "join_form": JoinCaseForm(cases=active) if active else None,
        },
    )


@login_required
@require_POST
def triage_action_view(request: HttpRequest) -> HttpResponse:
    """Open a case with the chosen reports, or add them to an active case."""
    _require(request, Capability.CASE_WRITE)
    form = TriageForm(request.POST)
    back_id = selectors.parse_uuid(request.POST.get("back", ""))
    # From a report's page, a refusal is shown in its case section.
    place = REPORT_CASES_SECTION if back_id else ""
    back = (
        reverse("intake:staff_report", kwargs={"report_id": back_id})
        if back_id
        else reverse("cases:triage")
    ) + section_anchor(place)
    if not form.is_valid():
        messages.error(request, first_error(form), extra_tags=section_tag(place))
        return redirect(back)
    report_ids = request.POST.getlist("report_ids")
    user = _user(request)
    try:
        if form.cleaned_data["action"] == TriageAction.OPEN:
            # Whoever opens the case holds it until they hand it on.
            case = services.case_open(
                report_ids=report_ids, user=user, assign_creator=True
            )
            done = ngettext(
                "Caso %(number)s abierto con %(n)s denuncia.",
                "Caso %(number)s abierto con %(n)s denuncias.",
                len(set(report_ids)),
            )
        else:
            try:
                target = selectors.case_get_for_user(
                    viewer=request.user, case_id=form.cleaned_data["case_id"]
                )
            except NotFound:
                raise InvalidInput(
                    [{"field": "case_id", "reason": _("Elija un caso de la lista.")}]
                ) from None
            case = services.case_reports_add(
                case=target, report_ids=report_ids, user=user
            )
            done = ngettext(
                "%(n)s denuncia unida al caso %(number)s.",
                "%(n)s denuncias unidas al caso %(number)s.",
                len(set(report_ids)),
            )
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0], extra_tags=section_tag(place))
        return redirect(back)
    messages.success(request, done % {"number": case.number, "n": len(set(report_ids))})
    return redirect(case.get_absolute_url())


# --- Case list and figures ----------------------------------------------------------------


def _worker_choices(request: HttpRequest) -> list[tuple[str, str]]:
    orgs = organisations_for(user=request.user, capability=Capability.CASE_READ)
    seen: dict[str, str] = {}
    for org in sorted(orgs, key=str):
        for worker in services.case_workers(organisation_id=org):
            seen.setdefault(str(worker.pk), worker.get_full_name() or worker.username)
    return sorted(seen.items(), key=lambda item: item[1].lower())


def _facility_choices(request: HttpRequest) -> list[tuple[str, str]]:
    """The facilities the viewer's cases are about (the list's facility filter)."""
    return selectors.case_facilities(viewer=request.user)


def _filters(form: CaseFilterForm) -> selectors.CaseFilters:
    return selectors.case_filters_from(form.cleaned_data if form.is_valid() else {})


@dataclass(frozen=True)
class CaseRow:
    case: Case
    clock: ClockView | None


@login_required
@require_GET
def case_list_view(request: HttpRequest) -> HttpResponse:
    _require(request, Capability.CASE_READ)
    form = CaseFilterForm(
        request.GET or None,
        facilities=_facility_choices(request),
        workers=_worker_choices(request),
    )
    filters = _filters(form) if request.GET else selectors.CaseFilters()
    sorting = sort_read(request.GET, selectors.CASE_SORTS)
    page = CountedPaginator(
        selectors.case_list(viewer=request.user, filters=filters, order=sorting.order),
        LIST_PAGE_SIZE,
        count=lambda: selectors.case_count(viewer=request.user, filters=filters),
        rows=selectors.case_rows(viewer=request.user),
    ).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "page": page,
            "sorting": sorting,
            "rows": [CaseRow(case=c, clock=next_due_clock(c, now=now)) for c in page],
            # The export buttons carry the filters the list has on, and its order.
            "export_filters": [
                (name, request.GET[name])
                for name in selectors.CASE_FILTER_NAMES
                if request.GET.get(name)
            ]
            + ([(SORT_PARAM, sorting.value)] if sorting.value else []),
            "filtered": any(
                v not in (None, "")
                for k, v in request.GET.items()
                if k not in ("page", SORT_PARAM)
            ),
            "can_triage": user_can(user=request.user, capability=Capability.CASE_WRITE),
        },
    )


@login_required
@require_POST
def case_export_view(request: HttpRequest) -> HttpResponse:
    """The case list, with the filters it had, as a CSV or XLSX file made by a
    job: a bad filter is the list's own error and nothing is queued."""
    _require(request, Capability.CASE_READ)
    data = {
        name: request.POST[name]
        for name in (*selectors.CASE_FILTER_NAMES, SORT_PARAM)
        if request.POST.get(name)
    }
    back = reverse("cases:list") + (f"?{urlencode(data)}" if data else "")
    sorting = sort_read(data, selectors.CASE_SORTS)
    if sorting.error:
        messages.error(request, sorting.error)
        return redirect(back)
    form = CaseFilterForm(
        data,
        facilities=_facility_choices(request),
        workers=_worker_choices(request),
    )
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    parameters = {
        name: str(form.cleaned_data.get(name) or "")
        for name in selectors.CASE_FILTER_NAMES
        if form.cleaned_data.get(name)
    }
    if sorting.value:
        parameters[SORT_PARAM] = sorting.value
    try:
        job = exports.export_start(
            user=request.user,
            name=CASES_EXPORT,
            file_format=request.POST.get("format", ""),
            parameters=parameters,
        )
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
        return redirect(back)
    return redirect("exports:detail", export_id=job.pk)


@login_required
@require_GET
def figures_view(request: HttpRequest) -> HttpResponse:
    _require(request, Capability.CASE_READ)
    titles = {
        "organisation": gettext_lazy("Por organización"),
        "facility": gettext_lazy("Por centro de trabajo"),
        "category": gettext_lazy("Por categoría"),
    }
    return render(
        request,
        "cases/figures.html",
        {
            "groups": [
                (key, titles[key], selectors.sla_figures(viewer=request.user, by=key))
                for key in FIGURE_GROUPS
            ]
        },
    )


# --- The case page ----------------------------------------------------------------------

_STATUS = dict(CaseStatus.choices)
_SEVERITY = dict(Severity.choices)
_REASON = dict(ClosureReason.choices)
_CATEGORY = dict(Category.choices)
_CHANNEL = dict(Channel.choices)
_CHECKIN = dict(CheckinAnswer.choices)


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _label(choices: dict[str, Any], value: Any) -> str:
    return str(choices.get(value, value or "—"))


def _event_text(
    event: CaseEvent, facilities: dict[str, str], people: dict[str, str] | None = None
) -> str:
    """One timeline line in words: facts and names, never what anyone wrote."""
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.OPENED:
        n = int(data.get("reports") or 0)
        text = ngettext(
            "Caso abierto con %(n)s denuncia.", "Caso abierto con %(n)s denuncias.", n
        ) % {"n": n}
        if data.get("urgent"):
            text += " " + _("Urgente.")
        return text
    if kind == EventKind.REPORT_ADDED:
        return _("Denuncia unida al caso (canal: %(channel)s).") % {
            "channel": _label(_CHANNEL, data.get("channel"))
        }
    if kind == EventKind.STATUS_CHANGED:
        text = _("Estado: %(from)s → %(to)s") % {
            "from": _label(_STATUS, data.get("from")),
            "to": _label(_STATUS, data.get("to")),
        }
        if data.get("reason"):
            text += " " + _("(motivo: %(reason)s)") % {
                "reason": _label(_REASON, data["reason"])
            }
        return text
    if kind == EventKind.ASSIGNED:
        if data.get("username"):
            name = (people or {}).get(data["username"], data["username"])
            return _("Asignado a %(user)s") % {"user": name}
        return _("Quedó sin responsable")
    if kind == EventKind.SEVERITY_CHANGED:
        return _("Gravedad: %(from)s → %(to)s") % {
            "from": _label(_SEVERITY, data.get("from")),
            "to": _label(_SEVERITY, data.get("to")),
        }
    if kind == EventKind.CATEGORIES_CHANGED:
        return _("Categorías: %(from)s → %(to)s") % {
            "from": "; ".join(_label(_CATEGORY, c) for c in data.get("from") or [])
            or "—",
            "to": "; ".join(_label(_CATEGORY, c) for c in data.get("to") or []) or "—",
        }
    if kind == EventKind.FACILITY_CHANGED:
        return _("Centro de trabajo: %(from)s → %(to)s") % {
            "from": facilities.get(str(data.get("from")), "—"),
            "to": facilities.get(str(data.get("to")), "—"),
        }
    if kind == EventKind.TASK_ADDED:
        due = _iso_date(data.get("due_on"))
        return _("Tarea creada para %(owner)s, vence el %(due)s") % {
            "owner": (people or {}).get(
                data.get("owner") or "", data.get("owner", "—")
            ),
            "due": date_words(due) if due else data.get("due_on", "—"),
        }
    if kind == EventKind.MESSAGE_SENT:
        n = int(data.get("reporters") or 0)
        return ngettext(
            "Mensaje enviado a %(n)s persona denunciante",
            "Mensaje enviado a %(n)s personas denunciantes",
            n,
        ) % {"n": n}
    if kind == EventKind.ESCALATED:
        n = int(data.get("documents") or 0)
        return ngettext(
            "Escalado a borrador de petición del MLRR (%(n)s documento)",
            "Escalado a borrador de petición del MLRR (%(n)s documentos)",
            n,
        ) % {"n": n}
    if kind == EventKind.CHECKIN_SENT:
        return _("Pregunta por represalias enviada (a los %(days)s días)") % {
            "days": data.get("days_after", "—")
        }
    if kind == EventKind.CHECKIN_ANSWERED:
        return _("Respuesta sobre represalias (a los %(days)s días): %(answer)s") % {
            "days": data.get("days_after", "—"),
            "answer": _label(_CHECKIN, data.get("answer")),
        }
    if kind == EventKind.REOPENED and data.get("why") == "retaliation":
        return _("Caso reabierto como urgente: represalia informada")
    return str(choice_label(CaseEvent._meta.get_field("kind"), kind))


def _timeline(case: Case) -> list[tuple[CaseEvent, str]]:
    return event_lines(selectors.case_timeline(case=case))


def event_lines(events: list[CaseEvent]) -> list[tuple[CaseEvent, str]]:
    """Events with their line in words; facility and people names looked up
    in one query each, whatever the number of events."""
    facility_ids = {
        str(e.data.get(k))
        for e in events
        if e.kind == EventKind.FACILITY_CHANGED
        for k in ("from", "to")
        if e.data.get(k)
    }
    names = (
        {
            str(pk): name
            for pk, name in Facility.objects.filter(
                pk__in=[selectors.parse_uuid(i) for i in facility_ids]
            ).values_list("pk", "name")
        }
        if facility_ids
        else {}
    )
    # Events keep usernames (what the data had then); people read names.
    usernames = {
        str(e.data.get(k))
        for e in events
        if e.kind in (EventKind.ASSIGNED, EventKind.TASK_ADDED)
        for k in ("username", "owner")
        if e.data.get(k)
    }
    people = (
        {
            u.username: person_name(u)
            for u in User.objects.filter(username__in=usernames)
        }
        if usernames
        else {}
    )
    return [(e, _event_text(e, names, people)) for e in events]


def _worker_choices_for(case: Case) -> list[tuple[str, str]]:
    return [
        (str(w.pk), w.get_full_name() or w.username)
        for w in services.case_workers(organisation_id=case.organisation_id)
    ]


# --- The case page: a workspace ---------------------------------------------------------
#
# A summary column (status, clocks, assignee, facility, next task, and the
# short forms that change them, folded in <details>) beside tabs for the
# reports and their messages, tasks, notes, documents, the escalation and the
# timeline. A tab is a link (`?tab=tareas`), so the page works without
# JavaScript and only the open tab is read and drawn. Every action's message
# is tagged with the section it came from and shown there, focused.

TAB_REPORTS = "denuncias"
TAB_TASKS = "tareas"
TAB_NOTES = "notas"
TAB_DOCUMENTS = "documentos"
TAB_ESCALATE = "mlrr"
TAB_TIMELINE = "historial"
TABS = (TAB_REPORTS, TAB_TASKS, TAB_NOTES, TAB_DOCUMENTS, TAB_ESCALATE, TAB_TIMELINE)
TAB_LABELS = {
    TAB_REPORTS: gettext_lazy("Denuncias y mensajes"),
    TAB_TASKS: gettext_lazy("Tareas"),
    TAB_NOTES: gettext_lazy("Notas"),
    TAB_DOCUMENTS: gettext_lazy("Documentos"),
    TAB_ESCALATE: gettext_lazy("MLRR"),
    TAB_TIMELINE: gettext_lazy("Historial"),
}
# Where each action's message is shown, and which tab shows that place. The
# summary's forms (None) keep whichever tab the user had open.
SECTION_TABS: dict[str, str | None] = {
    "status": None,
    "assign": None,
    "severity": None,
    "categories": None,
    "facility": None,
    "tasks": TAB_TASKS,
    "notes": TAB_NOTES,
    "documents": TAB_DOCUMENTS,
    "message": TAB_REPORTS,
    "escalate": TAB_ESCALATE,
}


def _tab(raw: str | None) -> str:
    return raw if raw in TABS else TAB_REPORTS


def case_page_url(case: Case, *, tab: str, section: str = "") -> str:
    return page_url(
        case.get_absolute_url(), tab=tab, default_tab=TAB_REPORTS, section=section
    )


@dataclass(frozen=True)
class ReportReader:
    """The report the reports tab shows opened: its words and its messages."""

    report: Report
    opened: Any  # intake.services.OpenReport, or None when the key cannot open it


def _report_reader(
    request: HttpRequest, reports: list[Report], wanted: str | None
) -> ReportReader | None:
    """Open one of the case's reports, audited like the report page: the one
    asked for (`?denuncia=`), else the first. One at a time keeps the page's
    cost flat however many reports a case holds."""
    if not reports or not user_can(
        user=request.user, capability=Capability.REPORT_READ
    ):
        return None
    chosen = next((r for r in reports if str(r.pk) == wanted), reports[0])
    try:
        report = intake_selectors.report_get_for_user(
            viewer=request.user, report_id=chosen.pk
        )
    except NotFound:
        return None
    opened = intake_services.staff_report_open(
        report=report,
        user=_user(request),
        user_private_key=keys.request_private_key(request),
    )
    return ReportReader(report=report, opened=opened)


@never_cache
@login_required
@require_GET
def case_detail_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    _require(request, Capability.CASE_READ)
    case = _case_or_404(request, case_id)
    user = _user(request)
    tab = _tab(request.GET.get("tab"))
    placed, general = messages_by_section(request)
    opened = services.case_open_for(
        case=case, user=user, user_private_key=keys.request_private_key(request)
    )
    can_write = case.organisation_id in organisations_for(
        user=request.user, capability=Capability.CASE_WRITE
    )
    codes = [row.code for row in case.category_rows.all()]
    workers = _worker_choices_for(case) if can_write else []
    # A form refused a moment ago comes back as it was sent.
    kept = kept_values(request)
    status_form = StatusForm(kept.get("status"), initial={"status": case.status})
    # The current status first (so the select shows it), then where it may go.
    cast(forms.ChoiceField, status_form.fields["status"]).choices = [
        (case.status, _("%(status)s (actual)") % {"status": case.get_status_display()})
    ] + [(s.value, s.label) for s in CaseStatus if s in TRANSITIONS[case.status]]
    query = " ".join((request.GET.get("fq") or "").split())[:200]
    reports = selectors.case_reports(case=case)
    tasks = selectors.case_tasks(case=case)
    open_tasks = sorted((t for t in tasks if t.done_at is None), key=lambda t: t.due_on)
    escalations = selectors.case_escalations(case=case)
    can_escalate = bool(set(codes) & RRM_CATEGORIES)
    tabs = [
        (key, TAB_LABELS[key], count)
        for key, count in (
            (TAB_REPORTS, len(reports)),
            (TAB_TASKS, len(open_tasks)),
            (TAB_NOTES, len(opened.notes) if opened.unlocked else None),
            (TAB_DOCUMENTS, None),
            (TAB_ESCALATE, len(escalations) or None),
            (TAB_TIMELINE, None),
        )
        if key != TAB_ESCALATE or can_escalate or escalations
    ]
    if tab not in {key for key, _label, _count in tabs}:
        tab = TAB_REPORTS
    context: dict[str, Any] = {
        "case": case,
        "opened": opened,
        "can_write": can_write,
        "tab": tab,
        "tabs": tabs,
        "today": timezone.localdate(),
        "placed": placed,
        "general_messages": general,
        "clocks": case_clocks(case, now=timezone.now()),
        "category_labels": [_label(_CATEGORY, c) for c in codes],
        "reports": reports,
        "tasks": tasks,
        "next_task": open_tasks[0] if open_tasks else None,
        "open_tasks": len(open_tasks),
        "escalations": escalations,
        "sections": case_sections(request, case),
        "can_escalate": can_escalate,
        "escalate_closed": case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED),
        "facility_query": query,
        "facility_results": facility_search(q=query, limit=FACILITY_RESULTS)
        if query and can_write
        else [],
    }
    if tab == TAB_REPORTS:
        context["reader"] = _report_reader(
            request, reports, request.GET.get("denuncia")
        )
    if tab == TAB_DOCUMENTS:
        context["documents"] = (
            opened.documents if opened.unlocked else selectors.case_documents(case=case)
        )
    if tab == TAB_TIMELINE:
        context["timeline"] = _timeline(case)
    if can_write:
        context.update(
            status_form=status_form,
            assign_form=AssignForm(
                workers=workers,
                initial={"assignee_id": str(case.assignee_id or "")},
            ),
            severity_form=SeverityForm(initial={"severity": case.severity}),
            categories_form=CategoriesForm(initial={"categories": codes}),
            note_form=NoteForm(auto_id="note_%s"),
            task_form=TaskForm(
                kept.get("tasks"),
                auto_id="task_%s",
                workers=workers,
                initial={
                    "owner_id": str(user.pk)
                    if any(w[0] == str(user.pk) for w in workers)
                    else ""
                },
            ),
            document_form=DocumentForm(),
            message_form=ReportersMessageForm(auto_id="message_%s"),
            escalate_form=EscalateForm(
                kept.get("escalate"),
                auto_id="escalate_%s",
                documents=[(str(d.id), d.name) for d in opened.documents],
            ),
        )
    return render(request, "cases/detail.html", context)


@login_required
@require_GET
def facility_search_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    """The registry's matches for the facility form (htmx swaps them in)."""
    _require(request, Capability.CASE_WRITE)
    case = _case_or_404(request, case_id)
    query = " ".join((request.GET.get("fq") or "").split())[:200]
    return render(
        request,
        "cases/facility_results.html",
        {
            "case": case,
            "facility_query": query,
            "facility_results": facility_search(q=query, limit=FACILITY_RESULTS)
            if query
            else [],
        },
    )


def _case_action(
    request: HttpRequest,
    case_id: Any,
    act: Callable[[Case, User], str],
    *,
    anchor: str = "",
    sent: Callable[[], forms.BaseForm] | None = None,
) -> HttpResponse:
    """A form action on one case: scoped, one message, back to the case page.

    `act` parses its form, calls one service and returns the success message;
    a refused form or a business rule raises `ApplicationError`, whose reason is
    shown and nothing changes. The message is tagged with the section `anchor`
    names, which shows it beside the form that was sent, and the redirect
    lands on it (the tab that holds it, the fragment of the message). A
    refused form (`sent`, bound to the post) comes back as it was sent; never
    given for a note or a message to the reporter, which are sealed.
    """
    _require(request, Capability.CASE_WRITE)
    case = _case_or_404(request, case_id)
    user = _user(request)
    if not place(request, lambda: act(case, user), section=anchor) and sent:
        keep_values(request, anchor, sent())
    if not anchor:
        return redirect(case.get_absolute_url())
    tab = SECTION_TABS.get(anchor) or _tab(request.POST.get("tab"))
    return redirect(case_page_url(case, tab=tab, section=anchor))


@login_required
@require_POST
def case_status_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def change(case: Case, user: User) -> str:
        data = form_data(StatusForm(request.POST), labelled=False)
        case = services.case_status_change(
            case=case, user=user, status=data["status"], reason=data["reason"] or ""
        )
        return _("Estado: %(status)s.") % {"status": case.get_status_display()}

    return _case_action(
        request,
        case_id,
        change,
        anchor="status",
        sent=lambda: StatusForm(request.POST),
    )


@login_required
@require_POST
def case_assign_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def assign(case: Case, user: User) -> str:
        # The service checks the role; any id reaches it so its reason is shown.
        raw = (request.POST.get("assignee_id") or "").strip()
        case = services.case_update(case=case, user=user, assignee_id=raw or None)
        if case.assignee is None:
            return _("El caso quedó sin responsable.")
        return _("Caso asignado a %(user)s.") % {"user": person_name(case.assignee)}

    return _case_action(request, case_id, assign, anchor="assign")


@login_required
@require_POST
def case_severity_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def change(case: Case, user: User) -> str:
        data = form_data(SeverityForm(request.POST), labelled=False)
        case = services.case_update(case=case, user=user, severity=data["severity"])
        return _("Gravedad: %(severity)s.") % {"severity": case.get_severity_display()}

    return _case_action(request, case_id, change, anchor="severity")


@login_required
@require_POST
def case_categories_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def change(case: Case, user: User) -> str:
        data = form_data(CategoriesForm(request.POST), labelled=False)
        services.case_update(case=case, user=user, categories=data["categories"])
        return _("Categorías actualizadas.")

    return _case_action(request, case_id, change, anchor="categories")


@login_required
@require_POST
def case_facility_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def link(case: Case, user: User) -> str:
        raw = (request.POST.get("facility_id") or "").strip()
        case = services.case_update(case=case, user=user, facility_id=raw or None)
        if case.facility is None:
            return _("El caso ya no está ligado a un centro de trabajo.")
        return _("Caso ligado a %(name)s.") % {"name": case.facility.name}

    return _case_action(request, case_id, link, anchor="facility")


@login_required
@require_POST
def case_note_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def add(case: Case, user: User) -> str:
        data = form_data(NoteForm(request.POST), labelled=False)
        services.case_note_add(case=case, user=user, body=data["body"])
        return _("Nota interna guardada.")

    return _case_action(request, case_id, add, anchor="notes")


@login_required
@require_POST
def case_task_add_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def add(case: Case, user: User) -> str:
        form = TaskForm(request.POST, workers=[])
        # The owner is checked by the service (role and organisation); the form
        # checks only the title's and the date's shape.
        form.fields.pop("owner_id")
        data = form_data(form, labelled=False)
        task = services.case_task_add(
            case=case,
            user=user,
            title=data["title"],
            owner_id=request.POST.get("owner_id", ""),
            due_on=data["due_on"],
        )
        return _("Tarea creada para %(owner)s.") % {"owner": person_name(task.owner)}

    return _case_action(
        request,
        case_id,
        add,
        anchor="tasks",
        sent=lambda: TaskForm(request.POST, workers=[]),
    )


@login_required
@require_POST
def case_task_done_view(
    request: HttpRequest, case_id: Any, task_id: Any
) -> HttpResponse:
    def done(case: Case, user: User) -> str:
        try:
            task = selectors.task_get_for_user(
                viewer=request.user, case=case, task_id=task_id
            )
        except NotFound:
            raise ApplicationError(_("Esa tarea no existe.")) from None
        services.case_task_done(task=task, user=user)
        return _("Tarea completada.")

    return _case_action(request, case_id, done, anchor="tasks")


@login_required
@require_POST
def case_document_add_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def add(case: Case, user: User) -> str:
        upload = request.FILES.get("file")
        if upload is None or not upload.name:
            raise ApplicationError(_("Elija un archivo."))
        too_large = bool(getattr(upload, "too_large", False))
        services.case_document_add(
            case=case,
            user=user,
            name=upload.name,
            data=b"" if too_large else upload.read(),
            too_large=too_large,
        )
        return _("Documento guardado, sin metadatos y cifrado.")

    return _case_action(request, case_id, add, anchor="documents")


@login_required
@require_GET
def case_document_view(
    request: HttpRequest, case_id: Any, document_id: Any
) -> HttpResponse:
    """Decrypt one document for an entitled user; audited; never cached."""
    _require(request, Capability.CASE_READ)
    case = _case_or_404(request, case_id)
    try:
        document = selectors.document_get_for_user(
            viewer=request.user, case=case, document_id=document_id
        )
    except NotFound:
        raise Http404 from None
    opened = services.case_document_open(
        document=document,
        user=_user(request),
        user_private_key=keys.request_private_key(request),
    )
    if opened is None:
        messages.error(
            request,
            _(
                "Su llave no está desbloqueada para este caso: no se puede abrir el "
                "documento."
            ),
        )
        return redirect(case_page_url(case, tab=TAB_DOCUMENTS))
    _meta, data = opened
    response = HttpResponse(data, content_type=document.content_type)
    response["Content-Disposition"] = "attachment"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def case_message_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def send(case: Case, user: User) -> str:
        data = form_data(ReportersMessageForm(request.POST), labelled=False)
        n = services.case_message_reporters(
            case=case,
            user=user,
            body=data["body"],
            user_private_key=keys.request_private_key(request),
        )
        return ngettext(
            "Mensaje enviado a %(n)s persona denunciante.",
            "Mensaje enviado a %(n)s personas denunciantes.",
            n,
        ) % {"n": n}

    return _case_action(request, case_id, send, anchor="message")


@login_required
@require_POST
def case_escalate_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def escalate(case: Case, user: User) -> str:
        ids = request.POST.getlist("document_ids")
        form = EscalateForm(
            request.POST, documents=[(i, i) for i in ids if selectors.parse_uuid(i)]
        )
        data = form_data(form, labelled=False)
        services.case_escalate(
            case=case,
            user=user,
            summary=data["summary"],
            document_ids=data["document_ids"],
        )
        return _(
            "Caso escalado: el borrador de petición quedó para el equipo de peticiones."
        )

    return _case_action(
        request,
        case_id,
        escalate,
        anchor="escalate",
        sent=lambda: EscalateForm(request.POST, documents=[]),
    )
