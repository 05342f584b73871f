"""Staff pages of RRM petitions (thin: parse, call one service, render).

Every page needs a login and the petition capability; every case comes
through ``selectors.rrm_case_get_for_user``, so another organisation's
petition answers 404 exactly like a missing one. Form actions go through one
helper, ``_action``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for, user_can
from remedia.core.choices import choice_label
from remedia.core.errors import ApplicationError, InvalidInput
from remedia.core.forms import form_data
from remedia.core.hooks import NavItem, Waiting
from remedia.core.kit import capability_require as _require
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
from remedia.core.words import date_words
from remedia.rrm import selectors, services
from remedia.rrm.forms import AdvanceForm, NoteForm, PetitionForm
from remedia.rrm.hooks import petition_sections
from remedia.rrm.labels import STAFF_STEP_LABELS, STATUS_LABELS, STEP_LABELS
from remedia.rrm.models import RrmCase, RrmEvent


def _step_label(step: str) -> str:
    return str(STEP_LABELS.get(step) or STAFF_STEP_LABELS.get(step) or step)


def _status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def petitions_nav(request: HttpRequest) -> NavItem | None:
    if not user_can(user=request.user, capability=Capability.PETITION_READ):
        return None
    return NavItem(
        label=gettext_lazy("Peticiones MLRR"), url=reverse("rrm_staff:list"), order=30
    )


def _case_or_404(request: HttpRequest, case_id: Any) -> RrmCase:
    return or_404(
        lambda: selectors.rrm_case_get_for_user(viewer=request.user, case_id=case_id)
    )


# --- Forms -----------------------------------------------------------------------------


def advance_forms(request: HttpRequest, case: RrmCase) -> list[AdvanceForm]:
    """One form per stage the procedure allows next; a stage's form refused a
    moment ago comes back with what was sent in it (`keep_values`)."""
    kept = kept_values(request)
    return [
        AdvanceForm(kept.get(f"advance-{s}"), case=case, stage=s)
        for s in case.allowed_next()
    ]


# --- Pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    case: RrmCase
    next: selectors.NextStep | None
    step_label: str

    def order(self) -> tuple[int, int]:
        """Overdue first, the most overdue at the top; then the soonest due;
        cases with nothing open last."""
        return (0, self.next.days_left) if self.next else (1, 0)


def _list_rows(
    request: HttpRequest, today: dt.date, order: tuple[Any, ...] | None = None
) -> tuple[list[ListRow], list[ListRow], list[ListRow]]:
    """The organisation's petitions, the drafts nobody holds, the public record;
    in `order` (a `PETITION_SORTS` order) or, without one, next step due first."""
    own = organisations_for(user=request.user, capability=Capability.PETITION_READ)
    ours: list[ListRow] = []
    unassigned: list[ListRow] = []
    record: list[ListRow] = []
    for case in selectors.rrm_case_list_staff(viewer=request.user, order=order):
        upcoming = selectors.next_step(
            selectors.staff_steps(case, today=today), today=today
        )
        row = ListRow(
            case=case,
            next=upcoming,
            step_label=_step_label(upcoming.step) if upcoming else "",
        )
        # The organisation's petitions are the work; the public record is the
        # reference, in its own table, where an undated step is the record's
        # silence rather than anyone's late work.
        if case.organisation_id in own:
            ours.append(row)
        elif case.is_petition and case.organisation_id is None:
            unassigned.append(row)
        elif not case.is_petition:
            record.append(row)
    if order is not None:
        return ours, unassigned, record
    return (
        sorted(ours, key=ListRow.order),
        unassigned,
        sorted(record, key=ListRow.order),
    )


def _overdue(rows: list[ListRow]) -> list[ListRow]:
    return [r for r in rows if r.next is not None and r.next.overdue]


def petitions_waiting(request: HttpRequest) -> list[Waiting]:
    """The organisation's petitions whose next treaty step is overdue: the
    list filtered the same way (`?overdue=1`)."""
    if not user_can(user=request.user, capability=Capability.PETITION_READ):
        return []
    ours, _unassigned, _record = _list_rows(request, timezone.localdate())
    n = len(_overdue(ours))
    return [
        Waiting(
            key="rrm.steps_overdue",
            count=n,
            label=ngettext(
                "petición con un paso vencido", "peticiones con un paso vencido", n
            ),
            url=reverse("rrm_staff:list") + "?overdue=1",
            nav_url=reverse("rrm_staff:list"),
            urgent=n > 0,
            order=30,
        )
    ]


@login_required
@require_GET
@never_cache
def petition_list_view(request: HttpRequest) -> HttpResponse:
    _require(request, Capability.PETITION_READ)
    today = timezone.localdate()
    sorting = sort_read(request.GET, selectors.PETITION_SORTS)
    ours, unassigned, record = _list_rows(request, today, sorting.order)
    overdue_only = request.GET.get("overdue") == "1"
    return render(
        request,
        "rrm/staff/list.html",
        {
            "rows": _overdue(ours) if overdue_only else ours,
            "unassigned": [] if overdue_only else unassigned,
            "record": [] if overdue_only else record,
            "overdue_only": overdue_only,
            "sorting": sorting,
            "can_write": user_can(
                user=request.user, capability=Capability.PETITION_WRITE
            ),
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def petition_create_view(request: HttpRequest) -> HttpResponse:
    _require(request, Capability.PETITION_WRITE)
    form = PetitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.petition_create(user=_user(request), **form.cleaned_data)
        except InvalidInput as exc:
            for error in exc.errors:
                name = error["field"] if error["field"] in form.fields else None
                form.add_error(name, str(error["reason"]))
        except ApplicationError as exc:
            form.add_error(None, exc.reasons[0])
        else:
            messages.success(request, _("Petición creada."))
            return redirect("rrm_staff:detail", case_id=case.pk)
    return render(request, "rrm/staff/create.html", {"form": form})


def _timeline_svg(case: RrmCase, today: dt.date) -> str:
    """The drawing of ``remedia.rrm.drawing`` (the engine's steps), if installed."""
    if importlib.util.find_spec("remedia.rrm.drawing") is None:
        return ""
    drawing = importlib.import_module("remedia.rrm.drawing")
    draw = getattr(drawing, "timeline_svg", None)
    if draw is None:
        return ""
    try:
        return str(
            draw(
                steps=case.timeline(today=today),
                today=today,
                remediation_deadline=case.remediation_deadline,
                title=case.facility_name,
            )
        )
    except TypeError:
        return ""


# --- The petition page: a workspace --------------------------------------------------
#
# A summary column (stage, the treaty's clock for the open steps, who holds
# the petition, the next step due, and the forms that change it, folded in
# <details>) beside tabs for the steps, the documents, the notes, the linked
# course of remediation and the history. A tab is a link (`?tab=documentos`),
# so the page works without JavaScript and only the open tab is read. Every
# action's message is shown beside the form that was sent (`core.placed`).

TAB_STEPS = "pasos"
TAB_DOCUMENTS = "documentos"
TAB_NOTES = "notas"
TAB_COURSE = "curso"
TAB_HISTORY = "historial"
TAB_LABELS = {
    TAB_STEPS: gettext_lazy("Plazos y pasos"),
    TAB_DOCUMENTS: gettext_lazy("Documentos"),
    TAB_NOTES: gettext_lazy("Notas"),
    TAB_COURSE: gettext_lazy("Curso de reparación"),
    TAB_HISTORY: gettext_lazy("Historial"),
}
# The tab each action's place is in; the summary's forms (None) keep the tab
# the user had open.
SECTION_TABS: dict[str, str | None] = {
    "advance": None,
    "publish": None,
    "claim": None,
    "notes": TAB_NOTES,
    "documents": TAB_DOCUMENTS,
}


def _open_steps(steps: list[Any], today: dt.date) -> list[selectors.NextStep]:
    """The steps still waiting, soonest first, each with its days left."""
    return sorted(
        (
            selectors.NextStep(
                step=s.step,
                due=s.due,
                due_business=s.due_business,
                status=s.status,
                days_left=(s.due_business - today).days,
            )
            for s in steps
            if s.status in ("pending", "overdue")
        ),
        key=lambda n: n.due_business,
    )


def _stage_words(stage: Any) -> str:
    return str(choice_label(RrmCase._meta.get_field("stage"), stage))


def _event_text(event: RrmEvent) -> str:
    """One line of the history: what happened, a stage change in words."""
    text = event.get_kind_display()
    data = event.data or {}
    if data.get("to"):
        text = _("%(kind)s: de «%(from)s» a «%(to)s»") % {
            "kind": text,
            "from": _stage_words(data.get("from")),
            "to": _stage_words(data["to"]),
        }
        try:
            day = dt.date.fromisoformat(str(data.get("on")))
        except ValueError:
            return text
        text = _("%(change)s, el %(day)s") % {"change": text, "day": date_words(day)}
    return str(text)


@login_required
@require_GET
@never_cache
def petition_detail_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    _require(request, Capability.PETITION_READ)
    case = _case_or_404(request, case_id)
    today = timezone.localdate()
    placed, general = messages_by_section(request)
    steps = selectors.staff_steps(case, today=today)
    can_write = selectors.rrm_case_can_write(viewer=request.user, case=case)
    mine = can_write or case.organisation_id in organisations_for(
        user=request.user, capability=Capability.PETITION_READ
    )
    tabs = [
        (key, TAB_LABELS[key])
        for key in (TAB_STEPS, TAB_DOCUMENTS, TAB_NOTES, TAB_COURSE, TAB_HISTORY)
        if mine or key in (TAB_STEPS, TAB_COURSE)
    ]
    tab = tab_open(request, tabs, TAB_STEPS)
    waiting = _open_steps(steps, today)
    forms = advance_forms(request, case) if can_write else []
    for form in forms:
        form.placed = placed.get(f"advance-{form.stage}", [])
    context: dict[str, Any] = {
        "case": case,
        "today": today,
        "tab": tab,
        "tabs": tabs,
        "placed": placed,
        "general_messages": general,
        "waiting": [
            {
                "next": n,
                "label": _step_label(n.step),
                "status_label": _status_label(n.status),
            }
            for n in waiting
        ],
        "next": waiting[0] if waiting else None,
        "next_label": _step_label(waiting[0].step) if waiting else "",
        "can_write": can_write,
        "can_claim": case.is_petition
        and case.organisation_id is None
        and user_can(user=request.user, capability=Capability.PETITION_WRITE),
        "advance_forms": forms,
        "note_form": NoteForm(auto_id="note_%s") if can_write else None,
    }
    if tab == TAB_STEPS:
        context["steps"] = [
            {
                "step": s,
                "label": _step_label(s.step),
                "status_label": _status_label(str(s.status)),
            }
            for s in steps
        ]
        context["svg"] = _timeline_svg(case, today)
    elif tab == TAB_DOCUMENTS:
        context["documents"] = list(case.documents.all())
    elif tab == TAB_NOTES:
        context["notes"] = list(case.notes.select_related("author"))
    elif tab == TAB_COURSE:
        context["sections"] = petition_sections(request, case)
    elif tab == TAB_HISTORY:
        context["events"] = [
            (e, _event_text(e)) for e in case.events.select_related("actor")
        ]
    return render(request, "rrm/staff/detail.html", context)


def _action(
    request: HttpRequest,
    case_id: Any,
    act: Callable[[RrmCase, User], str],
    *,
    anchor: str,
    refused_at: Callable[[RrmCase], str] | None = None,
    on_refused: Callable[[RrmCase], None] | None = None,
) -> HttpResponse:
    """A form action on one case: scoped, one message, back to the case page,
    where the message shows beside the form that was sent (`anchor`; a
    refusal where `refused_at` says, given the case as it was) and the page
    lands on it. `on_refused` runs after a refusal (nothing was changed)."""
    _require(request, Capability.PETITION_WRITE)
    case = _case_or_404(request, case_id)
    user = _user(request)
    refused = (refused_at(case) if refused_at else "") or anchor
    done = place(request, lambda: act(case, user), section=anchor, refused_at=refused)
    if not done and on_refused is not None:
        on_refused(case)
    section = anchor if done else refused
    tab = SECTION_TABS.get(anchor) or request.POST.get("tab") or TAB_STEPS
    url = reverse("rrm_staff:detail", kwargs={"case_id": case.pk})
    return redirect(page_url(url, tab=tab, default_tab=TAB_STEPS, section=section))


@login_required
@require_POST
def petition_advance_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    posted = {key.split("-", 1)[0] for key in request.POST if key.endswith("-to_stage")}
    # A refusal shows inside the stage's own form, when the page still has it.
    sent = next(iter(posted)) if len(posted) == 1 else ""

    def advance(case: RrmCase, user: User) -> str:
        if not sent or (stage := sent) not in case.allowed_next():
            raise ApplicationError(
                _("Esa etapa no puede seguir a la actual. Recargue la página.")
            )
        form = AdvanceForm(request.POST, case=case, stage=stage)
        data = form_data(form)
        case = services.petition_advance(
            case=case,
            user=user,
            to_stage=data["to_stage"],
            on=data["on"],
            **form.details(),
        )
        return _("Etapa: %(stage)s.") % {"stage": case.get_stage_display()}

    def keep(case: RrmCase) -> None:
        # The stage's form comes back as it was sent, beside its refusal.
        if sent in case.allowed_next():
            form = AdvanceForm(request.POST, case=case, stage=sent)
            keep_values(request, f"advance-{sent}", form)

    return _action(
        request,
        case_id,
        advance,
        anchor="advance",
        refused_at=lambda case: (
            f"advance-{sent}" if sent in case.allowed_next() else ""
        ),
        on_refused=keep,
    )


@login_required
@require_POST
def petition_publish_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def publish(case: RrmCase, user: User) -> str:
        public = request.POST.get("public") == "1"
        services.petition_publish(case=case, user=user, public=public)
        if public:
            return _("El caso aparece ahora en el registro público.")
        return _("El caso ya no aparece en el registro público.")

    return _action(request, case_id, publish, anchor="publish")


@login_required
@require_POST
def petition_claim_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def claim(case: RrmCase, user: User) -> str:
        services.petition_claim(case=case, user=user)
        return _("El borrador es ahora de su organización.")

    return _action(request, case_id, claim, anchor="claim")


@login_required
@require_POST
def petition_note_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def add(case: RrmCase, user: User) -> str:
        data = form_data(NoteForm(request.POST))
        services.rrm_note_add(case=case, user=user, body=data["body"])
        return _("Nota guardada.")

    return _action(request, case_id, add, anchor="notes")


@login_required
@require_POST
def petition_document_add_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def add(case: RrmCase, user: User) -> str:
        upload = request.FILES.get("file")
        if upload is None or not upload.name:
            raise ApplicationError(_("Elija un archivo."))
        too_large = bool(getattr(upload, "too_large", False))
        services.rrm_document_add(
            case=case,
            user=user,
            name=upload.name,
            data=b"" if too_large else upload.read(),
            too_large=too_large,
        )
        return _("Documento guardado, sin metadatos.")

    return _action(request, case_id, add, anchor="documents")


@login_required
@require_GET
def petition_document_view(
    request: HttpRequest, case_id: Any, document_id: Any
) -> HttpResponse:
    _require(request, Capability.PETITION_READ)
    case = _case_or_404(request, case_id)
    try:
        document = selectors.rrm_document_get_for_user(
            viewer=request.user, case=case, document_id=document_id
        )
        data = services.rrm_document_read(document=document, user=_user(request))
    except ApplicationError:
        raise Http404 from None
    response = HttpResponse(data, content_type=document.content_type)
    response["Content-Disposition"] = "attachment"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def escalations_take_over_view(request: HttpRequest) -> HttpResponse:
    _require(request, Capability.PETITION_WRITE)
    taken = services.escalations_take_over(user=_user(request))
    messages.success(
        request,
        _("Borradores recibidos de casos escalados: %(n)s.") % {"n": taken},
    )
    return redirect("rrm_staff:list")
