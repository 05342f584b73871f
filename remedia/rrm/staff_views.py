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
from remedia.core.errors import ApplicationError, InvalidInput
from remedia.core.forms import form_data
from remedia.core.hooks import NavItem, Waiting
from remedia.core.kit import capability_require as _require
from remedia.core.kit import or_404
from remedia.core.kit import request_user as _user
from remedia.rrm import selectors, services
from remedia.rrm.forms import AdvanceForm, NoteForm, PetitionForm
from remedia.rrm.labels import STAFF_STEP_LABELS, STATUS_LABELS, STEP_LABELS
from remedia.rrm.models import RrmCase, RrmEventKind


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


def advance_forms(case: RrmCase, data: Any = None) -> list[AdvanceForm]:
    return [AdvanceForm(data, case=case, stage=s) for s in case.allowed_next()]


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
    request: HttpRequest, today: dt.date
) -> tuple[list[ListRow], list[ListRow], list[ListRow]]:
    """The organisation's petitions, the drafts nobody holds, the public record."""
    own = organisations_for(user=request.user, capability=Capability.PETITION_READ)
    ours: list[ListRow] = []
    unassigned: list[ListRow] = []
    record: list[ListRow] = []
    for case in selectors.rrm_case_list_staff(viewer=request.user):
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
    ours, unassigned, record = _list_rows(request, today)
    overdue_only = request.GET.get("overdue") == "1"
    return render(
        request,
        "rrm/staff/list.html",
        {
            "rows": _overdue(ours) if overdue_only else ours,
            "unassigned": [] if overdue_only else unassigned,
            "record": [] if overdue_only else record,
            "overdue_only": overdue_only,
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


@login_required
@require_GET
@never_cache
def petition_detail_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    _require(request, Capability.PETITION_READ)
    case = _case_or_404(request, case_id)
    today = timezone.localdate()
    steps = selectors.staff_steps(case, today=today)
    can_write = selectors.rrm_case_can_write(viewer=request.user, case=case)
    mine = can_write or case.organisation_id in organisations_for(
        user=request.user, capability=Capability.PETITION_READ
    )
    return render(
        request,
        "rrm/staff/detail.html",
        {
            "case": case,
            "today": today,
            "steps": [
                {
                    "step": s,
                    "label": _step_label(s.step),
                    "status_label": _status_label(str(s.status)),
                }
                for s in steps
            ],
            "svg": _timeline_svg(case, today),
            "can_write": can_write,
            "can_claim": case.is_petition
            and case.organisation_id is None
            and user_can(user=request.user, capability=Capability.PETITION_WRITE),
            "advance_forms": advance_forms(case) if can_write else [],
            "note_form": NoteForm() if can_write else None,
            "events": list(case.events.select_related("actor")) if mine else [],
            "event_labels": dict(RrmEventKind.choices),
            "documents": list(case.documents.all()) if mine else [],
            "notes": list(case.notes.select_related("author")) if mine else [],
        },
    )


def _action(
    request: HttpRequest,
    case_id: Any,
    act: Callable[[RrmCase, User], str],
    *,
    anchor: str = "",
) -> HttpResponse:
    """A form action on one case: scoped, one message, back to the case page."""
    _require(request, Capability.PETITION_WRITE)
    case = _case_or_404(request, case_id)
    try:
        messages.success(request, act(case, _user(request)))
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
    url = reverse("rrm_staff:detail", kwargs={"case_id": case.pk})
    return redirect(url + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def petition_advance_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def advance(case: RrmCase, user: User) -> str:
        posted = {
            key.split("-", 1)[0] for key in request.POST if key.endswith("-to_stage")
        }
        if len(posted) != 1 or (stage := posted.pop()) not in case.allowed_next():
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

    return _action(request, case_id, advance, anchor="advance")


@login_required
@require_POST
def petition_publish_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def publish(case: RrmCase, user: User) -> str:
        public = request.POST.get("public") == "1"
        services.petition_publish(case=case, user=user, public=public)
        if public:
            return _("El caso aparece ahora en el registro público.")
        return _("El caso ya no aparece en el registro público.")

    return _action(request, case_id, publish)


@login_required
@require_POST
def petition_claim_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    def claim(case: RrmCase, user: User) -> str:
        services.petition_claim(case=case, user=user)
        return _("El borrador es ahora de su organización.")

    return _action(request, case_id, claim)


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
