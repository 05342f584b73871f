"""The meeting pages: the list, a new meeting, one meeting (participants,
attendance, agenda, minutes, closing), an item's edit and the action made from
a decision or a task, and the minutes as PDF.

Every staff member with coordination reading reads them; the forms show to
those who keep the meeting (coordinators, the group's lead). A refusal is
shown beside the fields (422) or, for a button, as a message where it was.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts.models import Membership, Organisation
from remedia.coordination.forms.meetings import (
    AttendanceForm,
    ItemActionForm,
    ItemForm,
    MeetingEditForm,
    MeetingForm,
    MinutesForm,
    ParticipantForm,
    ParticipantRemoveForm,
    ReorderForm,
    participant_label,
)
from remedia.coordination.models import AgendaItem, Meeting, Outcome
from remedia.coordination.selectors.access import coordination_readable
from remedia.coordination.selectors.meetings import (
    item_get_for_user,
    item_objectives,
    meeting_get_for_user,
    meeting_list,
    meeting_writable,
)
from remedia.coordination.selectors.plan import group_list
from remedia.coordination.services import meetings as services
from remedia.core.errors import ApplicationError, InvalidInput, NotFound
from remedia.core.forms import errors_onto
from remedia.core.kit import or_404, request_user
from remedia.core.pdf import document_language
from remedia.core.placed import messages_by_section, section_tag


def _reader(request: HttpRequest) -> Any:
    user = request_user(request)
    if not coordination_readable(user=user):
        raise Http404
    return user


def _organisations() -> list[Organisation]:
    return list(Organisation.objects.filter(is_active=True).order_by("name"))


def _people() -> list[tuple[Any, Organisation]]:
    rows = (
        Membership.objects.filter(user__is_active=True, organisation__is_active=True)
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__username")
    )
    seen: set[tuple[Any, Any]] = set()
    out = []
    for m in rows:
        if (m.user_id, m.organisation_id) not in seen:
            seen.add((m.user_id, m.organisation_id))
            out.append((m.user, m.organisation))
    return out


def _kept_groups(user: Any) -> list[Any]:
    return [g for g in group_list(viewer=user) if meeting_writable(user=user, group=g)]


def _meeting_or_404(request: HttpRequest, meeting_id: Any) -> Meeting:
    user = _reader(request)
    return or_404(lambda: meeting_get_for_user(user=user, meeting_id=meeting_id))


# --- The list and a new meeting -----------------------------------------------------


@login_required
@require_GET
def meeting_list_view(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    rows = meeting_list(viewer=user)
    group = None
    wanted = request.GET.get("grupo")
    if wanted:
        group = next((g for g in group_list(viewer=user) if str(g.pk) == wanted), None)
        if group is not None:
            rows = rows.filter(group=group)
    return render(
        request,
        "coordination/meeting_list.html",
        {
            "meetings": list(rows[:500]),
            "group": group,
            "can_create": bool(_kept_groups(user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new_view(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    groups = _kept_groups(user)
    if not groups:
        raise DjangoPermissionDenied
    if request.method == "POST":
        form = MeetingForm(request.POST, groups=groups)
        if form.is_valid():
            group = next(g for g in groups if str(g.pk) == form.cleaned_data["group"])
            data = {k: v for k, v in form.cleaned_data.items() if k != "group"}
            try:
                meeting = services.meeting_create(user=user, group=group, data=data)
            except ApplicationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("Reunión registrada."))
                return redirect(meeting.get_absolute_url())
        status = 422
    else:
        form = MeetingForm(
            groups=groups, initial={"group": request.GET.get("grupo", "")}
        )
        status = 200
    return render(
        request, "coordination/meeting_new.html", {"form": form}, status=status
    )


# --- One meeting --------------------------------------------------------------------


def _meeting_page(
    request: HttpRequest,
    meeting: Meeting,
    *,
    status: int = 200,
    **forms_given: Any,
) -> HttpResponse:
    user = request_user(request)
    placed, loose = messages_by_section(request)
    participants = list(meeting.participants.all())
    items = list(meeting.items.all())
    keeper = meeting_writable(user=user, group=meeting.group) and not meeting.closed
    linker = meeting_writable(user=user, group=meeting.group)
    context: dict[str, Any] = {
        "meeting": meeting,
        "participants": [
            {"participant": p, "label": participant_label(p)} for p in participants
        ],
        "attended": sum(1 for p in participants if p.attended),
        "items": [
            {
                "item": i,
                "said": placed.get(f"item-{i.pk}", []),
                "can_act": linker
                and i.outcome != Outcome.INFORMATION
                and i.action_id is None,
            }
            for i in items
        ],
        "keeper": keeper,
        "said": placed,
        "loose_messages": loose,
    }
    if keeper:
        context.update(
            edit_form=forms_given.get("edit_form")
            or MeetingEditForm(
                initial={
                    "title": meeting.title,
                    "held_on": meeting.held_on,
                    "starts_at": meeting.starts_at,
                    "location": meeting.location,
                    "version": meeting.version,
                }
            ),
            minutes_form=forms_given.get("minutes_form")
            or MinutesForm(
                initial={"minutes": meeting.minutes, "version": meeting.version}
            ),
            participant_form=forms_given.get("participant_form")
            or ParticipantForm(organisations=_organisations(), users=_people()),
            attendance_form=AttendanceForm(
                participants=participants,
                initial={"attended": [str(p.pk) for p in participants if p.attended]},
            )
            if participants
            else None,
            item_form=forms_given.get("item_form") or ItemForm(auto_id="new_%s"),
        )
        if len(items) > 1:
            reorder = ReorderForm(item_ids=[str(i.pk) for i in items])
            context["reorder_form"] = reorder
            context["reorder_rows"] = [
                {"field": reorder[f"order-{i.pk}"], "title": i.title} for i in items
            ]
    return render(request, "coordination/meeting_detail.html", context, status=status)


@login_required
@require_GET
def meeting_detail_view(request: HttpRequest, meeting_id: Any) -> HttpResponse:
    return _meeting_page(request, _meeting_or_404(request, meeting_id))


def _refused(request: HttpRequest, exc: ApplicationError, tag: str) -> None:
    for reason in exc.reasons:
        messages.error(request, reason, extra_tags=section_tag(tag))


def _back(meeting: Meeting, anchor: str) -> HttpResponse:
    return redirect(f"{meeting.get_absolute_url()}#{anchor}")


def _guard(request: HttpRequest, meeting: Meeting, tag: str) -> HttpResponse | None:
    """Back to the page with the reason, when the user may not change it now."""
    try:
        services.meeting_change_check(user=request_user(request), meeting=meeting)
    except ApplicationError as exc:
        _refused(request, exc, tag)
        return _back(meeting, tag)
    return None


@login_required
@require_POST
def meeting_edit_view(request: HttpRequest, meeting_id: Any) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    if (refused := _guard(request, meeting, "facts")) is not None:
        return refused
    form = MeetingEditForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.meeting_update(
                user=request_user(request), meeting=meeting, data=data, version=version
            )
        except InvalidInput as exc:
            errors_onto(form, exc)
        except ApplicationError as exc:
            _refused(request, exc, "facts")
            return _back(meeting, "facts")
        else:
            messages.success(
                request, _("Reunión guardada."), extra_tags=section_tag("facts")
            )
            return _back(meeting, "facts")
    return _meeting_page(request, meeting, status=422, edit_form=form)


@login_required
@require_POST
def meeting_minutes_view(request: HttpRequest, meeting_id: Any) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    if (refused := _guard(request, meeting, "minutes")) is not None:
        return refused
    form = MinutesForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_update(
                user=request_user(request),
                meeting=meeting,
                data={"minutes": form.cleaned_data["minutes"]},
                version=form.cleaned_data["version"],
            )
        except InvalidInput as exc:
            errors_onto(form, exc)
        except ApplicationError as exc:
            _refused(request, exc, "minutes")
            return _back(meeting, "minutes")
        else:
            messages.success(
                request, _("Minuta guardada."), extra_tags=section_tag("minutes")
            )
            return _back(meeting, "minutes")
    return _meeting_page(request, meeting, status=422, minutes_form=form)


@login_required
@require_POST
def meeting_close_view(request: HttpRequest, meeting_id: Any) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    if (refused := _guard(request, meeting, "minutes")) is not None:
        return refused
    try:
        services.meeting_close(user=request_user(request), meeting=meeting)
    except ApplicationError as exc:
        _refused(request, exc, "minutes")
    else:
        messages.success(
            request,
            _("Minuta cerrada: la reunión ya no cambia."),
            extra_tags=section_tag("minutes"),
        )
    return _back(meeting, "minutes")


@login_required
@require_POST
def participant_add_view(request: HttpRequest, meeting_id: Any) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    if (refused := _guard(request, meeting, "participants")) is not None:
        return refused
    form = ParticipantForm(
        request.POST, organisations=_organisations(), users=_people()
    )
    if form.is_valid():
        try:
            services.participant_add(
                user=request_user(request),
                meeting=meeting,
                data={
                    "organisation_id": form.cleaned_data["organisation"],
                    "user_id": form.cleaned_data["user"],
                    "name": form.cleaned_data["name"],
                },
            )
        except InvalidInput as exc:
            errors_onto(form, exc, organisation_id="organisation", user_id="user")
        except ApplicationError as exc:
            _refused(request, exc, "participants")
            return _back(meeting, "participants")
        else:
            messages.success(
                request,
                _("Participante agregado."),
                extra_tags=section_tag("participants"),
            )
            return _back(meeting, "participants")
    return _meeting_page(request, meeting, status=422, participant_form=form)


@login_required
@require_POST
def participant_remove_view(request: HttpRequest, meeting_id: Any) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    if (refused := _guard(request, meeting, "participants")) is not None:
        return refused
    form = ParticipantRemoveForm(request.POST)
    participant = None
    if form.is_valid():
        participant = next(
            (
                p
                for p in meeting.participants.all()
                if p.pk == form.cleaned_data["participant"]
            ),
            None,
        )
    if participant is None:
        messages.error(
            request,
            _("Esa persona no participa en esta reunión."),
            extra_tags=section_tag("participants"),
        )
        return _back(meeting, "participants")
    try:
        services.participant_remove(user=request_user(request), participant=participant)
    except ApplicationError as exc:
        _refused(request, exc, "participants")
    else:
        messages.success(
            request, _("Participante quitado."), extra_tags=section_tag("participants")
        )
    return _back(meeting, "participants")


@login_required
@require_POST
def attendance_view(request: HttpRequest, meeting_id: Any) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    if (refused := _guard(request, meeting, "participants")) is not None:
        return refused
    form = AttendanceForm(request.POST, participants=list(meeting.participants.all()))
    if not form.is_valid():
        messages.error(
            request,
            _("Alguna de esas personas no participa en esta reunión."),
            extra_tags=section_tag("participants"),
        )
        return _back(meeting, "participants")
    try:
        services.attendance_set(
            user=request_user(request),
            meeting=meeting,
            attended_ids=form.cleaned_data["attended"],
        )
    except ApplicationError as exc:
        _refused(request, exc, "participants")
    else:
        messages.success(
            request, _("Asistencia guardada."), extra_tags=section_tag("participants")
        )
    return _back(meeting, "participants")


@login_required
@require_POST
def item_add_view(request: HttpRequest, meeting_id: Any) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    if (refused := _guard(request, meeting, "agenda")) is not None:
        return refused
    form = ItemForm(request.POST, auto_id="new_%s")
    if form.is_valid():
        try:
            services.item_add(
                user=request_user(request), meeting=meeting, data=form.cleaned_data
            )
        except InvalidInput as exc:
            errors_onto(form, exc)
        except ApplicationError as exc:
            _refused(request, exc, "agenda")
            return _back(meeting, "agenda")
        else:
            messages.success(
                request, _("Punto agregado."), extra_tags=section_tag("agenda")
            )
            return _back(meeting, "agenda")
    return _meeting_page(request, meeting, status=422, item_form=form)


@login_required
@require_POST
def items_reorder_view(request: HttpRequest, meeting_id: Any) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    if (refused := _guard(request, meeting, "agenda")) is not None:
        return refused
    form = ReorderForm(request.POST, item_ids=[str(i.pk) for i in meeting.items.all()])
    if not form.is_valid():
        messages.error(
            request,
            _("Escriba un número de 0 a 999 para cada punto."),
            extra_tags=section_tag("agenda"),
        )
        return _back(meeting, "agenda")
    try:
        services.items_reorder(
            user=request_user(request), meeting=meeting, item_ids=form.ordered_ids()
        )
    except ApplicationError as exc:
        _refused(request, exc, "agenda")
    else:
        messages.success(
            request, _("Orden del día guardado."), extra_tags=section_tag("agenda")
        )
    return _back(meeting, "agenda")


@login_required
@require_GET
@never_cache
def minutes_pdf_view(request: HttpRequest, meeting_id: Any) -> HttpResponse:
    """The minutes as PDF: ``?lang=es`` (default) or ``en``; audited."""
    meeting = _meeting_or_404(request, meeting_id)
    try:
        language = document_language(request.GET.get("lang"))
    except ApplicationError as exc:
        _refused(request, exc, "minutes")
        return _back(meeting, "minutes")
    pdf = services.minutes_pdf(
        user=request_user(request), meeting=meeting, language=language
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{services.minutes_filename(meeting, language)}"'
    )
    response["Cache-Control"] = "no-store"
    return response


# --- One agenda item ----------------------------------------------------------------


def _item_or_404(request: HttpRequest, item_id: Any) -> AgendaItem:
    user = _reader(request)
    return or_404(lambda: item_get_for_user(user=user, item_id=item_id))


def _item_keeper(request: HttpRequest, item: AgendaItem) -> None:
    if not meeting_writable(user=request_user(request), group=item.meeting.group):
        raise DjangoPermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def item_edit_view(request: HttpRequest, item_id: Any) -> HttpResponse:
    item = _item_or_404(request, item_id)
    meeting = item.meeting
    if request.method == "POST":
        if (refused := _guard(request, meeting, f"item-{item.pk}")) is not None:
            return refused
        form = ItemForm(request.POST)
        if form.is_valid():
            try:
                services.item_update(
                    user=request_user(request), item=item, data=form.cleaned_data
                )
            except InvalidInput as exc:
                errors_onto(form, exc)
            except NotFound:
                raise Http404 from None
            except ApplicationError as exc:
                _refused(request, exc, f"item-{item.pk}")
                return _back(meeting, f"item-{item.pk}")
            else:
                messages.success(
                    request,
                    _("Punto guardado."),
                    extra_tags=section_tag(f"item-{item.pk}"),
                )
                return _back(meeting, f"item-{item.pk}")
        status = 422
    else:
        _item_keeper(request, item)
        if (refused := _guard(request, meeting, f"item-{item.pk}")) is not None:
            return refused
        form = ItemForm(
            initial={
                "title": item.title,
                "notes": item.notes,
                "outcome": item.outcome,
                "outcome_text": item.outcome_text,
            }
        )
        status = 200
    return render(
        request,
        "coordination/meeting_item_edit.html",
        {"item": item, "meeting": meeting, "form": form},
        status=status,
    )


def _action_form(
    request: HttpRequest, item: AgendaItem, data: Any = None
) -> ItemActionForm:
    objectives = list(item_objectives(user=request_user(request), meeting=item.meeting))
    initial = services.item_action_initial(item)
    own = [o for o in objectives if o.group_id == item.meeting.group_id]
    if own:
        initial["objective"] = str(own[0].pk)
    return ItemActionForm(
        data,
        objectives=objectives,
        organisations=_organisations(),
        initial=initial,
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_action_view(request: HttpRequest, item_id: Any) -> HttpResponse:
    """The action of the plan made from a decision or a task (pre-filled)."""
    item = _item_or_404(request, item_id)
    meeting = item.meeting
    if request.method == "GET":
        _item_keeper(request, item)
        if item.action_id is not None:
            return redirect(item.action.get_absolute_url())  # type: ignore[union-attr]
        form = _action_form(request, item)
        status = 200
    else:
        _item_keeper(request, item)
        form = _action_form(request, item, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            objective = (
                item_objectives(user=request_user(request), meeting=meeting)
                .filter(pk=data.pop("objective"))
                .first()
            )
            data["owner_id"] = data.pop("owner")
            for name in ("starts_on", "due_on"):
                data[name] = data[name].isoformat()
            try:
                action = services.item_action_create(
                    user=request_user(request),
                    item=item,
                    objective=objective,
                    data=data,
                )
            except InvalidInput as exc:
                errors_onto(form, exc, owner_id="owner", objective_id="objective")
            except ApplicationError as exc:
                _refused(request, exc, f"item-{item.pk}")
                return _back(meeting, f"item-{item.pk}")
            else:
                messages.success(
                    request,
                    _("Acción creada en el plan a partir del punto «%(item)s».")
                    % {"item": item.title},
                )
                return redirect(action.get_absolute_url())
        status = 422
    return render(
        request,
        "coordination/meeting_item_action.html",
        {
            "item": item,
            "meeting": meeting,
            "form": form,
            "information": item.outcome == Outcome.INFORMATION,
            "cancel": reverse("coordination:meeting", args=[meeting.pk])
            + f"#item-{item.pk}",
        },
        status=status,
    )
